package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/ui"
	"github.com/stackwiz/stackwiz/ui/console"
)

// runAuto is stackwiz with no command: the wizard until the stack is
// complete, then the console.
func runAuto(cmd *cobra.Command, g *globals, readOnly bool) error {
	start := ui.StartAuto
	if readOnlyReason(readOnly) != "" {
		// The wizard builds; a read-only run builds nothing, so it
		// opens the console directly.
		start = ui.StartConsole
	}
	return runUI(cmd, g, start, readOnlyReason(readOnly))
}

// newConsoleCmd is `stackwiz console`; readOnly is its --read-only, which
// it shares with the root's.
func newConsoleCmd(g *globals, readOnly *bool) *cobra.Command {
	consoleCmd := &cobra.Command{
		Use:   "console",
		Short: "Watch and steer the stack: instances, targets, alarms, scaling",
		Long: `The console is the stack's live view: instances joined with their target
health and CPU, the load balancer, alarms and scaling activity, refreshed
every few seconds, with the everyday actions (capacity, instance refresh,
terminate, standby, termination policies, blue/green DNS switch).

Several stacks: o opens the stack switcher: every stack recorded in the
state dir (in any region) and those the stackwiz:stack tag finds in the
account's other regions. The choice is remembered for the user
(~/.config/stackwiz/console.json, or $STACKWIZ_CONFIG_DIR) and opened next
time when --stack is not given and several stacks are recorded.

Read-only: --read-only, STACKWIZ_READ_ONLY=1, or the stack's setting
(stackwiz console read-only on) open it for watching only: the header says
READ-ONLY, every action key says it is disabled, and no request that
changes AWS leaves stackwiz.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runUI(cmd, g, ui.StartConsole, readOnlyReason(*readOnly))
		},
	}
	consoleCmd.Flags().BoolVar(readOnly, "read-only", false, readOnlyUsage)
	consoleCmd.AddCommand(readOnlySettingCommand(g))
	return consoleCmd
}

// newWizardCmd is `stackwiz wizard`.
func newWizardCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "wizard",
		Short: "Build or resume a stack step by step, in the recommended order",
		Long: `The wizard walks through the stack one step at a time — identity, IAM role,
network, security groups, image, launch template, certificate, load balancer,
Auto Scaling group, DNS, alarms — with defaults from your account, a warning
wherever a default costs money or exposes something, the plan and its monthly
cost, and live progress while it builds. Quit at any time: nothing is lost,
and the next start offers to continue.`,
		RunE: func(cmd *cobra.Command, _ []string) error { return runUI(cmd, g, ui.StartWizard, "") },
	}
}

// readOnlyUsage is the --read-only flag's help.
const readOnlyUsage = "open the console for watching only: no action changes the stack (also STACKWIZ_READ_ONLY=1)"

// readOnlyReason is why this run is read-only, "" when it is not: the
// flag, else the environment. (The stack's own setting is read when its
// console opens.)
func readOnlyReason(flag bool) string {
	switch {
	case flag:
		return console.ReadOnlyFlag
	case os.Getenv("STACKWIZ_READ_ONLY") != "" && os.Getenv("STACKWIZ_READ_ONLY") != "0" && os.Getenv("STACKWIZ_READ_ONLY") != "false":
		return console.ReadOnlyEnv
	}
	return ""
}

func runUI(cmd *cobra.Command, g *globals, start, readOnly string) error {
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError{errors.New("the wizard and the console need a terminal; in scripts use plan, apply, status and destroy")}
	}
	// A profile whose role has mfa_serial asks for the code in the UI,
	// which owns the terminal.
	mfa := ui.NewMFAPrompter()
	g.mfa = mfa.Token
	// Retries are news in the UI too: the console shows them as they
	// happen instead of a refresh that looks fresh while AWS throttles.
	retries := fleet.NewRetryFeed(16)
	g.onRetry = retries.Send
	return withSession(g, func(s *session) error {
		wd, _ := os.Getwd()
		return ui.Run(cmd.Context(), ui.Options{
			StateDir: s.dir,
			Stack:    g.Stack,
			Start:    start,
			Connect: func(ctx context.Context, profile, region string) (*aws.Clients, error) {
				return s.clientsFor(ctx, profile, region)
			},
			// Read-only below the UI: the console's Fleet refuses every
			// action before a request is made.
			Fleet: func(c *aws.Clients) *fleet.Fleet {
				return fleet.New(c.Config()).WithRetries(retries).WithReadOnly(readOnly)
			},
			EngineOptions: s.engineOptions(),
			Profile:       g.Profile,
			Region:        g.Region,
			Sandbox:       g.Sandbox,
			WorkDir:       wd,
			MFA:           mfa,
		})
	})
}

// readOnlySettingCommand is `stackwiz console read-only [on|off]`: the
// stack's own setting, kept beside its record in the state dir, which
// makes every console opened on it from there read-only.
func readOnlySettingCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "read-only [on|off]",
		Short: "Show or set the stack's read-only setting for its console",
		Long: `Without an argument, says whether the stack's console opens read-only.
"on" makes every console opened on the stack from this state dir read-only
(the header says READ-ONLY and no action reaches AWS); "off" clears it.
The setting is a guard against accidents, not a permission: IAM is.`,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"on", "off"},
		RunE: func(cmd *cobra.Command, args []string) error {
			return withSession(g, func(s *session) error {
				name, err := state.Resolve(s.dir, g.Stack)
				if err != nil {
					return err
				}
				if st, err := state.Open(s.dir, name); err != nil {
					return err
				} else if !st.Exists() {
					return usageError{fmt.Errorf("no stack %q is recorded in %s: check --stack and --state-dir", name, s.dir)}
				}
				set, err := state.ReadSettings(s.dir, name)
				if err != nil {
					return err
				}
				if len(args) == 1 {
					switch args[0] {
					case "on", "off":
						set.ReadOnly = args[0] == "on"
					default:
						return usageError{fmt.Errorf("read-only takes on or off, not %q", args[0])}
					}
					if err := state.WriteSettings(s.dir, name, set); err != nil {
						return err
					}
				}
				word := "off: its console can change it"
				if set.ReadOnly {
					word = "on: its console opens read-only (stackwiz console read-only off clears it)"
				}
				fmt.Fprintf(cmd.OutOrStdout(), "stack %s read-only %s\n", name, word)
				return nil
			})
		},
	}
}
