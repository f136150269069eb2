package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// Remaining is one resource of the stack that destroy could not delete,
// with why and how to delete it by hand.
type Remaining struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Region string `json:"region,omitempty"`
	// Reason is the last error, in one line.
	Reason string `json:"reason"`
	// Command is the AWS CLI command that deletes it, once what blocks it
	// is fixed (or empty when the type has no one-line delete).
	Command string `json:"command,omitempty"`
}

// DestroyError is a destroy that deleted what it could and left the rest:
// every remaining recorded resource, and the types that could not be
// listed (their unrecorded resources may remain too). A second destroy
// finishes what has become possible.
type DestroyError struct {
	Remaining []Remaining `json:"remaining"`
	// Unlisted are the types whose tag search failed, with why.
	Unlisted []Remaining `json:"unlisted,omitempty"`
}

func (e *DestroyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "destroy left %d resource(s) of the stack", len(e.Remaining))
	if len(e.Unlisted) > 0 {
		fmt.Fprintf(&b, " and could not search %d type(s)", len(e.Unlisted))
	}
	b.WriteString(":")
	for _, r := range e.Remaining {
		fmt.Fprintf(&b, "\n  %s %s: %s", r.Type, r.ID, r.Reason)
		if r.Command != "" {
			fmt.Fprintf(&b, "\n      by hand: %s", r.Command)
		}
	}
	for _, u := range e.Unlisted {
		fmt.Fprintf(&b, "\n  %s (not searched): %s", u.Type, u.Reason)
	}
	return b.String()
}

// destroyError builds the DestroyError after a destroy: every live record
// left, with the last error that names it.
func (e *Engine) destroyError(deleteErr error, unlisted []unlistedType) error {
	var errs []error
	if deleteErr != nil {
		errs = flatten(deleteErr)
	}
	out := &DestroyError{}
	for _, r := range e.store.Snapshot().Resources {
		if !r.Live() {
			continue
		}
		id := firstOf(r.ID, r.ARN, r.Key)
		reason := "not deleted: an earlier failure stopped it"
		// Its own failure ("delete autoscaling:group demo-asg: ...") before
		// another's that mentions it ("... scaling policy demo-cpu of demo-asg").
		own := r.Type + " " + id
		if i := slices.IndexFunc(errs, func(err error) bool { return strings.Contains(err.Error(), own) }); i >= 0 {
			reason = firstLine(reasonOf(errs[i]))
		} else if i := slices.IndexFunc(errs, func(err error) bool { return strings.Contains(err.Error(), id) }); i >= 0 {
			reason = firstLine(reasonOf(errs[i]))
		}
		region := r.Region
		if region == "" && e.aws != nil {
			region = e.aws.Region
		}
		out.Remaining = append(out.Remaining, Remaining{Type: r.Type, ID: id, Region: region, Reason: reason, Command: e.manualDelete(*r, region)})
	}
	for _, u := range unlisted {
		out.Unlisted = append(out.Unlisted, Remaining{Type: u.Type, Reason: firstLine(reasonOf(u.Err))})
	}
	if len(out.Remaining) == 0 && len(out.Unlisted) == 0 {
		return fmt.Errorf("destroy: %w", deleteErr)
	}
	return out
}

// verifyGone lists the stack's resources by their tags once destroy has
// deleted everything it knew of, and returns a DestroyError naming each
// that is still there: the record is never the only truth, and a destroy
// that says "destroyed" must mean that nothing tagged with the stack is
// left to bill. Nil when the listing is empty.
func (e *Engine) verifyGone(ctx context.Context) error {
	left, failed := e.listTagged(ctx)
	// AWS's listings catch up with its deletes within seconds (IAM and
	// tags are eventually consistent): a resource listed right after its
	// delete is looked for again before it is reported.
	for try := 1; len(left) > 0 && try < verifyListings && ctx.Err() == nil; try++ {
		select {
		case <-ctx.Done():
		case <-time.After(e.opts.Poll.Min * time.Duration(try)):
		}
		left, failed = e.listTagged(ctx)
	}
	out := &DestroyError{}
	for _, f := range left {
		region := f.Region
		if region == "" {
			region = e.aws.Region
		}
		id := firstOf(f.ID, f.ARN, f.Key)
		out.Remaining = append(out.Remaining, Remaining{Type: f.Type, ID: id, Region: region,
			Reason:  "still there after destroy, found by the stack's tags: run destroy again, or delete it by hand",
			Command: e.manualDelete(state.Resource{Type: f.Type, ID: f.ID, ARN: f.ARN}, region)})
	}
	for _, u := range failed {
		if !aws.IsUnsupported(u.Err) {
			out.Unlisted = append(out.Unlisted, Remaining{Type: u.Type, Reason: firstLine(reasonOf(u.Err))})
		}
	}
	if len(out.Remaining) == 0 && len(out.Unlisted) == 0 {
		return nil
	}
	return out
}

// verifyListings is how many times destroy lists what is left before it
// reports it.
const verifyListings = 3

// reasonOf is what the user can act on in err: the hint for a denied
// permission or a missing operation, else the error's text.
func reasonOf(err error) string {
	switch {
	case aws.IsAccessDenied(err):
		return (&DeniedError{Action: aws.Action(err), Err: err}).Error()
	case aws.IsUnsupported(err):
		return aws.Unsupported(err)
	case aws.Hint(err) != "":
		return err.Error() + " — " + aws.Hint(err)
	}
	return err.Error()
}

// flatten unwraps joined errors into their leaves.
func flatten(err error) []error {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// manualDelete is the AWS CLI command that deletes r, for the user to run
// once what blocked destroy is fixed: its kind's Manual, in region.
func (e *Engine) manualDelete(r state.Resource, region string) string {
	k, ok := e.kinds[r.Type]
	if !ok || k.Manual == nil || firstOf(r.ID, r.ARN) == "" {
		// An interrupted create has nothing to name until it is found.
		return ""
	}
	cmd := k.Manual(r)
	if !k.Global && region != "" {
		cmd += " --region " + region
	}
	return cmd
}
