package cli

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

func newAdoptCmd(g *globals) *cobra.Command {
	var file string
	cmd := &cobra.Command{
		Use:   "adopt [-f stack.yaml]",
		Short: "Rebuild the local record from the resources' tags in AWS",
		Long: `adopt finds every resource tagged stackwiz:stack=<name> and records it, so a
lost or deleted state dir loses nothing. Name the stack with --stack (or give
its spec with -f); run apply afterwards to bring the record's details up to
date.

adopt searches one region: the spec's (with -f), else --region, else the
profile's. It records that region and the account, so status and destroy
work there later, and it refuses a search that finds only the stack's
global resources (IAM, Route 53): the rest of the stack is in another region.`,
		Example: "  stackwiz --stack demo --region eu-west-1 adopt\n  stackwiz adopt -f stack.yaml",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			stderr := cmd.ErrOrStderr()
			return withSession(g, func(s *session) error {
				var sp *spec.Spec
				var err error
				switch {
				case file != "":
					if sp, err = loadSpec(file); err != nil {
						return err
					}
					if g.Stack != "" && g.Stack != sp.Name {
						return usageError{fmt.Errorf("--stack %s does not match the spec's name %q", g.Stack, sp.Name)}
					}
				case g.Stack != "":
					if err := state.ValidateName(g.Stack); err != nil {
						return usageError{err}
					}
					d := spec.Defaults()
					d.Name = g.Stack
					sp = &d
				default:
					return usageError{fmt.Errorf("adopt needs the stack's name: pass --stack NAME or -f stack.yaml")}
				}
				if sp.Region != "" && g.Region != "" && sp.Region != g.Region {
					return usageError{fmt.Errorf("--region %s contradicts the spec's region %s: adopt searches one region; drop one of them", g.Region, sp.Region)}
				}
				clients, err := s.connect(ctx, cmp.Or(sp.Region, g.Region))
				if err != nil {
					return err
				}
				regionFrom := "the spec's region"
				switch {
				case sp.Region == "" && g.Region != "":
					regionFrom = "--region"
				case sp.Region == "":
					regionFrom = "the profile's default region; pass --region to search another"
				}
				sp.Region = clients.Region
				caller, err := clients.Identity.Caller(ctx)
				if err != nil {
					return fmt.Errorf("adopt: find out which account to search: %w", err)
				}
				store, err := state.OpenNew(s.dir, sp.Name)
				if err != nil {
					return err
				}
				unlock, err := store.Lock(ctx, "adopt")
				if err != nil {
					return err
				}
				defer func() { _ = unlock() }()
				fmt.Fprintf(stderr, "Searching %s (%s), account %s, for resources tagged stackwiz:stack=%s…\n",
					clients.Region, regionFrom, caller.Account, sp.Name)
				n, err := engineFor(s, sp, store, stderr).AdoptRegional(ctx)
				var wrong *steps.WrongRegionError
				switch {
				case errors.As(err, &wrong):
					return fmt.Errorf("adopt: %w; nothing was recorded. Pass the region the stack was built in: stackwiz --region REGION --stack %s adopt (or -f with the spec that names it)",
						err, sp.Name)
				case err != nil:
					return err
				case n == 0:
					return fmt.Errorf("adopt: no resource tagged stackwiz:stack=%s in %s, account %s; nothing was recorded. If the stack was built in another region, pass --region REGION",
						sp.Name, clients.Region, caller.Account)
				}
				if err := store.SetIdentity(clients.Region, caller.Account); err != nil {
					return err
				}
				if file != "" {
					text, _ := sp.YAML()
					if err := store.SetSpec(string(text)); err != nil {
						return err
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Adopted %d resources of stack %q in %s, account %s, into %s.\n", n, sp.Name, clients.Region, caller.Account, store.Path())
				fmt.Fprintln(cmd.OutOrStdout(), "Run `stackwiz apply -f stack.yaml` to bring the record's details and the steps' outputs up to date.")
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the stack spec (names the stack and its region, and becomes its recorded spec)")
	return cmd
}
