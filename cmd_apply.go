package main

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

func newPlanCmd(g *globals) *cobra.Command {
	var file string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "plan [-f stack.yaml] [--json]",
		Short: "Show what apply would create, change and delete, with the monthly cost",
		Long: `plan compares the spec with the stack's record and with what AWS still has,
and prints each resource apply would create, update, replace or delete, and
why, followed by an estimate of the stack's monthly cost and of how long
apply takes on AWS, with the chain of waits that sets it (a load balancer
provisioning, an image being taken, instances booting and passing health
checks). It changes nothing.`,
		Example: "  stackwiz plan -f stack.yaml\n  stackwiz plan --json | jq '.changes[] | select(.action != \"keep\")'",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			s, err := newSession(g)
			if err != nil {
				return err
			}
			defer s.close()
			store, spec, err := s.specAndStore(file)
			if err != nil {
				return err
			}
			if err := checkSpecAgainst(ctx, s, spec, store, cmd.ErrOrStderr()); err != nil {
				return err
			}
			plan, err := steps.New(spec, s.clients, store, nil, s.engineOptions()).Plan(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), newPlanDocument(plan, spec))
			}
			renderPlan(cmd.OutOrStdout(), plan, spec)
			fmt.Fprintf(cmd.OutOrStdout(), "\n%s\n", plan.Duration)
			return nil
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the stack spec (default: the spec recorded at the last apply)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as one JSON document")
	return cmd
}

// specAndStore returns the spec (from file or the record) and the record
// of its stack.
func (s *session) specAndStore(file string) (*state.Store, *steps.Spec, error) {
	if file != "" {
		spec, err := loadSpec(file)
		if err != nil {
			return nil, nil, err
		}
		store, err := openOrCreate(s, spec)
		return store, spec, err
	}
	store, err := s.openStack()
	if err != nil {
		return nil, nil, err
	}
	spec, err := stackSpec("", store)
	return store, spec, err
}

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
			s, err := newSession(g)
			if err != nil {
				return err
			}
			defer s.close()
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
