package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// autoscalingStep is the Auto Scaling group: it launches instances from the
// launch template into the subnets, registers them with the target group,
// replaces those the load balancer finds unhealthy, and keeps the average
// CPU near the spec's target.
type autoscalingStep struct{}

// The resources of the autoscaling step.
const (
	asgKeyGroup  = "autoscaling/group"
	asgKeyPolicy = "autoscaling/policy/cpu"

	typeASGGroup  = "autoscaling:group"
	typeASGPolicy = "autoscaling:policy"
)

// refreshMinHealthyPercent is the share of the desired capacity an instance
// refresh keeps in service: AWS's default (90), which on a group of two
// replaces one instance at a time (it always replaces at least one).
// MaxHealthyPercentage stays at AWS's 100: terminate, then launch, so a
// refresh never pays for more instances than the group holds.
const refreshMinHealthyPercent = 90

func (autoscalingStep) ID() StepID    { return StepAutoscaling }
func (autoscalingStep) Title() string { return "Auto Scaling group" }
func (autoscalingStep) Why() string {
	return "The group launches from the template into the target group, with its termination policy set on purpose."
}
func (autoscalingStep) Enabled(s *spec.Spec) bool { return true }
func (autoscalingStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepNetwork, StepLaunchTemplate, StepLoadBalancer}
}

// asgName is the group's name: one group per stack.
func asgName(s *spec.Spec) string { return s.Name + "-asg" }

// asgPolicyName is the target tracking policy's name.
func asgPolicyName(s *spec.Spec) string { return s.Name + "-cpu" }

// asgTerminationPolicies are the policies set on the group: always an
// explicit list, never AWS's implicit default (a hand-built instance attached to a
// group is lost to the policy nobody chose).
func asgTerminationPolicies(s *spec.Spec) []string {
	if len(s.Autoscaling.TerminationPolicies) == 0 {
		return []string{"Default"}
	}
	return s.Autoscaling.TerminationPolicies
}

// asgWarmupSeconds is the group's DefaultInstanceWarmup: how long a new
// instance needs before its metrics count for scaling and before an
// instance refresh moves on. The spec's grace period is exactly that time
// (boot + app start), so the two are the same number; AWS recommends
// setting a default warmup on every group.
func asgWarmupSeconds(s *spec.Spec) int { return s.Autoscaling.HealthCheckGraceSeconds }

func (autoscalingStep) Desired(s *spec.Spec) []Desired {
	a := s.Autoscaling
	ds := []Desired{{
		Key: asgKeyGroup, Type: typeASGGroup, Name: asgName(s),
		Attrs: map[string]string{
			"min":                        strconv.Itoa(a.Min),
			"desired":                    strconv.Itoa(a.Desired),
			"max":                        strconv.Itoa(a.Max),
			"termination_policies":       strings.Join(asgTerminationPolicies(s), ","),
			"health_check_type":          "ELB",
			"health_check_grace_seconds": strconv.Itoa(a.HealthCheckGraceSeconds),
			"default_instance_warmup":    strconv.Itoa(asgWarmupSeconds(s)),
		},
	}}
	if a.CPUTargetPercent > 0 {
		ds = append(ds, Desired{
			Key: asgKeyPolicy, Type: typeASGPolicy, Name: asgPolicyName(s),
			Attrs: map[string]string{
				"group":              asgName(s),
				"cpu_target_percent": strconv.Itoa(a.CPUTargetPercent),
			},
			// A policy belongs to one group: another group means another policy.
			Replace: []string{"group"},
		})
	}
	return ds
}

// asgInputs are what the group takes from the steps before it.
type asgInputs struct {
	templateID, templateVersion string
	subnets                     []string
	publicSubnets               bool
	targetGroup                 string
}

func readASGInputs(r *Run) (asgInputs, error) {
	in := asgInputs{
		templateID:      r.Output(StepLaunchTemplate, "launch_template_id"),
		templateVersion: r.Output(StepLaunchTemplate, "launch_template_version"),
		targetGroup:     r.Output(StepLoadBalancer, "tg_arn"),
	}
	in.subnets = splitList(r.Output(StepNetwork, "private_subnets"))
	if len(in.subnets) == 0 {
		in.subnets, in.publicSubnets = splitList(r.Output(StepNetwork, "public_subnets")), true
	}
	var missing []string
	for name, v := range map[string]string{
		"launch_template.launch_template_id": in.templateID, "launch_template.launch_template_version": in.templateVersion,
		"load_balancer.tg_arn": in.targetGroup,
	} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(in.subnets) == 0 {
		missing = append(missing, "network.private_subnets or network.public_subnets")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return in, fmt.Errorf("the group needs outputs the earlier steps have not recorded: %s; run apply so those steps finish first",
			strings.Join(missing, ", "))
	}
	return in, nil
}

// splitList splits a comma-separated output, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// sortedList joins ids in sorted order: the record compares sets.
func sortedList(ids []string) string {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	return strings.Join(ids, ",")
}

func (st autoscalingStep) Apply(ctx context.Context, r *Run) error {
	in, err := readASGInputs(r)
	if err != nil {
		return err
	}
	if in.publicSubnets {
		r.Warn("the network has no private subnets (nat: none or the default VPC), so the group launches into the public subnets " +
			"and its instances get public IP addresses; their security group still admits only the load balancer on the app port. " +
			"Use network.nat: single for private instances")
	}
	s := r.Spec
	d := st.Desired(s)[0]
	d.Attrs["launch_template_id"] = in.templateID
	d.Attrs["launch_template_version"] = in.templateVersion
	d.Attrs["subnets"] = sortedList(in.subnets)
	d.Attrs["target_groups"] = in.targetGroup
	cfg := func(desired *int) aws.GroupConfig {
		return aws.GroupConfig{
			Name: asgName(s), LaunchTemplateID: in.templateID, LaunchTemplateVersion: in.templateVersion,
			Min: s.Autoscaling.Min, Max: s.Autoscaling.Max, Desired: desired,
			Subnets: in.subnets, TargetGroupARNs: []string{in.targetGroup},
			HealthCheckType: "ELB", GraceSeconds: s.Autoscaling.HealthCheckGraceSeconds, WarmupSeconds: asgWarmupSeconds(s),
			TerminationPolicies: asgTerminationPolicies(s), Tags: asgTags(r),
		}
	}
	find := func(ctx context.Context) (Found, bool, error) {
		g, ok, err := r.AWS.ASG.Group(ctx, asgName(s))
		if err != nil || !ok || g.Deleting() {
			return Found{}, false, err
		}
		if g.Tags[TagStack] != s.Name {
			return Found{}, false, fmt.Errorf("an Auto Scaling group named %s already exists and is not tagged %s=%s: "+
				"it belongs to something else; delete or rename it, or rename the stack", g.Name, TagStack, s.Name)
		}
		return Found{ID: g.Name, ARN: g.ARN}, true, nil
	}
	prior, known := r.Recorded(asgKeyGroup)
	rec, err := r.Ensure(ctx, d, Ops{
		Find: find,
		Create: func(ctx context.Context, _ string) (Found, error) {
			// A group of this name still being deleted (destroy, then apply
			// at once) holds the name until its instances are gone.
			if g, ok, err := r.AWS.ASG.Group(ctx, asgName(s)); err != nil {
				return Found{}, beforeCreateError{err}
			} else if ok && g.Deleting() {
				if err := r.Wait(ctx, asgKeyGroup, "the previous group "+g.Name+" to finish deleting", 0, func(ctx context.Context) (bool, error) {
					_, ok, err := r.AWS.ASG.Group(ctx, g.Name)
					return !ok, err
				}); err != nil {
					return Found{}, beforeCreateError{err}
				}
			}
			desired := s.Autoscaling.Desired
			err := r.RetryIAM(ctx, "create Auto Scaling group "+asgName(s), func(ctx context.Context) error {
				return r.AWS.ASG.CreateGroup(ctx, cfg(&desired))
			})
			if aws.IsCode(err, "AlreadyExists") {
				// No create is in the record, yet the name is taken: ours
				// from a lost record (adopt would find it), or someone else's.
				if f, ok, ferr := find(ctx); ferr != nil || ok {
					return f, ferr
				}
			}
			if err != nil {
				return Found{}, err
			}
			g, ok, err := r.AWS.ASG.Group(ctx, asgName(s))
			if err != nil {
				return Found{}, err
			}
			if !ok {
				return Found{ID: asgName(s)}, nil
			}
			return Found{ID: g.Name, ARN: g.ARN}, nil
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			return st.update(ctx, r, cur, d, cfg)
		},
	})
	if err != nil {
		return err
	}
	if err := st.repairDrift(ctx, r, rec, d, cfg); err != nil {
		return err
	}
	// Every run, also a resumed one: a refresh an interrupted run started
	// is seen through, and the group is not done until it takes traffic.
	// A group this run created has had no refresh to see.
	if known && prior.ID != "" && prior.Live() {
		if err := waitRefresh(ctx, r, rec.ID, ""); aws.IsUnsupported(err) {
			r.Warn("%s: a refresh an earlier run started cannot be followed here", aws.Unsupported(err))
		} else if err != nil {
			return err
		}
	}
	// The group was made as soon as the target group existed, so its
	// instances booted while the load balancer provisioned; no target
	// passes a health check before the load balancer is active.
	if err := r.AwaitStep(ctx, StepLoadBalancer); err != nil {
		return err
	}
	if err := waitGroupReady(ctx, r, rec.ID, []string{in.targetGroup}); err != nil {
		return err
	}
	if err := st.ensurePolicy(ctx, r, rec.ID); err != nil {
		return err
	}
	return r.SetOutputs(map[string]string{"asg_name": rec.ID})
}

// asgTags are the group's tags. Name, stackwiz:stack and stackwiz:step
// propagate to the instances it launches; stackwiz:key does not: an
// instance is not the group, and a tag search for the group's key must
// find the group alone.
func asgTags(r *Run) []aws.GroupTag {
	var tags []aws.GroupTag
	for k, v := range r.Tags(asgKeyGroup, asgName(r.Spec)) {
		tags = append(tags, aws.GroupTag{Key: k, Value: v, Propagate: k != TagKey})
	}
	slices.SortFunc(tags, func(a, b aws.GroupTag) int { return strings.Compare(a.Key, b.Key) })
	return tags
}

// update changes the group in place. The desired capacity is sent only
// when the spec's changed: between applies target tracking owns it, and
// re-sending the spec's number would undo a scale out. A new launch
// template version is rolled through the group by an instance refresh.
func (autoscalingStep) update(ctx context.Context, r *Run, cur state.Resource, d Desired, cfg func(*int) aws.GroupConfig) (Found, error) {
	g, ok, err := r.AWS.ASG.Group(ctx, cur.ID)
	if err != nil {
		return Found{}, err
	}
	if !ok {
		return Found{}, fmt.Errorf("group %s is gone; run apply again to create it", cur.ID)
	}
	var desired *int
	if cur.Attrs["desired"] != d.Attrs["desired"] {
		n := r.Spec.Autoscaling.Desired
		desired = &n
	}
	c := cfg(desired)
	if err := r.RetryIAM(ctx, "update Auto Scaling group "+c.Name, func(ctx context.Context) error {
		return r.AWS.ASG.UpdateGroup(ctx, c, g)
	}); err != nil {
		return Found{}, err
	}
	stale := 0
	for _, in := range g.Instances {
		if in.InService() || in.Lifecycle == "Pending" {
			if in.LaunchTemplateID != c.LaunchTemplateID || in.LaunchTemplateVersion != c.LaunchTemplateVersion {
				stale++
			}
		}
	}
	if stale > 0 {
		r.Info("launch template %s version %s: replacing %d instance(s) by an instance refresh, keeping %d%% of the group in service",
			c.LaunchTemplateID, c.LaunchTemplateVersion, stale, refreshMinHealthyPercent)
		id, err := r.AWS.ASG.StartRefresh(ctx, c.Name, aws.RefreshPreferences{MinHealthyPercent: refreshMinHealthyPercent, SkipMatching: true})
		if err != nil {
			return Found{}, err
		}
		if err := waitRefresh(ctx, r, c.Name, id); err != nil {
			return Found{}, err
		}
	}
	return Found{ID: g.Name, ARN: g.ARN}, nil
}

// repairDrift puts back what was changed on the group outside stackwiz
// (a termination policy edited in the console is the seed's trap again):
// the record says the group matches the spec, AWS says otherwise.
func (st autoscalingStep) repairDrift(ctx context.Context, r *Run, rec state.Resource, d Desired, cfg func(*int) aws.GroupConfig) error {
	g, ok, err := r.AWS.ASG.Group(ctx, rec.ID)
	if err != nil || !ok {
		return err
	}
	var drift []string
	obs := groupAttrs(g)
	for _, k := range slices.Sorted(maps.Keys(obs)) {
		if want, ok := d.Attrs[k]; ok && obs[k] != want {
			drift = append(drift, fmt.Sprintf("%s %q (spec: %q)", k, obs[k], want))
		}
	}
	if len(drift) == 0 {
		return nil
	}
	r.Warn("group %s was changed outside stackwiz: %s; restoring the spec's settings", rec.ID, strings.Join(drift, ", "))
	_, err = st.update(ctx, r, rec, d, cfg)
	return err
}

// ensurePolicy keeps the CPU target tracking policy; with a target of 0
// the record's policy is not desired and the engine's prune deletes it
// after the apply.
func (autoscalingStep) ensurePolicy(ctx context.Context, r *Run, group string) error {
	s := r.Spec
	if s.Autoscaling.CPUTargetPercent <= 0 {
		return nil
	}
	d := autoscalingStep{}.Desired(s)[1]
	d.Attrs["group"] = group
	put := func(ctx context.Context) (Found, error) {
		arn, err := r.AWS.ASG.PutCPUTargetTracking(ctx, group, asgPolicyName(s), s.Autoscaling.CPUTargetPercent)
		if err != nil {
			return Found{}, err
		}
		return Found{ID: asgPolicyName(s), ARN: arn}, nil
	}
	_, created := r.Recorded(asgKeyPolicy)
	if _, err := r.Ensure(ctx, d, Ops{
		// PutScalingPolicy is an upsert by name: a resumed create needs no lookup.
		Create: func(ctx context.Context, _ string) (Found, error) { return put(ctx) },
		Update: func(ctx context.Context, _ state.Resource) (Found, error) { return put(ctx) },
	}); err != nil {
		return err
	}
	if !created {
		r.Info("target tracking keeps the group's average CPU near %d%%. AWS advises 1-minute metrics for it; "+
			"with EC2's free basic monitoring CPU is reported every 5 minutes, so the group reacts in 5-minute steps",
			s.Autoscaling.CPUTargetPercent)
	}
	return nil
}
