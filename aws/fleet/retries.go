package fleet

import (
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// RetryFeed carries retries, as they happen, from the clients' retryer
// (Options.OnRetry) to the screen that made the calls, so a console can
// say "retrying DescribeTargetHealth: Throttling" while a refresh waits
// instead of looking fresh. Send never blocks: when nobody reads, the
// oldest news is dropped, not the caller's call.
type RetryFeed struct {
	ch  chan Retry
	now func() time.Time
}

// Retry is one retry and when it was heard of.
type Retry struct {
	aws.RetryEvent
	At time.Time
}

// NewRetryFeed returns a feed that keeps up to n retries unread.
func NewRetryFeed(n int) *RetryFeed {
	return &RetryFeed{ch: make(chan Retry, max(1, n)), now: time.Now}
}

// Send hands e to the reader, or drops the oldest unread retry to make
// room. It fits Options.OnRetry.
func (f *RetryFeed) Send(e aws.RetryEvent) {
	r := Retry{RetryEvent: e, At: f.now()}
	for {
		select {
		case f.ch <- r:
			return
		default:
		}
		select {
		case <-f.ch:
		default:
		}
	}
}

// C is where the retries arrive.
func (f *RetryFeed) C() <-chan Retry { return f.ch }

// WithRetries returns a copy of f whose owner hears of the retries of its
// calls on feed (the feed given to the clients' Options.OnRetry).
func (f *Fleet) WithRetries(feed *RetryFeed) *Fleet {
	c := *f
	c.retries = feed
	return &c
}

// Retries is the feed of f's retries, nil when it has none.
func (f *Fleet) Retries() <-chan Retry {
	if f.retries == nil {
		return nil
	}
	return f.retries.C()
}
