package console

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// A console must never show stale data as fresh. Three things keep it
// honest: the header's ages are redrawn every second (a refresh that waits
// on AWS's retries sends no message, and without a clock "5s ago" would
// stay on screen for as long as the retries last); the verdict says "as
// of" when its data is old; and each retry the clients make is shown as
// it happens, with AWS's words.

// clockMsg redraws the ages.
type clockMsg struct{}

// retryMsg is one retry of the console's calls.
type retryMsg struct{ r fleet.Retry }

func (clockMsg) Screen() screen.ID { return screen.Console }
func (retryMsg) Screen() screen.ID { return screen.Console }

// clockEvery is how often the ages are redrawn.
const clockEvery = time.Second

func (m *Model) clockCmd() tea.Cmd {
	return m.tick(clockEvery, func(time.Time) tea.Msg { return clockMsg{} })
}

// listenRetries waits for the next retry on the Fleet's feed; the console
// re-arms it after each one. Nil when the Fleet has no feed.
func (m *Model) listenRetries() tea.Cmd {
	ch := m.fleet.Retries()
	if ch == nil {
		return nil
	}
	ctx := m.ctx()
	return func() tea.Msg {
		select {
		case r := <-ch:
			return retryMsg{r: r}
		case <-ctx.Done():
			return nil
		}
	}
}

// onRetry keeps the newest retry heard while a refresh or an action is
// waiting; those from before the console opened (the wizard's) are old
// news.
func (m *Model) onRetry(msg retryMsg) tea.Cmd {
	if !msg.r.At.Before(m.opened) {
		r := msg.r
		r.At = m.now() // on the console's clock from here on
		m.retry = &r
	}
	return m.listenRetries()
}

// retryText is the newest retry in words, while it is news, short enough
// for the header's right side: "retry 3 of DescribeAutoScalingGroups:
// Throttling".
func (m *Model) retryText() string {
	r := m.retry
	if r == nil || m.now().Sub(r.At) > 2*r.Delay+clockEvery*5 {
		return ""
	}
	reason, _, _ := strings.Cut(r.Reason, " (HTTP")
	return fmt.Sprintf("retry %d of %s: %s", r.Attempt, r.Operation, reason)
}

// dataAge says how old the verdict's data is when it is older than a
// refresh should leave it: "as of 09:00:05 (45s ago)", or a part's age
// when only that part failed; "" when the data is current.
func (m *Model) dataAge() string {
	r := &m.refresh
	if m.snap == nil || r.updated.IsZero() {
		return ""
	}
	now := m.now()
	whole := "as of " + clock(r.updated, now) + " (" + ago(now.Sub(r.updated)) + " ago)"
	switch {
	case r.paused,
		r.lastErr != nil && r.lastPart == "",
		r.inflight && now.Sub(r.started) > r.interval,
		now.Sub(r.updated) > 3*r.interval+fetchTimeout:
		return whole
	case r.lastErr != nil:
		if d, old := m.partAge(fleet.Part(r.lastPart)); old {
			return r.lastPart + " as of " + ago(d) + " ago"
		}
	}
	return ""
}

// refreshWhy is why the last refresh failed, in words that name AWS's
// error: throttling says so, a refresh that timed out is not "stopped".
func refreshWhy(err error) string {
	switch {
	case aws.IsThrottle(err):
		return "AWS is throttling (" + screen.Describe(err).Summary + ")"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer from AWS within " + dur(fetchTimeout)
	case errors.Is(err, context.Canceled):
		return "the refresh was cancelled"
	}
	return screen.Describe(err).Summary
}

// actionWords is an action's failure and what to do next, for the action:
// not apply's "start stackwiz again to resume".
func actionWords(err error) (summary, hint string) {
	ex := screen.Describe(err)
	summary, hint = ex.Summary, ex.Hint
	var ro *fleet.ReadOnlyError
	switch {
	case errors.As(err, &ro):
		return err.Error(), ""
	case aws.IsThrottle(err):
		return "AWS throttled it (" + ex.Summary + ")",
			"the retries ran out and AWS did not take the change: r refreshes; try the action again in a minute"
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer from AWS within " + dur(actionTimeout),
			"the change may or may not have been made: r refreshes to see, then try again if it was not"
	case errors.Is(err, context.Canceled):
		return "cancelled before AWS answered", "the change may or may not have been made: r refreshes to see"
	}
	return summary, hint
}
