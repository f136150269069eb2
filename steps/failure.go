package steps

import (
	"errors"
	"fmt"

	"github.com/stackwiz/stackwiz/aws"
)

// plainFailure turns the failures that no retry will change into the one
// line the user can act on: a permission to allow, an operation the
// endpoint lacks. Other errors pass unchanged.
func plainFailure(err error) error {
	switch {
	case aws.IsAccessDenied(err):
		de := &DeniedError{Action: aws.Action(err), Err: err}
		var alt alternative
		if errors.As(err, &alt) {
			de.Instead = alt.instead
		}
		return de
	case aws.IsUnsupported(err):
		return &UnsupportedError{Err: err}
	}
	return err
}

// DeniedError is a step stopped by a missing permission.
type DeniedError struct {
	// Action is the IAM action to allow ("ec2:RunInstances"), or "".
	Action string
	Err    error
	// Instead is what the spec can say to do without the call, or "".
	Instead string
}

// alternative is an error a step wraps with what the spec can say to do
// without the call that failed (a setting that turns the feature off).
type alternative struct {
	error
	instead string
}

func (a alternative) Unwrap() error { return a.error }

// withAlternative wraps err with instead; nil stays nil.
func withAlternative(err error, instead string) error {
	if err == nil {
		return nil
	}
	return alternative{err, instead}
}

func (e *DeniedError) Error() string {
	if e.Action == "" {
		return fmt.Sprintf("access denied: allow the action this names in your IAM policy (docs/iam-policy.json): %s", aws.Message(e.Err))
	}
	msg := fmt.Sprintf("%s denied: allow it in the IAM policy of these credentials (see docs/iam-policy.json), or use another --profile", e.Action)
	if e.Instead != "" {
		msg += ", or " + e.Instead
	}
	return msg
}

func (e *DeniedError) Unwrap() error { return e.Err }

// UnsupportedError is a step stopped by an endpoint that does not
// implement an operation it needs (an emulator's gap, never AWS's).
type UnsupportedError struct{ Err error }

func (e *UnsupportedError) Error() string {
	return aws.Unsupported(e.Err) + ": this step needs it; the steps that do not are built"
}

func (e *UnsupportedError) Unwrap() error { return e.Err }

// HintFor is what to add to a step's error: aws.Hint's advice, except for
// the failures whose one line already says what to do.
func HintFor(err error) string {
	var denied *DeniedError
	var gap *UnsupportedError
	if errors.As(err, &denied) || errors.As(err, &gap) {
		return ""
	}
	return aws.Hint(err)
}
