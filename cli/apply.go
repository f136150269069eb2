package cli

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/steps"
)

func newApplyCmd(g *globals) *cobra.Command {
	var file string
	var yes, asJSON bool
	cmd := &cobra.Command{
		Use:   "apply [-f stack.yaml] [--yes] [--json]",
		Short: "Create the stack, or resume it where it stopped",
		Long: `apply builds the stack the spec describes, every step as soon as what it needs
exists, and records each resource before and after it is created. Run it
again after any interruption (Ctrl-C, a kill, a network failure, an AWS
error) and it continues where it stopped, creating nothing twice. Changes to
the spec are applied in place where AWS allows, and resources the spec no
longer asks for are deleted.`,
		Example: "  stackwiz apply -f stack.yaml\n  stackwiz apply -f stack.yaml --yes --json > result.json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			stderr := cmd.ErrOrStderr()
			return withSession(g, func(s *session) error {
				store, spec, err := s.specAndStore(file)
				if err != nil {
					return err
				}
				if err := checkSpecAgainst(ctx, s, spec, store, stderr); err != nil {
					return err
				}
				unlock, err := store.Lock(ctx, "apply")
				if err != nil {
					return err
				}
				defer func() { _ = unlock() }()
				plan, err := steps.New(spec, s.clients, store, nil, s.engineOptions()).Plan(ctx)
				if err != nil {
					return err
				}
				renderPlan(stderr, plan, spec)
				fmt.Fprintf(stderr, "\n%s\n", plan.Duration)
				if !yes && !plan.Empty() {
					ok, err := confirm(cmd, fmt.Sprintf("Apply these changes to stack %q?", spec.Name))
					if err != nil || !ok {
						if err == nil {
							err = errors.New("apply cancelled; nothing was changed")
						}
						return err
					}
				}
				// Each step's start line ends with the time left on the
				// critical path, counting down as the steps finish.
				engine := steps.New(spec, s.clients, store, withETA(newEventPrinter(stderr), plan.Duration), s.engineOptions())
				applyErr := engine.Apply(ctx)
				if ctx.Err() != nil {
					return fmt.Errorf("apply interrupted: everything created so far is recorded in %s; run the same apply again to resume", store.Path())
				}
				rep, serr := engine.Status(ctx)
				if asJSON && serr == nil {
					_ = writeJSON(cmd.OutOrStdout(), newApplyDocument(store, rep, applyErr))
				}
				if applyErr != nil {
					return explainApplyError(applyErr)
				}
				if serr != nil {
					return serr
				}
				if !asJSON {
					renderOutputs(stderr, store, spec, reachFlags(g, store.Name()))
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the stack spec (default: the spec recorded at the last apply)")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&g.ForceUnlock, "force-unlock", false, "break the lease another run holds on the stack (only when that run is gone)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as one JSON document on stdout (progress goes to stderr)")
	return cmd
}

// explainApplyError adds what each failure means and that apply resumes.
func explainApplyError(err error) error {
	var aerr *steps.ApplyError
	if !errors.As(err, &aerr) {
		return err
	}
	msg := "apply stopped:"
	for _, f := range aerr.Failed {
		msg += fmt.Sprintf("\n  %s: %v", f.Step, f.Err)
		if h := steps.HintFor(f.Err); h != "" {
			msg += "\n    → " + h
		}
	}
	if len(aerr.Blocked) > 0 {
		msg += fmt.Sprintf("\n  not started, waiting on the above: %v", aerr.Blocked)
	}
	msg += "\nEverything created so far is recorded: fix the cause and run the same apply again to resume."
	return errors.New(msg)
}

// withETA wraps the apply's event printer so that each step's start line
// ends with the time the apply has left on AWS ("≈ 4 min left"): the
// plan's estimate, re-counted from what has finished and how long the
// running steps have been at it, so it counts down along the critical path
// and corrects itself when AWS is faster or slower than usual.
func withETA(next steps.Sink, est steps.ApplyEstimate) steps.Sink {
	var (
		mu      sync.Mutex
		done    = map[steps.StepID]bool{}
		started = map[steps.StepID]time.Time{}
	)
	return func(e steps.Event) {
		mu.Lock()
		switch e.Kind {
		case steps.StepStarted:
			started[e.Step] = e.Time
			running := make(map[steps.StepID]time.Duration, len(started))
			for id, at := range started {
				if !done[id] {
					running[id] = e.Time.Sub(at)
				}
			}
			left := est.Remaining(done, running)
			eta := steps.Minutes(left) + " left"
			if left >= time.Minute {
				eta = "≈ " + eta
			}
			e.Message += "  " + eta
		case steps.StepDone, steps.StepFailed, steps.StepBlocked:
			done[e.Step] = true
		}
		mu.Unlock()
		next(e)
	}
}
