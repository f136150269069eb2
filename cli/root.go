package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// globals are the flags every command accepts (README.md, "Commands").
type globals struct {
	// Stack names the stack (its spec's name); empty means the only stack
	// recorded in StateDir.
	Stack string
	// Profile is the AWS profile; empty uses the SDK's default chain.
	Profile string
	// Region overrides the spec's and the profile's region.
	Region string
	// EndpointURL sends every AWS call to an AWS-compatible endpoint.
	EndpointURL string
	// StateDir holds the stacks' local records.
	StateDir string
	// Sandbox uses the embedded sandbox, persisted under StateDir.
	Sandbox bool
	// Debug logs every AWS request to stderr, or to DebugFile when set
	// (env STACKWIZ_DEBUG=1).
	Debug     bool
	DebugFile string
	// ForceUnlock breaks the lease another run holds on the stack
	// (apply and destroy's --force-unlock).
	ForceUnlock bool

	// What prepare derived from the flags for the AWS clients.
	debugOut io.Writer
	onRetry  func(aws.RetryEvent)
	mfa      aws.MFATokenFunc
}

// awsOptions are the AWS client options for profile and region: the
// endpoint, and what the command line shows of the calls.
func (g *globals) awsOptions(profile, region string) aws.Options {
	return aws.Options{Profile: profile, Region: region, EndpointURL: g.EndpointURL,
		MFA: g.mfa, OnRetry: g.onRetry, DebugLog: g.debugOut}
}

// isUICommand reports whether cmd runs the full-screen UI, which owns the
// terminal: nothing else may write to it or read from it meanwhile.
func isUICommand(cmd *cobra.Command) bool {
	return cmd == cmd.Root() || cmd.Name() == "wizard" || cmd.Name() == "console"
}

// prepare checks the global flags before any command runs and sets up
// what they ask for. A bad --endpoint-url is refused here, at once: the
// SDK would take it and every call would hang in retries.
func (g *globals) prepare(cmd *cobra.Command) error {
	if cmd.Flags().Changed("endpoint-url") {
		if err := aws.ValidateEndpointURL("--endpoint-url", g.EndpointURL); err != nil {
			return usageError{err}
		}
	}
	stderr := cmd.ErrOrStderr()
	ui := isUICommand(cmd)
	if !ui {
		// Progress goes to stderr on the command line; a retry is
		// progress (a slow call is waiting, not hung).
		g.onRetry = func(e aws.RetryEvent) { fmt.Fprintf(stderr, "stackwiz: %s\n", e) }
		if isTerminal(os.Stdin) {
			g.mfa = func(req aws.MFARequest) (string, error) {
				tty, err := os.Open("/dev/tty")
				if err != nil {
					return "", fmt.Errorf("open the terminal to ask for the MFA code: %w", err)
				}
				defer tty.Close()
				return aws.TerminalMFA(tty, stderr)(req)
			}
		}
	}
	if env := os.Getenv("STACKWIZ_DEBUG"); env != "" && env != "0" && env != "false" {
		g.Debug = true
	}
	file := g.DebugFile
	if g.Debug && file == "" && ui {
		// The UI owns stderr: the log goes beside the stacks instead.
		dir, err := g.stateDir()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create state dir for the debug log: %w", err)
		}
		file = filepath.Join(dir, "debug.log")
		fmt.Fprintf(stderr, "stackwiz: logging AWS requests to %s\n", file)
	}
	switch {
	case file != "":
		f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return usageError{fmt.Errorf("--debug-file: %w", err)}
		}
		g.debugOut = f // closed when the process exits; each line is one write
	case g.Debug:
		g.debugOut = stderr
	}
	return nil
}

// stateDir returns the state dir to use, or why there is none: with no
// --state-dir, no STACKWIZ_STATE_DIR and no home directory, DefaultDir's
// error says what to set.
func (g *globals) stateDir() (string, error) {
	if g.StateDir != "" {
		return g.StateDir, nil
	}
	return state.DefaultDir()
}

// newRootCmd builds the whole command tree.
func newRootCmd() *cobra.Command {
	g := &globals{}
	// --read-only of the root and of console: only one is parsed in a run.
	var readOnly bool
	root := &cobra.Command{
		Use:   "stackwiz",
		Short: "Build a classic AWS web stack step by step, then run it day to day",
		Long: `stackwiz builds a classic AWS web stack in the recommended order — network,
IAM, image, launch template, certificate, load balancer, Auto Scaling group,
DNS and alarms — and then stays on as the console for it.

Every resource it creates is tagged stackwiz:stack=<name> and
stackwiz:step=<step id>. Use --sandbox to try it against the embedded AWS
look-alike, which needs no AWS account.`,
		Example: `  stackwiz --sandbox
  stackwiz sandbox serve --addr 127.0.0.1:4566`,
		Args: unknownSubcommand,
		// With no command: the wizard until the stack is complete, then the
		// console (tui.go).
		RunE: func(cmd *cobra.Command, _ []string) error { return runAuto(cmd, g, readOnly) },
	}
	root.Flags().BoolVar(&readOnly, "read-only", false, readOnlyUsage)

	defaultDir, err := state.DefaultDir()
	if err != nil {
		defaultDir = "" // globals.stateDir reports why when a command needs it
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.Stack, "stack", "", "the stack to work on (its spec's name); default: the only stack in the state dir")
	pf.StringVar(&g.Profile, "profile", "", "named profile from ~/.aws/config to use (default: AWS_PROFILE, then the SDK's default chain)")
	pf.StringVar(&g.Region, "region", "", "region to use (default: the spec's region, else the profile's or AWS_REGION)")
	pf.StringVar(&g.EndpointURL, "endpoint-url", "", "send every AWS call to this AWS-compatible endpoint (a 'stackwiz sandbox serve', for one)")
	pf.BoolVar(&g.Sandbox, "sandbox", false, "use the embedded AWS sandbox, persisted under the state dir; no AWS account needed")
	pf.StringVar(&g.StateDir, "state-dir", defaultDir, "directory of the stacks' local records (env STACKWIZ_STATE_DIR; default the XDG state dir)")
	pf.BoolVar(&g.Debug, "debug", false, "log every AWS request (service, operation, status, duration, request id, retries; never credentials) to stderr (env STACKWIZ_DEBUG=1)")
	pf.StringVar(&g.DebugFile, "debug-file", "", "write the --debug log to this file instead of stderr")
	root.MarkFlagsMutuallyExclusive("sandbox", "endpoint-url")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return g.prepare(cmd) }
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })

	// Values the shells complete: the stacks of the state dir and the
	// profiles of the AWS config files. Errors complete nothing rather
	// than print into the user's command line.
	_ = root.RegisterFlagCompletionFunc("stack", g.completeStacks)
	_ = root.RegisterFlagCompletionFunc("profile", completeProfiles)

	root.AddCommand(newSandboxCmd(), newVersionCmd(), newManCmd())
	// The commands that work on a stack.
	root.AddCommand(
		newPlanCmd(g), newApplyCmd(g), newStatusCmd(g), newDestroyCmd(g),
		newExportCmd(g), newAdoptCmd(g), newDoctorCmd(g),
	)
	for _, c := range root.Commands() {
		answerErrorsInJSON(c)
	}
	// The terminal UI's screens, each directly (tui.go).
	root.AddCommand(newWizardCmd(g), newConsoleCmd(g, &readOnly))
	markUsageErrors(root)
	return root
}

// completeStacks completes --stack with the stacks recorded in the state
// dir: --state-dir when the command line gives it (cobra parses the flags
// before it asks), else STACKWIZ_STATE_DIR or the XDG state dir.
func (g *globals) completeStacks(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	dir, err := g.stateDir()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names, err := state.List(dir)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeProfiles completes --profile with the profiles of the AWS
// config and credentials files ($AWS_CONFIG_FILE and
// $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/), each described by how it
// signs in and its region.
func completeProfiles(_ *cobra.Command, _ []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
	profiles, err := aws.Profiles(aws.ConfigFiles())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []cobra.Completion
	for _, p := range profiles {
		if !strings.HasPrefix(p.Name, prefix) {
			continue
		}
		var about []string
		if p.Kind != "" {
			about = append(about, p.Kind)
		}
		if p.Region != "" {
			about = append(about, p.Region)
		}
		if len(about) == 0 {
			out = append(out, p.Name)
			continue
		}
		out = append(out, cobra.CompletionWithDesc(p.Name, strings.Join(about, ", ")))
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// markUsageErrors makes every argument error in the tree a usageError
// (exit 2). A leaf command that does not say which arguments it takes
// takes none, and a group command (sandbox, export) rejects an unknown
// subcommand instead of printing its help and exiting 0, as cobra would.
func markUsageErrors(c *cobra.Command) {
	switch args := c.Args; {
	case args != nil:
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := args(cmd, a); err != nil {
				return usageError{err}
			}
			return nil
		}
	case c.HasSubCommands():
		c.Args = unknownSubcommand
	default:
		c.Args = func(cmd *cobra.Command, a []string) error {
			if err := cobra.NoArgs(cmd, a); err != nil {
				return usageError{err}
			}
			return nil
		}
	}
	if c.HasSubCommands() && !c.Runnable() {
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	}
	for _, sub := range c.Commands() {
		markUsageErrors(sub)
	}
}

// unknownSubcommand accepts no arguments on a command that only groups
// others: any argument is a subcommand that does not exist.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "; did you mean " + strings.Join(s, " or ") + "?"
	}
	return usageError{errors.New(msg)}
}

// isCobraFlagError reports whether err is one of cobra's flag checks that
// run after argument validation and return untyped errors: required flags
// and flag groups (--sandbox with --endpoint-url). They are bad usage.
func isCobraFlagError(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{
		"required flag(s) ",
		"if any flags in the group ",
		"at least one of the flags in the group ",
	} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}
