package sandbox

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ASGState is one region's Auto Scaling: groups with their instances,
// scaling policies, activities and instance refreshes. The handlers live in
// autoscaling_*.go; reconciliation (launch, health, scale in, rebalance) in
// autoscaling_reconcile.go; the choice of instance to terminate in
// termination.go.
type ASGState struct {
	Groups map[string]*AutoScalingGroup `json:"groups"`
	// Members maps an instance id to its group, for the operations that
	// take instance ids only.
	Members map[string]string `json:"members"`
}

// AutoScalingGroup is a group as AWS keeps it.
type AutoScalingGroup struct {
	Name string `json:"name"`
	ARN  string `json:"arn"`
	// The launch template as the user gave it: an id or a name, and a
	// version ("$Latest", "$Default" or a number).
	LaunchTemplateID      string `json:"launch_template_id"`
	LaunchTemplateName    string `json:"launch_template_name"`
	LaunchTemplateVersion string `json:"launch_template_version"`

	MinSize         int `json:"min_size"`
	MaxSize         int `json:"max_size"`
	DesiredCapacity int `json:"desired_capacity"`
	DefaultCooldown int `json:"default_cooldown"`

	Subnets           []string `json:"subnets"` // VPCZoneIdentifier, in the user's order
	AvailabilityZones []string `json:"availability_zones"`
	TargetGroupARNs   []string `json:"target_group_arns"`

	HealthCheckType                  string    `json:"health_check_type"`
	HealthCheckGracePeriod           int       `json:"health_check_grace_period"`
	DefaultInstanceWarmup            int       `json:"default_instance_warmup,omitempty"`
	TerminationPolicies              []string  `json:"termination_policies"`
	NewInstancesProtectedFromScaleIn bool      `json:"new_instances_protected_from_scale_in"`
	CapacityRebalance                bool      `json:"capacity_rebalance"`
	Tags                             []ASGTag  `json:"tags"`
	CreatedTime                      time.Time `json:"created_time"`
	// Status is empty, or "Delete in progress" after a forced delete.
	Status string `json:"status,omitempty"`

	Instances  []*GroupInstance   `json:"instances"` // in launch order
	Policies   []*ScalingPolicy   `json:"policies"`
	Activities []*ScalingActivity `json:"activities"` // oldest first
	Refreshes  []*InstanceRefresh `json:"refreshes"`  // oldest first

	// Cause is why the desired capacity last changed, as AWS prefixes to
	// the cause of every activity that follows from it.
	Cause string `json:"cause"`
	// CooldownUntil is when the cooldown after the last scaling activity ends.
	CooldownUntil time.Time `json:"cooldown_until"`
	// A failed launch is retried after a backoff, as AWS does.
	LaunchFailures int       `json:"launch_failures"`
	NextLaunchAt   time.Time `json:"next_launch_at"`
}

// ASGTag is a group tag.
type ASGTag struct {
	Key               string `json:"key"`
	Value             string `json:"value"`
	PropagateAtLaunch bool   `json:"propagate_at_launch"`
}

// Lifecycle states and health statuses of group instances.
const (
	lifecyclePending     = "Pending"
	lifecycleInService   = "InService"
	lifecycleStandby     = "Standby"
	lifecycleTerminating = "Terminating"
	healthHealthy        = "Healthy"
	healthUnhealthy      = "Unhealthy"
	statusDeleting       = "Delete in progress"
)

// GroupInstance is an instance as its group sees it.
type GroupInstance struct {
	ID                    string    `json:"id"`
	AZ                    string    `json:"az"`
	SubnetID              string    `json:"subnet_id"`
	InstanceType          string    `json:"instance_type"`
	ImageID               string    `json:"image_id"`
	LaunchTemplateID      string    `json:"launch_template_id"`
	LaunchTemplateName    string    `json:"launch_template_name"`
	LaunchTemplateVersion int       `json:"launch_template_version"`
	Lifecycle             string    `json:"lifecycle"`
	Health                string    `json:"health"`
	Protected             bool      `json:"protected"`
	LaunchTime            time.Time `json:"launch_time"`
	InServiceAt           time.Time `json:"in_service_at"`
	// ActivityID is the activity that launches or terminates it, completed
	// when the instance is in service or gone.
	ActivityID string `json:"activity_id,omitempty"`
	// Rebalance marks an instance launched to even out the zones: the group
	// holds back the matching termination until it is in service.
	Rebalance bool `json:"rebalance,omitempty"`
	// RefreshID marks an instance launched to replace another during an
	// instance refresh; it counts as healthy only after the warmup.
	RefreshID string `json:"refresh_id,omitempty"`

	// The instance's <member> in DescribeAutoScalingGroups and the state it
	// was written for; a cache, so not persisted.
	xmlMember string
	xmlKey    memberState
}

func newASGState() *ASGState {
	return &ASGState{Groups: map[string]*AutoScalingGroup{}, Members: map[string]string{}}
}

func (s *ASGState) ensure() {
	if s.Groups == nil {
		s.Groups = map[string]*AutoScalingGroup{}
	}
	if s.Members == nil {
		s.Members = map[string]string{}
	}
}

func (s *ASGState) inventory() []InventoryItem {
	var items []InventoryItem
	for _, g := range s.Groups {
		tags := map[string]string{}
		for _, t := range g.Tags {
			tags[t.Key] = t.Value
		}
		if len(tags) == 0 {
			tags = nil
		}
		state := "Active"
		if g.Status != "" {
			state = g.Status
		}
		items = append(items, InventoryItem{Type: "autoscaling:auto-scaling-group", ID: g.ARN, Name: g.Name, State: state, Tags: tags})
		for _, p := range g.Policies {
			items = append(items, InventoryItem{Type: "autoscaling:scaling-policy", ID: p.ARN, Name: p.Name})
		}
	}
	return items
}

func asgHandlers() map[string]handler {
	return map[string]handler{
		"CreateAutoScalingGroup":               createAutoScalingGroup,
		"UpdateAutoScalingGroup":               updateAutoScalingGroup,
		"DescribeAutoScalingGroups":            describeAutoScalingGroups,
		"DeleteAutoScalingGroup":               deleteAutoScalingGroup,
		"SetDesiredCapacity":                   setDesiredCapacity,
		"DescribeAutoScalingInstances":         describeAutoScalingInstances,
		"TerminateInstanceInAutoScalingGroup":  terminateInstanceInAutoScalingGroup,
		"EnterStandby":                         enterStandby,
		"ExitStandby":                          exitStandby,
		"SetInstanceProtection":                setInstanceProtection,
		"AttachInstances":                      attachInstances,
		"DetachInstances":                      detachInstances,
		"PutScalingPolicy":                     putScalingPolicy,
		"DescribePolicies":                     describePolicies,
		"DeletePolicy":                         deletePolicy,
		"DescribeScalingActivities":            describeScalingActivities,
		"StartInstanceRefresh":                 startInstanceRefresh,
		"CancelInstanceRefresh":                cancelInstanceRefresh,
		"DescribeInstanceRefreshes":            describeInstanceRefreshes,
		"DescribeTerminationPolicyTypes":       describeTerminationPolicyTypes,
		"AttachLoadBalancerTargetGroups":       attachLoadBalancerTargetGroups,
		"DetachLoadBalancerTargetGroups":       detachLoadBalancerTargetGroups,
		"DescribeLoadBalancerTargetGroups":     describeLoadBalancerTargetGroups,
		"AttachTrafficSources":                 attachTrafficSources,
		"DetachTrafficSources":                 detachTrafficSources,
		"DescribeTrafficSources":               describeTrafficSources,
		"CreateOrUpdateTags":                   createOrUpdateTags,
		"DeleteTags":                           deleteASGTags,
		"DescribeTags":                         describeASGTags,
		"DescribeLifecycleHooks":               describeLifecycleHooks,
		"DescribeAutoScalingNotificationTypes": describeNotificationTypes,
	}
}

// groupInstances returns the ids of a group's instances that are in service
// or pending (CloudWatch averages CPU over them), or nil.
func (r *Region) groupInstances(name string) []string {
	g := r.ASG.Groups[name]
	if g == nil {
		return nil
	}
	var ids []string
	for _, in := range g.Instances {
		if in.Lifecycle == lifecyclePending || in.Lifecycle == lifecycleInService {
			ids = append(ids, in.ID)
		}
	}
	return ids
}

// group returns the named group or AWS's error for a missing one.
func (c *call) group(name string) (*AutoScalingGroup, error) {
	if name == "" {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'autoScalingGroupName' failed to satisfy constraint: Member must not be null")
	}
	g := c.r.ASG.Groups[name]
	if g == nil {
		return nil, errBadRequest("ValidationError", "AutoScalingGroup name not found - AutoScalingGroup %s not found", name)
	}
	return g, nil
}

// liveGroup is group, refusing a group that is being deleted.
func (c *call) liveGroup(name string) (*AutoScalingGroup, error) {
	g, err := c.group(name)
	if err != nil {
		return nil, err
	}
	if g.Status == statusDeleting {
		return nil, errBadRequest("ValidationError", "AutoScalingGroup %s is pending delete.", name)
	}
	return g, nil
}

// instance returns the group's record of an instance, or nil.
func (g *AutoScalingGroup) instance(id string) *GroupInstance {
	for _, in := range g.Instances {
		if in.ID == id {
			return in
		}
	}
	return nil
}

// capacity counts the instances that count toward desired capacity:
// pending and in service, healthy or about to be replaced.
func (g *AutoScalingGroup) capacity() int {
	n := 0
	for _, in := range g.Instances {
		if in.Lifecycle == lifecyclePending || in.Lifecycle == lifecycleInService {
			n++
		}
	}
	return n
}

// propagatedTags are the tags a new instance gets: the group's tags marked
// PropagateAtLaunch plus aws:autoscaling:groupName, as AWS adds.
func (g *AutoScalingGroup) propagatedTags() []Tag {
	tags := []Tag{{Key: "aws:autoscaling:groupName", Value: g.Name}}
	for _, t := range g.Tags {
		if t.PropagateAtLaunch {
			tags = append(tags, Tag{Key: t.Key, Value: t.Value})
		}
	}
	return tags
}

// newUUID returns a random-looking, deterministic UUID (activity and
// refresh ids, the ids inside ARNs).
func (w *World) newUUID() string {
	h := w.newHex(32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// awsTime formats a time as AWS writes it inside activity causes.
func awsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

// asgPage cuts one page out of n items: the first index and the end, and the
// NextToken for the rest. Tokens are opaque offsets, as AWS's are opaque.
func asgPage(p params, n, defMax, maxMax int) (from, to int, next string, err error) {
	limit, err := p.Int("MaxRecords", defMax)
	if err != nil {
		return 0, 0, "", err
	}
	if limit < 1 || limit > maxMax {
		return 0, 0, "", errBadRequest("ValidationError", "1 validation error detected: Value '%d' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to %d", limit, maxMax)
	}
	if tok := p.Get("NextToken"); tok != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(tok)
		off, aerr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if derr != nil || aerr != nil || !strings.HasPrefix(string(raw), "offset:") || off < 0 || off > n {
			return 0, 0, "", errBadRequest("InvalidNextToken", "The token '%s' is invalid.", tok)
		}
		from = off
	}
	to = min(from+limit, n)
	if to < n {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(to)))
	}
	return from, to, next, nil
}

// sortedGroups returns the region's groups sorted by name, as AWS lists them.
func (s *ASGState) sortedGroups() []*AutoScalingGroup {
	out := make([]*AutoScalingGroup, 0, len(s.Groups))
	for _, g := range s.Groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func groupARN(region, uuid, name string) string {
	return fmt.Sprintf("arn:aws:autoscaling:%s:%s:autoScalingGroup:%s:autoScalingGroupName/%s", region, AccountID, uuid, name)
}
