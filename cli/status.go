package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/steps"
)

// exitCouldNotCheck is status's exit when it could not tell whether the
// stack is healthy: AWS could not be reached or asked (credentials, the
// network, a denied permission), so the stack may be fine.
const exitCouldNotCheck = 3

func newStatusCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Check every step and resource against AWS; exit 0 only when all is well",
		Long: `status checks every resource the stack's record holds against AWS: that it
still exists, that it is as recorded (no drift), and that it is healthy, and
that the alarms reach someone (an e-mail subscription still waiting for
confirmation notifies nobody).

Exit status:
  0  healthy: every step is done, every resource was checked and is well
  1  unhealthy: a step is not done, or a resource is missing, unhealthy,
     drifted, not recorded (an orphan), or an alarm e-mail is unconfirmed
  2  bad usage: no such stack, --region or credentials of another account
  3  could not check: AWS could not be reached or asked (credentials, the
     network, the endpoint, a denied permission), so the stack may be fine;
     nothing checked was wrong

With --json the document says the same in "verdict" (healthy, unhealthy or
unknown); when status could not check at all it is an error document
(docs/schemas/error.schema.json) with the exit status in "exit_code".`,
		Example: "  stackwiz status\n  stackwiz status --json | jq '.resources[] | select(.healthy | not)'\n" +
			"  stackwiz status; case $? in 0) echo ok;; 1) echo broken;; 3) echo unknown;; esac",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			return withSession(g, func(s *session) error {
				store, spec, err := s.openRecorded(ctx, true)
				if err != nil {
					return couldNotCheck(s, err)
				}
				if err := checkRecordedHome(ctx, s, store, cmd.ErrOrStderr()); err != nil {
					return couldNotCheck(s, err)
				}
				rep, err := steps.New(spec, s.clients, store, nil, s.engineOptions()).Status(ctx)
				if err != nil {
					return couldNotCheck(s, err)
				}
				code := exitOK
				switch rep.Verdict {
				case steps.VerdictUnhealthy:
					code = exitFailure
				case steps.VerdictUnknown:
					code = exitCouldNotCheck
				}
				return reportWithCode(cmd, asJSON, newStatusDocument(rep), func(w io.Writer) { renderStatus(w, rep) }, code)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as one JSON document")
	return cmd
}

// couldNotCheck makes a failure of status to reach or ask AWS exit 3,
// saying so; bad usage keeps its exit 2.
func couldNotCheck(s *session, err error) error {
	if exitCode(err) == exitUsage {
		return err
	}
	what := "the stack"
	if name, nerr := s.stackName(); nerr == nil {
		what = "stack " + name
	}
	return &exitCodeError{code: exitCouldNotCheck, err: fmt.Errorf("could not check %s, so it may be healthy or not: %w", what, err)}
}
