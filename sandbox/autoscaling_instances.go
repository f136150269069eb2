package sandbox

import (
	"fmt"
	"slices"
)

// memberOf returns the group and record of an instance, or AWS's error.
func (c *call) memberOf(id string) (*AutoScalingGroup, *GroupInstance, error) {
	if g := c.r.ASG.Groups[c.r.ASG.Members[id]]; g != nil {
		if in := g.instance(id); in != nil {
			return g, in, nil
		}
	}
	return nil, nil, errBadRequest("ValidationError", "Instance Id not found - No managed instance found for instance ID: %s", id)
}

// groupMembers resolves instance ids that must all belong to the named group.
func (c *call) groupMembers(g *AutoScalingGroup, ids []string) ([]*GroupInstance, error) {
	if len(ids) == 0 {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'instanceIds' failed to satisfy constraint: Member must not be null")
	}
	var out []*GroupInstance
	for _, id := range ids {
		in := g.instance(id)
		if in == nil {
			return nil, errBadRequest("ValidationError", "The instance %s is not part of Auto Scaling group %s.", id, g.Name)
		}
		out = append(out, in)
	}
	return out, nil
}

func terminateInstanceInAutoScalingGroup(c *call) (any, error) {
	id := c.p.Get("InstanceId")
	if !c.p.Has("ShouldDecrementDesiredCapacity") {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null")
	}
	g, in, err := c.memberOf(id)
	if err != nil {
		return nil, err
	}
	decrement := c.p.Bool("ShouldDecrementDesiredCapacity", false)
	if in.Lifecycle == lifecycleTerminating {
		return struct {
			Activity xmlActivity `xml:"Activity"`
		}{activityXML(g, g.activity(in.ActivityID))}, nil
	}
	cause := fmt.Sprintf("At %s instance %s was taken out of service in response to a user request.", awsTime(c.now), id)
	if decrement && in.Lifecycle != lifecycleStandby {
		if g.DesiredCapacity-1 < g.MinSize {
			return nil, errBadRequest("ValidationError", "Currently, desiredSize equals minSize (%d). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size.", g.MinSize)
		}
		cause = fmt.Sprintf("At %s instance %s was taken out of service in response to a user request, shrinking the capacity from %d to %d.", awsTime(c.now), id, g.DesiredCapacity, g.DesiredCapacity-1)
		g.DesiredCapacity--
		g.Cause = cause
	}
	c.r.retire(c.now, c.d, g, in, cause)
	return struct {
		Activity xmlActivity `xml:"Activity"`
	}{activityXML(g, g.activity(in.ActivityID))}, nil
}

func enterStandby(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	if !c.p.Has("ShouldDecrementDesiredCapacity") {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null")
	}
	ins, err := c.groupMembers(g, c.p.List("InstanceIds.member"))
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if in.Lifecycle != lifecycleInService {
			return nil, errBadRequest("ValidationError", "The instance %s is not in InService.", in.ID)
		}
	}
	decrement := c.p.Bool("ShouldDecrementDesiredCapacity", false)
	if decrement && g.DesiredCapacity-len(ins) < g.MinSize {
		return nil, errBadRequest("ValidationError", "AutoScalingGroup %s has min-size=%d, max-size=%d, and desired-size=%d. To place into standby %d instances, please update the AutoScalingGroup sizes appropriately.",
			g.Name, g.MinSize, g.MaxSize, g.DesiredCapacity, len(ins))
	}
	var out []xmlActivity
	for _, in := range ins {
		cause := fmt.Sprintf("At %s instance %s was moved to standby in response to a user request.", awsTime(c.now), in.ID)
		if decrement {
			cause = fmt.Sprintf("At %s instance %s was moved to standby in response to a user request, shrinking the capacity from %d to %d.", awsTime(c.now), in.ID, g.DesiredCapacity, g.DesiredCapacity-1)
			g.DesiredCapacity--
			g.Cause = cause
		}
		for _, tg := range g.TargetGroupARNs {
			c.r.deregisterTarget(c.now, tg, in.ID)
		}
		in.Lifecycle = lifecycleStandby
		a := g.record(c.w, &ScalingActivity{Description: "Moving EC2 instance to Standby: " + in.ID, Cause: cause,
			Details: placementDetails(in.SubnetID, in.AZ), StatusCode: activitySuccessful, Progress: 100, StartTime: c.now, EndTime: c.now})
		out = append(out, activityXML(g, a))
	}
	return struct {
		Activities []xmlActivity `xml:"Activities>member"`
	}{out}, nil
}

func exitStandby(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	ins, err := c.groupMembers(g, c.p.List("InstanceIds.member"))
	if err != nil {
		return nil, err
	}
	for _, in := range ins {
		if in.Lifecycle != lifecycleStandby {
			return nil, errBadRequest("ValidationError", "The instance %s is not in Standby.", in.ID)
		}
	}
	// Leaving standby raises the desired capacity so the group does not
	// terminate another instance to make room.
	if g.DesiredCapacity+len(ins) > g.MaxSize {
		return nil, errBadRequest("ValidationError", "AutoScalingGroup %s has min-size=%d, max-size=%d, and desired-size=%d. To move %d instances out of standby, please update the AutoScalingGroup sizes appropriately.",
			g.Name, g.MinSize, g.MaxSize, g.DesiredCapacity, len(ins))
	}
	var out []xmlActivity
	for _, in := range ins {
		cause := fmt.Sprintf("At %s instance %s was moved out of standby in response to a user request, increasing the capacity from %d to %d.", awsTime(c.now), in.ID, g.DesiredCapacity, g.DesiredCapacity+1)
		g.DesiredCapacity++
		g.Cause = cause
		// Pending again: it comes back into service (and its target groups) on the next tick.
		in.Lifecycle = lifecyclePending
		a := g.record(c.w, &ScalingActivity{Description: "Moving EC2 instance out of Standby: " + in.ID, Cause: cause,
			Details: placementDetails(in.SubnetID, in.AZ), StatusCode: activityInProgress, Progress: 30, StartTime: c.now})
		in.ActivityID = a.ID
		out = append(out, activityXML(g, a))
	}
	return struct {
		Activities []xmlActivity `xml:"Activities>member"`
	}{out}, nil
}

func setInstanceProtection(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	if !c.p.Has("ProtectedFromScaleIn") {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'protectedFromScaleIn' failed to satisfy constraint: Member must not be null")
	}
	ins, err := c.groupMembers(g, c.p.List("InstanceIds.member"))
	if err != nil {
		return nil, err
	}
	protect := c.p.Bool("ProtectedFromScaleIn", false)
	for _, in := range ins {
		in.Protected = protect
	}
	return nil, nil
}

// attachTargetGroups adds target groups to a group and registers its
// in-service instances in them.
func (c *call) attachTargetGroups(g *AutoScalingGroup, arns []string) error {
	for _, arn := range arns {
		if !c.r.targetGroupExists(arn) {
			return errBadRequest("ValidationError", "Provided Target Groups may not be valid. Please ensure they exist and try again.")
		}
	}
	for _, arn := range arns {
		if slices.Contains(g.TargetGroupARNs, arn) {
			continue
		}
		g.TargetGroupARNs = append(g.TargetGroupARNs, arn)
		for _, in := range g.Instances {
			if in.Lifecycle == lifecycleInService {
				_ = c.r.registerTarget(c.now, arn, in.ID, 0)
			}
		}
	}
	return nil
}

// detachTargetGroups removes target groups, deregistering the group's instances.
func (c *call) detachTargetGroups(g *AutoScalingGroup, arns []string) {
	for _, arn := range arns {
		if !slices.Contains(g.TargetGroupARNs, arn) {
			continue
		}
		g.TargetGroupARNs = slices.DeleteFunc(g.TargetGroupARNs, func(s string) bool { return s == arn })
		for _, in := range g.Instances {
			if in.Lifecycle == lifecycleInService {
				c.r.deregisterTarget(c.now, arn, in.ID)
			}
		}
	}
}

func attachLoadBalancerTargetGroups(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	return nil, c.attachTargetGroups(g, c.p.List("TargetGroupARNs.member"))
}

func detachLoadBalancerTargetGroups(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	c.detachTargetGroups(g, c.p.List("TargetGroupARNs.member"))
	return nil, nil
}

// trafficSources reads TrafficSources.member.N; the sandbox has
// Application Load Balancer target groups only (type elbv2).
func trafficSources(p params) ([]string, error) {
	var arns []string
	for _, ts := range p.Structs("TrafficSources.member") {
		if t := ts.Get("Type"); t != "" && t != "elbv2" {
			return nil, errBadRequest("ValidationError", "Traffic source type %s is not supported by the sandbox; use elbv2.", t)
		}
		arns = append(arns, ts.Get("Identifier"))
	}
	return arns, nil
}

func attachTrafficSources(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	arns, err := trafficSources(c.p)
	if err != nil {
		return nil, err
	}
	return nil, c.attachTargetGroups(g, arns)
}

func detachTrafficSources(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	arns, err := trafficSources(c.p)
	if err != nil {
		return nil, err
	}
	c.detachTargetGroups(g, arns)
	return nil, nil
}

// trafficSourceState is Added until an instance of the group passes the
// target group's health checks, then InService, as AWS reports it.
func (r *Region) trafficSourceState(g *AutoScalingGroup, arn string) string {
	for _, in := range g.Instances {
		if in.Lifecycle == lifecycleInService {
			if st, _ := r.targetHealth(arn, in.ID); st == "healthy" {
				return "InService"
			}
		}
	}
	return "Added"
}

func describeTrafficSources(c *call) (any, error) {
	g, err := c.group(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	if t := c.p.Get("TrafficSourceType"); t != "" && t != "elbv2" {
		return struct {
			TrafficSources []struct{} `xml:"TrafficSources>member"`
		}{}, nil
	}
	type state struct {
		TrafficSource string `xml:"TrafficSource"`
		State         string `xml:"State"`
		Identifier    string `xml:"Identifier"`
		Type          string `xml:"Type"`
	}
	from, to, next, err := asgPage(c.p, len(g.TargetGroupARNs), 50, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		TrafficSources []state `xml:"TrafficSources>member"`
		NextToken      string  `xml:"NextToken,omitempty"`
	}{NextToken: next}
	for _, arn := range g.TargetGroupARNs[from:to] {
		out.TrafficSources = append(out.TrafficSources, state{arn, c.r.trafficSourceState(g, arn), arn, "elbv2"})
	}
	return out, nil
}

func describeLoadBalancerTargetGroups(c *call) (any, error) {
	g, err := c.group(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	type state struct {
		LoadBalancerTargetGroupARN string `xml:"LoadBalancerTargetGroupARN"`
		State                      string `xml:"State"`
	}
	from, to, next, err := asgPage(c.p, len(g.TargetGroupARNs), 100, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		LoadBalancerTargetGroups []state `xml:"LoadBalancerTargetGroups>member"`
		NextToken                string  `xml:"NextToken,omitempty"`
	}{NextToken: next}
	for _, arn := range g.TargetGroupARNs[from:to] {
		out.LoadBalancerTargetGroups = append(out.LoadBalancerTargetGroups, state{arn, c.r.trafficSourceState(g, arn)})
	}
	return out, nil
}

// attachInstances adds running instances to a group, as AttachInstances
// does: the desired capacity grows by their number, they join the group's
// target groups, and, launched from no template of the group's, they are
// the first the default termination policy removes — a hand-built server
// attached to a group is the first to go on scale-in.
func attachInstances(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	ids := c.p.List("InstanceIds.member")
	var insts []*Instance
	for _, id := range ids {
		inst := c.r.instance(id)
		switch {
		case inst == nil || inst.State == "terminated":
			return nil, errBadRequest("ValidationError", "Instance Id not found - No managed instance found for instance ID: %s", id)
		case c.r.ASG.Members[id] != "":
			return nil, errBadRequest("ValidationError", "The instance %s is already part of the Auto Scaling group %s.", id, c.r.ASG.Members[id])
		case inst.State != "running":
			return nil, errBadRequest("ValidationError", "Instance %s is not in correct state (%s) to be attached.", id, inst.State)
		case !slices.Contains(g.AvailabilityZones, inst.AZ):
			return nil, errBadRequest("ValidationError", "Instance %s is in %s, which is not one of the Availability Zones of Auto Scaling group %s.", id, inst.AZ, g.Name)
		}
		insts = append(insts, inst)
	}
	if g.DesiredCapacity+len(ids) > g.MaxSize {
		return nil, errBadRequest("ValidationError", "AutoScalingGroup %s has min-size=%d, max-size=%d, and desired-size=%d. To attach %d instances, please update the AutoScalingGroup sizes appropriately.",
			g.Name, g.MinSize, g.MaxSize, g.DesiredCapacity, len(ids))
	}
	for _, inst := range insts {
		cause := fmt.Sprintf("At %s an instance was added in response to a user request attaching instance %s, increasing the capacity from %d to %d.", awsTime(c.now), inst.ID, g.DesiredCapacity, g.DesiredCapacity+1)
		g.DesiredCapacity++
		g.Cause = cause
		a := g.record(c.w, &ScalingActivity{Description: "Attaching an existing EC2 instance: " + inst.ID, Cause: cause,
			Details: placementDetails(inst.SubnetID, inst.AZ), StatusCode: activityInProgress, Progress: 30, StartTime: c.now})
		// Pending: it comes into service, and into the target groups, on the next tick.
		g.Instances = append(g.Instances, &GroupInstance{ID: inst.ID, AZ: inst.AZ, SubnetID: inst.SubnetID, InstanceType: inst.InstanceType, ImageID: inst.ImageID,
			Lifecycle: lifecyclePending, Health: healthHealthy, Protected: g.NewInstancesProtectedFromScaleIn, LaunchTime: inst.LaunchTime, ActivityID: a.ID})
		c.r.ASG.Members[inst.ID] = g.Name
		if tags := c.r.ec2Tags(inst.ID); tags != nil {
			*tags = append(slices.DeleteFunc(*tags, func(t Tag) bool { return t.Key == "aws:autoscaling:groupName" }), Tag{Key: "aws:autoscaling:groupName", Value: g.Name})
		}
	}
	return nil, nil
}

// detachInstances takes instances out of a group and leaves them running.
func detachInstances(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	if !c.p.Has("ShouldDecrementDesiredCapacity") {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value null at 'shouldDecrementDesiredCapacity' failed to satisfy constraint: Member must not be null")
	}
	ins, err := c.groupMembers(g, c.p.List("InstanceIds.member"))
	if err != nil {
		return nil, err
	}
	decrement := c.p.Bool("ShouldDecrementDesiredCapacity", false)
	if decrement && g.DesiredCapacity-len(ins) < g.MinSize {
		return nil, errBadRequest("ValidationError", "AutoScalingGroup %s has min-size=%d, max-size=%d, and desired-size=%d. To detach %d instances, please update the AutoScalingGroup sizes appropriately.",
			g.Name, g.MinSize, g.MaxSize, g.DesiredCapacity, len(ins))
	}
	var out []xmlActivity
	for _, in := range ins {
		cause := fmt.Sprintf("At %s instance %s was detached in response to a user request.", awsTime(c.now), in.ID)
		if decrement {
			cause = fmt.Sprintf("At %s instance %s was detached in response to a user request, shrinking the capacity from %d to %d.", awsTime(c.now), in.ID, g.DesiredCapacity, g.DesiredCapacity-1)
			g.DesiredCapacity--
			g.Cause = cause
		}
		if in.Lifecycle == lifecycleInService {
			for _, tg := range g.TargetGroupARNs {
				c.r.deregisterTarget(c.now, tg, in.ID)
			}
		}
		if a := g.activity(in.ActivityID); a != nil {
			a.finish(c.now, activityCancelled)
		}
		a := g.record(c.w, &ScalingActivity{Description: "Detaching EC2 instance: " + in.ID, Cause: cause,
			Details: placementDetails(in.SubnetID, in.AZ), StatusCode: activitySuccessful, Progress: 100, StartTime: c.now, EndTime: c.now})
		out = append(out, activityXML(g, a))
		g.Instances = slices.DeleteFunc(g.Instances, func(x *GroupInstance) bool { return x == in })
		delete(c.r.ASG.Members, in.ID)
	}
	return struct {
		Activities []xmlActivity `xml:"Activities>member"`
	}{out}, nil
}
