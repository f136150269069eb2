// Package ui is stackwiz's terminal UI: a root model that routes between
// two screens — the wizard (ui/wizard), which builds a stack step by step,
// and the console (ui/console), which watches and runs it — with the
// shared header, status line, help, theme and quit confirmation.
//
// main starts it with Run:
//
//	err := ui.Run(ctx, ui.Options{
//		StateDir: dir,          // where stacks' records live
//		Stack:    "",           // --stack; "" = the only stack, the last chosen of several, or a new one
//		Start:    ui.StartAuto, // or StartWizard / StartConsole
//		Connect:  func(ctx context.Context, profile, region string) (*aws.Clients, error) {...},
//		EngineOptions: steps.Options{Poll: ...}, // the sandbox passes fast polls
//		Profile: flagProfile, Region: flagRegion,
//		Sandbox: sandboxFlag,   // shows a "sandbox" badge; skips the public-IP lookup
//	})
//
// Connect builds the AWS clients for the profile and region the user picks
// in the wizard (a sandbox Connect ignores the profile). Start "auto" opens
// the console when every enabled step of the stack is done in its record,
// and the wizard otherwise. Run returns when the user quits; an apply in
// flight is cancelled and allowed to record where it stopped first.
package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// Which screen Run opens.
const (
	StartAuto    = "auto"
	StartWizard  = "wizard"
	StartConsole = "console"
)

// Options are what Run needs from main.
type Options struct {
	// StateDir holds the stacks' records.
	StateDir string
	// Stack names the stack (--stack); empty means the only stack in
	// StateDir, or a new one when there is none.
	Stack string
	// Start is StartAuto, StartWizard or StartConsole ("" = auto).
	Start string
	// Connect builds AWS clients for a profile and region ("" for either:
	// the SDK's default chain).
	Connect func(ctx context.Context, profile, region string) (*aws.Clients, error)
	// Fleet builds the console's read model from the clients Connect
	// returned (main adds its retry feed and --read-only); nil means
	// fleet.New(c.Config()).
	Fleet func(c *aws.Clients) *fleet.Fleet
	// EngineOptions tune the engine (poll timings; the sandbox's are fast).
	EngineOptions steps.Options
	// Profile and Region are the defaults from --profile and --region.
	Profile, Region string
	// Sandbox shows a "sandbox" badge and skips the public-IP lookup.
	Sandbox bool
	// MFA asks for MFA codes in the UI: main gives its Token to Connect's
	// AWS options (aws.Options.MFA). Nil: Run makes one nobody asks.
	MFA *MFAPrompter

	// The rest is for tests and embedding.

	// ProgramOptions are passed to tea.NewProgram (input, output, size).
	ProgramOptions []tea.ProgramOption
	// ConfigFile and CredentialsFile replace the AWS config files the
	// wizard lists profiles from.
	ConfigFile, CredentialsFile string
	// CheckIPURL replaces the public-IP service.
	CheckIPURL string
	// WorkDir resolves relative script paths; empty: the working directory.
	WorkDir string
	// Now replaces the clock.
	Now func() time.Time
	// LastStackFile remembers the stack last chosen in the console's
	// switcher; empty: state.LastStackPath() (under the user's config
	// dir).
	LastStackFile string
	// StopTimeout bounds how long Run waits, after the user quits, for an
	// interrupted apply to record where it stopped (default 30 s).
	StopTimeout time.Duration
}

// ErrNoStackForConsole is returned for StartConsole when no stack exists.
var ErrNoStackForConsole = errors.New("no stack to open the console on: run `stackwiz` (the wizard) or `stackwiz apply -f stack.yaml` first")

// Run shows the UI until the user quits.
func Run(ctx context.Context, opts Options) error {
	if opts.Connect == nil {
		return errors.New("ui: Options.Connect is required")
	}
	stack, err := resolveStack(opts)
	if err != nil {
		return err
	}
	// Work (AWS calls, an apply) runs under its own context, cancelled when
	// the user quits, so the program can stop cleanly while the work
	// records where it stopped.
	work, stopWork := context.WithCancel(ctx)
	defer stopWork()
	jobs := &sync.WaitGroup{}
	root, err := newRoot(work, stopWork, opts, stack, jobs)
	if err != nil {
		return err
	}
	p := tea.NewProgram(root, append([]tea.ProgramOption{tea.WithContext(ctx)}, opts.ProgramOptions...)...)
	_, runErr := p.Run()
	stopWork()
	waitJobs(jobs, opts.StopTimeout)
	// Commands still queued when the program ended never run: what the
	// screens keep is written now.
	flushErr := root.flush()
	if runErr != nil {
		return fmt.Errorf("ui: %w", runErr)
	}
	return errors.Join(root.err(), flushErr)
}

// resolveStack names the stack to open: the one named, the only one
// recorded, or "" for a new one. Several without --stack open the one last
// chosen in the console's switcher, else the first by name (the switcher,
// o, offers the others); the wizard alone still asks for --stack.
func resolveStack(opts Options) (string, error) {
	name, err := state.Resolve(opts.StateDir, opts.Stack)
	switch {
	case err == nil:
		return name, nil
	case errors.Is(err, state.ErrNoStack):
		if opts.Start == StartConsole {
			return "", ErrNoStackForConsole
		}
		return "", nil
	case errors.Is(err, state.ErrSeveralStacks) && opts.Start != StartWizard:
		names, lerr := state.List(opts.StateDir)
		if lerr != nil || len(names) == 0 {
			return "", err
		}
		path := opts.LastStackFile
		if path == "" {
			path, _ = state.LastStackPath()
		}
		if path != "" {
			// A broken or unreadable file only loses the choice.
			if last, _ := state.ReadLastStack(path, opts.StateDir); slices.Contains(names, last) {
				return last, nil
			}
		}
		return names[0], nil
	}
	return "", err
}

// waitJobs waits for background work (an apply recording where it stopped)
// at most timeout.
func waitJobs(jobs *sync.WaitGroup, timeout time.Duration) {
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	done := make(chan struct{})
	go func() { jobs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}
