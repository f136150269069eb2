package steps

import (
	"time"
)

// EventKind says what happened.
type EventKind int

// The kinds of progress events.
const (
	StepStarted EventKind = iota
	StepDone
	StepFailed
	// StepBlocked: a step did not start because a step it needs failed.
	StepBlocked
	// ResourceCreating: a create (or an update) call is about to be made.
	ResourceCreating
	// ResourceWaiting: the resource exists and stackwiz waits for AWS to
	// finish with it (Message says for what).
	ResourceWaiting
	// ResourceReady: the resource is created and usable.
	ResourceReady
	// ResourceUnchanged: the record and the spec agree; nothing was called.
	ResourceUnchanged
	ResourceDeleting
	ResourceDeleted
	// Warning is something the user should know and may act on.
	Warning
	// Info is a passing note.
	Info
)

var eventKindNames = [...]string{
	"step started", "step done", "step failed", "step blocked",
	"creating", "waiting", "ready", "unchanged", "deleting", "deleted",
	"warning", "info",
}

func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return "event"
}

// MarshalText names the kind in JSON.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one piece of progress from the engine. The wizard, the console
// and the plain CLI each render the same stream.
type Event struct {
	Time time.Time `json:"time"`
	Kind EventKind `json:"kind"`
	Step StepID    `json:"step,omitempty"`
	// Key, Type and ID name the resource, when the event is about one.
	Key     string `json:"key,omitempty"`
	Type    string `json:"type,omitempty"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message,omitempty"`
	// Err is set on StepFailed; Hint says what it means and what to do.
	Err  error  `json:"-"`
	Hint string `json:"hint,omitempty"`
	// Elapsed is how long the step or the wait has taken so far.
	Elapsed time.Duration `json:"elapsed,omitempty"`
}

// Sink receives events. It is called from the engine's goroutines, one
// event at a time, and must not block for long.
type Sink func(Event)

// ChannelSink returns a Sink that sends to a buffered channel, and the
// channel. The engine never closes it; the caller does, after Apply or
// Destroy returns.
func ChannelSink(buffer int) (Sink, chan Event) {
	ch := make(chan Event, buffer)
	return func(e Event) { ch <- e }, ch
}
