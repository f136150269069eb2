package cli

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

// doctorSchemaVersion versions `stackwiz doctor --json`.
const doctorSchemaVersion = 1

// doctorReport is what `doctor --json` prints.
type doctorReport struct {
	SchemaVersion int         `json:"schema_version"`
	Endpoint      string      `json:"endpoint"`
	Region        string      `json:"region"`
	OK            bool        `json:"ok"`
	Checks        []aws.Check `json:"checks"`
}

func newDoctorCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "doctor [--json]",
		Short: "Check credentials, permissions, quotas and the endpoint before building",
		Long: `doctor checks what stackwiz needs before it changes anything: credentials and
where they come from, who they belong to (the root user is warned), the region,
the clock, every IAM action stackwiz uses (with iam:SimulatePrincipalPolicy,
when the caller may call it), the quotas a stack commonly runs into (Elastic
IPs, VPCs, load balancers, On-Demand vCPUs), billing alerts, and whether the
endpoint speaks every AWS protocol stackwiz needs. Each check is ok, warn or
fail, with the fix. It exits 1 when any check fails.`,
		Example: "  stackwiz doctor\n  stackwiz doctor --profile dev --region eu-west-1\n  stackwiz doctor --json | jq '.checks[] | select(.status != \"ok\")'",
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := runDoctor(cmd.Context(), g)
			if err != nil {
				return err
			}
			return report(cmd, asJSON, rep, func(w io.Writer) { renderDoctor(w, rep) }, rep.OK)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the checks as one JSON document")
	return cmd
}

// runDoctor connects as the global flags say and runs every check. A
// config that cannot be loaded at all (no credentials, an endpoint that
// does not listen) is itself a failed check, not an error: doctor is
// where that should be said.
func runDoctor(ctx context.Context, g *globals) (doctorReport, error) {
	rep := doctorReport{SchemaVersion: doctorSchemaVersion, Endpoint: cmp.Or(g.EndpointURL, "AWS")}
	var checks []aws.Check
	if g.Sandbox {
		err := withSession(g, func(s *session) error {
			url, err := s.startSandbox()
			if err != nil {
				return err
			}
			region, from := g.Region, "--region"
			if region == "" {
				region, from = "us-east-1", "the sandbox's default"
			}
			rep.Endpoint = "the embedded sandbox (" + url + ")"
			opts := g.awsOptions("", region)
			opts.MaxAttempts, opts.MaxBackoff = 3, time.Second
			cfg := aws.WithRetryer(sandbox.Config(url, region), opts)
			checks = aws.Doctor(ctx, cfg, aws.DoctorOptions{RegionSource: from, Endpoint: rep.Endpoint})
			rep.Region = region
			return nil
		})
		if err != nil {
			return rep, err
		}
	} else {
		cfg, opts, err := aws.LoadDoctorConfig(ctx, g.awsOptions(g.Profile, g.Region))
		if err != nil {
			checks = []aws.Check{aws.SetupCheck(err)}
		} else {
			checks = aws.Doctor(ctx, cfg, opts)
			if !opts.NoRegion {
				rep.Region = cfg.Region
			}
		}
	}
	rep.Checks = checks
	if rep.Checks == nil {
		rep.Checks = []aws.Check{}
	}
	rep.OK = !aws.Failed(checks)
	return rep, nil
}

// renderDoctor prints the checks as a table, each problem followed by its
// fix, then a one-line verdict.
func renderDoctor(w io.Writer, rep doctorReport) {
	fmt.Fprintf(w, "stackwiz doctor: %s", rep.Endpoint)
	if rep.Region != "" {
		fmt.Fprintf(w, ", region %s", rep.Region)
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	count := map[aws.CheckStatus]int{}
	for _, c := range rep.Checks {
		count[c.Status]++
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Status, c.Name, c.Detail)
		if c.Fix != "" && c.Status != aws.StatusOK {
			fmt.Fprintf(tw, "  \t\t→ %s\n", c.Fix)
		}
	}
	_ = tw.Flush()
	verdict := "ready"
	if !rep.OK {
		verdict = "not ready: fix what failed"
	}
	parts := []string{fmt.Sprintf("%d ok", count[aws.StatusOK]), fmt.Sprintf("%d warn", count[aws.StatusWarn]), fmt.Sprintf("%d fail", count[aws.StatusFail])}
	fmt.Fprintf(w, "%s — %s.\n", strings.Join(parts, ", "), verdict)
}
