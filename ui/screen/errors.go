package screen

import (
	"errors"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// Explained is an error put into words for a screen: what went wrong (AWS's
// own message, with its code), what it means and what to do.
type Explained struct {
	// Summary is one line: "CreateVpc: VpcLimitExceeded: The maximum number
	// of VPCs has been reached."
	Summary string
	// Code is AWS's error code, "" when the error did not come from AWS.
	Code string
	// Hint says what it means and what to do, "" when nothing useful can be
	// added.
	Hint string
	// Canceled is true when the error is only the user walking away.
	Canceled bool
}

// Describe turns an error into words. It is the only place the UI does so:
// every screen shows errors through it, so AWS failures, invalid specs and
// a locked stack read the same everywhere.
func Describe(err error) Explained {
	if err == nil {
		return Explained{}
	}
	e := Explained{Summary: oneLine(err.Error()), Code: aws.Code(err), Hint: aws.Hint(err)}
	if aws.IsCanceled(err) {
		e.Canceled = true
		e.Summary = "stopped: nothing is lost, the record keeps every resource created so far"
		e.Hint = "start stackwiz again to resume where it stopped"
		return e
	}
	if e.Code != "" {
		e.Summary = e.Code + ": " + oneLine(aws.Message(err))
	}
	var ve *spec.ValidationError
	if errors.As(err, &ve) {
		errs := ve.Errors()
		if len(errs) > 0 {
			e.Summary = errs[0].Error()
			if len(errs) > 1 {
				e.Summary += " (and " + plural(len(errs)-1, "more problem") + ")"
			}
		}
		e.Hint = "fix the field and try again"
	}
	var le *state.LockedError
	if errors.As(err, &le) {
		e.Hint = "another stackwiz is changing this stack; wait for it, or quit it: its lock goes with it"
	}
	return e
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i] + " …"
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
