package console

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/sandbox"
)

func TestRefreshTicksOnlyAfterEachResultAndDropsStaleOnes(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
	d.start()
	if len(d.ticks) != 1 || d.ticks[0].run != 1 || d.m.refresh.inflight {
		t.Fatalf("after the first result: ticks %v, inflight %v", d.ticks, d.m.refresh.inflight)
	}
	first := d.m.snap

	// The tick fetches; its result arms the next tick.
	w.Advance(5 * time.Second)
	d.send(d.ticks[0])
	if d.m.snap == first || d.m.snap.Seq != 1 || len(d.ticks) != 2 || d.ticks[1].run != 2 {
		t.Fatalf("after a tick: seq %d, ticks %v", d.m.snap.Seq, d.ticks)
	}

	// A manual refresh starts run 3: the tick armed by run 2 is now stale.
	stale := d.ticks[1]
	cmd := d.m.fetchNow(fetchAll)
	if d.m.refresh.run != 3 || !d.m.refresh.inflight {
		t.Fatalf("manual refresh: run %d inflight %v", d.m.refresh.run, d.m.refresh.inflight)
	}
	if c := d.m.onTick(stale); c != nil {
		t.Fatal("a stale tick started a fetch while one was in flight")
	}
	// A second manual refresh while one is in flight waits for it.
	if c := d.m.fetchNow(fetchDue); c != nil || !d.m.refresh.again {
		t.Fatal("a refresh in flight was doubled")
	}
	// A result of an older run is dropped whatever it holds.
	before := d.m.snap
	d.send(snapshotMsg{run: 2, snap: &fleet.Snapshot{}})
	if d.m.snap != before || !d.m.refresh.inflight {
		t.Fatal("a stale result replaced the snapshot")
	}
	// The run-3 result arrives: the queued refresh (run 4) starts at once.
	msgs := d.run(cmd)
	if s := msgs[0].(snapshotMsg).snap; s.LB == nil || s.LB == first.LB || s.Seq != 2 {
		t.Errorf("the manual refresh did not read the load balancer part")
	}
	for _, msg := range msgs {
		d.send(msg)
	}
	if d.m.refresh.run != 4 || d.m.refresh.again || d.m.snap.Seq != 3 {
		t.Errorf("after the queued refresh: run %d again %v seq %d", d.m.refresh.run, d.m.refresh.again, d.m.snap.Seq)
	}
}

func TestPauseStopsTheRefreshAndResumeRestartsIt(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
	d.start()
	d.keys("p")
	if !d.m.refresh.paused || !strings.Contains(d.m.status(true).text, "PAUSED") {
		t.Fatalf("after p: paused %v, status %q", d.m.refresh.paused, d.m.status(true).text)
	}
	seq := d.m.snap.Seq
	d.send(d.ticks[0])
	if d.m.snap.Seq != seq || d.m.refresh.inflight {
		t.Fatal("a tick refreshed a paused console")
	}
	d.keys("p")
	if d.m.refresh.paused || d.m.snap.Seq != seq+1 {
		t.Errorf("after p again: paused %v, seq %d (want a refresh at once)", d.m.refresh.paused, d.m.snap.Seq)
	}
	d.keys("+")
	if d.m.refresh.interval != 2500*time.Millisecond {
		t.Errorf("+ set the interval to %s", d.m.refresh.interval)
	}
	d.keys("-", "-")
	if d.m.refresh.interval != 10*time.Second {
		t.Errorf("- - set the interval to %s", d.m.refresh.interval)
	}
}

func TestThrottlingBacksOffAndShowsTheViewStale(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
	d.start()
	w.Must(w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"autoscaling:DescribeAutoScalingGroups": {ThrottleRate: 1}}}), "SetFaults")
	old := d.m.snap
	for i, want := range []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second} {
		d.send(d.ticks[len(d.ticks)-1])
		if d.m.snap != old {
			t.Fatal("a failed refresh replaced the snapshot")
		}
		if d.m.refresh.backoff != want {
			t.Errorf("throttled refresh %d: backoff %s, want %s", i+1, d.m.refresh.backoff, want)
		}
		if !d.m.refresh.next.Equal(w.Now().Add(want)) {
			t.Errorf("next refresh at %v, want %v", d.m.refresh.next, w.Now().Add(want))
		}
	}
	st := d.m.status(true)
	if !strings.HasPrefix(st.text, "STALE") || !strings.Contains(st.text, "Throttling") || !strings.Contains(st.text, "retry in 40s") {
		t.Errorf("status = %q", st.text)
	}
	if short := d.m.status(false).text; !strings.HasPrefix(short, "STALE") || len(short) > 50 {
		t.Errorf("short status = %q", short)
	}
	// A part throttled while the group reads fine: new data, still backing
	// off. (The CPU sparklines are read every minute: let one pass.)
	w.Must(w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"monitoring:GetMetricData": {ThrottleRate: 1}}}), "SetFaults")
	w.Advance(fleet.MetricsEvery)
	d.send(d.ticks[len(d.ticks)-1])
	if d.m.snap == old || d.m.refresh.backoff != 80*time.Second || !strings.Contains(d.m.status(true).text, "metrics") {
		t.Errorf("part throttled: backoff %s, status %q", d.m.refresh.backoff, d.m.status(true).text)
	}
	w.Must(w.SB.SetFaults(sandbox.Faults{}), "SetFaults")
	d.send(d.ticks[len(d.ticks)-1])
	if d.m.refresh.backoff != 0 || d.m.refresh.lastErr != nil || strings.HasPrefix(d.m.status(true).text, "STALE") {
		t.Errorf("recovered: backoff %s, err %v, status %q", d.m.refresh.backoff, d.m.refresh.lastErr, d.m.status(true).text)
	}
	for range 20 {
		d.m.refresh.backoff = min(maxBackoff, 2*d.m.refresh.backoff+time.Second)
	}
	if d.m.refresh.backoff != maxBackoff {
		t.Errorf("backoff grows past its cap: %s", d.m.refresh.backoff)
	}
}

func TestAStackWithoutAGroupIsRefusedWithTheStepToRun(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	st := w.Stack
	delete(st.Steps, "autoscaling")
	_, err := New(newShared(t), Deps{Fleet: w.Fleet, Stack: st})
	if err == nil || !strings.Contains(err.Error(), "asg_name") || !strings.Contains(err.Error(), "stackwiz apply") {
		t.Errorf("err = %v", err)
	}
}

func TestFirstRefreshFailureIsShownWithAWSWords(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	m := newConsole(t, w, time.Hour, "")
	d := newDriver(t, m)
	d.m.refresh.run, d.m.refresh.inflight = 1, true
	d.send(snapshotMsg{run: 1, err: errors.Join(errors.New("describe Auto Scaling group demo-asg"), &smithy.GenericAPIError{Code: "AccessDenied", Message: "not allowed"})})
	view := d.m.View(80, 24)
	if !strings.Contains(view, "cannot read the stack") || !strings.Contains(view, "AccessDenied") {
		t.Errorf("view:\n%s", view)
	}
}
