package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"charm.land/fang/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// Exit statuses (docs/architecture.md, and EXIT STATUS in the man page:
// manpage.go): 0 success, 1 failure, 2 bad usage or an invalid spec;
// status adds 3, could not check.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// usageError marks an error as bad usage: an unknown command or flag, a
// wrong number of arguments, a flag value out of range. It exits 2.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// exitCodeError makes the process exit with code. With a nil err nothing is
// printed: the command has already said what it had to (`status` reporting
// an unhealthy stack, for one).
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return "exit status " + strconv.Itoa(e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

// exitCode is the one place that turns a command's error into the exit
// status.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		return ec.code
	}
	var ue usageError
	if errors.As(err, &ue) {
		return exitUsage
	}
	var ve *spec.ValidationError
	if errors.As(err, &ve) {
		return exitUsage
	}
	// A bad AWS_ENDPOINT_URL (or profile endpoint_url) is found only when
	// the clients are built; it is bad usage as much as a bad flag.
	var eu *aws.EndpointURLError
	if errors.As(err, &eu) {
		return exitUsage
	}
	if isCobraFlagError(err) {
		return exitUsage
	}
	return exitFailure
}

// commandLineError is a usage error found while the command line was
// parsed: an unknown command or flag, a flag without its value or with a
// value of the wrong type, arguments a command does not take. The command's
// --help lists what would be right, so the error ends by pointing at it.
// Errors a command returns once it runs (no stack recorded, an invalid
// spec, a state dir that cannot be used) say their own fix instead.
type commandLineError struct {
	error
	// path is the command whose --help to read: "stackwiz sandbox serve".
	path string
}

func (e commandLineError) Unwrap() error { return e.error }

// markCommandLineErrors makes the errors cobra finds while parsing the
// command line commandLineErrors: the flag errors (one function, which
// every command inherits from the root) and every command's argument check.
func markCommandLineErrors(root *cobra.Command) {
	flagErr := root.FlagErrorFunc()
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return commandLineError{error: flagErr(cmd, err), path: cmd.CommandPath()}
	})
	var mark func(c *cobra.Command)
	mark = func(c *cobra.Command) {
		if args := c.Args; args != nil {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return commandLineError{error: err, path: cmd.CommandPath()}
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			mark(sub)
		}
	}
	mark(root)
}

// helpHint returns the command whose --help answers err, or "" when err is
// not about the shape of the command line.
func helpHint(err error) string {
	var cl commandLineError
	if errors.As(err, &cl) {
		return cl.path
	}
	// Required flags and flag groups (--sandbox with --endpoint-url) are
	// checked by cobra after the arguments, with untyped errors.
	if isCobraFlagError(err) {
		return "stackwiz"
	}
	return ""
}

// printError writes err to stderr: styled by fang on a terminal, as one
// plain "stackwiz: ..." line for scripts and CI logs otherwise. An
// exitCodeError without a message stays silent.
func printError(w io.Writer, styles fang.Styles, err error) {
	writeError(w, styles, err, term.IsTerminal(os.Stderr.Fd()))
}

// writeError writes err, styled or plain. Only an error in the command line
// itself ends with where to read the usage.
func writeError(w io.Writer, styles fang.Styles, err error, styled bool) {
	var ec *exitCodeError
	if errors.As(err, &ec) && ec.err == nil {
		return
	}
	hint := helpHint(err)
	if !styled {
		fmt.Fprintf(w, "stackwiz: %v\n", err)
		if hint != "" {
			fmt.Fprintf(w, "Run '%s --help' for usage.\n", hint)
		}
		return
	}
	// fang.DefaultErrorHandler's layout, with the hint decided here: fang
	// guesses usage from the message's words and would miss argument
	// errors and mark none of ours.
	fmt.Fprintln(w, styles.ErrorHeader.String())
	fmt.Fprintln(w, styles.ErrorText.Render(err.Error()+"."))
	fmt.Fprintln(w)
	if hint != "" {
		fmt.Fprintln(w, lipgloss.JoinHorizontal(lipgloss.Left,
			styles.ErrorText.UnsetWidth().Render("Try"),
			styles.Program.Flag.Render(" "+hint+" --help "),
			styles.ErrorText.UnsetWidth().UnsetMargins().UnsetTransform().Render("for usage."),
		))
		fmt.Fprintln(w)
	}
}
