package cli

import (
	"fmt"

	"github.com/spf13/cobra"

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
			return withSession(g, func(s *session) error {
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
			})
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the stack spec (default: the spec recorded at the last apply)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the plan as one JSON document")
	return cmd
}
