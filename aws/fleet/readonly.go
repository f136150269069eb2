package fleet

import (
	"errors"
	"fmt"
)

// ErrReadOnly is what every Fleet action returns, wrapped in a
// *ReadOnlyError, when the Fleet was made read-only: a read-only console
// must not change the stack whatever key reaches it, so the refusal lives
// here, below the UI, and no request leaves the process.
var ErrReadOnly = errors.New("read-only")

// ReadOnlyError is an action a read-only Fleet refused.
type ReadOnlyError struct {
	// Action is what was refused: "set capacity of demo-asg".
	Action string
	// Reason is why the Fleet is read-only: "--read-only",
	// "STACKWIZ_READ_ONLY=1", "the stack's read-only setting".
	Reason string
}

func (e *ReadOnlyError) Error() string {
	return fmt.Sprintf("%s: refused, the console is read-only (%s): nothing was sent to AWS", e.Action, e.Reason)
}

// Is makes errors.Is(err, ErrReadOnly) true.
func (e *ReadOnlyError) Is(target error) bool { return target == ErrReadOnly }

// WithReadOnly returns a copy of f whose actions (capacity, termination
// policies, instance refresh, terminate, standby, the alias switch) refuse
// with a *ReadOnlyError before any request, and whose reads work as
// before. reason says why, in the user's words (the flag, the variable or
// the setting that made it so); "" returns a writable copy.
func (f *Fleet) WithReadOnly(reason string) *Fleet {
	c := *f
	c.readOnly = reason
	return &c
}

// ReadOnly is why f refuses actions, "" when it takes them.
func (f *Fleet) ReadOnly() string { return f.readOnly }

// guard refuses action when f is read-only.
func (f *Fleet) guard(action string) error {
	if f.readOnly == "" {
		return nil
	}
	return &ReadOnlyError{Action: action, Reason: f.readOnly}
}
