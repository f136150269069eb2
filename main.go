// Command stackwiz builds a classic AWS web stack step by step, in the
// recommended order, and then stays on as the day-to-day console for it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"charm.land/fang/v2"
	"github.com/charmbracelet/x/term"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/steps"
)

// Exit statuses (DESIGN.md): 0 success, 1 failure, 2 bad usage or an
// invalid spec.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	os.Exit(run())
}

// run executes the command line and returns the process exit status.
func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first signal cancels ctx, which is how commands stop their work;
	// after it the default behaviour returns, so a second Ctrl-C ends a
	// command that is slow to stop.
	go func() {
		<-ctx.Done()
		stop()
	}()

	b := currentBuild()
	err := fang.Execute(ctx, newRootCmd(),
		fang.WithVersion(b.Version),
		fang.WithCommit(b.Commit),
		fang.WithErrorHandler(printError),
	)
	return exitCode(err)
}

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
	var ve *steps.ValidationError
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

// printError writes err to stderr: styled by fang on a terminal, as one
// plain "stackwiz: ..." line for scripts and CI logs otherwise. An
// exitCodeError without a message stays silent.
func printError(w io.Writer, styles fang.Styles, err error) {
	var ec *exitCodeError
	if errors.As(err, &ec) && ec.err == nil {
		return
	}
	if term.IsTerminal(os.Stderr.Fd()) {
		fang.DefaultErrorHandler(w, styles, err)
		return
	}
	fmt.Fprintf(w, "stackwiz: %v\n", err)
	if exitCode(err) == exitUsage {
		fmt.Fprintln(w, "Run 'stackwiz --help' for usage.")
	}
}
