package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"testing"
	"time"
)

// TestEstimateCountsDownAlongThePath computes the estimate of a spec with
// the default VPC, a load balancer and a group, every resource to create,
// and checks what the time left says as the apply advances: the whole
// path at first, less by the time a running step has been at it, nothing
// once every step is done; and a plan that creates nothing has no path.
func TestEstimateCountsDownAlongThePath(t *testing.T) {
	sp, err := spec.Parse([]byte("name: demo\nnetwork:\n  vpc: default\n"))
	if err != nil {
		t.Fatal(err)
	}
	enabled := Enabled(sp, All())
	var creates, keeps []Change
	for _, s := range enabled {
		for _, d := range s.Desired(sp) {
			creates = append(creates, Change{Step: s.ID(), Key: d.Key, Action: ActionCreate})
			keeps = append(keeps, Change{Step: s.ID(), Key: d.Key, Action: ActionKeep})
		}
	}
	est := EstimateApply(sp, enabled, creates)
	hc := sp.LoadBalancer.HealthCheck
	// The group's instances boot (40 + 40 s) while the load balancer
	// provisions (180 s); the health checks start once it is active.
	want := 180*time.Second + time.Duration(hc.HealthyThreshold*hc.IntervalSeconds)*time.Second
	if est.Total != want {
		t.Fatalf("estimate %s, want %s (load balancer, then health checks): %s", est.Total, want, est)
	}
	if len(est.Path) != 2 || est.Path[0].Step != StepLoadBalancer || est.Path[1].Step != StepAutoscaling {
		t.Errorf("path %+v, want the load balancer then the group's health checks", est.Path)
	}
	if got := est.Remaining(nil, nil); got != want {
		t.Errorf("time left before anything ran: %s, want %s", got, want)
	}
	done := map[StepID]bool{StepIdentity: true, StepIAM: true, StepNetwork: true, StepSecurity: true}
	if got := est.Remaining(done, map[StepID]time.Duration{StepLoadBalancer: time.Minute}); got != want-time.Minute {
		t.Errorf("time left a minute into the load balancer: %s, want %s", got, want-time.Minute)
	}
	done[StepLoadBalancer], done[StepAMI], done[StepLaunchTemplate] = true, true, true
	if got := est.Remaining(done, map[StepID]time.Duration{StepAutoscaling: 10 * time.Minute}); got != 0 {
		t.Errorf("time left once the group has run longer than expected: %s, want 0", got)
	}
	for _, s := range enabled {
		done[s.ID()] = true
	}
	if got := est.Remaining(done, nil); got != 0 {
		t.Errorf("time left with every step done: %s", got)
	}
	if none := EstimateApply(sp, enabled, keeps); none.Total != 0 || len(none.Path) != 0 {
		t.Errorf("a plan that keeps everything: %s along %+v, want nothing to wait for", none.Total, none.Path)
	}
}
