package steps

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// iamStep makes the role the instances run as: a role EC2 may assume, the
// spec's managed policies attached, and an instance profile of the same
// name holding it (the wrapper EC2 takes).
type iamStep struct{}

// The keys of the step's resources.
const (
	iamRoleKey    = "iam/role"
	iamProfileKey = "iam/instance-profile"
)

// iamTrustPolicy lets EC2 instances assume the role (DOMAIN.md, IAM).
const iamTrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func (iamStep) ID() StepID    { return StepIAM }
func (iamStep) Title() string { return "IAM role" }
func (iamStep) Why() string {
	return "The role comes first: instances launched without it end up with access keys copied onto them. " +
		"A new instance profile takes seconds to a couple of minutes to reach EC2; launches that use it retry until it has."
}
func (iamStep) Enabled(s *spec.Spec) bool { return true }
func (iamStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepIdentity}
}

// iamRoleName is the role (and instance profile) name.
func iamRoleName(s *spec.Spec) string {
	if s.IAM.RoleName != "" {
		return s.IAM.RoleName
	}
	return s.DefaultRoleName()
}

// iamPath is the IAM path of the stack's role and profile. It keeps them
// apart from the account's other roles, so destroy and adopt list the
// stack's own (ListRoles carries no tags) instead of reading every role's.
func iamPath(stack string) string { return "/stackwiz/" + stack + "/" }

// iamAWSManagedARN matches an AWS managed policy at the root path, which the
// spec may name by its bare name.
var iamAWSManagedARN = regexp.MustCompile(`^arn:[a-z-]+:iam::aws:policy/([A-Za-z0-9+=,.@_-]+)$`)

// iamPolicyKey is how an entry of iam.managed_policies (a name or an ARN)
// and an attached policy ARN compare: the bare name for AWS managed
// policies at the root path, whatever the partition; the ARN otherwise.
func iamPolicyKey(policy string) string {
	if m := iamAWSManagedARN.FindStringSubmatch(policy); m != nil {
		return m[1]
	}
	return policy
}

// iamPolicies is the recorded form of a list of policies: their keys,
// sorted, comma-separated.
func iamPolicies(policies []string) string {
	var keys []string
	for _, p := range policies {
		if k := iamPolicyKey(p); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}

func (iamStep) Desired(s *spec.Spec) []Desired {
	name := iamRoleName(s)
	return []Desired{
		{Key: iamRoleKey, Type: "iam:role", Name: name,
			Attrs:   map[string]string{"name": name, "policies": iamPolicies(s.IAM.ManagedPolicies)},
			Replace: []string{"name"}},
		{Key: iamProfileKey, Type: "iam:instance-profile", Name: name,
			Attrs:   map[string]string{"name": name, "role": name},
			Replace: []string{"name"}},
	}
}

// iamPartition returns the partition of an ARN ("aws", "aws-cn",
// "aws-us-gov"), "aws" when there is none.
func iamPartition(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[0] == "arn" && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

func (st iamStep) Apply(ctx context.Context, r *Run) error {
	ds := st.Desired(r.Spec)
	name := iamRoleName(r.Spec)
	partition := iamPartition(r.Output(StepIdentity, "caller_arn"))
	var arns []string
	for _, p := range r.Spec.IAM.ManagedPolicies {
		arns = append(arns, spec.PolicyARN(p, partition))
	}
	role, err := r.Ensure(ctx, ds[0], Ops{
		Find: func(ctx context.Context) (Found, bool, error) { return iamFindRole(ctx, r, name) },
		Create: func(ctx context.Context, _ string) (Found, error) {
			created, err := r.AWS.IAM.CreateRole(ctx, name, iamPath(r.Spec.Name), iamTrustPolicy,
				"stackwiz "+r.Spec.Name+": the role of the app instances", r.Tags(iamRoleKey, name))
			if aws.IsCode(err, "EntityAlreadyExists") {
				return iamTakeOver(ctx, r, name, iamFindRole)
			}
			if err != nil {
				return Found{}, err
			}
			return Found{ID: created.Name, ARN: created.ARN}, nil
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			return Found{}, iamSyncPolicies(ctx, r, cur.ID, arns)
		},
	})
	if err != nil {
		return err
	}
	// Every apply: attach what the spec names and detach what it no longer
	// does, also after a crash between creating the role and attaching, or
	// after a change made outside stackwiz.
	if err := iamSyncPolicies(ctx, r, role.ID, arns); err != nil {
		return err
	}

	profile, err := r.Ensure(ctx, ds[1], Ops{
		Find: func(ctx context.Context) (Found, bool, error) { return iamFindProfile(ctx, r, name) },
		Create: func(ctx context.Context, _ string) (Found, error) {
			created, err := r.AWS.IAM.CreateInstanceProfile(ctx, name, iamPath(r.Spec.Name), r.Tags(iamProfileKey, name))
			if aws.IsCode(err, "EntityAlreadyExists") {
				return iamTakeOver(ctx, r, name, iamFindProfile)
			}
			if err != nil {
				return Found{}, err
			}
			r.Info("instance profile %s is new: IAM takes seconds to a couple of minutes to make it usable by EC2; "+
				"the launches that use it (the AMI builder, the Auto Scaling group) retry until it is", name)
			return Found{ID: created.Name, ARN: created.ARN}, nil
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			return Found{}, iamSyncProfileRole(ctx, r, cur.ID, role.ID)
		},
	})
	if err != nil {
		return err
	}
	if err := iamSyncProfileRole(ctx, r, profile.ID, role.ID); err != nil {
		return err
	}
	return r.SetOutputs(map[string]string{
		"role_name": role.ID, "role_arn": role.ARN,
		"instance_profile_name": profile.ID, "instance_profile_arn": profile.ARN,
	})
}

// iamFindRole finds the stack's role by its name, which IAM keeps unique in
// the account; a role of that name that is not this stack's is an error.
func iamFindRole(ctx context.Context, r *Run, name string) (Found, bool, error) {
	role, ok, err := r.AWS.IAM.Role(ctx, name)
	if err != nil || !ok {
		return Found{}, false, err
	}
	if err := iamOwned("role", name, role.Tags, r.Spec.Name); err != nil {
		return Found{}, false, err
	}
	return Found{ID: role.Name, ARN: role.ARN}, true, nil
}

// iamFindProfile finds the stack's instance profile by its name.
func iamFindProfile(ctx context.Context, r *Run, name string) (Found, bool, error) {
	ip, ok, err := r.AWS.IAM.InstanceProfile(ctx, name)
	if err != nil || !ok {
		return Found{}, false, err
	}
	if err := iamOwned("instance profile", name, ip.Tags, r.Spec.Name); err != nil {
		return Found{}, false, err
	}
	return Found{ID: ip.Name, ARN: ip.ARN}, true, nil
}

// iamTakeOver answers a create that IAM refused because the name exists:
// the stack's own (an earlier run created it and lost the answer) is taken
// over; anyone else's is an error naming the field to change.
func iamTakeOver(ctx context.Context, r *Run, name string, find func(context.Context, *Run, string) (Found, bool, error)) (Found, error) {
	f, ok, err := find(ctx, r, name)
	if err != nil {
		return Found{}, err
	}
	if !ok {
		return Found{}, fmt.Errorf("%s exists but cannot be read back: run apply again", name)
	}
	return f, nil
}

// iamOwned checks that an IAM entity carries the stack's tag.
func iamOwned(what, name string, tags map[string]string, stack string) error {
	if tags[TagStack] == stack {
		return nil
	}
	owner := "was not created by stackwiz"
	if s := tags[TagStack]; s != "" {
		owner = "belongs to stackwiz stack " + s
	}
	return fmt.Errorf("iam.role_name: an IAM %s named %s already exists and %s; "+
		"choose another iam.role_name (IAM names are unique in the account), or delete that %s if nothing uses it", what, name, owner, what)
}

// iamSyncPolicies attaches the managed policies in want that the role
// lacks and detaches the ones it has that want does not name.
func iamSyncPolicies(ctx context.Context, r *Run, role string, want []string) error {
	have, err := r.AWS.IAM.AttachedPolicies(ctx, role)
	if err != nil {
		return err
	}
	haveKeys := map[string]bool{}
	for _, a := range have {
		haveKeys[iamPolicyKey(a)] = true
	}
	wantKeys := map[string]bool{}
	for _, arn := range want {
		wantKeys[iamPolicyKey(arn)] = true
		if haveKeys[iamPolicyKey(arn)] {
			continue
		}
		if err := r.AWS.IAM.AttachPolicy(ctx, role, arn); err != nil {
			if aws.IsNotFound(err) || aws.IsCode(err, "InvalidInput") {
				return fmt.Errorf("iam.managed_policies: %s is not a managed policy this account can attach (%w); "+
					"check the name in the IAM console's Policies page, or write the policy's full ARN", arn, err)
			}
			return err
		}
		r.Info("attached %s to role %s", arn, role)
	}
	for _, arn := range have {
		if !wantKeys[iamPolicyKey(arn)] {
			if err := r.AWS.IAM.DetachPolicy(ctx, role, arn); err != nil {
				return err
			}
			r.Info("detached %s from role %s: iam.managed_policies does not name it", arn, role)
		}
	}
	return nil
}

// iamSyncProfileRole makes role the profile's one role. Adding a role
// starts IAM's propagation window again.
func iamSyncProfileRole(ctx context.Context, r *Run, profile, role string) error {
	ip, ok, err := r.AWS.IAM.InstanceProfile(ctx, profile)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("instance profile %s is gone: run apply again to create it", profile)
	}
	if slices.Equal(ip.Roles, []string{role}) {
		return nil
	}
	for _, other := range ip.Roles {
		if other != role {
			if err := r.AWS.IAM.RemoveRole(ctx, profile, other); err != nil {
				return err
			}
		}
	}
	if err := r.AWS.IAM.AddRole(ctx, profile, role); err != nil {
		return err
	}
	r.Info("role %s added to instance profile %s", role, profile)
	return nil
}

// Script writes the step as AWS CLI commands.
func (st iamStep) Script(s *spec.Spec, w *Script) {
	name := iamRoleName(s)
	path := iamPath(s.Name)
	tags := func(key string) string {
		t := StackTags(s.Name, StepIAM, key, name)
		var parts []string
		for _, k := range []string{TagStack, TagStep, TagKey, "Name"} {
			parts = append(parts, "Key="+k+",Value="+t[k])
		}
		return strings.Join(parts, " ")
	}
	w.Line("aws iam create-role --role-name %s --path %s \\\n  --assume-role-policy-document %s \\\n  --tags %s",
		shellQuote(name), path, shellQuote(iamTrustPolicy), tags(iamRoleKey))
	for _, p := range s.IAM.ManagedPolicies {
		w.Line("aws iam attach-role-policy --role-name %s --policy-arn %s", shellQuote(name), shellQuote(spec.PolicyARN(p, "aws")))
	}
	w.Line("aws iam create-instance-profile --instance-profile-name %s --path %s \\\n  --tags %s", shellQuote(name), path, tags(iamProfileKey))
	w.Line("aws iam add-role-to-instance-profile --instance-profile-name %s --role-name %s", shellQuote(name), shellQuote(name))
	w.Capture("INSTANCE_PROFILE_ARN", "aws iam get-instance-profile --instance-profile-name "+shellQuote(name), "InstanceProfile.Arn")
	w.Comment("IAM is eventually consistent: for a minute or two EC2 may refuse a launch that names the new profile;")
	w.Comment("retry such a launch (stackwiz does) rather than sleeping a fixed time.")
}

func iamKinds() []Kind {
	return []Kind{
		{
			Type: "iam:role", Order: 82, Global: true,
			Manual: func(r state.Resource) string {
				return "aws iam delete-role --role-name " + shellQuote(firstOf(r.Attrs["name"], r.ID)) + "  # after detach-role-policy for each attached policy"
			},
			Describe: func(ctx context.Context, t Target) (Observed, error) {
				name := firstOf(t.Resource.ID, t.Resource.Attrs["name"])
				role, ok, err := t.AWS.IAM.Role(ctx, name)
				if err != nil || !ok {
					return Observed{}, err
				}
				attached, err := t.AWS.IAM.AttachedPolicies(ctx, name)
				if err != nil {
					return Observed{}, err
				}
				obs := Observed{Exists: true, State: "exists", Healthy: true,
					Attrs: map[string]string{"name": role.Name, "policies": iamPolicies(attached)}}
				if !strings.Contains(role.TrustPolicy, "ec2.amazonaws.com") {
					obs.Healthy = false
					obs.Problem = "its trust policy no longer lets EC2 assume it, so instances get no credentials: " +
						"restore it with `aws iam update-assume-role-policy`, or delete the role and run apply"
				}
				return obs, nil
			},
			Delete: func(ctx context.Context, t Target) error {
				return t.AWS.IAM.DeleteRole(ctx, firstOf(t.Resource.ID, t.Resource.Attrs["name"]))
			},
			List: func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
				roles, err := c.IAM.RolesUnder(ctx, iamPath(stack))
				if err != nil {
					return nil, err
				}
				var out []Found
				for _, listed := range roles {
					role, ok, err := c.IAM.Role(ctx, listed.Name) // the listing carries no tags
					if err != nil {
						return nil, err
					}
					if !ok || role.Tags[TagStack] != stack {
						continue
					}
					attached, err := c.IAM.AttachedPolicies(ctx, role.Name)
					if aws.IsNotFound(err) {
						continue // deleted between the listing and now
					}
					if err != nil {
						return nil, err
					}
					out = append(out, Found{ID: role.Name, ARN: role.ARN, Key: role.Tags[TagKey], Step: StepID(role.Tags[TagStep]),
						Type: "iam:role", Attrs: map[string]string{"name": role.Name, "policies": iamPolicies(attached)}})
				}
				return out, nil
			},
		},
		{
			Type: "iam:instance-profile", Order: 80, Global: true,
			// The role leaves the profile first.
			Manual: func(r state.Resource) string {
				return "aws iam remove-role-from-instance-profile --instance-profile-name " + shellQuote(r.ID) + " --role-name " + shellQuote(r.Attrs["role"]) +
					" && aws iam delete-instance-profile --instance-profile-name " + shellQuote(r.ID)
			},
			Describe: func(ctx context.Context, t Target) (Observed, error) {
				ip, ok, err := t.AWS.IAM.InstanceProfile(ctx, firstOf(t.Resource.ID, t.Resource.Attrs["name"]))
				if err != nil || !ok {
					return Observed{}, err
				}
				obs := Observed{Exists: true, State: "exists", Healthy: len(ip.Roles) == 1,
					Attrs: map[string]string{"name": ip.Name, "role": strings.Join(ip.Roles, ",")}}
				if len(ip.Roles) == 0 {
					obs.Problem = "it holds no role, so instances launched with it get no credentials: run apply to put the role back"
				}
				return obs, nil
			},
			Delete: func(ctx context.Context, t Target) error {
				return t.AWS.IAM.DeleteInstanceProfile(ctx, firstOf(t.Resource.ID, t.Resource.Attrs["name"]))
			},
			List: func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
				listed, err := c.IAM.InstanceProfilesUnder(ctx, iamPath(stack))
				if err != nil {
					return nil, err
				}
				var out []Found
				for _, l := range listed {
					ip, ok, err := c.IAM.InstanceProfile(ctx, l.Name)
					if err != nil {
						return nil, err
					}
					if !ok || ip.Tags[TagStack] != stack {
						continue
					}
					out = append(out, Found{ID: ip.Name, ARN: ip.ARN, Key: ip.Tags[TagKey], Step: StepID(ip.Tags[TagStep]),
						Type: "iam:instance-profile", Attrs: map[string]string{"name": ip.Name, "role": strings.Join(ip.Roles, ",")}})
				}
				return out, nil
			},
		},
	}
}
