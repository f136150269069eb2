package fleet

import (
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestSetCapacityResizesTheGroup(t *testing.T) {
	w := newFleetWorld(t, 2)
	if err := w.Fleet.SetCapacity(w.Ctx, "demo-asg", 1, 3, 5); err != nil {
		t.Fatalf("SetCapacity: %v", err)
	}
	g := w.Settle()
	if *g.MinSize != 1 || *g.DesiredCapacity != 3 || *g.MaxSize != 5 || len(g.Instances) != 3 {
		t.Errorf("group = min %d desired %d max %d with %d instances, want 1/3/5 with 3", *g.MinSize, *g.DesiredCapacity, *g.MaxSize, len(g.Instances))
	}
	for _, bad := range [][3]int{{3, 2, 4}, {1, 5, 4}, {5, 5, 4}, {-1, 0, 1}} {
		err := w.Fleet.SetCapacity(w.Ctx, "demo-asg", bad[0], bad[1], bad[2])
		if err == nil || !strings.Contains(err.Error(), "demo-asg") {
			t.Errorf("SetCapacity(%v) = %v, want an error naming the group", bad, err)
		}
	}
	if g := w.DescribeGroup(); *g.DesiredCapacity != 3 {
		t.Errorf("a refused SetCapacity changed the group: desired %d", *g.DesiredCapacity)
	}
}

func TestInstanceRefreshStartsRollsAndCancels(t *testing.T) {
	w := newFleetWorld(t, 2)
	w.NewTemplateVersion()
	id, err := w.Fleet.StartInstanceRefresh(w.Ctx, "demo-asg", RefreshOptions{MinHealthyPercentage: 50, InstanceWarmupSeconds: 30})
	if err != nil || id == "" {
		t.Fatalf("StartInstanceRefresh = %q, %v", id, err)
	}
	if _, err := w.Fleet.StartInstanceRefresh(w.Ctx, "demo-asg", RefreshOptions{}); err == nil || !strings.Contains(err.Error(), "already in progress") {
		t.Errorf("second start: err = %v, want already in progress", err)
	}
	var s *Snapshot
	for range 60 {
		w.Advance(15 * time.Second)
		if s, err = w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: s}); err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
		if s.Group.Refresh == nil {
			break
		}
	}
	if len(s.Refreshes) == 0 || s.Refreshes[0].ID != id || s.Refreshes[0].Status != "Successful" || s.Refreshes[0].Percent != 100 {
		t.Fatalf("refresh = %+v", s.Refreshes)
	}
	g := w.Settle()
	for _, in := range g.Instances {
		if sdk.ToString(in.LaunchTemplate.Version) != "2" || sdk.ToString(in.InstanceType) != "t3.small" {
			t.Errorf("%s still on version %s (%s)", *in.InstanceId, *in.LaunchTemplate.Version, *in.InstanceType)
		}
	}

	w.NewTemplateVersion()
	id2, err := w.Fleet.StartInstanceRefresh(w.Ctx, "demo-asg", RefreshOptions{})
	if err != nil {
		t.Fatalf("StartInstanceRefresh: %v", err)
	}
	got, err := w.Fleet.CancelInstanceRefresh(w.Ctx, "demo-asg")
	if err != nil || got != id2 {
		t.Fatalf("CancelInstanceRefresh = %q, %v; want %q", got, err, id2)
	}
	w.Advance(10 * time.Second)
	out, err := w.AS.DescribeInstanceRefreshes(w.Ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: sdk.String("demo-asg")})
	if err != nil {
		t.Fatal(err)
	}
	if st := out.InstanceRefreshes[0].Status; st != astypes.InstanceRefreshStatusCancelled && st != astypes.InstanceRefreshStatusCancelling {
		t.Errorf("after cancel: status %s", st)
	}
	if _, err := w.Fleet.CancelInstanceRefresh(w.Ctx, "demo-asg"); err == nil || !strings.Contains(err.Error(), "no refresh is in progress") {
		t.Errorf("cancel with none running: err = %v", err)
	}
}

func TestTerminateInstanceWithAndWithoutDecrement(t *testing.T) {
	w := newFleetWorld(t, 3)
	if err := w.Fleet.SetCapacity(w.Ctx, "demo-asg", 1, 3, 6); err != nil {
		t.Fatal(err)
	}
	g := w.Settle()
	victim := *g.Instances[0].InstanceId
	act, err := w.Fleet.TerminateInstance(w.Ctx, victim, false)
	if err != nil || !strings.Contains(act.Description, victim) {
		t.Fatalf("TerminateInstance = %+v, %v", act, err)
	}
	g = w.Settle()
	if *g.DesiredCapacity != 3 || len(g.Instances) != 3 || slices.Contains(instanceIDs(g), victim) {
		t.Errorf("without decrement: desired %d, instances %v (terminated %s)", *g.DesiredCapacity, instanceIDs(g), victim)
	}
	victim = *g.Instances[1].InstanceId
	if _, err := w.Fleet.TerminateInstance(w.Ctx, victim, true); err != nil {
		t.Fatalf("TerminateInstance: %v", err)
	}
	g = w.Settle()
	if *g.DesiredCapacity != 2 || len(g.Instances) != 2 || slices.Contains(instanceIDs(g), victim) {
		t.Errorf("with decrement: desired %d, instances %v (terminated %s)", *g.DesiredCapacity, instanceIDs(g), victim)
	}
	if _, err := w.Fleet.TerminateInstance(w.Ctx, "i-0000000000000dead", true); err == nil || !strings.Contains(err.Error(), "i-0000000000000dead") {
		t.Errorf("unknown instance: err = %v", err)
	}
}

func TestStandbyTakesAnInstanceOutOfServiceAndBack(t *testing.T) {
	w := newFleetWorld(t, 2)
	if err := w.Fleet.SetCapacity(w.Ctx, "demo-asg", 0, 2, 4); err != nil {
		t.Fatal(err)
	}
	g := w.Settle()
	id := *g.Instances[0].InstanceId
	acts, err := w.Fleet.EnterStandby(w.Ctx, "demo-asg", []string{id}, true)
	if err != nil || len(acts) != 1 {
		t.Fatalf("EnterStandby = %+v, %v", acts, err)
	}
	w.Advance(10 * time.Second)
	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in := find(s, id); in == nil || in.Lifecycle != "Standby" || s.Group.Desired != 1 || in.Target.State == "healthy" {
		t.Errorf("after EnterStandby: instance %+v, desired %d", in, s.Group.Desired)
	}
	if _, err := w.Fleet.ExitStandby(w.Ctx, "demo-asg", []string{id}); err != nil {
		t.Fatalf("ExitStandby: %v", err)
	}
	g = w.Settle()
	s, err = w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if in := find(s, id); in == nil || in.Lifecycle != "InService" || s.Group.Desired != 2 || in.Target.State != "healthy" {
		t.Errorf("after ExitStandby: instance %+v, desired %d", in, s.Group.Desired)
	}
	if _, err := w.Fleet.ExitStandby(w.Ctx, "demo-asg", []string{id}); err == nil {
		t.Error("ExitStandby of an InService instance succeeded")
	}
}

func TestSetTerminationPoliciesKeepsTheOrderGiven(t *testing.T) {
	w := newFleetWorld(t, 1)
	want := []string{"OldestLaunchTemplate", "OldestInstance"}
	if err := w.Fleet.SetTerminationPolicies(w.Ctx, "demo-asg", want); err != nil {
		t.Fatalf("SetTerminationPolicies: %v", err)
	}
	if got := w.DescribeGroup().TerminationPolicies; !slices.Equal(got, want) {
		t.Errorf("policies = %v, want %v", got, want)
	}
	for _, bad := range [][]string{nil, {"Oldest"}} {
		if err := w.Fleet.SetTerminationPolicies(w.Ctx, "demo-asg", bad); err == nil {
			t.Errorf("SetTerminationPolicies(%v) succeeded", bad)
		}
	}
	if got := w.DescribeGroup().TerminationPolicies; !slices.Equal(got, want) {
		t.Errorf("a refused change moved the policies to %v", got)
	}
}

func TestSwitchAliasMovesTheRecordToTheOtherStack(t *testing.T) {
	w := newFleetWorld(t, 1)
	greenARN, _, _, _ := w.LoadBalancer("green")
	green, err := w.Fleet.LoadBalancerAlias(w.Ctx, greenARN)
	if err != nil || green.DNSName == "" || green.ZoneID == "" || green.DualStack {
		t.Fatalf("LoadBalancerAlias = %+v, %v", green, err)
	}
	sw, err := w.Fleet.SwitchAlias(w.Ctx, w.Target.ZoneID, "api.example.com", green)
	if err != nil {
		t.Fatalf("SwitchAlias: %v", err)
	}
	if !sw.Changed || sw.ChangeID == "" || sw.Status == "" {
		t.Errorf("switch = %+v", sw)
	}
	if sw.Before == nil || !sameAliasDNS(sw.Before.TargetDNS, w.LBDNS) || sw.After == nil || !sameAliasDNS(sw.After.TargetDNS, green.DNSName) ||
		sw.After.TargetZoneID != green.ZoneID || !sw.After.EvaluateTargetHealth {
		t.Errorf("before %+v after %+v", sw.Before, sw.After)
	}
	// Read back the way the console does.
	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{LoadBalancer: true})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.LB.Record; r == nil || !sameAliasDNS(r.TargetDNS, green.DNSName) {
		t.Errorf("record after switch = %+v", r)
	}
	again, err := w.Fleet.SwitchAlias(w.Ctx, w.Target.ZoneID, "api.example.com", green)
	if err != nil || again.Changed {
		t.Errorf("switching to where it already points: %+v, %v", again, err)
	}
	if _, err := w.Fleet.SwitchAlias(w.Ctx, w.Target.ZoneID, "api.example.com", SwitchTarget{}); err == nil || !strings.Contains(err.Error(), "lb_dns") {
		t.Errorf("empty target: err = %v", err)
	}
}

func TestSwitchAliasToAnIPv4StackDropsTheDualstackAAAA(t *testing.T) {
	w := newFleetWorld(t, 1)
	w.giveIPv6()
	blueOut, err := w.ELB.CreateLoadBalancer(w.Ctx, &elb.CreateLoadBalancerInput{Name: sdk.String("blue6-alb"), Subnets: w.Subnets,
		SecurityGroups: []string{w.ALBSG}, IpAddressType: elbtypes.IpAddressTypeDualstack})
	if err != nil {
		t.Fatalf("CreateLoadBalancer dualstack: %v", err)
	}
	blue, err := w.Fleet.LoadBalancerAlias(w.Ctx, *blueOut.LoadBalancers[0].LoadBalancerArn)
	if err != nil || !blue.DualStack {
		t.Fatalf("LoadBalancerAlias = %+v, %v", blue, err)
	}
	sw, err := w.Fleet.SwitchAlias(w.Ctx, w.Target.ZoneID, "api.example.com", blue)
	if err != nil {
		t.Fatalf("SwitchAlias to dualstack: %v", err)
	}
	if got := strings.Join(sw.After.Types, ","); got != "A,AAAA" || !sameAliasDNS(sw.After.TargetDNS, blue.DNSName) {
		t.Errorf("after switch to dualstack: %+v", sw.After)
	}
	green := SwitchTarget{DNSName: w.LBDNS, ZoneID: w.LBZone}
	sw, err = w.Fleet.SwitchAlias(w.Ctx, w.Target.ZoneID, "api.example.com", green)
	if err != nil {
		t.Fatalf("SwitchAlias back to IPv4: %v", err)
	}
	if got := strings.Join(sw.Before.Types, ","); got != "A,AAAA" {
		t.Errorf("before = %+v", sw.Before)
	}
	if got := strings.Join(sw.After.Types, ","); got != "A" || !sameAliasDNS(sw.After.TargetDNS, w.LBDNS) {
		t.Errorf("after switch to IPv4: %+v, want only the A alias to %s", sw.After, w.LBDNS)
	}
}

func find(s *Snapshot, id string) *Instance {
	for i := range s.Instances {
		if s.Instances[i].ID == id {
			return &s.Instances[i]
		}
	}
	return nil
}

func instanceIDs(g astypes.AutoScalingGroup) []string {
	var ids []string
	for _, in := range g.Instances {
		ids = append(ids, *in.InstanceId)
	}
	return ids
}
