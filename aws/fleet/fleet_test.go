package fleet

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

func TestSnapshotJoinsGroupInstancesTargetsMetricsAndLoadBalancer(t *testing.T) {
	w := newFleetWorld(t, 4)
	for range 30 {
		w.Advance(time.Minute) // CPU history for the sparklines, health samples for the alarms
	}
	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if len(s.Problems) > 0 {
		t.Fatalf("problems: %v", s.Problems)
	}
	g := s.Group
	if g.Name != "demo-asg" || g.Min != 4 || g.Desired != 4 || g.Max != 8 || strings.Join(g.TerminationPolicies, ",") != "Default" ||
		g.LaunchTemplateName != "demo-lt" || g.LaunchTemplateVersion != "$Latest" || g.HealthCheckType != "ELB" || g.HealthCheckGrace != 120*time.Second || g.Refresh != nil {
		t.Errorf("group = %+v", g)
	}
	if len(s.Instances) != 4 {
		t.Fatalf("instances = %d, want 4", len(s.Instances))
	}
	zones := map[string]int{}
	for i, in := range s.Instances {
		if i > 0 && s.Instances[i-1].ID >= in.ID {
			t.Errorf("instances not sorted by id: %s before %s", s.Instances[i-1].ID, in.ID)
		}
		zones[in.AZ]++
		switch {
		case in.Lifecycle != "InService" || in.Health != "Healthy":
			t.Errorf("%s: lifecycle %s health %s", in.ID, in.Lifecycle, in.Health)
		case in.State != "running" || in.PrivateIP == "" || in.InstanceType != "t3.micro" || in.LaunchTemplateVersion != "1" || in.LaunchTemplateID != g.LaunchTemplateID || in.ImageID == "":
			t.Errorf("%s: EC2 join = %+v", in.ID, in)
		case in.LaunchTime.IsZero() || in.LaunchTime.After(s.TakenAt):
			t.Errorf("%s: launch time %v (taken %v)", in.ID, in.LaunchTime, s.TakenAt)
		case in.Target.State != "healthy":
			t.Errorf("%s: target health %+v", in.ID, in.Target)
		}
		if len(in.CPU) != 12 {
			t.Fatalf("%s: %d CPU points, want 12", in.ID, len(in.CPU))
		}
		got := 0
		for _, v := range in.CPU {
			if !math.IsNaN(v) {
				got++
				if v <= 0 || v > 100 {
					t.Errorf("%s: CPU %v out of range", in.ID, v)
				}
			}
		}
		// 30 minutes of 5-minute basic monitoring fill 6 or 7 of the 12 periods.
		if got < 6 || got > 7 {
			t.Errorf("%s: %d CPU points with data, want 6 or 7: %v", in.ID, got, in.CPU)
		}
	}
	if len(zones) != 2 || zones[s.Instances[0].AZ] != 2 {
		t.Errorf("instances by zone = %v, want two in each of two zones", zones)
	}
	if len(s.Targets) != 4 || s.Targets[0].Port != 3000 || s.Targets[0].State != "healthy" {
		t.Errorf("targets = %+v", s.Targets)
	}
	lb := s.LB
	if lb == nil {
		t.Fatal("no load balancer part on the first snapshot")
	}
	if lb.DNSName != w.LBDNS || lb.CanonicalZoneID != w.LBZone || lb.State != "active" || lb.Name != "demo-alb" {
		t.Errorf("load balancer = %+v", lb)
	}
	if len(lb.Listeners) != 1 || lb.Listeners[0].Port != 80 || lb.Listeners[0].Protocol != "HTTP" || lb.Listeners[0].Default != "forward to demo-tg" {
		t.Errorf("listeners = %+v", lb.Listeners)
	}
	if hc := lb.HealthCheck; hc.Path != "/" || hc.Interval != 30*time.Second || hc.Healthy != 3 || hc.Unhealthy != 2 {
		t.Errorf("health check = %+v", hc)
	}
	if r := lb.Record; r == nil || r.Name != "api.example.com." || !sameAliasDNS(r.TargetDNS, w.LBDNS) || r.TargetZoneID != w.LBZone || !r.EvaluateTargetHealth {
		t.Errorf("record = %+v", lb.Record)
	}
	var names []string
	for _, a := range s.Alarms {
		names = append(names, a.Name+"="+a.State)
	}
	if got := strings.Join(names, " "); !strings.Contains(got, "demo-cpu-high=") || !strings.Contains(got, "demo-unhealthy-hosts=OK") || strings.Contains(got, "other-") {
		t.Errorf("alarms = %s", got)
	}
	for _, h := range s.AlarmHistory {
		if !strings.HasPrefix(h.Alarm, "demo-") {
			t.Errorf("history of another stack's alarm: %+v", h)
		}
	}
	if len(s.AlarmHistory) == 0 {
		t.Error("no alarm history: the alarms left INSUFFICIENT_DATA, which is a state update")
	}
	if len(s.Activities) != 4 || s.Activities[0].Status != "Successful" || !strings.HasPrefix(s.Activities[0].Description, "Launching a new EC2 instance") {
		t.Errorf("activities = %+v", s.Activities)
	}
	if s.Calls != 9+5 {
		t.Errorf("calls = %d, want 9 plus 5 for the load balancer part (no certificate)", s.Calls)
	}
}

func TestSnapshotShowsAFailingTargetAndARefreshInProgress(t *testing.T) {
	w := newFleetWorld(t, 2)
	first, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	sick := first.Instances[0].ID
	if err := w.SB.SetAppHealth(sick, false); err != nil {
		t.Fatal(err)
	}
	w.Advance(65 * time.Second) // two failed checks 30 s apart
	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: first})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	in := s.Instances[0]
	if in.ID != sick || in.Target.State != "unhealthy" || in.Target.Reason != "Target.ResponseCodeMismatch" || in.Target.Description == "" {
		t.Errorf("failing instance = %+v", in)
	}
	// 65 s later the load balancer part is past its cadence: read again.
	if s.Seq != 1 || s.LB == nil || s.LB == first.LB || !s.LB.ReadAt.Equal(s.TakenAt) {
		t.Errorf("second snapshot: seq %d, load balancer read again = %v", s.Seq, s.LB != first.LB)
	}

	w.NewTemplateVersion()
	id, err := w.Fleet.StartInstanceRefresh(w.Ctx, "demo-asg", RefreshOptions{MinHealthyPercentage: 50})
	if err != nil {
		t.Fatalf("StartInstanceRefresh: %v", err)
	}
	// Changed, as the console asks after its own action: the refreshes are
	// read at once rather than on their quiet cadence.
	s, err = w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: s, Changed: true})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if s.Group.Refresh == nil || s.Group.Refresh.ID != id || !s.Group.Refresh.Active() || s.Group.Refresh.MinHealthy != 50 {
		t.Errorf("refresh in progress = %+v (refreshes %+v)", s.Group.Refresh, s.Refreshes)
	}
}

func TestSnapshotReadsTheLoadBalancerPartOnItsCadence(t *testing.T) {
	w := newFleetWorld(t, 2)
	tgt := w.Target
	tgt.Cadence.LB = 15 * time.Second
	var prev *Snapshot
	var reads []int
	for i := range 8 {
		s, err := w.Fleet.Snapshot(w.Ctx, tgt, SnapshotOptions{Prev: prev, LoadBalancer: i == 4})
		if err != nil {
			t.Fatalf("Snapshot %d: %v", i, err)
		}
		if s.LB == nil {
			t.Fatalf("snapshot %d has no load balancer part", i)
		}
		if s.LB.ReadAt.Equal(s.TakenAt) && (prev == nil || s.LB != prev.LB) {
			reads = append(reads, i)
		}
		if !s.ReadAt(PartLB).Equal(s.LB.ReadAt) {
			t.Errorf("snapshot %d: ReadAt(load balancer) = %v, the part says %v", i, s.ReadAt(PartLB), s.LB.ReadAt)
		}
		prev = s
		w.Advance(5 * time.Second)
	}
	// 5 s apart: the first, 15 s later, forced at 20 s, 15 s after that.
	if got := fmt.Sprint(reads); got != "[0 3 4 7]" {
		t.Errorf("load balancer read on snapshots %s, want [0 3 4 7] (first, every 15 s, forced at 4)", got)
	}
}

func TestSnapshotCarriesFailedPartsAndReportsThrottling(t *testing.T) {
	w := newFleetWorld(t, 2)
	first, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	if err := w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{
		"monitoring:DescribeAlarms": {ThrottleRate: 1},
		"ec2:DescribeInstances":     {ServerErrorRate: 1},
	}}); err != nil {
		t.Fatal(err)
	}
	// Past the quiet cadence, so that the EC2 details are due.
	w.Advance(QuietEvery)
	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: first})
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	parts := map[string]bool{}
	for _, p := range s.Problems {
		parts[p.Part] = true
	}
	if !parts["alarms"] || !parts["instances"] || len(parts) != 2 {
		t.Errorf("problems = %v, want alarms and instances", s.Problems)
	}
	if !s.Throttled() {
		t.Error("Throttled() = false with DescribeAlarms throttled")
	}
	if len(s.Alarms) != len(first.Alarms) || len(s.Alarms) == 0 {
		t.Errorf("alarms not carried: %d, before %d", len(s.Alarms), len(first.Alarms))
	}
	if in := s.Instances[0]; in.PrivateIP == "" || in.PrivateIP != first.Instances[0].PrivateIP || in.Target.State != "healthy" {
		t.Errorf("EC2 fields not carried or target health lost: %+v", in)
	}

	if err := w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"autoscaling:DescribeAutoScalingGroups": {ThrottleRate: 1}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: s}); !aws.IsThrottle(err) || !strings.Contains(err.Error(), "demo-asg") {
		t.Errorf("group throttled: err = %v, want a throttle error naming the group", err)
	}
}

func TestSnapshotNamesAMissingGroup(t *testing.T) {
	w := newFleetWorld(t, 1)
	tgt := w.Target
	tgt.ASGName = "gone-asg"
	_, err := w.Fleet.Snapshot(w.Ctx, tgt, SnapshotOptions{})
	if err == nil || !strings.Contains(err.Error(), "gone-asg") || !strings.Contains(err.Error(), "not found") {
		t.Errorf("err = %v", err)
	}
	if _, err := w.Fleet.Snapshot(w.Ctx, Ref{}, SnapshotOptions{}); err == nil || !strings.Contains(err.Error(), "asg_name") {
		t.Errorf("empty target: err = %v", err)
	}
}
