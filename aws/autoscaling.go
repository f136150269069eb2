package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// AutoScaling wraps the Auto Scaling calls stackwiz makes, plus the one
// load-balancing call that tells whether a group's instances take traffic
// (DescribeTargetHealth): a group is only up when its target group says so.
type AutoScaling struct {
	api autoScalingAPI
	elb groupTargetHealthAPI
}

// autoScalingAPI lists only the SDK methods AutoScaling calls.
type autoScalingAPI interface {
	CreateAutoScalingGroup(context.Context, *autoscaling.CreateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.CreateAutoScalingGroupOutput, error)
	UpdateAutoScalingGroup(context.Context, *autoscaling.UpdateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	DeleteAutoScalingGroup(context.Context, *autoscaling.DeleteAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.DeleteAutoScalingGroupOutput, error)
	DescribeTags(context.Context, *autoscaling.DescribeTagsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeTagsOutput, error)
	CreateOrUpdateTags(context.Context, *autoscaling.CreateOrUpdateTagsInput, ...func(*autoscaling.Options)) (*autoscaling.CreateOrUpdateTagsOutput, error)
	AttachLoadBalancerTargetGroups(context.Context, *autoscaling.AttachLoadBalancerTargetGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.AttachLoadBalancerTargetGroupsOutput, error)
	DetachLoadBalancerTargetGroups(context.Context, *autoscaling.DetachLoadBalancerTargetGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DetachLoadBalancerTargetGroupsOutput, error)
	DescribeScalingActivities(context.Context, *autoscaling.DescribeScalingActivitiesInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeScalingActivitiesOutput, error)
	StartInstanceRefresh(context.Context, *autoscaling.StartInstanceRefreshInput, ...func(*autoscaling.Options)) (*autoscaling.StartInstanceRefreshOutput, error)
	DescribeInstanceRefreshes(context.Context, *autoscaling.DescribeInstanceRefreshesInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeInstanceRefreshesOutput, error)
	PutScalingPolicy(context.Context, *autoscaling.PutScalingPolicyInput, ...func(*autoscaling.Options)) (*autoscaling.PutScalingPolicyOutput, error)
	DescribePolicies(context.Context, *autoscaling.DescribePoliciesInput, ...func(*autoscaling.Options)) (*autoscaling.DescribePoliciesOutput, error)
	DeletePolicy(context.Context, *autoscaling.DeletePolicyInput, ...func(*autoscaling.Options)) (*autoscaling.DeletePolicyOutput, error)
}

// groupTargetHealthAPI is the load-balancing call AutoScaling makes.
type groupTargetHealthAPI interface {
	DescribeTargetHealth(context.Context, *elasticloadbalancingv2.DescribeTargetHealthInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeTargetHealthOutput, error)
}

// GroupTag is a tag of an Auto Scaling group; Propagate copies it onto the
// instances the group launches.
type GroupTag struct {
	Key, Value string
	Propagate  bool
}

// GroupConfig is what stackwiz sets on a group. Create sends every field;
// Update sends every field but Desired when Desired is nil (target tracking
// owns the desired capacity between applies).
type GroupConfig struct {
	Name string
	// LaunchTemplateID and LaunchTemplateVersion pin the template version
	// ("3"), so a new version is a visible change, not a silent drift.
	LaunchTemplateID      string
	LaunchTemplateVersion string
	Min, Max              int
	Desired               *int
	Subnets               []string
	TargetGroupARNs       []string
	HealthCheckType       string
	GraceSeconds          int
	WarmupSeconds         int
	TerminationPolicies   []string
	Tags                  []GroupTag
}

// Group is an Auto Scaling group as AWS describes it.
type Group struct {
	Name, ARN             string
	LaunchTemplateID      string
	LaunchTemplateVersion string
	Min, Max, Desired     int
	Subnets               []string
	TargetGroupARNs       []string
	HealthCheckType       string
	GraceSeconds          int
	// WarmupSeconds is -1 when the endpoint does not report the group's
	// DefaultInstanceWarmup (emulators such as moto), which stackwiz always
	// sets: unknown, not zero.
	WarmupSeconds       int
	TerminationPolicies []string
	// Status is empty, or "Delete in progress".
	Status    string
	Tags      map[string]string
	Propagate map[string]bool
	Instances []GroupInstance
}

// Deleting reports whether the group is being deleted.
func (g Group) Deleting() bool { return g.Status != "" }

// GroupInstance is one instance as its group sees it.
type GroupInstance struct {
	ID, AZ string
	// Lifecycle is Pending, InService, Terminating, Standby, ...
	Lifecycle string
	// Health is the group's view: Healthy or Unhealthy.
	Health                string
	LaunchTemplateID      string
	LaunchTemplateVersion string
}

// InService reports whether the instance counts toward the group's capacity.
func (i GroupInstance) InService() bool {
	return i.Lifecycle == string(astypes.LifecycleStateInService)
}

// CreateGroup creates the group with every setting of cfg and its tags.
func (a *AutoScaling) CreateGroup(ctx context.Context, cfg GroupConfig) error {
	in := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(cfg.Name),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{
			LaunchTemplateId: sdk.String(cfg.LaunchTemplateID), Version: sdk.String(cfg.LaunchTemplateVersion),
		},
		MinSize:                sdk.Int32(int32(cfg.Min)),
		MaxSize:                sdk.Int32(int32(cfg.Max)),
		VPCZoneIdentifier:      sdk.String(strings.Join(cfg.Subnets, ",")),
		HealthCheckType:        sdk.String(cfg.HealthCheckType),
		HealthCheckGracePeriod: sdk.Int32(int32(cfg.GraceSeconds)),
		DefaultInstanceWarmup:  sdk.Int32(int32(cfg.WarmupSeconds)),
		TerminationPolicies:    cfg.TerminationPolicies,
		// The classic TargetGroupARNs rather than TrafficSources: AWS treats
		// them alike for target groups, and emulators and older tooling
		// implement only these (moto ignores TrafficSources).
		TargetGroupARNs: cfg.TargetGroupARNs,
		Tags:            groupTags(cfg.Name, cfg.Tags),
	}
	if cfg.Desired != nil {
		in.DesiredCapacity = sdk.Int32(int32(*cfg.Desired))
	}
	if _, err := a.api.CreateAutoScalingGroup(ctx, in); err != nil {
		return fmt.Errorf("create auto scaling group %s: %w", cfg.Name, err)
	}
	return nil
}

// UpdateGroup sets cfg on an existing group in place: capacity, template
// version, subnets, health check, warmup, termination policies; it attaches
// and detaches target groups to match and adds or updates the tags.
func (a *AutoScaling) UpdateGroup(ctx context.Context, cfg GroupConfig, current Group) error {
	in := &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(cfg.Name),
		LaunchTemplate: &astypes.LaunchTemplateSpecification{
			LaunchTemplateId: sdk.String(cfg.LaunchTemplateID), Version: sdk.String(cfg.LaunchTemplateVersion),
		},
		MinSize:                sdk.Int32(int32(cfg.Min)),
		MaxSize:                sdk.Int32(int32(cfg.Max)),
		VPCZoneIdentifier:      sdk.String(strings.Join(cfg.Subnets, ",")),
		HealthCheckType:        sdk.String(cfg.HealthCheckType),
		HealthCheckGracePeriod: sdk.Int32(int32(cfg.GraceSeconds)),
		DefaultInstanceWarmup:  sdk.Int32(int32(cfg.WarmupSeconds)),
		TerminationPolicies:    cfg.TerminationPolicies,
	}
	if cfg.Desired != nil {
		in.DesiredCapacity = sdk.Int32(int32(*cfg.Desired))
	}
	if _, err := a.api.UpdateAutoScalingGroup(ctx, in); err != nil {
		return fmt.Errorf("update auto scaling group %s: %w", cfg.Name, err)
	}
	var attach, detach []string
	for _, tg := range cfg.TargetGroupARNs {
		if !slices.Contains(current.TargetGroupARNs, tg) {
			attach = append(attach, tg)
		}
	}
	for _, tg := range current.TargetGroupARNs {
		if !slices.Contains(cfg.TargetGroupARNs, tg) {
			detach = append(detach, tg)
		}
	}
	if len(attach) > 0 {
		if _, err := a.api.AttachLoadBalancerTargetGroups(ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{
			AutoScalingGroupName: sdk.String(cfg.Name), TargetGroupARNs: attach,
		}); err != nil {
			return fmt.Errorf("attach target groups to %s: %w", cfg.Name, err)
		}
	}
	if len(detach) > 0 {
		if _, err := a.api.DetachLoadBalancerTargetGroups(ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{
			AutoScalingGroupName: sdk.String(cfg.Name), TargetGroupARNs: detach,
		}); err != nil && !IsNotFound(err) {
			return fmt.Errorf("detach target groups from %s: %w", cfg.Name, err)
		}
	}
	var tags []GroupTag
	for _, t := range cfg.Tags {
		if current.Tags[t.Key] != t.Value || current.Propagate[t.Key] != t.Propagate {
			tags = append(tags, t)
		}
	}
	if len(tags) > 0 {
		if _, err := a.api.CreateOrUpdateTags(ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: groupTags(cfg.Name, tags)}); err != nil {
			return fmt.Errorf("tag auto scaling group %s: %w", cfg.Name, err)
		}
	}
	return nil
}

func groupTags(group string, tags []GroupTag) []astypes.Tag {
	out := make([]astypes.Tag, len(tags))
	for i, t := range tags {
		out[i] = astypes.Tag{
			Key: sdk.String(t.Key), Value: sdk.String(t.Value), PropagateAtLaunch: sdk.Bool(t.Propagate),
			ResourceId: sdk.String(group), ResourceType: sdk.String("auto-scaling-group"),
		}
	}
	return out
}

// Group describes one group with its instances; ok is false when there is
// no such group.
func (a *AutoScaling) Group(ctx context.Context, name string) (Group, bool, error) {
	gs, err := a.groups(ctx, []string{name})
	if err != nil {
		return Group{}, false, err
	}
	if len(gs) == 0 {
		return Group{}, false, nil
	}
	return gs[0], true, nil
}

func (a *AutoScaling) groups(ctx context.Context, names []string) ([]Group, error) {
	var out []Group
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(a.api, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: names})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe auto scaling groups %s: %w", strings.Join(names, ", "), err)
		}
		for _, g := range page.AutoScalingGroups {
			out = append(out, groupFrom(g))
		}
	}
	return out, nil
}

func groupFrom(g astypes.AutoScalingGroup) Group {
	out := Group{
		Name: deref(g.AutoScalingGroupName), ARN: deref(g.AutoScalingGroupARN),
		Min: int(deref32(g.MinSize)), Max: int(deref32(g.MaxSize)), Desired: int(deref32(g.DesiredCapacity)),
		HealthCheckType: deref(g.HealthCheckType), GraceSeconds: int(deref32(g.HealthCheckGracePeriod)),
		WarmupSeconds: -1, TerminationPolicies: g.TerminationPolicies,
		Status: deref(g.Status), Tags: map[string]string{}, Propagate: map[string]bool{},
	}
	if g.DefaultInstanceWarmup != nil {
		out.WarmupSeconds = int(*g.DefaultInstanceWarmup)
	}
	if lt := g.LaunchTemplate; lt != nil {
		out.LaunchTemplateID, out.LaunchTemplateVersion = deref(lt.LaunchTemplateId), deref(lt.Version)
	}
	for _, s := range strings.Split(deref(g.VPCZoneIdentifier), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out.Subnets = append(out.Subnets, s)
		}
	}
	out.TargetGroupARNs = append(out.TargetGroupARNs, g.TargetGroupARNs...)
	for _, ts := range g.TrafficSources {
		if id := deref(ts.Identifier); (ts.Type == nil || *ts.Type == "elbv2") && !slices.Contains(out.TargetGroupARNs, id) {
			out.TargetGroupARNs = append(out.TargetGroupARNs, id)
		}
	}
	for _, t := range g.Tags {
		out.Tags[deref(t.Key)] = deref(t.Value)
		out.Propagate[deref(t.Key)] = t.PropagateAtLaunch != nil && *t.PropagateAtLaunch
	}
	for _, in := range g.Instances {
		gi := GroupInstance{ID: deref(in.InstanceId), AZ: deref(in.AvailabilityZone), Lifecycle: string(in.LifecycleState), Health: deref(in.HealthStatus)}
		if lt := in.LaunchTemplate; lt != nil {
			gi.LaunchTemplateID, gi.LaunchTemplateVersion = deref(lt.LaunchTemplateId), deref(lt.Version)
		}
		out.Instances = append(out.Instances, gi)
	}
	return out
}

func deref32(v *int32) int32 {
	if v == nil {
		return 0
	}
	return *v
}

// GroupsTagged returns the groups carrying tag key=value (DescribeTags
// filters by key and value, then the groups are described for the rest).
func (a *AutoScaling) GroupsTagged(ctx context.Context, key, value string) ([]Group, error) {
	var names []string
	p := autoscaling.NewDescribeTagsPaginator(a.api, &autoscaling.DescribeTagsInput{Filters: []astypes.Filter{
		{Name: sdk.String("key"), Values: []string{key}},
		{Name: sdk.String("value"), Values: []string{value}},
	}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe auto scaling tags %s=%s: %w", key, value, err)
		}
		for _, t := range page.Tags {
			if deref(t.ResourceType) == "auto-scaling-group" && !slices.Contains(names, deref(t.ResourceId)) {
				names = append(names, deref(t.ResourceId))
			}
		}
	}
	var out []Group
	// DescribeAutoScalingGroups takes at most 50 names per call.
	for chunk := range slices.Chunk(names, 50) {
		gs, err := a.groups(ctx, chunk)
		if err != nil {
			return nil, err
		}
		out = append(out, gs...)
	}
	return out, nil
}

// DeleteGroup force-deletes the group: AWS terminates its instances and
// removes its scaling policies with it. A missing group is not an error.
func (a *AutoScaling) DeleteGroup(ctx context.Context, name string) error {
	_, err := a.api.DeleteAutoScalingGroup(ctx, &autoscaling.DeleteAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(name), ForceDelete: sdk.Bool(true),
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete auto scaling group %s: %w", name, err)
	}
	return nil
}

// ScalingActivity is one launch or termination of the group.
type ScalingActivity struct {
	ID, Description, Cause string
	// Status is AWS's StatusCode: InProgress, Successful, Failed, Cancelled, ...
	Status, StatusMessage string
}

// Activities returns the group's most recent activities, newest first.
func (a *AutoScaling) Activities(ctx context.Context, group string, limit int) ([]ScalingActivity, error) {
	out, err := a.api.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
		AutoScalingGroupName: sdk.String(group), MaxRecords: sdk.Int32(int32(limit)),
	})
	if err != nil {
		return nil, fmt.Errorf("describe scaling activities of %s: %w", group, err)
	}
	acts := make([]ScalingActivity, len(out.Activities))
	for i, act := range out.Activities {
		acts[i] = ScalingActivity{ID: deref(act.ActivityId), Description: deref(act.Description), Cause: deref(act.Cause),
			Status: string(act.StatusCode), StatusMessage: deref(act.StatusMessage)}
	}
	return acts, nil
}

// RefreshPreferences are how an instance refresh replaces instances.
type RefreshPreferences struct {
	// MinHealthyPercent of the desired capacity stays in service.
	MinHealthyPercent int
	// SkipMatching leaves instances already on the group's template
	// version alone, so a refresh started again after a crash is cheap.
	SkipMatching bool
}

// StartRefresh starts an instance refresh and returns its id. When one is
// already running (a resumed apply), it returns that one's id instead.
func (a *AutoScaling) StartRefresh(ctx context.Context, group string, p RefreshPreferences) (string, error) {
	out, err := a.api.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: sdk.String(group),
		Preferences: &astypes.RefreshPreferences{
			MinHealthyPercentage: sdk.Int32(int32(p.MinHealthyPercent)),
			SkipMatching:         sdk.Bool(p.SkipMatching),
		},
	})
	if IsCode(err, "InstanceRefreshInProgress") {
		rf, ok, lerr := a.LatestRefresh(ctx, group)
		if lerr != nil {
			return "", lerr
		}
		if ok && rf.Active() {
			return rf.ID, nil
		}
	}
	if err != nil {
		return "", fmt.Errorf("start instance refresh of %s: %w", group, err)
	}
	return deref(out.InstanceRefreshId), nil
}

// InstanceRefresh is a refresh's progress.
type InstanceRefresh struct {
	ID     string
	Status string // Pending, InProgress, Successful, Failed, Cancelling, Cancelled, RollbackInProgress, ...
	Reason string
	// Percent is how much of the group has been replaced.
	Percent   int
	Remaining int
}

// Active reports whether the refresh has not ended.
func (r InstanceRefresh) Active() bool {
	switch astypes.InstanceRefreshStatus(r.Status) {
	case astypes.InstanceRefreshStatusPending, astypes.InstanceRefreshStatusInProgress,
		astypes.InstanceRefreshStatusCancelling, astypes.InstanceRefreshStatusRollbackInProgress,
		astypes.InstanceRefreshStatusBaking:
		return true
	}
	return false
}

// Refresh returns the refresh id of group.
func (a *AutoScaling) Refresh(ctx context.Context, group, id string) (InstanceRefresh, bool, error) {
	return a.refresh(ctx, group, []string{id})
}

// LatestRefresh returns the group's most recent refresh, if any.
func (a *AutoScaling) LatestRefresh(ctx context.Context, group string) (InstanceRefresh, bool, error) {
	return a.refresh(ctx, group, nil)
}

func (a *AutoScaling) refresh(ctx context.Context, group string, ids []string) (InstanceRefresh, bool, error) {
	out, err := a.api.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{
		AutoScalingGroupName: sdk.String(group), InstanceRefreshIds: ids, MaxRecords: sdk.Int32(1),
	})
	if err != nil {
		return InstanceRefresh{}, false, fmt.Errorf("describe instance refreshes of %s: %w", group, err)
	}
	if len(out.InstanceRefreshes) == 0 {
		return InstanceRefresh{}, false, nil
	}
	r := out.InstanceRefreshes[0]
	return InstanceRefresh{ID: deref(r.InstanceRefreshId), Status: string(r.Status), Reason: deref(r.StatusReason),
		Percent: int(deref32(r.PercentageComplete)), Remaining: int(deref32(r.InstancesToUpdate))}, true, nil
}

// ScalingPolicy is a target tracking policy on a group.
type ScalingPolicy struct {
	Name, ARN string
	// Metric is the predefined metric (ASGAverageCPUUtilization).
	Metric string
	Target float64
}

// PutCPUTargetTracking creates or updates the target tracking policy name
// on group that keeps the group's average CPU at target percent, and
// returns its ARN. PutScalingPolicy is an upsert: calling it again is safe.
func (a *AutoScaling) PutCPUTargetTracking(ctx context.Context, group, name string, target int) (string, error) {
	out, err := a.api.PutScalingPolicy(ctx, &autoscaling.PutScalingPolicyInput{
		AutoScalingGroupName: sdk.String(group), PolicyName: sdk.String(name),
		PolicyType: sdk.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{
				PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization,
			},
			TargetValue: sdk.Float64(float64(target)),
		},
	})
	if err != nil {
		return "", fmt.Errorf("put scaling policy %s on %s: %w", name, group, err)
	}
	return deref(out.PolicyARN), nil
}

// Policies returns the scaling policies of group (all when names is empty).
func (a *AutoScaling) Policies(ctx context.Context, group string, names ...string) ([]ScalingPolicy, error) {
	var out []ScalingPolicy
	p := autoscaling.NewDescribePoliciesPaginator(a.api, &autoscaling.DescribePoliciesInput{
		AutoScalingGroupName: sdk.String(group), PolicyNames: names,
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe scaling policies of %s: %w", group, err)
		}
		for _, sp := range page.ScalingPolicies {
			pol := ScalingPolicy{Name: deref(sp.PolicyName), ARN: deref(sp.PolicyARN)}
			if tt := sp.TargetTrackingConfiguration; tt != nil {
				pol.Target = sdk.ToFloat64(tt.TargetValue)
				if pm := tt.PredefinedMetricSpecification; pm != nil {
					pol.Metric = string(pm.PredefinedMetricType)
				}
			}
			out = append(out, pol)
		}
	}
	return out, nil
}

// DeletePolicy deletes a scaling policy (and the alarms AWS made for it).
// A missing policy or group is not an error.
func (a *AutoScaling) DeletePolicy(ctx context.Context, group, name string) error {
	_, err := a.api.DeletePolicy(ctx, &autoscaling.DeletePolicyInput{AutoScalingGroupName: sdk.String(group), PolicyName: sdk.String(name)})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete scaling policy %s of %s: %w", name, group, err)
	}
	return nil
}

// TargetState is one target's health in a target group.
type TargetState struct {
	ID string
	// State is initial, healthy, unhealthy, unused, draining or unavailable.
	State       string
	Reason      string // Target.Timeout, Target.FailedHealthChecks, ...
	Description string
}

// Healthy reports whether the target takes traffic.
func (t TargetState) Healthy() bool { return t.State == "healthy" }

// TargetHealth returns the health of every target registered in the
// target group, by instance id.
func (a *AutoScaling) TargetHealth(ctx context.Context, targetGroupARN string) (map[string]TargetState, error) {
	out, err := a.elb.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: sdk.String(targetGroupARN)})
	if err != nil {
		return nil, fmt.Errorf("describe target health of %s: %w", targetGroupARN, err)
	}
	m := make(map[string]TargetState, len(out.TargetHealthDescriptions))
	for _, d := range out.TargetHealthDescriptions {
		if d.Target == nil {
			continue
		}
		ts := TargetState{ID: deref(d.Target.Id)}
		if h := d.TargetHealth; h != nil {
			ts.State, ts.Reason, ts.Description = string(h.State), string(h.Reason), deref(h.Description)
		}
		m[ts.ID] = ts
	}
	return m, nil
}

// TerminationPolicy is a policy Auto Scaling accepts, with what it does
// in plain words.
type TerminationPolicy struct {
	Name string
	Does string
}

// TerminationPolicies are the policies Auto Scaling accepts ("Configure
// termination policies for Amazon EC2 Auto Scaling"), in the order stackwiz
// offers them: the ones a web stack picks first, Default last since it
// always decides. This is the one list: validation, the wizard, the console
// and the fleet read it.
var TerminationPolicies = []TerminationPolicy{
	{"OldestLaunchTemplate", "removes instances launched from another launch template first, then those on the oldest version of the group's template"},
	{"OldestInstance", "removes the instance launched first: gradually replaces old instances with new ones"},
	{"NewestInstance", "removes the most recently launched instance: useful to test a new launch template version and roll it back"},
	{"ClosestToNextInstanceHour", "removes the instance closest to its next billing hour, to get the most from hours already paid"},
	{"AllocationStrategy", "keeps the On-Demand/Spot and instance-type mix of a mixed instances group; a group with one type has nothing to choose"},
	{"OldestLaunchConfiguration", "removes instances of the oldest launch configuration first (legacy: stackwiz uses launch templates)"},
	{"Default", "keeps the zones balanced, then removes the instance on the oldest launch template version, " +
		"then the one closest to its next billing hour; a tie is settled at random"},
}

// TerminationPolicyNames returns the names of TerminationPolicies, in
// their order.
func TerminationPolicyNames() []string {
	names := make([]string, len(TerminationPolicies))
	for i, p := range TerminationPolicies {
		names[i] = p.Name
	}
	return names
}

// TerminationPolicyDoes says what the named policy does, or "" for a name
// Auto Scaling does not accept.
func TerminationPolicyDoes(name string) string {
	for _, p := range TerminationPolicies {
		if p.Name == name {
			return p.Does
		}
	}
	return ""
}
