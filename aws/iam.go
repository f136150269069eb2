package aws

import (
	"context"
	"fmt"
	"net/url"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// IAM wraps the IAM calls stackwiz makes for the instances' role and
// instance profile.
type IAM struct{ api iamAPI }

// iamAPI lists only the SDK methods IAM calls.
type iamAPI interface {
	CreateRole(context.Context, *iam.CreateRoleInput, ...func(*iam.Options)) (*iam.CreateRoleOutput, error)
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	DeleteRole(context.Context, *iam.DeleteRoleInput, ...func(*iam.Options)) (*iam.DeleteRoleOutput, error)
	ListRoles(context.Context, *iam.ListRolesInput, ...func(*iam.Options)) (*iam.ListRolesOutput, error)

	AttachRolePolicy(context.Context, *iam.AttachRolePolicyInput, ...func(*iam.Options)) (*iam.AttachRolePolicyOutput, error)
	DetachRolePolicy(context.Context, *iam.DetachRolePolicyInput, ...func(*iam.Options)) (*iam.DetachRolePolicyOutput, error)
	ListAttachedRolePolicies(context.Context, *iam.ListAttachedRolePoliciesInput, ...func(*iam.Options)) (*iam.ListAttachedRolePoliciesOutput, error)
	ListRolePolicies(context.Context, *iam.ListRolePoliciesInput, ...func(*iam.Options)) (*iam.ListRolePoliciesOutput, error)
	DeleteRolePolicy(context.Context, *iam.DeleteRolePolicyInput, ...func(*iam.Options)) (*iam.DeleteRolePolicyOutput, error)

	CreateInstanceProfile(context.Context, *iam.CreateInstanceProfileInput, ...func(*iam.Options)) (*iam.CreateInstanceProfileOutput, error)
	GetInstanceProfile(context.Context, *iam.GetInstanceProfileInput, ...func(*iam.Options)) (*iam.GetInstanceProfileOutput, error)
	DeleteInstanceProfile(context.Context, *iam.DeleteInstanceProfileInput, ...func(*iam.Options)) (*iam.DeleteInstanceProfileOutput, error)
	ListInstanceProfiles(context.Context, *iam.ListInstanceProfilesInput, ...func(*iam.Options)) (*iam.ListInstanceProfilesOutput, error)
	ListInstanceProfilesForRole(context.Context, *iam.ListInstanceProfilesForRoleInput, ...func(*iam.Options)) (*iam.ListInstanceProfilesForRoleOutput, error)
	AddRoleToInstanceProfile(context.Context, *iam.AddRoleToInstanceProfileInput, ...func(*iam.Options)) (*iam.AddRoleToInstanceProfileOutput, error)
	RemoveRoleFromInstanceProfile(context.Context, *iam.RemoveRoleFromInstanceProfileInput, ...func(*iam.Options)) (*iam.RemoveRoleFromInstanceProfileOutput, error)
}

// Role is an IAM role.
type Role struct {
	Name string
	ARN  string
	Path string
	// TrustPolicy is the assume-role policy document, decoded (IAM returns
	// it URL-encoded).
	TrustPolicy string
	Tags        map[string]string
}

// Role returns the named role; ok is false when there is none.
func (c *IAM) Role(ctx context.Context, name string) (Role, bool, error) {
	out, err := c.api.GetRole(ctx, &iam.GetRoleInput{RoleName: sdk.String(name)})
	if err != nil {
		if IsNotFound(err) {
			return Role{}, false, nil
		}
		return Role{}, false, fmt.Errorf("get role %s: %w", name, err)
	}
	return roleOf(out.Role), true, nil
}

// CreateRole creates a role under path with the trust policy, tagged.
func (c *IAM) CreateRole(ctx context.Context, name, path, trustPolicy, description string, tags map[string]string) (Role, error) {
	out, err := c.api.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName: sdk.String(name), Path: sdk.String(path), AssumeRolePolicyDocument: sdk.String(trustPolicy),
		Description: sdk.String(description), Tags: iamTags(tags),
	})
	if err != nil {
		return Role{}, fmt.Errorf("create role %s: %w", name, err)
	}
	return roleOf(out.Role), nil
}

// RolesUnder lists the roles whose path starts with prefix. IAM's listing
// carries no tags; ask Role for them.
func (c *IAM) RolesUnder(ctx context.Context, prefix string) ([]Role, error) {
	var out []Role
	p := iam.NewListRolesPaginator(c.api, &iam.ListRolesInput{PathPrefix: sdk.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list roles under %s: %w", prefix, err)
		}
		for i := range page.Roles {
			out = append(out, roleOf(&page.Roles[i]))
		}
	}
	return out, nil
}

// AttachedPolicies lists the ARNs of the managed policies attached to role.
func (c *IAM) AttachedPolicies(ctx context.Context, role string) ([]string, error) {
	var out []string
	p := iam.NewListAttachedRolePoliciesPaginator(c.api, &iam.ListAttachedRolePoliciesInput{RoleName: sdk.String(role)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list policies attached to role %s: %w", role, err)
		}
		for _, a := range page.AttachedPolicies {
			out = append(out, sdk.ToString(a.PolicyArn))
		}
	}
	return out, nil
}

// AttachPolicy attaches a managed policy; attaching it twice is a no-op.
func (c *IAM) AttachPolicy(ctx context.Context, role, policyARN string) error {
	if _, err := c.api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: sdk.String(role), PolicyArn: sdk.String(policyARN)}); err != nil {
		return fmt.Errorf("attach policy %s to role %s: %w", policyARN, role, err)
	}
	return nil
}

// DetachPolicy detaches a managed policy; one not attached is success.
func (c *IAM) DetachPolicy(ctx context.Context, role, policyARN string) error {
	_, err := c.api.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: sdk.String(role), PolicyArn: sdk.String(policyARN)})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("detach policy %s from role %s: %w", policyARN, role, err)
	}
	return nil
}

// DeleteRole deletes a role and everything IAM wants gone first, in the
// order it documents: out of its instance profiles, managed policies
// detached, inline policies deleted. Not found is success.
func (c *IAM) DeleteRole(ctx context.Context, name string) error {
	profiles := iam.NewListInstanceProfilesForRolePaginator(c.api, &iam.ListInstanceProfilesForRoleInput{RoleName: sdk.String(name)})
	for profiles.HasMorePages() {
		page, err := profiles.NextPage(ctx)
		if err != nil {
			return notFoundOK(fmt.Errorf("list instance profiles of role %s: %w", name, err))
		}
		for _, ip := range page.InstanceProfiles {
			if err := c.RemoveRole(ctx, sdk.ToString(ip.InstanceProfileName), name); err != nil {
				return err
			}
		}
	}
	attached, err := c.AttachedPolicies(ctx, name)
	if err != nil {
		return notFoundOK(err)
	}
	for _, arn := range attached {
		if err := c.DetachPolicy(ctx, name, arn); err != nil {
			return err
		}
	}
	inline := iam.NewListRolePoliciesPaginator(c.api, &iam.ListRolePoliciesInput{RoleName: sdk.String(name)})
	for inline.HasMorePages() {
		page, err := inline.NextPage(ctx)
		if err != nil {
			return notFoundOK(fmt.Errorf("list inline policies of role %s: %w", name, err))
		}
		for _, p := range page.PolicyNames {
			_, err := c.api.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: sdk.String(name), PolicyName: sdk.String(p)})
			if err != nil && !IsNotFound(err) {
				return fmt.Errorf("delete inline policy %s of role %s: %w", p, name, err)
			}
		}
	}
	if _, err := c.api.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: sdk.String(name)}); err != nil {
		return notFoundOK(fmt.Errorf("delete role %s: %w", name, err))
	}
	return nil
}

// InstanceProfile is an IAM instance profile: the wrapper EC2 takes to
// give an instance a role.
type InstanceProfile struct {
	Name  string
	ARN   string
	Path  string
	Roles []string
	Tags  map[string]string
}

// InstanceProfile returns the named profile; ok is false when there is none.
func (c *IAM) InstanceProfile(ctx context.Context, name string) (InstanceProfile, bool, error) {
	out, err := c.api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: sdk.String(name)})
	if err != nil {
		if IsNotFound(err) {
			return InstanceProfile{}, false, nil
		}
		return InstanceProfile{}, false, fmt.Errorf("get instance profile %s: %w", name, err)
	}
	return profileOf(out.InstanceProfile), true, nil
}

// CreateInstanceProfile creates an empty profile under path, tagged.
func (c *IAM) CreateInstanceProfile(ctx context.Context, name, path string, tags map[string]string) (InstanceProfile, error) {
	out, err := c.api.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: sdk.String(name), Path: sdk.String(path), Tags: iamTags(tags),
	})
	if err != nil {
		return InstanceProfile{}, fmt.Errorf("create instance profile %s: %w", name, err)
	}
	return profileOf(out.InstanceProfile), nil
}

// InstanceProfilesUnder lists the profiles whose path starts with prefix
// (without tags; ask InstanceProfile for them).
func (c *IAM) InstanceProfilesUnder(ctx context.Context, prefix string) ([]InstanceProfile, error) {
	var out []InstanceProfile
	p := iam.NewListInstanceProfilesPaginator(c.api, &iam.ListInstanceProfilesInput{PathPrefix: sdk.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list instance profiles under %s: %w", prefix, err)
		}
		for i := range page.InstanceProfiles {
			out = append(out, profileOf(&page.InstanceProfiles[i]))
		}
	}
	return out, nil
}

// AddRole puts role in the profile. A profile holds one role: when it
// already holds this one, IAM answers LimitExceeded, which is success here.
func (c *IAM) AddRole(ctx context.Context, profile, role string) error {
	_, err := c.api.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{
		InstanceProfileName: sdk.String(profile), RoleName: sdk.String(role),
	})
	if err == nil {
		return nil
	}
	if IsCode(err, "LimitExceeded") {
		if ip, ok, gerr := c.InstanceProfile(ctx, profile); gerr == nil && ok && len(ip.Roles) == 1 && ip.Roles[0] == role {
			return nil
		}
	}
	return fmt.Errorf("add role %s to instance profile %s: %w", role, profile, err)
}

// RemoveRole takes role out of the profile; one not there is success.
func (c *IAM) RemoveRole(ctx context.Context, profile, role string) error {
	_, err := c.api.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
		InstanceProfileName: sdk.String(profile), RoleName: sdk.String(role),
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("remove role %s from instance profile %s: %w", role, profile, err)
	}
	return nil
}

// DeleteInstanceProfile removes the profile's roles, then deletes it. Not
// found is success.
func (c *IAM) DeleteInstanceProfile(ctx context.Context, name string) error {
	ip, ok, err := c.InstanceProfile(ctx, name)
	if err != nil || !ok {
		return err
	}
	for _, role := range ip.Roles {
		if err := c.RemoveRole(ctx, name, role); err != nil {
			return err
		}
	}
	if _, err := c.api.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: sdk.String(name)}); err != nil {
		return notFoundOK(fmt.Errorf("delete instance profile %s: %w", name, err))
	}
	return nil
}

func roleOf(r *types.Role) Role {
	if r == nil {
		return Role{}
	}
	doc := sdk.ToString(r.AssumeRolePolicyDocument)
	if d, err := url.QueryUnescape(doc); err == nil {
		doc = d
	}
	out := Role{Name: sdk.ToString(r.RoleName), ARN: sdk.ToString(r.Arn), Path: sdk.ToString(r.Path), TrustPolicy: doc,
		Tags: make(map[string]string, len(r.Tags))}
	for _, t := range r.Tags {
		out.Tags[sdk.ToString(t.Key)] = sdk.ToString(t.Value)
	}
	return out
}

func profileOf(p *types.InstanceProfile) InstanceProfile {
	if p == nil {
		return InstanceProfile{}
	}
	out := InstanceProfile{Name: sdk.ToString(p.InstanceProfileName), ARN: sdk.ToString(p.Arn), Path: sdk.ToString(p.Path),
		Tags: make(map[string]string, len(p.Tags))}
	for _, r := range p.Roles {
		out.Roles = append(out.Roles, sdk.ToString(r.RoleName))
	}
	for _, t := range p.Tags {
		out.Tags[sdk.ToString(t.Key)] = sdk.ToString(t.Value)
	}
	return out
}

func iamTags(tags map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	return out
}

// notFoundOK turns a not-found error into success: what a delete wanted gone
// is gone.
func notFoundOK(err error) error {
	if IsNotFound(err) {
		return nil
	}
	return err
}
