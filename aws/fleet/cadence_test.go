package fleet

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/stackwiz/stackwiz/sandbox"
)

// fleetWindow is the console's refresh (5 s) and the window its cost is
// averaged over: a minute, 12 refreshes, in which every part with a
// cadence of a minute or less is read at least once.
const (
	refreshEvery = 5 * time.Second
	windowLen    = 12
)

// windowCost is what a window of refreshes asked.
type windowCost struct {
	requests int
	byOp     map[string]int
	changing int // refreshes that found the group changing
}

func (c windowCost) perRefresh() float64 { return float64(c.requests) / windowLen }

func (c windowCost) String() string {
	var ops []string
	for op, n := range c.byOp {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	return fmt.Sprintf("%.2f/refresh (%d in %d; %s)", c.perRefresh(), c.requests, windowLen, strings.Join(ops, ", "))
}

// window takes windowLen snapshots refreshEvery apart, as the
// console does, checking each one's freshness, and counts the requests
// the sandbox served for them.
func (w *fleetWorld) window(t *testing.T, prev *Snapshot) (*Snapshot, windowCost) {
	t.Helper()
	w.SB.ResetStats()
	c := windowCost{byOp: map[string]int{}}
	calls := 0
	for range windowLen {
		w.Advance(refreshEvery)
		s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: prev})
		if err != nil {
			t.Fatalf("Snapshot: %v", err)
		}
		if len(s.Problems) > 0 {
			t.Fatalf("problems: %v", s.Problems)
		}
		checkFresh(t, s, w.Target.Cadence)
		if s.Changing != "" {
			c.changing++
			if !s.ReadAt(PartActivities).Equal(s.TakenAt) {
				t.Errorf("the group is changing (%s), yet the activities were not read", s.Changing)
			}
		}
		if membersMoved(s.Instances, prev) && !s.ReadAt(PartInstances).Equal(s.TakenAt) {
			t.Errorf("instances joined, left or changed state, yet EC2 was not read")
		}
		calls += s.Calls
		prev = s
	}
	st := w.SB.Stats()
	c.requests = st.Total
	for svc, ops := range st.ByService {
		for op, n := range ops {
			c.byOp[svc+":"+op] = n
		}
	}
	// Calls counts requests before the SDK's retries: the sandbox may have
	// served more (the realistic profile answers some with a 5xx).
	if calls > c.requests {
		t.Errorf("the snapshots counted %d requests, the sandbox served %d", calls, c.requests)
	} else if calls < c.requests {
		t.Logf("%d requests retried by the SDK", c.requests-calls)
	}
	return prev, c
}

// checkFresh asserts the cadence's promise: when a snapshot is taken, no
// part is older than its cadence, and the parts read on every refresh were
// read by it.
func checkFresh(t *testing.T, s *Snapshot, cad Cadence) {
	t.Helper()
	for _, p := range allParts {
		at, every := s.ReadAt(p), cad.Every(p)
		switch {
		case at.IsZero() || every < 0:
			// never read (the stack has none), or read on a signal
		case every == 0:
			if !at.Equal(s.TakenAt) {
				t.Errorf("snapshot %d: %s read %s before it, want every snapshot", s.Seq, p, s.TakenAt.Sub(at))
			}
		case s.TakenAt.Sub(at) >= every:
			t.Errorf("snapshot %d: %s is %s old, its cadence is %s", s.Seq, p, s.TakenAt.Sub(at), every)
		}
	}
}

// The bar: a console refresh costs at most 5 requests on average,
// at any group size, with no part older than its cadence. Measured over a
// minute of refreshes 5 s apart, in steady state and during a scale-out,
// at 10, 100 and 1,000 instances.
func TestSnapshotCostsAtMostFiveRequestsPerRefreshOnAverage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1,000-instance group")
	}
	type figures struct{ first, steady, changing windowCost }
	got := map[int]figures{}
	for _, size := range []int{10, 100, 1000} {
		w := newFleetWorld(t, size)
		w.SB.ResetStats()
		first, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{All: true})
		if err != nil {
			t.Fatalf("%d: Snapshot: %v", size, err)
		}
		var f figures
		f.first.requests = w.Requests()
		if f.first.requests != first.Calls {
			t.Errorf("%d: sandbox served %d requests, snapshot counted %d", size, f.first.requests, first.Calls)
		}
		if want := (size + MetricsPerCall - 1) / MetricsPerCall; w.SB.Stats().Count("monitoring", "GetMetricData") != want {
			t.Errorf("%d: GetMetricData called %d times, want %d (500 sparklines a call)", size, w.SB.Stats().Count("monitoring", "GetMetricData"), want)
		}
		for _, in := range first.Instances {
			if in.CPU == nil {
				t.Fatalf("%d: %s has no sparkline after the first snapshot", size, in.ID)
			}
		}

		s, steady := w.window(t, first)
		f.steady = steady
		if steady.changing > 0 {
			t.Errorf("%d: a steady group was found changing %d times (%s)", size, steady.changing, s.Changing)
		}

		// A scale-out by a tenth on AWS's timings (boot, app start, health
		// checks: about two minutes): the window starts as the desired
		// capacity moves.
		if err := w.SB.SetFaults(sandbox.Faults{Latency: "realistic", Speed: 1}); err != nil {
			t.Fatal(err)
		}
		g := s.Group
		if err := w.Fleet.SetCapacity(w.Ctx, g.Name, g.Min, g.Desired+max(1, size/10), g.Max); err != nil {
			t.Fatalf("%d: SetCapacity: %v", size, err)
		}
		s, f.changing = w.window(t, s)
		if f.changing.changing == 0 {
			t.Errorf("%d: the scale-out was never seen changing", size)
		}
		if f.changing.changing < windowLen/2 {
			t.Errorf("%d: the scale-out was seen changing on %d of %d refreshes: not the window of a change", size, f.changing.changing, windowLen)
		}
		if len(s.Instances) != g.Desired+max(1, size/10) {
			t.Errorf("%d: after the scale-out the snapshot holds %d instances", size, len(s.Instances))
		}
		t.Logf("%4d instances: first %d; steady %s", size, f.first.requests, f.steady)
		t.Logf("%4d instances: scale-out +%d (changing on %d of %d refreshes) %s", size, max(1, size/10), f.changing.changing, windowLen, f.changing)
		got[size] = f
	}
	for size, f := range got {
		if f.steady.perRefresh() > 5 {
			t.Errorf("%d instances: %.2f requests per refresh in steady state, want ≤ 5", size, f.steady.perRefresh())
		}
	}
}

// The alarms are read by name on every refresh, one call; the alarm
// history only when an alarm's state timestamp moved; a new alarm is found
// by the next scan by prefix.
func TestSnapshotReadsAlarmHistoryOnlyWhenAnAlarmStateMoves(t *testing.T) {
	w := newFleetWorld(t, 2)
	prev, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	// The alarms start INSUFFICIENT_DATA and leave it on their first
	// evaluations (the CPU alarm's period is 5 minutes): over 8 minutes
	// the history is read exactly on the refreshes that see a state move,
	// and then shows it.
	moves := 0
	for i := range 96 {
		w.Advance(refreshEvery)
		before := prev
		w.SB.ResetStats()
		if prev, err = w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: prev}); err != nil {
			t.Fatal(err)
		}
		reads := w.SB.Stats().Count("monitoring", "DescribeAlarmHistory")
		moved := newestAlarm(prev.Alarms).After(newestAlarm(before.Alarms))
		if moved != (reads == 1) {
			t.Errorf("refresh %d: an alarm state moved = %v, history read %d times", i, moved, reads)
		}
		if !moved {
			continue
		}
		moves++
		for _, a := range prev.Alarms {
			if !a.Updated.After(newestAlarm(before.Alarms)) {
				continue
			}
			found := false
			for _, h := range prev.AlarmHistory {
				found = found || h.Alarm == a.Name && strings.Contains(h.Summary, "to "+a.State)
			}
			if !found {
				t.Errorf("%s moved to %s, the history does not say so: %+v", a.Name, a.State, prev.AlarmHistory)
			}
		}
	}
	if moves < 2 {
		t.Fatalf("%d alarm state moves in 8 minutes, want both alarms to leave INSUFFICIENT_DATA", moves)
	}

	// A steady minute: no history read; the alarms by name on 11
	// refreshes (one call each) and by prefix on one (two calls).
	w.SB.ResetStats()
	for range 12 {
		w.Advance(refreshEvery)
		if prev, err = w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: prev}); err != nil {
			t.Fatal(err)
		}
	}
	st := w.SB.Stats()
	if n := st.Count("monitoring", "DescribeAlarmHistory"); n != 0 {
		t.Errorf("no alarm moved, yet the history was read %d times in a minute", n)
	}
	if n := st.Count("monitoring", "DescribeAlarms"); n != 13 {
		t.Errorf("DescribeAlarms called %d times in a minute, want 13 (11 by name, 2 for the scan)", n)
	}

	// A new alarm of the stack shows within a scan period.
	cw := cloudwatch.NewFromConfig(w.Cfg)
	_, err = cw.PutMetricAlarm(w.Ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String("demo-latency"), Namespace: sdk.String("AWS/ApplicationELB"), MetricName: sdk.String("TargetResponseTime"),
		Statistic: cwtypes.StatisticAverage, Period: sdk.Int32(60), EvaluationPeriods: sdk.Int32(1), Threshold: sdk.Float64(1),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	if err != nil {
		t.Fatal(err)
	}
	added := w.Now()
	for range 13 {
		w.Advance(refreshEvery)
		if prev, err = w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{Prev: prev}); err != nil {
			t.Fatal(err)
		}
		for _, a := range prev.Alarms {
			if a.Name == "demo-latency" {
				if d := prev.TakenAt.Sub(added); d > AlarmScanEvery {
					t.Errorf("the new alarm showed %s after it was created, want within %s", d, AlarmScanEvery)
				}
				return
			}
		}
	}
	t.Errorf("the new alarm never showed")
}

// What makes a group "changing" (EC2 details and scaling activities read on
// every refresh) and what leaves it steady.
func TestFleetChangingSaysWhatIsChanging(t *testing.T) {
	in := func(id, lc string) Instance { return Instance{ID: id, Lifecycle: lc} }
	steady := []Instance{in("i-1", "InService"), in("i-2", "InService")}
	prev := &Snapshot{Instances: steady, Activities: []Activity{{Status: "Successful"}}}
	cases := []struct {
		name    string
		g       Group
		members []Instance
		prev    *Snapshot
		want    string
	}{
		{"steady", Group{Desired: 2}, steady, prev, ""},
		{"standby not replaced counts toward desired", Group{Desired: 2}, []Instance{in("i-1", "InService"), in("i-2", "Standby")}, &Snapshot{Instances: []Instance{in("i-1", "InService"), in("i-2", "Standby")}}, ""},
		{"desired moved", Group{Desired: 3}, steady, prev, "desired 3, 2 in service"},
		{"an instance on its way in", Group{Desired: 3}, append(steady[:2:2], in("i-3", "Pending")), prev, "1 instance Pending"},
		{"an instance on its way out", Group{Desired: 1}, []Instance{in("i-1", "InService"), in("i-2", "Terminating:Wait")}, prev, "1 instance Terminating:Wait"},
		{"an instance replaced between two reads", Group{Desired: 2}, []Instance{in("i-1", "InService"), in("i-3", "InService")}, prev, "instances joined or left"},
		{"a refresh running", Group{Desired: 2}, steady, &Snapshot{Instances: steady, Group: Group{Refresh: &Refresh{Status: "InProgress"}}}, "instance refresh InProgress"},
		{"an activity unfinished", Group{Desired: 2}, steady, &Snapshot{Instances: steady, Activities: []Activity{{Status: "WaitingForELBConnectionDraining"}}}, "scaling activity WaitingForELBConnectionDraining"},
		{"the group being deleted", Group{Desired: 2, Status: "Delete in progress"}, steady, prev, "Delete in progress"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := whatChanges(c.g, c.members, c.prev); got != c.want {
				t.Errorf("changing = %q, want %q", got, c.want)
			}
		})
	}
	// The refreshes follow a refresh that runs, or an activity it caused.
	if refreshSignal(prev) {
		t.Error("refreshes due on a steady group")
	}
	byRefresh := &Snapshot{Activities: []Activity{{Status: "InProgress", Cause: "At 2026-03-02T09:00:00Z an instance was taken out of service in response to an instance refresh."}}}
	if !refreshSignal(byRefresh) {
		t.Error("an activity caused by an instance refresh does not make the refreshes due")
	}
}
