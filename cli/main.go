// Package cli is stackwiz's command line: the commands and their flags,
// the session that builds AWS clients, the text and --json output, and the
// exit statuses. Package main (main.go at the module's root) only calls Main.
package cli

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"charm.land/fang/v2"
)

// Main executes the command line and returns the process exit status;
// main.go at the module's root is os.Exit(cli.Main()).
func Main() int {
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
	root := newRootCmd()
	markCommandLineErrors(root)
	err := fang.Execute(ctx, root,
		fang.WithVersion(b.Version),
		fang.WithCommit(b.Commit),
		fang.WithErrorHandler(printError),
		// `stackwiz man` is ours (manpage.go): fang's made a paragraph of
		// every line and had no EXIT STATUS or ENVIRONMENT.
		fang.WithoutManpage(),
	)
	return exitCode(err)
}
