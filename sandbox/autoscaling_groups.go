package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

const serviceLinkedRoleARN = "arn:aws:iam::" + AccountID + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"

// Health check types AWS accepts.
var healthCheckTypes = []string{"EC2", "ELB", "VPC_LATTICE", "EBS"}

// resolveTemplate finds a launch template by id or name and the version
// number a version string ("$Latest", "$Default", "" or a number) means now.
func (r *Region) resolveTemplate(id, name, version string) (*LaunchTemplate, int, *APIError) {
	var lt *LaunchTemplate
	switch {
	case id != "" && name != "":
		return nil, 0, errBadRequest("ValidationError", "Valid requests must contain either launchTemplateId or LaunchTemplateName")
	case id != "":
		lt = r.EC2.Compute.LaunchTemplates[id]
		if lt == nil {
			return nil, 0, errBadRequest("ValidationError", "You must use a valid fully-formed launch template. The launch template ID '%s' does not exist.", id)
		}
	case name != "":
		for _, t := range r.EC2.Compute.LaunchTemplates {
			if t.Name == name {
				lt = t
				break
			}
		}
		if lt == nil {
			return nil, 0, errBadRequest("ValidationError", "You must use a valid fully-formed launch template. The launch template name '%s' does not exist.", name)
		}
	default:
		return nil, 0, errBadRequest("ValidationError", "Valid requests must contain either launchTemplateId or LaunchTemplateName")
	}
	switch version {
	case "", "$Default":
		return lt, lt.DefaultVersion, nil
	case "$Latest":
		return lt, lt.LatestVersion, nil
	}
	n, err := strconv.Atoi(version)
	if err != nil || n < 1 || n > lt.LatestVersion {
		return nil, 0, errBadRequest("ValidationError", "You must use a valid fully-formed launch template. The specified launch template version '%s' for template %s does not exist.", version, lt.ID)
	}
	return lt, n, nil
}

// checkTemplateProfile rejects a launch template whose instance profile
// EC2 cannot use yet, as Create/UpdateAutoScalingGroup do on AWS in the
// seconds after the profile is created (IAM eventual consistency).
func (c *call) checkTemplateProfile(lt *LaunchTemplate, version int) error {
	for _, v := range lt.Versions {
		if v.Number != version || (v.IAMProfileName == "" && v.IAMProfileArn == "") {
			continue
		}
		ref, param, what := v.IAMProfileName, "iamInstanceProfile.name", "name"
		if v.IAMProfileArn != "" {
			ref, param, what = v.IAMProfileArn, "iamInstanceProfile.arn", "ARN"
		}
		if _, exists, ok := c.w.IAM.profileUsable(ref, c.now, c.d); !exists || !ok {
			return errBadRequest("ValidationError", "You must use a valid fully-formed launch template. Value (%s) for parameter %s is invalid. Invalid IAM Instance Profile %s", ref, param, what)
		}
	}
	return nil
}

// groupSpec is what Create and Update read; nil fields were not sent.
type groupSpec struct {
	ltID, ltName, ltVersion         *string
	min, max, desired               *int
	cooldown, grace, warmup         *int
	subnets, azs, targetGroups      []string
	subnetsSet, azsSet              bool
	healthCheckType                 *string
	policies                        []string
	protect, capacityRebalance      *bool
	launchConfiguration, instanceID string
	mixed                           bool
}

func readGroupSpec(p params) (groupSpec, error) {
	var s groupSpec
	str := func(key string) *string {
		if !p.Has(key) {
			return nil
		}
		v := p.Get(key)
		return &v
	}
	num := func(key string, dst **int) error {
		if !p.Has(key) {
			return nil
		}
		n, err := p.Int(key, 0)
		if err != nil {
			return err
		}
		*dst = &n
		return nil
	}
	boolean := func(key string) *bool {
		if !p.Has(key) {
			return nil
		}
		b := p.Bool(key, false)
		return &b
	}
	s.ltID, s.ltName, s.ltVersion = str("LaunchTemplate.LaunchTemplateId"), str("LaunchTemplate.LaunchTemplateName"), str("LaunchTemplate.Version")
	for key, dst := range map[string]**int{"MinSize": &s.min, "MaxSize": &s.max, "DesiredCapacity": &s.desired,
		"DefaultCooldown": &s.cooldown, "HealthCheckGracePeriod": &s.grace, "DefaultInstanceWarmup": &s.warmup} {
		if err := num(key, dst); err != nil {
			return s, err
		}
	}
	if p.Has("VPCZoneIdentifier") {
		s.subnetsSet = true
		for _, id := range strings.Split(p.Get("VPCZoneIdentifier"), ",") {
			if id = strings.TrimSpace(id); id != "" && !slices.Contains(s.subnets, id) {
				s.subnets = append(s.subnets, id)
			}
		}
	}
	s.azs = p.List("AvailabilityZones.member")
	s.azsSet = len(s.azs) > 0
	s.targetGroups = p.List("TargetGroupARNs.member")
	for _, ts := range p.Structs("TrafficSources.member") {
		if t := ts.Get("Type"); t == "" || t == "elbv2" {
			s.targetGroups = append(s.targetGroups, ts.Get("Identifier"))
		}
	}
	s.healthCheckType = str("HealthCheckType")
	s.policies = p.List("TerminationPolicies.member")
	s.protect, s.capacityRebalance = boolean("NewInstancesProtectedFromScaleIn"), boolean("CapacityRebalance")
	s.launchConfiguration, s.instanceID = p.Get("LaunchConfigurationName"), p.Get("InstanceId")
	s.mixed = p.HasStruct("MixedInstancesPolicy")
	return s, nil
}

// validateCommon checks the fields Create and Update share.
func (c *call) validateCommon(s groupSpec) error {
	if s.healthCheckType != nil && !slices.Contains(healthCheckTypes, *s.healthCheckType) {
		return errBadRequest("ValidationError", "1 validation error detected: Value '%s' at 'healthCheckType' failed to satisfy constraint: Member must be one of EC2, ELB, VPC_LATTICE, EBS", *s.healthCheckType)
	}
	for _, p := range s.policies {
		if !slices.Contains(terminationPolicyTypes, p) && !strings.HasPrefix(p, "arn:aws:lambda:") {
			return errBadRequest("ValidationError", "Termination policy %s is not supported.", p)
		}
	}
	for _, v := range []*int{s.grace, s.cooldown, s.warmup} {
		if v != nil && *v < 0 {
			return errBadRequest("ValidationError", "1 validation error detected: Value '%d' failed to satisfy constraint: Member must have value greater than or equal to 0", *v)
		}
	}
	for _, arn := range s.targetGroups {
		if !c.r.targetGroupExists(arn) {
			return errBadRequest("ValidationError", "Provided Target Groups may not be valid. Please ensure they exist and try again.")
		}
	}
	if s.subnetsSet {
		vpc := ""
		for _, id := range s.subnets {
			sn := c.r.subnet(id)
			if sn == nil {
				return errBadRequest("ValidationError", "The subnet ID '%s' does not exist", id)
			}
			if vpc != "" && sn.VpcID != vpc {
				return errBadRequest("ValidationError", "The subnets '%s' do not belong to the same VPC.", strings.Join(s.subnets, ","))
			}
			vpc = sn.VpcID
		}
	}
	for _, az := range s.azs {
		if !slices.Contains(AZs(c.region), az) {
			return errBadRequest("ValidationError", "The availability zone '%s' is not legal.", az)
		}
	}
	return nil
}

// placement sets the group's subnets and zones from the spec: subnets win;
// zones alone mean the default subnets of those zones.
func (c *call) placement(g *AutoScalingGroup, s groupSpec) error {
	switch {
	case s.subnetsSet && len(s.subnets) > 0:
		g.Subnets = s.subnets
		g.AvailabilityZones = nil
		for _, id := range s.subnets {
			if az := c.r.subnet(id).AZ; !slices.Contains(g.AvailabilityZones, az) {
				g.AvailabilityZones = append(g.AvailabilityZones, az)
			}
		}
		slices.Sort(g.AvailabilityZones)
	case s.azsSet:
		g.AvailabilityZones = slices.Sorted(slices.Values(s.azs))
		g.Subnets = nil
		for _, az := range g.AvailabilityZones {
			for _, sn := range c.r.EC2.Network.Subnets {
				if sn.IsDefault && sn.AZ == az {
					g.Subnets = append(g.Subnets, sn.ID)
				}
			}
		}
		if len(g.Subnets) == 0 {
			return errBadRequest("ValidationError", "No default subnet found for the availability zones %s; specify VPCZoneIdentifier.", strings.Join(s.azs, ", "))
		}
	}
	if len(g.Subnets) == 0 {
		return errBadRequest("ValidationError", "At least one Availability Zone or VPC Subnet is required.")
	}
	return nil
}

func createAutoScalingGroup(c *call) (any, error) {
	name := c.p.Get("AutoScalingGroupName")
	if name == "" || len(name) > 255 {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value '%s' at 'autoScalingGroupName' failed to satisfy constraint: Member must have length between 1 and 255", name)
	}
	s, err := readGroupSpec(c.p)
	if err != nil {
		return nil, err
	}
	if c.r.ASG.Groups[name] != nil {
		return nil, errBadRequest("AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name %s already exists", name)
	}
	if s.launchConfiguration != "" {
		return nil, errBadRequest("ValidationError", "Launch configuration name not found - Launch configuration %s not found", s.launchConfiguration)
	}
	if s.instanceID != "" || s.mixed {
		return nil, errBadRequest("ValidationError", "The sandbox supports groups with a LaunchTemplate only (InstanceId and MixedInstancesPolicy are not implemented).")
	}
	if s.ltID == nil && s.ltName == nil {
		return nil, errBadRequest("ValidationError", "Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")
	}
	if s.min == nil || s.max == nil {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'minSize' or 'maxSize' failed to satisfy constraint: Member must not be null")
	}
	g := &AutoScalingGroup{
		Name: name, ARN: groupARN(c.region, c.w.newUUID(), name),
		LaunchTemplateID: deref(s.ltID), LaunchTemplateName: deref(s.ltName), LaunchTemplateVersion: deref(s.ltVersion),
		MinSize: *s.min, MaxSize: *s.max, DesiredCapacity: *s.min, DefaultCooldown: 300,
		HealthCheckType: "EC2", TerminationPolicies: []string{policyDefault}, CreatedTime: c.now,
	}
	if s.desired != nil {
		g.DesiredCapacity = *s.desired
	}
	if err := checkSizes(g.MinSize, g.MaxSize, g.DesiredCapacity); err != nil {
		return nil, err
	}
	if err := c.validateCommon(s); err != nil {
		return nil, err
	}
	lt, version, aerr := c.r.resolveTemplate(g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion)
	if aerr != nil {
		return nil, aerr
	}
	if err := c.checkTemplateProfile(lt, version); err != nil {
		return nil, err
	}
	if err := c.placement(g, s); err != nil {
		return nil, err
	}
	if s.cooldown != nil {
		g.DefaultCooldown = *s.cooldown
	}
	if s.grace != nil {
		g.HealthCheckGracePeriod = *s.grace // the API default is 0, unlike the console's 300
	}
	if s.warmup != nil {
		g.DefaultInstanceWarmup = *s.warmup
	}
	if s.healthCheckType != nil {
		g.HealthCheckType = *s.healthCheckType
	}
	if len(s.policies) > 0 {
		g.TerminationPolicies = s.policies
	}
	g.TargetGroupARNs = dedupe(s.targetGroups)
	g.NewInstancesProtectedFromScaleIn = s.protect != nil && *s.protect
	g.CapacityRebalance = s.capacityRebalance != nil && *s.capacityRebalance
	for _, t := range c.p.Structs("Tags.member") {
		if err := setGroupTag(g, t); err != nil {
			return nil, err
		}
	}
	g.Cause = fmt.Sprintf("At %s a user request created an AutoScalingGroup changing the desired capacity from 0 to %d.", awsTime(c.now), g.DesiredCapacity)
	c.r.ASG.Groups[name] = g
	return nil, nil
}

// checkSizes enforces min ≤ desired ≤ max with AWS's messages.
func checkSizes(minSize, maxSize, desired int) error {
	if minSize < 0 || maxSize < 0 || desired < 0 {
		return errBadRequest("ValidationError", "1 validation error detected: sizes must have value greater than or equal to 0")
	}
	if minSize > maxSize {
		return errBadRequest("ValidationError", "Max bound, %d, must be greater than or equal to min bound, %d", maxSize, minSize)
	}
	if desired < minSize || desired > maxSize {
		return errBadRequest("ValidationError", "Desired capacity:%d must be between the specified min size:%d and max size:%d", desired, minSize, maxSize)
	}
	return nil
}

func updateAutoScalingGroup(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	s, err := readGroupSpec(c.p)
	if err != nil {
		return nil, err
	}
	minSize, maxSize, desired := g.MinSize, g.MaxSize, g.DesiredCapacity
	if s.min != nil {
		minSize = *s.min
	}
	if s.max != nil {
		maxSize = *s.max
	}
	if s.desired != nil {
		desired = *s.desired
	} else {
		// AWS moves desired capacity into a new [min, max] when only the bounds change.
		desired = max(desired, minSize)
		desired = min(desired, maxSize)
	}
	if err := checkSizes(minSize, maxSize, desired); err != nil {
		return nil, err
	}
	if err := c.validateCommon(s); err != nil {
		return nil, err
	}
	ltID, ltName, ltVersion := g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion
	if s.ltID != nil || s.ltName != nil {
		ltID, ltName, ltVersion = deref(s.ltID), deref(s.ltName), deref(s.ltVersion)
	} else if s.ltVersion != nil {
		ltVersion = *s.ltVersion
	}
	lt, version, aerr := c.r.resolveTemplate(ltID, ltName, ltVersion)
	if aerr != nil {
		return nil, aerr
	}
	if ltID != g.LaunchTemplateID || ltName != g.LaunchTemplateName || ltVersion != g.LaunchTemplateVersion {
		if err := c.checkTemplateProfile(lt, version); err != nil {
			return nil, err
		}
	}
	if s.subnetsSet || s.azsSet {
		if err := c.placement(g, s); err != nil {
			return nil, err
		}
	}
	g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion = ltID, ltName, ltVersion
	if desired != g.DesiredCapacity {
		g.Cause = fmt.Sprintf("At %s a user request update of AutoScalingGroup constraints to min: %d, max: %d, desired: %d changing the desired capacity from %d to %d.",
			awsTime(c.now), minSize, maxSize, desired, g.DesiredCapacity, desired)
	}
	g.MinSize, g.MaxSize, g.DesiredCapacity = minSize, maxSize, desired
	if s.cooldown != nil {
		g.DefaultCooldown = *s.cooldown
	}
	if s.grace != nil {
		g.HealthCheckGracePeriod = *s.grace
	}
	if s.warmup != nil {
		g.DefaultInstanceWarmup = *s.warmup
	}
	if s.healthCheckType != nil {
		g.HealthCheckType = *s.healthCheckType
	}
	if len(s.policies) > 0 {
		g.TerminationPolicies = s.policies
	}
	if s.protect != nil {
		g.NewInstancesProtectedFromScaleIn = *s.protect
	}
	if s.capacityRebalance != nil {
		g.CapacityRebalance = *s.capacityRebalance
	}
	return nil, nil
}

func deleteAutoScalingGroup(c *call) (any, error) {
	g, err := c.group(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	if g.Status == statusDeleting {
		return nil, nil
	}
	if !c.p.Bool("ForceDelete", false) {
		for _, in := range g.Instances {
			if in.Lifecycle == lifecycleTerminating || in.Lifecycle == lifecyclePending {
				return nil, errBadRequest("ScalingActivityInProgress", "You cannot delete an AutoScalingGroup while there are scaling activities in progress for that group.")
			}
		}
		if len(g.Instances) > 0 {
			return nil, errBadRequest("ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.")
		}
	}
	g.Status = statusDeleting
	g.DesiredCapacity, g.MinSize = 0, 0
	for _, in := range g.Instances {
		if in.Lifecycle != lifecycleTerminating {
			c.r.retire(c.now, c.d, g, in, fmt.Sprintf("At %s an instance was taken out of service in response to a user request to delete the group.", awsTime(c.now)))
		}
	}
	for _, rf := range g.Refreshes {
		if rf.active() {
			rf.Status, rf.StatusReason, rf.EndTime = refreshCancelled, "The Auto Scaling group is being deleted.", c.now
		}
	}
	c.r.deletePolicies(g, g.Policies)
	if len(g.Instances) == 0 {
		c.r.ASG.forget(g)
	}
	return nil, nil
}

// forget removes a group whose deletion has finished.
func (s *ASGState) forget(g *AutoScalingGroup) {
	for _, in := range g.Instances {
		delete(s.Members, in.ID)
	}
	delete(s.Groups, g.Name)
}

func setDesiredCapacity(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	desired, err := c.p.Int("DesiredCapacity", -1)
	if err != nil {
		return nil, err
	}
	if desired < 0 {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'desiredCapacity' failed to satisfy constraint: Member must not be null")
	}
	if desired > g.MaxSize {
		return nil, errBadRequest("ValidationError", "New SetDesiredCapacity value %d is above max value %d for the AutoScalingGroup.", desired, g.MaxSize)
	}
	if desired < g.MinSize {
		return nil, errBadRequest("ValidationError", "New SetDesiredCapacity value %d is below min value %d for the AutoScalingGroup.", desired, g.MinSize)
	}
	if c.p.Bool("HonorCooldown", false) && c.now.Before(g.CooldownUntil) {
		return nil, errBadRequest("ScalingActivityInProgress", "Scaling activity is in cooldown for AutoScalingGroup %s; try again after %s.", g.Name, awsTime(g.CooldownUntil))
	}
	if desired != g.DesiredCapacity {
		g.Cause = fmt.Sprintf("At %s a user request explicitly set group desired capacity changing the desired capacity from %d to %d.", awsTime(c.now), g.DesiredCapacity, desired)
		g.DesiredCapacity = desired
	}
	return nil, nil
}

func setGroupTag(g *AutoScalingGroup, t params) error {
	key := t.Get("Key")
	if key == "" {
		return errBadRequest("ValidationError", "1 validation error detected: Value null at 'tags.member.key' failed to satisfy constraint: Member must not be null")
	}
	if strings.HasPrefix(key, "aws:") {
		return errBadRequest("ValidationError", "Tag keys starting with 'aws:' are reserved for internal use")
	}
	if rt := t.Get("ResourceType"); rt != "" && rt != "auto-scaling-group" {
		return errBadRequest("ValidationError", "Invalid resource type: %s", rt)
	}
	tag := ASGTag{Key: key, Value: t.Get("Value"), PropagateAtLaunch: t.Bool("PropagateAtLaunch", false)}
	for i := range g.Tags {
		if g.Tags[i].Key == key {
			g.Tags[i] = tag
			return nil
		}
	}
	if len(g.Tags) >= 50 {
		return errBadRequest("LimitExceeded", "Exceeded the limit of 50 tags per Auto Scaling group.")
	}
	g.Tags = append(g.Tags, tag)
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func dedupe(list []string) []string {
	var out []string
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
