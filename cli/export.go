package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

func newExportCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export the stack in other forms",
	}
	var file string
	cli := &cobra.Command{
		Use:   "cli [-f stack.yaml]",
		Short: "Print the equivalent AWS CLI script for the stack",
		Long: `export cli prints a bash script of AWS CLI commands that builds the same stack by
hand, step by step, with the same names and tags: to read, to learn from, or
to review what stackwiz does. It calls nothing.`,
		Example: "  stackwiz export cli -f stack.yaml > build.sh",
		RunE: func(cmd *cobra.Command, _ []string) error {
			var sp *spec.Spec
			if file != "" {
				var err error
				if sp, err = loadSpec(file); err != nil {
					return err
				}
			} else if err := withSession(g, func(s *session) error {
				store, err := s.openStack()
				if err != nil {
					return err
				}
				sp, err = stackSpec("", store)
				return err
			}); err != nil {
				return err
			}
			_, err := fmt.Fprint(cmd.OutOrStdout(), steps.ExportCLI(sp, steps.All()))
			return err
		},
	}
	cli.Flags().StringVarP(&file, "file", "f", "", "the stack spec (default: the spec recorded at the last apply)")
	cmd.AddCommand(cli)
	return cmd
}
