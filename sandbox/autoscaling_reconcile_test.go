package sandbox

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestGroupLaunchesToDesiredBalancedAcrossZonesAndRecordsActivities(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 7, 10)
	g := w.settle("web")
	counts := zones(g)
	if counts["us-east-1a"] != 3 || counts["us-east-1b"] != 2 || counts["us-east-1c"] != 2 {
		t.Fatalf("zones = %v, want 3/2/2 (ties go to the first subnet)", counts)
	}
	acts := w.activities("web")
	launches := 0
	for _, a := range acts {
		if strings.HasPrefix(*a.Description, "Launching a new EC2 instance: i-") {
			launches++
			if a.StatusCode != astypes.ScalingActivityStatusCodeSuccessful || *a.Progress != 100 || a.EndTime == nil {
				t.Errorf("launch activity %s: %s %d", *a.Description, a.StatusCode, *a.Progress)
			}
			if !strings.Contains(*a.Cause, "a user request created an AutoScalingGroup changing the desired capacity from 0 to 7.") ||
				!strings.Contains(*a.Cause, "an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 7.") {
				t.Errorf("launch cause = %q", *a.Cause)
			}
		}
	}
	if launches != 7 {
		t.Fatalf("%d launch activities, want 7", launches)
	}

	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	g = w.settle("web")
	if counts := zones(g); counts["us-east-1a"] != 1 || counts["us-east-1b"] != 1 || counts["us-east-1c"] != 1 {
		t.Fatalf("zones after scale in = %v, want 1/1/1", counts)
	}
	terminations := 0
	for _, a := range w.activities("web") {
		if strings.HasPrefix(*a.Description, "Terminating EC2 instance: i-") {
			terminations++
			if !strings.Contains(*a.Cause, "a user request explicitly set group desired capacity changing the desired capacity from 7 to 3.") ||
				!strings.Contains(*a.Cause, "shrinking the capacity from 7 to 3.") || !strings.Contains(*a.Cause, "was selected for termination.") {
				t.Errorf("termination cause = %q", *a.Cause)
			}
		}
	}
	if terminations != 4 {
		t.Fatalf("%d termination activities, want 4", terminations)
	}
	// DescribeAutoScalingInstances sees the same instances.
	out, err := w.as.DescribeAutoScalingInstances(w.ctx, &autoscaling.DescribeAutoScalingInstancesInput{InstanceIds: instanceIDs(g)})
	if err != nil || len(out.AutoScalingInstances) != 3 {
		t.Fatalf("DescribeAutoScalingInstances: %v, %v", out, err)
	}
	for _, in := range out.AutoScalingInstances {
		if *in.AutoScalingGroupName != "web" || *in.LifecycleState != "InService" || *in.HealthStatus != "HEALTHY" {
			t.Errorf("instance = %s %s %s", *in.AutoScalingGroupName, *in.LifecycleState, *in.HealthStatus)
		}
	}
}

// TestScaleInAppliesTheGroupsTerminationPolicy drives each policy through
// the API: three instances launched first, three more ten minutes later
// (from a newer template version), then a scale in back to three.
func TestScaleInAppliesTheGroupsTerminationPolicy(t *testing.T) {
	tests := []struct {
		policy string
		keep   string // "first" or "second" wave
	}{
		{"OldestInstance", "second"},
		{"NewestInstance", "first"},
		{"OldestLaunchTemplate", "second"}, // the first wave runs version 1
		{"Default", "second"},              // oldest version first
	}
	for _, tt := range tests {
		t.Run(tt.policy, func(t *testing.T) {
			w := newASGWorld(t)
			w.createGroup("web", 0, 3, 6, func(in *autoscaling.CreateAutoScalingGroupInput) { in.TerminationPolicies = []string{tt.policy} })
			first := instanceIDs(w.settle("web"))
			w.Advance(10 * time.Minute)
			w.newVersion(w.template)
			if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(6)}); err != nil {
				t.Fatal(err)
			}
			all := instanceIDs(w.settle("web"))
			second := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(first, id) })
			if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(3)}); err != nil {
				t.Fatal(err)
			}
			kept := slices.Sorted(slices.Values(instanceIDs(w.settle("web"))))
			want := slices.Sorted(slices.Values(first))
			if tt.keep == "second" {
				want = slices.Sorted(slices.Values(second))
			}
			if !slices.Equal(kept, want) {
				t.Fatalf("%s kept %v, want the %s wave %v", tt.policy, kept, tt.keep, want)
			}
		})
	}
}

func TestScaleInNeverTerminatesProtectedInstances(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 3, 3)
	ids := instanceIDs(w.settle("web"))
	if _, err := w.as.SetInstanceProtection(w.ctx, &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: aws.String("web"), InstanceIds: ids[:2], ProtectedFromScaleIn: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		w.Advance(10 * time.Second)
	}
	g := w.group("web")
	if got := slices.Sorted(slices.Values(instanceIDs(g))); !slices.Equal(got, slices.Sorted(slices.Values(ids[:2]))) || countState(g, "InService") != 2 {
		t.Fatalf("after scale in to 0: %s, want exactly the protected %v in service", groupString(g), ids[:2])
	}
	for _, in := range g.Instances {
		if !*in.ProtectedFromScaleIn {
			t.Errorf("%s lost its protection", *in.InstanceId)
		}
	}
	_, err := w.as.SetInstanceProtection(w.ctx, &autoscaling.SetInstanceProtectionInput{AutoScalingGroupName: aws.String("web"), InstanceIds: []string{"i-0123456789abcdef0"}, ProtectedFromScaleIn: aws.Bool(true)})
	wantAPIError(t, err, "ValidationError", "is not part of Auto Scaling group web")
}

func TestTerminateInstanceInAutoScalingGroup(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 2, 3, 3)
	ids := instanceIDs(w.settle("web"))
	out, err := w.as.TerminateInstanceInAutoScalingGroup(w.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(ids[0]), ShouldDecrementDesiredCapacity: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Activity.Description != "Terminating EC2 instance: "+ids[0] || out.Activity.StatusCode != astypes.ScalingActivityStatusCodeInProgress {
		t.Fatalf("activity = %s %s", *out.Activity.Description, out.Activity.StatusCode)
	}
	g := w.settle("web")
	if *g.DesiredCapacity != 3 || slices.Contains(instanceIDs(g), ids[0]) {
		t.Fatalf("without decrement: desired %d, instances %v (want %s replaced)", *g.DesiredCapacity, instanceIDs(g), ids[0])
	}
	if _, err := w.as.TerminateInstanceInAutoScalingGroup(w.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(ids[1]), ShouldDecrementDesiredCapacity: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if g := w.settle("web"); *g.DesiredCapacity != 2 || len(g.Instances) != 2 {
		t.Fatalf("with decrement: desired %d, %s", *g.DesiredCapacity, groupString(g))
	}
	_, err = w.as.TerminateInstanceInAutoScalingGroup(w.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(ids[2]), ShouldDecrementDesiredCapacity: aws.Bool(true)})
	wantAPIError(t, err, "ValidationError", "min size")
	_, err = w.as.TerminateInstanceInAutoScalingGroup(w.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String("i-0123456789abcdef0"), ShouldDecrementDesiredCapacity: aws.Bool(false)})
	wantAPIError(t, err, "ValidationError", "No managed instance found for instance ID: i-0123456789abcdef0")
}

func TestStandbyTakesInstancesOutOfCapacityAndBack(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 1, 2, 3)
	ids := instanceIDs(w.settle("web"))
	out, err := w.as.EnterStandby(w.ctx, &autoscaling.EnterStandbyInput{AutoScalingGroupName: aws.String("web"), InstanceIds: ids[:1], ShouldDecrementDesiredCapacity: aws.Bool(false)})
	if err != nil || len(out.Activities) != 1 {
		t.Fatalf("EnterStandby: %v %v", out, err)
	}
	// Without decrement the group launches a replacement for the standby instance.
	for range 5 {
		w.Advance(10 * time.Second)
	}
	g := w.group("web")
	if countState(g, "Standby") != 1 || countState(g, "InService") != 2 || *g.DesiredCapacity != 2 {
		t.Fatalf("after standby: desired %d, %s", *g.DesiredCapacity, groupString(g))
	}
	if _, err := w.as.ExitStandby(w.ctx, &autoscaling.ExitStandbyInput{AutoScalingGroupName: aws.String("web"), InstanceIds: ids[:1]}); err != nil {
		t.Fatal(err)
	}
	g = w.group("web")
	if *g.DesiredCapacity != 3 || countState(g, "Standby") != 0 {
		t.Fatalf("after exit standby: desired %d (want raised to 3), %s", *g.DesiredCapacity, groupString(g))
	}
	// Three instances over three zones, two of them in one: the group rebalances.
	g = w.settle("web")
	if counts := zones(g); len(counts) != 3 {
		t.Fatalf("after exit standby the group did not rebalance: %v", counts)
	}
	inService := *g.Instances[0].InstanceId
	_, err = w.as.ExitStandby(w.ctx, &autoscaling.ExitStandbyInput{AutoScalingGroupName: aws.String("web"), InstanceIds: []string{inService}})
	wantAPIError(t, err, "ValidationError", "not in Standby")
	_, err = w.as.EnterStandby(w.ctx, &autoscaling.EnterStandbyInput{AutoScalingGroupName: aws.String("web"), InstanceIds: []string{inService}, ShouldDecrementDesiredCapacity: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if g := w.group("web"); *g.DesiredCapacity != 2 {
		t.Fatalf("standby with decrement: desired %d", *g.DesiredCapacity)
	}
}

// TestRebalancingLaunchesBeforeTerminating empties a zone with decrement,
// then checks AWS's order: a launch in the empty zone first, a
// termination in a full zone only once the new instance is in service.
func TestRebalancingLaunchesBeforeTerminating(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 6, 8)
	g := w.settle("web")
	var inA []string
	for _, in := range g.Instances {
		if *in.AvailabilityZone == "us-east-1a" {
			inA = append(inA, *in.InstanceId)
		}
	}
	for _, id := range inA {
		if _, err := w.as.TerminateInstanceInAutoScalingGroup(w.ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{InstanceId: aws.String(id), ShouldDecrementDesiredCapacity: aws.Bool(true)}); err != nil {
			t.Fatal(err)
		}
	}
	inService := func(g astypes.AutoScalingGroup) int { return countState(g, "InService") }
	for range 20 {
		g = w.group("web")
		if inService(g) < 4 {
			t.Fatalf("rebalancing dropped below desired capacity: %s", groupString(g))
		}
		w.Advance(10 * time.Second)
	}
	g = w.settle("web")
	counts := zones(g)
	if counts["us-east-1a"] != 1 || counts["us-east-1b"]+counts["us-east-1c"] != 3 || len(g.Instances) != 4 {
		t.Fatalf("after rebalancing: %v, %s", counts, groupString(g))
	}
	var launch, terminate time.Time
	for _, a := range w.activities("web") {
		if strings.Contains(*a.Cause, "Availability Zone rebalancing") {
			if strings.HasPrefix(*a.Description, "Launching") {
				launch = *a.StartTime
			} else {
				terminate = *a.StartTime
			}
		}
	}
	if launch.IsZero() || terminate.IsZero() || terminate.Before(launch) {
		t.Fatalf("rebalancing activities: launch at %v, terminate at %v", launch, terminate)
	}
}

func TestChangingSubnetsMovesInstancesIntoTheNewZones(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 4, 6)
	w.settle("web")
	if _, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), VPCZoneIdentifier: aws.String(w.subnets[1] + "," + w.subnets[2])}); err != nil {
		t.Fatal(err)
	}
	var g astypes.AutoScalingGroup
	for range 30 {
		w.Advance(10 * time.Second)
		g = w.group("web")
		if zones(g)["us-east-1a"] == 0 && len(g.Instances) == 4 && countState(g, "InService") == 4 {
			break
		}
	}
	if counts := zones(g); counts["us-east-1a"] != 0 || counts["us-east-1b"] != 2 || counts["us-east-1c"] != 2 {
		t.Fatalf("after moving to zones b and c: %v, %s", counts, groupString(g))
	}
}

// TestInstanceTerminatedOutsideTheGroupIsReplaced: EC2 health checks see an
// instance that is no longer running, and the group replaces it.
func TestInstanceTerminatedOutsideTheGroupIsReplaced(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 2, 2, 2)
	victim := instanceIDs(w.settle("web"))[0]
	if _, err := w.ec2.TerminateInstances(w.ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{victim}}); err != nil {
		t.Fatal(err)
	}
	g := w.settle("web")
	if slices.Contains(instanceIDs(g), victim) || len(g.Instances) != 2 {
		t.Fatalf("after terminating %s through EC2: %s", victim, groupString(g))
	}
	found := false
	for _, a := range w.activities("web") {
		found = found || (*a.Description == "Terminating EC2 instance: "+victim && strings.Contains(*a.Cause, "an EC2 health check indicating it has been terminated or stopped"))
	}
	if !found {
		t.Fatalf("no activity says why %s left the group", victim)
	}
}

func TestDescribeScalingActivitiesPagesNewestFirst(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 5, 5)
	w.settle("web")
	var pages int
	var all []astypes.Activity
	p := autoscaling.NewDescribeScalingActivitiesPaginator(w.as, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String("web"), MaxRecords: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		all = append(all, out.Activities...)
	}
	if pages != 3 || len(all) != 5 {
		t.Fatalf("%d pages, %d activities; want 3 pages of 5 launches", pages, len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].StartTime.After(*all[i-1].StartTime) {
			t.Fatalf("activities not newest first at %d", i)
		}
	}
	ids := map[string]bool{}
	for _, a := range all {
		if ids[*a.ActivityId] || len(*a.ActivityId) != 36 || *a.AutoScalingGroupName != "web" || !strings.Contains(*a.Details, "Availability Zone") {
			t.Fatalf("activity %+v", a)
		}
		ids[*a.ActivityId] = true
	}
}

// TestAttachedHandBuiltInstanceIsTheFirstToGo is the surprise users meet: an
// instance built by hand and attached to the group uses none of the
// group's launch templates, so the default policy terminates it first.
func TestAttachedHandBuiltInstanceIsTheFirstToGo(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 2, 3, func(in *autoscaling.CreateAutoScalingGroupInput) { in.VPCZoneIdentifier = aws.String(w.subnets[0]) })
	w.settle("web")
	run, err := w.ec2.RunInstances(w.ctx, &ec2.RunInstancesInput{ImageId: aws.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(w.subnets[0])})
	if err != nil {
		t.Fatal(err)
	}
	handBuilt := *run.Instances[0].InstanceId
	w.Advance(time.Minute)
	if _, err := w.as.AttachInstances(w.ctx, &autoscaling.AttachInstancesInput{AutoScalingGroupName: aws.String("web"), InstanceIds: []string{handBuilt}}); err != nil {
		t.Fatal(err)
	}
	g := w.settle("web")
	if *g.DesiredCapacity != 3 || !slices.Contains(instanceIDs(g), handBuilt) {
		t.Fatalf("after attaching: desired %d, %s", *g.DesiredCapacity, groupString(g))
	}
	_, err = w.as.AttachInstances(w.ctx, &autoscaling.AttachInstancesInput{AutoScalingGroupName: aws.String("web"), InstanceIds: []string{handBuilt}})
	wantAPIError(t, err, "ValidationError", "is already part of the Auto Scaling group web")
	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(2)}); err != nil {
		t.Fatal(err)
	}
	g = w.settle("web")
	if slices.Contains(instanceIDs(g), handBuilt) {
		t.Fatalf("the default policy kept the hand-built instance: %s", groupString(g))
	}

	kept := instanceIDs(g)[0]
	out, err := w.as.DetachInstances(w.ctx, &autoscaling.DetachInstancesInput{AutoScalingGroupName: aws.String("web"), InstanceIds: []string{kept}, ShouldDecrementDesiredCapacity: aws.Bool(true)})
	if err != nil || len(out.Activities) != 1 {
		t.Fatalf("DetachInstances: %v, %v", out, err)
	}
	g = w.settle("web")
	if *g.DesiredCapacity != 1 || slices.Contains(instanceIDs(g), kept) {
		t.Fatalf("after detaching %s: desired %d, %s", kept, *g.DesiredCapacity, groupString(g))
	}
	desc, err := w.ec2.DescribeInstances(w.ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{kept}})
	if err != nil || desc.Reservations[0].Instances[0].State.Name != ec2types.InstanceStateNameRunning {
		t.Fatalf("a detached instance keeps running: %v, %v", desc, err)
	}
}
