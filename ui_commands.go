package main

import (
	"context"
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/ui"
)

// addUICommands wires the terminal UI: stackwiz with no command (the
// wizard until the stack is complete, then the console), and each screen
// directly.
func addUICommands(root *cobra.Command, g *globals) {
	root.RunE = func(cmd *cobra.Command, _ []string) error { return runUI(cmd, g, ui.StartAuto) }
	root.AddCommand(
		&cobra.Command{
			Use:   "wizard",
			Short: "Build or resume a stack step by step, in the recommended order",
			Long: `The wizard walks through the stack one step at a time — identity, IAM role,
network, security groups, image, launch template, certificate, load balancer,
Auto Scaling group, DNS, alarms — with defaults from your account, a warning
wherever a default costs money or exposes something, the plan and its monthly
cost, and live progress while it builds. Quit at any time: nothing is lost,
and the next start offers to continue.`,
			RunE: func(cmd *cobra.Command, _ []string) error { return runUI(cmd, g, ui.StartWizard) },
		},
		&cobra.Command{
			Use:   "console",
			Short: "Watch and steer the stack: instances, targets, alarms, scaling",
			Long: `The console is the stack's live view: instances joined with their target
health and CPU, the load balancer, alarms and scaling activity, refreshed
every few seconds, with the everyday actions (capacity, instance refresh,
terminate, standby, termination policies, blue/green DNS switch).`,
			RunE: func(cmd *cobra.Command, _ []string) error { return runUI(cmd, g, ui.StartConsole) },
		},
	)
}

func runUI(cmd *cobra.Command, g *globals, start string) error {
	if !isTerminal(os.Stdin) || !isTerminal(os.Stdout) {
		return usageError{errors.New("the wizard and the console need a terminal; in scripts use plan, apply, status and destroy")}
	}
	// A profile whose role has mfa_serial asks for the code in the UI,
	// which owns the terminal.
	mfa := ui.NewMFAPrompter()
	g.mfa = mfa.Token
	s, err := newSession(g)
	if err != nil {
		return err
	}
	defer s.close()
	wd, _ := os.Getwd()
	return ui.Run(cmd.Context(), ui.Options{
		StateDir: s.dir,
		Stack:    g.Stack,
		Start:    start,
		Connect: func(ctx context.Context, profile, region string) (*aws.Clients, error) {
			return s.clientsFor(ctx, profile, region)
		},
		EngineOptions: s.engineOptions(),
		Profile:       g.Profile,
		Region:        g.Region,
		Sandbox:       g.Sandbox,
		WorkDir:       wd,
		MFA:           mfa,
	})
}
