package console

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/sandbox"
)

// throttledFleet is a Fleet on w's sandbox whose clients retry up to 3
// times and tell feed of each retry, as `stackwiz console` wires them.
func throttledFleet(w *stackWorld, feed *fleet.RetryFeed) *fleet.Fleet {
	cfg := aws.WithRetryer(sandbox.Config(*w.Cfg.BaseEndpoint, "us-east-1"), aws.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond, OnRetry: feed.Send})
	return fleet.New(cfg).WithClock(w.Now)
}

// pumpRetries hands the retries the feed heard to the console, as its
// listening command does in the program.
func pumpRetries(d *driver, feed *fleet.RetryFeed) int {
	n := 0
	for {
		select {
		case r := <-feed.C():
			d.send(retryMsg{r: r})
			n++
		default:
			return n
		}
	}
}

// TestThrottledRefreshIsDatedNamedAndShowsItsRetries: while AWS throttles
// the group's reads, the verdict is no longer green and says how old it
// is (growing as time passes), the status names throttling and AWS's
// code, and a refresh that waits shows the SDK's retries as they happen.
func TestThrottledRefreshIsDatedNamedAndShowsItsRetries(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	feed := fleet.NewRetryFeed(16)
	m, err := New(newShared(t), Deps{Fleet: throttledFleet(w, feed), Stack: w.Stack, Interval: 5 * time.Second, Now: w.Now})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m)
	d.start()
	if v := ansi.Strip(m.View(120, 40)); strings.Contains(v, " as of ") || m.verdict.tone != toneOK {
		t.Fatalf("a fresh snapshot is dated or not green:\n%s", v)
	}
	w.Must(w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"autoscaling:DescribeAutoScalingGroups": {ThrottleRate: 1}}}), "SetFaults")
	w.Advance(5 * time.Second)
	d.send(d.ticks[len(d.ticks)-1])
	if n := pumpRetries(d, feed); n != 2 {
		t.Errorf("the feed heard %d retries of the throttled read, want 2 (3 attempts)", n)
	}
	w.Advance(40 * time.Second)
	v := ansi.Strip(m.View(120, 40))
	lines := strings.Split(v, "\n")
	if asOf := "healthy as of " + w.Now().Add(-45*time.Second).Format("15:04:05") + " (45s ago)"; !strings.Contains(lines[1], asOf) {
		t.Errorf("the verdict line does not date the data (45s old):\n%s", v)
	}
	if st := m.status(true).text; !strings.HasPrefix(st, "STALE") || !strings.Contains(st, "AWS is throttling (Throttling: ") || strings.Contains(st, "nothing is lost") {
		t.Errorf("status %q: want STALE naming AWS's throttling, not apply's words", st)
	}
	// A refresh waiting on AWS shows the retry it is in.
	m.refresh.inflight, m.refresh.started = true, w.Now().Add(-12*time.Second)
	m.refresh.lastErr = nil
	feed.Send(aws.RetryEvent{Service: "Auto Scaling", Operation: "DescribeAutoScalingGroups", Attempt: 2, Reason: "Throttling (HTTP 400)", Delay: time.Second})
	pumpRetries(d, feed)
	if st := m.status(true).text; !strings.Contains(st, "STALE · waiting 12s · retry 2 of DescribeAutoScalingGroups: Throttling") {
		t.Errorf("status while waiting = %q", st)
	}
}

// TestThrottledActionAdvisesForTheAction: a capacity change AWS throttles
// until the retries run out says so and what to do for an action — not
// apply's "run the same command again: it resumes".
func TestThrottledActionAdvisesForTheAction(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	feed := fleet.NewRetryFeed(16)
	m, err := New(newShared(t), Deps{Fleet: throttledFleet(w, feed), Stack: w.Stack, Interval: time.Hour, Now: w.Now})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m)
	d.start()
	w.Must(w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"autoscaling:UpdateAutoScalingGroup": {ThrottleRate: 1}}}), "SetFaults")
	d.keys("c", "backspace", "3", "enter")
	e := lastLog(t, m)
	text := strings.Join(e.detail, " · ")
	if e.ok || !strings.Contains(text, "AWS throttled it (Throttling: ") || !strings.Contains(text, "try the action again in a minute") {
		t.Errorf("log of the throttled action: %+v", e)
	}
	for _, bad := range []string{"resume", "start stackwiz again", "Run the same command"} {
		if strings.Contains(text, bad) || strings.Contains(m.lastMsg.text, bad) {
			t.Errorf("the advice reads like apply's (%q): %s / %s", bad, text, m.lastMsg.text)
		}
	}
}
