package sandbox

import (
	"slices"
	"strconv"
	"strings"
)

// The XML shapes of Auto Scaling responses, as the SDK's deserializers read them.

type xmlLaunchTemplateSpec struct {
	LaunchTemplateID   string `xml:"LaunchTemplateId,omitempty"`
	LaunchTemplateName string `xml:"LaunchTemplateName,omitempty"`
	Version            string `xml:"Version,omitempty"`
}

type xmlGroupInstance struct {
	InstanceID           string                 `xml:"InstanceId"`
	InstanceType         string                 `xml:"InstanceType,omitempty"`
	AvailabilityZone     string                 `xml:"AvailabilityZone"`
	AvailabilityZoneID   string                 `xml:"AvailabilityZoneId,omitempty"`
	LifecycleState       string                 `xml:"LifecycleState"`
	HealthStatus         string                 `xml:"HealthStatus"`
	LaunchTemplate       *xmlLaunchTemplateSpec `xml:"LaunchTemplate,omitempty"`
	ProtectedFromScaleIn bool                   `xml:"ProtectedFromScaleIn"`
	ImageID              string                 `xml:"ImageId,omitempty"`
	AutoScalingGroupName string                 `xml:"AutoScalingGroupName,omitempty"` // DescribeAutoScalingInstances only
}

type asgXMLTag struct {
	ResourceID        string `xml:"ResourceId"`
	ResourceType      string `xml:"ResourceType"`
	Key               string `xml:"Key"`
	Value             string `xml:"Value"`
	PropagateAtLaunch bool   `xml:"PropagateAtLaunch"`
}

type xmlTrafficSource struct {
	Identifier string `xml:"Identifier"`
	Type       string `xml:"Type"`
}

type xmlGroup struct {
	AutoScalingGroupName             string                `xml:"AutoScalingGroupName"`
	AutoScalingGroupARN              string                `xml:"AutoScalingGroupARN"`
	LaunchTemplate                   xmlLaunchTemplateSpec `xml:"LaunchTemplate"`
	MinSize                          int                   `xml:"MinSize"`
	MaxSize                          int                   `xml:"MaxSize"`
	DesiredCapacity                  int                   `xml:"DesiredCapacity"`
	DefaultCooldown                  int                   `xml:"DefaultCooldown"`
	AvailabilityZones                []string              `xml:"AvailabilityZones>member"`
	TargetGroupARNs                  []string              `xml:"TargetGroupARNs>member"`
	HealthCheckType                  string                `xml:"HealthCheckType"`
	HealthCheckGracePeriod           int                   `xml:"HealthCheckGracePeriod"`
	DefaultInstanceWarmup            *int                  `xml:"DefaultInstanceWarmup,omitempty"`
	Instances                        string                `xml:",innerxml"` // <Instances>, written by instancesXML
	CreatedTime                      string                `xml:"CreatedTime"`
	VPCZoneIdentifier                string                `xml:"VPCZoneIdentifier"`
	Status                           string                `xml:"Status,omitempty"`
	Tags                             []asgXMLTag           `xml:"Tags>member"`
	TerminationPolicies              []string              `xml:"TerminationPolicies>member"`
	NewInstancesProtectedFromScaleIn bool                  `xml:"NewInstancesProtectedFromScaleIn"`
	ServiceLinkedRoleARN             string                `xml:"ServiceLinkedRoleARN"`
	CapacityRebalance                bool                  `xml:"CapacityRebalance"`
	TrafficSources                   []xmlTrafficSource    `xml:"TrafficSources>member"`
}

// zoneIDs maps the region's zone names to zone ids, computed once per
// response rather than once per instance.
func zoneIDs(region string) map[string]string {
	m := map[string]string{}
	for _, az := range AZs(region) {
		m[az] = azID(region, az)
	}
	return m
}

func groupInstanceXML(in *GroupInstance, zones map[string]string) xmlGroupInstance {
	x := xmlGroupInstance{
		InstanceID: in.ID, InstanceType: in.InstanceType, AvailabilityZone: in.AZ, AvailabilityZoneID: zones[in.AZ],
		LifecycleState: in.Lifecycle, HealthStatus: in.Health, ProtectedFromScaleIn: in.Protected,
	}
	if in.LaunchTemplateID != "" {
		x.LaunchTemplate = &xmlLaunchTemplateSpec{LaunchTemplateID: in.LaunchTemplateID, LaunchTemplateName: in.LaunchTemplateName, Version: strconv.Itoa(in.LaunchTemplateVersion)}
	}
	return x
}

// groupXML describes a group; zones is nil when the caller asked for no
// instance details (IncludeInstances false).
func (r *Region) groupXML(g *AutoScalingGroup, zones map[string]string) xmlGroup {
	out := xmlGroup{
		AutoScalingGroupName: g.Name, AutoScalingGroupARN: g.ARN,
		MinSize: g.MinSize, MaxSize: g.MaxSize, DesiredCapacity: g.DesiredCapacity, DefaultCooldown: g.DefaultCooldown,
		AvailabilityZones: g.AvailabilityZones, TargetGroupARNs: g.TargetGroupARNs,
		HealthCheckType: g.HealthCheckType, HealthCheckGracePeriod: g.HealthCheckGracePeriod,
		CreatedTime: xmlTime(g.CreatedTime), VPCZoneIdentifier: strings.Join(g.Subnets, ","), Status: g.Status,
		TerminationPolicies: g.TerminationPolicies, NewInstancesProtectedFromScaleIn: g.NewInstancesProtectedFromScaleIn,
		ServiceLinkedRoleARN: serviceLinkedRoleARN, CapacityRebalance: g.CapacityRebalance,
	}
	if g.DefaultInstanceWarmup > 0 {
		w := g.DefaultInstanceWarmup
		out.DefaultInstanceWarmup = &w
	}
	// AWS echoes the template as the group names it, filling in the other half.
	version := g.LaunchTemplateVersion
	if version == "" {
		version = "$Default"
	}
	out.LaunchTemplate = xmlLaunchTemplateSpec{LaunchTemplateID: g.LaunchTemplateID, LaunchTemplateName: g.LaunchTemplateName, Version: version}
	if lt, _, err := r.resolveTemplate(g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion); err == nil {
		out.LaunchTemplate.LaunchTemplateID, out.LaunchTemplate.LaunchTemplateName = lt.ID, lt.Name
	}
	if zones != nil {
		out.Instances = instancesXML(g.Instances, zones)
	}
	for _, t := range g.Tags {
		out.Tags = append(out.Tags, asgXMLTag{g.Name, "auto-scaling-group", t.Key, t.Value, t.PropagateAtLaunch})
	}
	for _, tg := range g.TargetGroupARNs {
		out.TrafficSources = append(out.TrafficSources, xmlTrafficSource{Identifier: tg, Type: "elbv2"})
	}
	return out
}

// instancesXML writes a group's <Instances> list by hand: a group holds up
// to thousands of instances, and reflection-driven encoding/xml made this
// list most of the cost of DescribeAutoScalingGroups. Each instance's
// <member> is cached on it and rebuilt only when what it shows changes
// (lifecycle, health, protection; the rest never changes after launch).
// The elements and their order are those of xmlGroupInstance.
func instancesXML(instances []*GroupInstance, zones map[string]string) string {
	n := len("<Instances></Instances>")
	for _, in := range instances {
		n += len(in.memberXML(zones))
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString("<Instances>")
	for _, in := range instances {
		b.WriteString(in.xmlMember)
	}
	b.WriteString("</Instances>")
	return b.String()
}

// memberState is what an instance's cached <member> was written for.
type memberState struct {
	lifecycle, health string
	protected         bool
	zoneID            string
}

// memberXML returns the instance's <member> element, from the cache when
// its state is the one the cache was written for.
func (in *GroupInstance) memberXML(zones map[string]string) string {
	key := memberState{in.Lifecycle, in.Health, in.Protected, zones[in.AZ]}
	if in.xmlMember != "" && in.xmlKey == key {
		return in.xmlMember
	}
	var b strings.Builder
	elem := func(name, value string) {
		b.WriteString("<")
		b.WriteString(name)
		b.WriteString(">")
		xmlEscape(&b, value)
		b.WriteString("</")
		b.WriteString(name)
		b.WriteString(">")
	}
	b.WriteString("<member>")
	elem("InstanceId", in.ID)
	if in.InstanceType != "" {
		elem("InstanceType", in.InstanceType)
	}
	elem("AvailabilityZone", in.AZ)
	if id := zones[in.AZ]; id != "" {
		elem("AvailabilityZoneId", id)
	}
	elem("LifecycleState", in.Lifecycle)
	elem("HealthStatus", in.Health)
	if in.LaunchTemplateID != "" { // attached instances were launched from no template of the group's
		b.WriteString("<LaunchTemplate>")
		elem("LaunchTemplateId", in.LaunchTemplateID)
		if in.LaunchTemplateName != "" {
			elem("LaunchTemplateName", in.LaunchTemplateName)
		}
		elem("Version", strconv.Itoa(in.LaunchTemplateVersion))
		b.WriteString("</LaunchTemplate>")
	}
	elem("ProtectedFromScaleIn", strconv.FormatBool(in.Protected))
	b.WriteString("</member>")
	in.xmlMember, in.xmlKey = b.String(), key
	return in.xmlMember
}

// xmlEscape writes s as XML character data.
func xmlEscape(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		case '\r':
			b.WriteString("&#xD;")
		default:
			b.WriteByte(c)
		}
	}
}

func describeAutoScalingGroups(c *call) (any, error) {
	names := c.p.List("AutoScalingGroupNames.member")
	filters := map[string][]string{}
	for _, f := range c.p.Structs("Filters.member") {
		filters[f.Get("Name")] = append(filters[f.Get("Name")], f.List("Values.member")...)
	}
	var groups []*AutoScalingGroup
	for _, g := range c.r.ASG.sortedGroups() {
		if len(names) > 0 && !slices.Contains(names, g.Name) {
			continue
		}
		if !groupMatches(g, filters) {
			continue
		}
		groups = append(groups, g)
	}
	from, to, next, err := asgPage(c.p, len(groups), 50, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		AutoScalingGroups []xmlGroup `xml:"AutoScalingGroups>member"`
		NextToken         string     `xml:"NextToken,omitempty"`
	}{NextToken: next}
	var zones map[string]string
	if c.p.Bool("IncludeInstances", true) {
		zones = zoneIDs(c.region)
	}
	for _, g := range groups[from:to] {
		out.AutoScalingGroups = append(out.AutoScalingGroups, c.r.groupXML(g, zones))
	}
	return out, nil
}

// groupMatches applies DescribeAutoScalingGroups filters: tag:<key>,
// tag-key, tag-value.
func groupMatches(g *AutoScalingGroup, filters map[string][]string) bool {
	for name, values := range filters {
		ok := false
		for _, t := range g.Tags {
			switch {
			case strings.HasPrefix(name, "tag:"):
				ok = ok || (t.Key == name[4:] && slices.Contains(values, t.Value))
			case name == "tag-key":
				ok = ok || slices.Contains(values, t.Key)
			case name == "tag-value":
				ok = ok || slices.Contains(values, t.Value)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func describeAutoScalingInstances(c *call) (any, error) {
	ids := c.p.List("InstanceIds.member")
	type row struct {
		g  *AutoScalingGroup
		in *GroupInstance
	}
	var rows []row
	if len(ids) > 0 {
		for _, id := range ids {
			if g := c.r.ASG.Groups[c.r.ASG.Members[id]]; g != nil {
				if in := g.instance(id); in != nil {
					rows = append(rows, row{g, in})
				}
			}
		}
	} else {
		for _, g := range c.r.ASG.sortedGroups() {
			for _, in := range g.Instances {
				rows = append(rows, row{g, in})
			}
		}
	}
	from, to, next, err := asgPage(c.p, len(rows), 50, 50)
	if err != nil {
		return nil, err
	}
	out := struct {
		AutoScalingInstances []xmlGroupInstance `xml:"AutoScalingInstances>member"`
		NextToken            string             `xml:"NextToken,omitempty"`
	}{NextToken: next}
	zones := zoneIDs(c.region)
	for _, r := range rows[from:to] {
		x := groupInstanceXML(r.in, zones)
		x.AutoScalingGroupName = r.g.Name
		// This operation writes the health status in capitals (HEALTHY), unlike DescribeAutoScalingGroups.
		x.HealthStatus = strings.ToUpper(x.HealthStatus)
		out.AutoScalingInstances = append(out.AutoScalingInstances, x)
	}
	return out, nil
}

func describeTerminationPolicyTypes(c *call) (any, error) {
	return struct {
		TerminationPolicyTypes []string `xml:"TerminationPolicyTypes>member"`
	}{terminationPolicyTypes}, nil
}

func describeLifecycleHooks(c *call) (any, error) {
	if _, err := c.group(c.p.Get("AutoScalingGroupName")); err != nil {
		return nil, err
	}
	return struct {
		LifecycleHooks []struct{} `xml:"LifecycleHooks>member"`
	}{}, nil
}

func describeNotificationTypes(c *call) (any, error) {
	return struct {
		Types []string `xml:"AutoScalingNotificationTypes>member"`
	}{[]string{"autoscaling:EC2_INSTANCE_LAUNCH", "autoscaling:EC2_INSTANCE_LAUNCH_ERROR", "autoscaling:EC2_INSTANCE_TERMINATE", "autoscaling:EC2_INSTANCE_TERMINATE_ERROR", "autoscaling:TEST_NOTIFICATION"}}, nil
}

func createOrUpdateTags(c *call) (any, error) {
	for _, t := range c.p.Structs("Tags.member") {
		g, err := c.liveGroup(t.Get("ResourceId"))
		if err != nil {
			return nil, err
		}
		if err := setGroupTag(g, t); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func deleteASGTags(c *call) (any, error) {
	for _, t := range c.p.Structs("Tags.member") {
		g, err := c.group(t.Get("ResourceId"))
		if err != nil {
			return nil, err
		}
		g.Tags = slices.DeleteFunc(g.Tags, func(x ASGTag) bool {
			return x.Key == t.Get("Key") && (!t.Has("Value") || x.Value == t.Get("Value"))
		})
	}
	return nil, nil
}

func describeASGTags(c *call) (any, error) {
	filters := map[string][]string{}
	for _, f := range c.p.Structs("Filters.member") {
		name := f.Get("Name")
		if !slices.Contains([]string{"auto-scaling-group", "key", "value", "propagate-at-launch"}, name) {
			return nil, errBadRequest("ValidationError", "Filter type %s is not supported. Supported filter types: auto-scaling-group, key, value, propagate-at-launch", name)
		}
		filters[name] = append(filters[name], f.List("Values.member")...)
	}
	match := func(name, v string) bool {
		values, ok := filters[name]
		return !ok || slices.Contains(values, v)
	}
	var tags []asgXMLTag
	for _, g := range c.r.ASG.sortedGroups() {
		if !match("auto-scaling-group", g.Name) {
			continue
		}
		for _, t := range g.Tags {
			if match("key", t.Key) && match("value", t.Value) && match("propagate-at-launch", strconv.FormatBool(t.PropagateAtLaunch)) {
				tags = append(tags, asgXMLTag{g.Name, "auto-scaling-group", t.Key, t.Value, t.PropagateAtLaunch})
			}
		}
	}
	from, to, next, err := asgPage(c.p, len(tags), 50, 100)
	if err != nil {
		return nil, err
	}
	return struct {
		Tags      []asgXMLTag `xml:"Tags>member"`
		NextToken string      `xml:"NextToken,omitempty"`
	}{tags[from:to], next}, nil
}
