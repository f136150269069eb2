package fleet

import (
	"errors"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

// mutatingServed is every mutating request the sandbox served, by
// "service:Op", from its stats.
func mutatingServed(sb *sandbox.Sandbox) map[string]int {
	out := map[string]int{}
	for svc, ops := range sb.Stats().ByService {
		for op, n := range ops {
			if (sandbox.Served{Service: svc, Op: op}).Mutating() {
				out[svc+":"+op] += n
			}
		}
	}
	return out
}

// TestReadOnlyFleetRefusesEveryActionBeforeAnyRequest calls each action of
// a read-only Fleet against the sandbox: each fails with a ReadOnlyError
// naming the action and the reason, the sandbox serves no mutating request,
// and the group is as it was. Reads still work.
func TestReadOnlyFleetRefusesEveryActionBeforeAnyRequest(t *testing.T) {
	w := newFleetWorld(t, 2)
	w.NewTemplateVersion()
	before := w.DescribeGroup()
	ro := w.Fleet.WithReadOnly("--read-only")
	if ro.ReadOnly() != "--read-only" || w.Fleet.ReadOnly() != "" {
		t.Fatalf("WithReadOnly changed the original or did not mark the copy: %q, %q", ro.ReadOnly(), w.Fleet.ReadOnly())
	}
	id := *before.Instances[0].InstanceId
	w.SB.ResetStats()
	actions := []struct {
		name string
		run  func() error
	}{
		{"set capacity of demo-asg", func() error { return ro.SetCapacity(w.Ctx, "demo-asg", 1, 3, 4) }},
		{"set termination policies of demo-asg", func() error { return ro.SetTerminationPolicies(w.Ctx, "demo-asg", []string{"NewestInstance"}) }},
		{"start instance refresh of demo-asg", func() error {
			_, err := ro.StartInstanceRefresh(w.Ctx, "demo-asg", RefreshOptions{MinHealthyPercentage: 50})
			return err
		}},
		{"cancel instance refresh of demo-asg", func() error { _, err := ro.CancelInstanceRefresh(w.Ctx, "demo-asg"); return err }},
		{"terminate instance " + id, func() error { _, err := ro.TerminateInstance(w.Ctx, id, false); return err }},
		{"move " + id + " to standby", func() error { _, err := ro.EnterStandby(w.Ctx, "demo-asg", []string{id}, false); return err }},
		{"return " + id + " from standby", func() error { _, err := ro.ExitStandby(w.Ctx, "demo-asg", []string{id}); return err }},
		{"switch alias api.example.com", func() error {
			_, err := ro.SwitchAlias(w.Ctx, w.Target.ZoneID, "api.example.com", SwitchTarget{DNSName: "other.elb.amazonaws.com", ZoneID: w.LBZone})
			return err
		}},
	}
	for _, a := range actions {
		err := a.run()
		var re *ReadOnlyError
		if !errors.As(err, &re) || !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s: err = %v, want a ReadOnlyError", a.name, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, a.name) || !strings.Contains(msg, "--read-only") || !strings.Contains(msg, "nothing was sent") {
			t.Errorf("%s: the error %q does not name the action, the reason and that nothing was sent", a.name, msg)
		}
	}
	if got := mutatingServed(w.SB); len(got) != 0 {
		t.Errorf("a read-only Fleet sent mutating requests: %v", got)
	}
	if total := w.SB.Stats().Total; total != 0 {
		t.Errorf("a refused action sent %d requests; it should send none", total)
	}
	// Reads are unaffected.
	if _, err := ro.Snapshot(w.Ctx, w.Target, SnapshotOptions{}); err != nil {
		t.Fatalf("a read-only Fleet's snapshot: %v", err)
	}
	if got := mutatingServed(w.SB); len(got) != 0 {
		t.Errorf("a snapshot sent mutating requests: %v", got)
	}
	after := w.DescribeGroup()
	if *after.DesiredCapacity != *before.DesiredCapacity || len(after.Instances) != len(before.Instances) || after.TerminationPolicies[0] != before.TerminationPolicies[0] {
		t.Errorf("the group changed under a read-only Fleet: desired %d→%d, %d→%d instances, policies %v→%v",
			*before.DesiredCapacity, *after.DesiredCapacity, len(before.Instances), len(after.Instances), before.TerminationPolicies, after.TerminationPolicies)
	}
	// The writable original still acts.
	if err := w.Fleet.SetCapacity(w.Ctx, "demo-asg", 1, 3, 4); err != nil {
		t.Errorf("the writable Fleet: %v", err)
	}
}

// TestRetryFeedNeverBlocksAndKeepsTheNewest: a feed nobody reads drops
// its oldest retries, never the caller's call; the newest is there.
func TestRetryFeedNeverBlocksAndKeepsTheNewest(t *testing.T) {
	feed := NewRetryFeed(2)
	for i := 1; i <= 5; i++ {
		feed.Send(aws.RetryEvent{Operation: "DescribeAutoScalingGroups", Attempt: i})
	}
	var got []int
	for range 2 {
		got = append(got, (<-feed.C()).Attempt)
	}
	if got[0] != 4 || got[1] != 5 {
		t.Errorf("the feed kept attempts %v, want the newest two, 4 and 5", got)
	}
	f := (&Fleet{}).WithRetries(feed)
	if f.Retries() == nil || (&Fleet{}).Retries() != nil {
		t.Error("Retries does not follow WithRetries")
	}
}

// TestInstanceRefreshSendsAnExplicitZeroMinHealthy: 0 typed by the user
// reaches AWS as 0, not as AWS's default 90.
func TestInstanceRefreshSendsAnExplicitZeroMinHealthy(t *testing.T) {
	w := newFleetWorld(t, 2)
	w.NewTemplateVersion()
	if _, err := w.Fleet.StartInstanceRefresh(w.Ctx, "demo-asg", RefreshOptions{MinHealthyPercentage: 0, MinHealthyExplicit: true}); err != nil {
		t.Fatal(err)
	}
	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	if s.Group.Refresh == nil || s.Group.Refresh.MinHealthy != 0 {
		t.Errorf("the refresh in progress: %+v, want min healthy 0", s.Group.Refresh)
	}
}
