package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ScalingPolicy is a group's scaling policy.
type ScalingPolicy struct {
	Name                    string  `json:"name"`
	ARN                     string  `json:"arn"`
	Type                    string  `json:"type"` // SimpleScaling, StepScaling, TargetTrackingScaling
	AdjustmentType          string  `json:"adjustment_type,omitempty"`
	ScalingAdjustment       *int    `json:"scaling_adjustment,omitempty"`
	Cooldown                *int    `json:"cooldown,omitempty"`
	EstimatedInstanceWarmup *int    `json:"estimated_instance_warmup,omitempty"`
	Enabled                 bool    `json:"enabled"`
	MetricType              string  `json:"metric_type,omitempty"` // target tracking: predefined metric
	ResourceLabel           string  `json:"resource_label,omitempty"`
	TargetValue             float64 `json:"target_value,omitempty"`
	DisableScaleIn          bool    `json:"disable_scale_in,omitempty"`
	// Alarms are the CloudWatch alarms AWS creates for a target tracking
	// policy and deletes with it. The sandbox records them but does not
	// scale on them.
	Alarms []string `json:"alarms,omitempty"`
}

var predefinedMetricTypes = []string{"ASGAverageCPUUtilization", "ASGAverageNetworkIn", "ASGAverageNetworkOut", "ALBRequestCountPerTarget"}

func policyARN(region, uuid, group, name string) string {
	return fmt.Sprintf("arn:aws:autoscaling:%s:%s:scalingPolicy:%s:autoScalingGroupName/%s:policyName/%s", region, AccountID, uuid, group, name)
}

type xmlAlarm struct {
	AlarmName string `xml:"AlarmName"`
	AlarmARN  string `xml:"AlarmARN"`
}

func (r *Region) alarmsXML(p *ScalingPolicy) []xmlAlarm {
	var out []xmlAlarm
	for _, name := range p.Alarms {
		out = append(out, xmlAlarm{name, alarmARN(r.Name, name)})
	}
	return out
}

// trackedMetrics maps a predefined metric to the CloudWatch metric its
// alarms watch: namespace, name, statistic.
var trackedMetrics = map[string][3]string{
	"ASGAverageCPUUtilization": {"AWS/EC2", "CPUUtilization", "Average"},
	"ASGAverageNetworkIn":      {"AWS/EC2", "NetworkIn", "Average"},
	"ASGAverageNetworkOut":     {"AWS/EC2", "NetworkOut", "Average"},
	"ALBRequestCountPerTarget": {"AWS/ApplicationELB", "RequestCountPerTarget", "Sum"},
}

// putTargetTrackingAlarms creates the alarms AWS creates for a target
// tracking policy and owns: AlarmHigh (three minutes above the target)
// and, unless scale in is disabled, AlarmLow (fifteen minutes below 90% of it).
func (r *Region) putTargetTrackingAlarms(now time.Time, g *AutoScalingGroup, p *ScalingPolicy) {
	m := trackedMetrics[p.MetricType]
	dims := map[string]string{"AutoScalingGroupName": g.Name}
	if p.MetricType == "ALBRequestCountPerTarget" {
		// ResourceLabel is app/<lb>/<id>/targetgroup/<tg>/<id>.
		_, tg, _ := strings.Cut(p.ResourceLabel, "/targetgroup/")
		dims = map[string]string{"TargetGroup": "targetgroup/" + tg}
	}
	desc := "DO NOT EDIT OR DELETE. For TargetTrackingScaling policy " + p.ARN + "."
	high := ManagedAlarm{Name: fmt.Sprintf("TargetTracking-%s-AlarmHigh-%s", g.Name, r.w.newUUID()), Namespace: m[0], MetricName: m[1], Statistic: m[2],
		Dimensions: dims, Period: 60, EvaluationPeriods: 3, Threshold: p.TargetValue, ComparisonOperator: "GreaterThanThreshold", Description: desc, AlarmActions: []string{p.ARN}}
	r.putManagedAlarm(now, high)
	p.Alarms = append(p.Alarms, high.Name)
	if p.DisableScaleIn {
		return
	}
	low := high
	low.Name = fmt.Sprintf("TargetTracking-%s-AlarmLow-%s", g.Name, r.w.newUUID())
	low.EvaluationPeriods, low.Threshold, low.ComparisonOperator = 15, p.TargetValue*0.9, "LessThanThreshold"
	r.putManagedAlarm(now, low)
	p.Alarms = append(p.Alarms, low.Name)
}

func putScalingPolicy(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	name := c.p.Get("PolicyName")
	if name == "" || len(name) > 255 {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value at 'policyName' failed to satisfy constraint: Member must have length between 1 and 255")
	}
	p := &ScalingPolicy{Name: name, Type: c.p.Get("PolicyType"), AdjustmentType: c.p.Get("AdjustmentType"), Enabled: c.p.Bool("Enabled", true)}
	if p.Type == "" {
		p.Type = "SimpleScaling"
	}
	ints := map[string]**int{"ScalingAdjustment": &p.ScalingAdjustment, "Cooldown": &p.Cooldown, "EstimatedInstanceWarmup": &p.EstimatedInstanceWarmup}
	for key, dst := range ints {
		if c.p.Has(key) {
			n, err := c.p.Int(key, 0)
			if err != nil {
				return nil, err
			}
			*dst = &n
		}
	}
	switch p.Type {
	case "SimpleScaling":
		if p.ScalingAdjustment == nil || p.AdjustmentType == "" {
			return nil, errBadRequest("ValidationError", "ScalingAdjustment and AdjustmentType are required for policy type SimpleScaling.")
		}
	case "StepScaling":
		if p.AdjustmentType == "" || !c.p.HasStruct("StepAdjustments") {
			return nil, errBadRequest("ValidationError", "StepAdjustments and AdjustmentType are required for policy type StepScaling.")
		}
	case "TargetTrackingScaling":
		tt := c.p.Struct("TargetTrackingConfiguration")
		if !c.p.HasStruct("TargetTrackingConfiguration") || !tt.Has("TargetValue") {
			return nil, errBadRequest("ValidationError", "TargetTrackingConfiguration with a TargetValue is required for policy type TargetTrackingScaling.")
		}
		v, perr := strconv.ParseFloat(tt.Get("TargetValue"), 64)
		if perr != nil {
			return nil, errBadRequest("ValidationError", "Value '%s' at 'targetTrackingConfiguration.targetValue' is not a valid number", tt.Get("TargetValue"))
		}
		p.TargetValue, p.DisableScaleIn = v, tt.Bool("DisableScaleIn", false)
		spec := tt.Struct("PredefinedMetricSpecification")
		p.MetricType, p.ResourceLabel = spec.Get("PredefinedMetricType"), spec.Get("ResourceLabel")
		switch {
		case p.MetricType == "" && tt.HasStruct("CustomizedMetricSpecification"):
			return nil, errBadRequest("ValidationError", "The sandbox supports predefined metrics only in target tracking policies.")
		case !slices.Contains(predefinedMetricTypes, p.MetricType):
			return nil, errBadRequest("ValidationError", "1 validation error detected: Value '%s' at 'targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType' failed to satisfy constraint: Member must satisfy enum value set: [%s]", p.MetricType, strings.Join(predefinedMetricTypes, ", "))
		case p.MetricType == "ALBRequestCountPerTarget" && p.ResourceLabel == "":
			return nil, errBadRequest("ValidationError", "ResourceLabel is required for predefined metric type ALBRequestCountPerTarget.")
		}
	default:
		return nil, errBadRequest("ValidationError", "Unsupported policy type %s.", p.Type)
	}
	var old *ScalingPolicy
	for _, q := range g.Policies {
		if q.Name == name {
			old = q
		}
	}
	uuid := c.w.newUUID()
	if old != nil {
		p.ARN, p.Alarms = old.ARN, old.Alarms
		g.Policies = slices.DeleteFunc(g.Policies, func(q *ScalingPolicy) bool { return q == old })
	} else {
		p.ARN = policyARN(c.region, uuid, g.Name, name)
	}
	c.r.deleteAlarms(p.Alarms...)
	p.Alarms = nil
	if p.Type == "TargetTrackingScaling" {
		c.r.putTargetTrackingAlarms(c.now, g, p)
	}
	g.Policies = append(g.Policies, p)
	return struct {
		PolicyARN string     `xml:"PolicyARN"`
		Alarms    []xmlAlarm `xml:"Alarms>member"`
	}{p.ARN, c.r.alarmsXML(p)}, nil
}

func describePolicies(c *call) (any, error) {
	var groups []*AutoScalingGroup
	if name := c.p.Get("AutoScalingGroupName"); name != "" {
		g, err := c.group(name)
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	} else {
		groups = c.r.ASG.sortedGroups()
	}
	names, types := c.p.List("PolicyNames.member"), c.p.List("PolicyTypes.member")
	type row struct {
		g *AutoScalingGroup
		p *ScalingPolicy
	}
	var rows []row
	for _, g := range groups {
		for _, p := range g.Policies {
			if (len(names) == 0 || slices.Contains(names, p.Name) || slices.Contains(names, p.ARN)) && (len(types) == 0 || slices.Contains(types, p.Type)) {
				rows = append(rows, row{g, p})
			}
		}
	}
	from, to, next, err := asgPage(c.p, len(rows), 50, 100)
	if err != nil {
		return nil, err
	}
	type predefined struct {
		PredefinedMetricType string `xml:"PredefinedMetricType"`
		ResourceLabel        string `xml:"ResourceLabel,omitempty"`
	}
	type targetTracking struct {
		PredefinedMetricSpecification predefined `xml:"PredefinedMetricSpecification"`
		TargetValue                   float64    `xml:"TargetValue"`
		DisableScaleIn                bool       `xml:"DisableScaleIn"`
	}
	type policy struct {
		AutoScalingGroupName        string          `xml:"AutoScalingGroupName"`
		PolicyName                  string          `xml:"PolicyName"`
		PolicyARN                   string          `xml:"PolicyARN"`
		PolicyType                  string          `xml:"PolicyType"`
		AdjustmentType              string          `xml:"AdjustmentType,omitempty"`
		ScalingAdjustment           *int            `xml:"ScalingAdjustment,omitempty"`
		Cooldown                    *int            `xml:"Cooldown,omitempty"`
		EstimatedInstanceWarmup     *int            `xml:"EstimatedInstanceWarmup,omitempty"`
		Alarms                      []xmlAlarm      `xml:"Alarms>member"`
		TargetTrackingConfiguration *targetTracking `xml:"TargetTrackingConfiguration,omitempty"`
		Enabled                     bool            `xml:"Enabled"`
	}
	out := struct {
		ScalingPolicies []policy `xml:"ScalingPolicies>member"`
		NextToken       string   `xml:"NextToken,omitempty"`
	}{NextToken: next}
	for _, r := range rows[from:to] {
		p := r.p
		x := policy{AutoScalingGroupName: r.g.Name, PolicyName: p.Name, PolicyARN: p.ARN, PolicyType: p.Type, AdjustmentType: p.AdjustmentType,
			ScalingAdjustment: p.ScalingAdjustment, Cooldown: p.Cooldown, EstimatedInstanceWarmup: p.EstimatedInstanceWarmup,
			Alarms: c.r.alarmsXML(p), Enabled: p.Enabled}
		if p.Type == "TargetTrackingScaling" {
			x.TargetTrackingConfiguration = &targetTracking{predefined{p.MetricType, p.ResourceLabel}, p.TargetValue, p.DisableScaleIn}
		}
		out.ScalingPolicies = append(out.ScalingPolicies, x)
	}
	return out, nil
}

func deletePolicy(c *call) (any, error) {
	ref := c.p.Get("PolicyName")
	var g *AutoScalingGroup
	if name := c.p.Get("AutoScalingGroupName"); name != "" {
		var err error
		if g, err = c.group(name); err != nil {
			return nil, err
		}
	} else if !strings.HasPrefix(ref, "arn:") {
		return nil, errBadRequest("ValidationError", "AutoScalingGroupName is required when PolicyName is not an ARN.")
	}
	for _, grp := range c.r.ASG.sortedGroups() {
		if g != nil && grp != g {
			continue
		}
		for _, p := range grp.Policies {
			if p.Name == ref || p.ARN == ref {
				c.r.deletePolicies(grp, []*ScalingPolicy{p})
				return nil, nil
			}
		}
	}
	return nil, errBadRequest("ValidationError", "Policy %s not found.", ref)
}

// deletePolicies removes policies from a group; AWS deletes the alarms of
// target tracking policies with them.
func (r *Region) deletePolicies(g *AutoScalingGroup, policies []*ScalingPolicy) {
	doomed := slices.Clone(policies)
	for _, p := range doomed {
		r.deleteAlarms(p.Alarms...)
	}
	g.Policies = slices.DeleteFunc(g.Policies, func(p *ScalingPolicy) bool { return slices.Contains(doomed, p) })
}
