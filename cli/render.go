package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// renderPlan prints a plan for people: changes grouped by step, the
// monthly estimate, then what is worth knowing before applying it (the
// same warnings the wizard's review shows).
func renderPlan(w io.Writer, p *steps.PlanResult, sp *spec.Spec) {
	fmt.Fprintf(w, "Plan for stack %q", p.Stack)
	if p.Region != "" {
		fmt.Fprintf(w, " in %s", p.Region)
	}
	fmt.Fprintln(w, ":")
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	var step steps.StepID
	for _, c := range p.Changes {
		if c.Action == steps.ActionKeep {
			continue
		}
		if c.Step != step {
			step = c.Step
			fmt.Fprintf(tw, "  %s\t\t\t\n", step)
		}
		name := c.Name
		if name == "" {
			name = c.ID
		}
		fmt.Fprintf(tw, "    %s %s\t%s\t%s\t%s\n", actionMark(c.Action), c.Action, c.Type, name, c.Why)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "  %d to create, %d to update, %d to replace, %d to delete, %d unchanged.\n",
		p.Count(steps.ActionCreate), p.Count(steps.ActionUpdate), p.Count(steps.ActionReplace),
		p.Count(steps.ActionDelete), p.Count(steps.ActionKeep))
	fmt.Fprintf(w, "\n%s\n", p.Cost.String())
	var warn []string
	for _, a := range spec.Advise(sp) {
		if a.Warn {
			warn = append(warn, "  $ "+a.Path+": "+a.Text)
		}
	}
	if len(warn) > 0 {
		fmt.Fprintf(w, "\nWorth knowing before you apply:\n%s\n", strings.Join(warn, "\n"))
	}
}

func actionMark(a steps.Action) string {
	switch a {
	case steps.ActionCreate:
		return "+"
	case steps.ActionUpdate:
		return "~"
	case steps.ActionReplace:
		return "±"
	case steps.ActionDelete:
		return "-"
	}
	return " "
}

// renderStatus prints a status report as a table of steps and resources.
func renderStatus(w io.Writer, r *steps.StatusReport) {
	verdict := "healthy"
	switch r.Verdict {
	case steps.VerdictUnhealthy:
		verdict = "NOT healthy"
	case steps.VerdictUnknown:
		verdict = "UNKNOWN: some resources could not be checked"
	}
	fmt.Fprintf(w, "Stack %q (account %s, %s): %s\n\n", r.Stack, orDash(r.Account), orDash(r.Region), verdict)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STEP\tSTATUS\tNOTE")
	for _, s := range r.Steps {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, s.Status, firstLine(s.Error))
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE\tTYPE\tID\tSTATE\tOK\tPROBLEM")
	var problems []string
	for _, res := range r.Resources {
		ok := "yes"
		switch {
		case !res.Checked:
			ok = "?"
		case !res.Healthy:
			ok = "NO"
		}
		problem := res.Problem
		if len(res.Drift) > 0 {
			problem = strings.TrimSpace(problem + " drift: " + strings.Join(res.Drift, "; "))
		}
		short := shortProblem(problem)
		if short != problem {
			problems = append(problems, "  "+res.Key+": "+problem)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", res.Key, res.Type, orDash(shortID(res.ID)), orDash(res.State), ok, short)
	}
	_ = tw.Flush()
	if len(problems) > 0 {
		fmt.Fprintf(w, "\nWhat to do:\n%s\n", strings.Join(problems, "\n"))
	}
}

// shortProblem is a problem as a table row shows it: what is wrong, up to
// the first colon, when the whole is too long for a row. The fix is then
// printed below the table.
func shortProblem(p string) string {
	const width = 72
	if len([]rune(p)) <= width {
		return p
	}
	if head, _, ok := strings.Cut(p, ": "); ok && len([]rune(head)) <= 2*width {
		return head + " (below)"
	}
	return string([]rune(p)[:width-1]) + "…"
}

// renderOutputs prints what a user reaches the stack by. The commands it
// suggests carry the flags that reach this same stack (flags).
func renderOutputs(w io.Writer, store *state.Store, sp *spec.Spec, flags string) {
	snap := store.Snapshot()
	out := steps.OutputsOf(snap)
	fmt.Fprintf(w, "\nStack %q is up.\n", snap.Name)
	scheme := "http"
	if out.CertificateARN() != "" {
		scheme = "https"
	}
	if v := out.RecordFQDN(); v != "" {
		fmt.Fprintf(w, "  URL:            %s://%s\n", scheme, strings.TrimSuffix(v, "."))
	}
	if v := out.LoadBalancerDNS(); v != "" {
		fmt.Fprintf(w, "  Load balancer:  http://%s\n", v)
	}
	if v := out.ASGName(); v != "" {
		fmt.Fprintf(w, "  Group:          %s\n", v)
	}
	if v := out.BastionPublicIP(); v != "" {
		user := "ec2-user"
		if sp != nil && strings.HasPrefix(sp.AMI.Base, "ubuntu") {
			user = "ubuntu"
		}
		if sp != nil && sp.Instance.KeyName != "" {
			fmt.Fprintf(w, "  Bastion:        ssh -i ~/.ssh/%s.pem %s@%s\n", sp.Instance.KeyName, user, v)
		} else if id := out.BastionInstanceID(); id != "" {
			// No key pair: EC2 Instance Connect pushes a one-time key.
			fmt.Fprintf(w, "  Bastion:        aws ec2-instance-connect ssh --instance-id %s --os-user %s\n", id, user)
		}
	}
	fmt.Fprintf(w, "  Watch it with `stackwiz%s console`; check it with `stackwiz%s status`.\n", flags, flags)
}

// reachFlags are the global flags a later command needs to reach the same
// stack: its name, and how this one reached AWS.
func reachFlags(g *globals, stack string) string {
	var b strings.Builder
	add := func(flag, v string) {
		if v != "" {
			b.WriteString(" " + flag + " " + shellArg(v))
		}
	}
	if g.Sandbox {
		b.WriteString(" --sandbox")
	}
	add("--state-dir", g.StateDir)
	add("--profile", g.Profile)
	add("--endpoint-url", g.EndpointURL)
	add("--stack", stack)
	return b.String()
}

// shellArg quotes v for a shell when it needs it.
func shellArg(v string) string {
	if v != "" && strings.IndexFunc(v, func(r rune) bool {
		return !(r == '-' || r == '_' || r == '.' || r == '/' || r == ':' || r == '@' || r == '=' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

// newEventPrinter renders engine events as plain lines, for the CLI and
// for logs: one line per event, time-stamped, aligned by step.
func newEventPrinter(w io.Writer) steps.Sink {
	return func(e steps.Event) {
		line := e.Time.Format("15:04:05") + "  " + fmt.Sprintf("%-16s", e.Step) + "  "
		switch e.Kind {
		case steps.StepStarted:
			line += "▶ " + e.Message
		case steps.StepDone:
			line += "✓ done in " + e.Elapsed.Round(100*time.Millisecond).String()
		case steps.StepFailed:
			line += "✗ failed: " + e.Message
			if e.Hint != "" {
				line += "\n" + strings.Repeat(" ", 28) + "→ " + e.Hint
			}
		case steps.StepBlocked:
			line += "· not started: " + e.Message
		case steps.ResourceCreating:
			line += "  " + e.Type + " " + e.Message + " …"
		case steps.ResourceReady:
			line += "  " + e.Type + " " + e.Message + " " + e.ID
		case steps.ResourceWaiting:
			line += "  waiting for " + e.Message
			if e.Elapsed > time.Second {
				line += " (" + e.Elapsed.Round(time.Second).String() + ")"
			}
		case steps.ResourceDeleting:
			line += "  deleting " + e.Type + " " + e.ID + " …"
		case steps.ResourceDeleted:
			line += "  deleted " + e.Type + " " + e.ID
		case steps.Warning:
			line += "! " + e.Message
		case steps.Info:
			line += "  " + e.Message
		default:
			return // unchanged resources are not news
		}
		fmt.Fprintln(w, line)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// shortID keeps the resource part of an ARN, which is what tells two
// resources apart in a table (--json has the whole ARN).
func shortID(id string) string {
	if !strings.HasPrefix(id, "arn:") {
		return id
	}
	parts := strings.SplitN(id, ":", 6)
	if len(parts) < 6 {
		return id
	}
	return parts[5]
}

// report prints a command's report on stdout, as one JSON document or for
// people, and ends the command with exit 1 unless ok.
func report(cmd *cobra.Command, asJSON bool, rep any, render func(io.Writer), ok bool) error {
	code := exitOK
	if !ok {
		code = exitFailure
	}
	return reportWithCode(cmd, asJSON, rep, render, code)
}

// reportWithCode is report for a command with more answers than ok or
// not: it ends the command with exit code.
func reportWithCode(cmd *cobra.Command, asJSON bool, rep any, render func(io.Writer), code int) error {
	if asJSON {
		if err := writeJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		render(cmd.OutOrStdout())
	}
	if code != exitOK {
		return &exitCodeError{code: code}
	}
	return nil
}

// confirm asks a yes/no question on the terminal; without a terminal it
// refuses, so a script must say --yes.
func confirm(cmd *cobra.Command, question string) (bool, error) {
	if !isTerminal(os.Stdin) {
		return false, usageError{fmt.Errorf("%s: not a terminal, pass --yes to go ahead", question)}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "%s [y/N] ", question)
	var answer string
	_, _ = fmt.Fscanln(cmd.InOrStdin(), &answer)
	return answer == "y" || answer == "Y" || answer == "yes", nil
}

func isTerminal(f *os.File) bool { return term.IsTerminal(f.Fd()) }
