package wizard

import (
	"fmt"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"

	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// terminationView shows, for the group being designed, which instance each
// policy would remove first when it scales back in, and why the chosen
// list picks the one it picks — the surprise a hand-built server meets — before it happens. The
// policy under the cursor is explained in plain words.
func (m *Model) terminationView(sp *spec.Spec, l layout) string {
	s := m.d.Shared.Styles
	wrap := lipgloss.NewStyle().Width(l.inner)
	azs := m.found.azs
	if len(azs) < sp.Network.AZs {
		azs = nil
		for i := range sp.Network.AZs {
			azs = append(azs, fmt.Sprintf("%s%c", regionOr(sp.Region), 'a'+i))
		}
	}
	azs = azs[:min(len(azs), sp.Network.AZs)]
	now := m.d.Now()
	var lines []string
	if m.stuck != "" {
		lines = append(lines, hanging(s.Error.Render("✗ "), s.Error.Render(m.stuck), l.inner))
	}
	for _, p := range m.formProblems() {
		if stepOfPath(p.Path) == steps.StepAutoscaling && strings.HasPrefix(p.Path, "autoscaling.termination_policies") && (m.stuck == "" || p.Warning) {
			mark := s.Warning.Render("! ")
			if !p.Warning {
				mark = s.Error.Render("✗ ")
			}
			lines = append(lines, hanging(mark, p.sentence(), l.inner))
		}
	}
	var hovered string
	if h, ok := m.form.GetFocusedField().(interface{ Hovered() (string, bool) }); ok {
		if p, ok := h.Hovered(); ok {
			hovered = wrap.Render(s.Bold.Render(p) + ": " + aws.TerminationPolicyDoes(p))
		}
	}
	chosen := m.answers.List("autoscaling.termination_policies")
	g, ins := steps.TerminationScenario(azs, sp.Autoscaling.Desired, chosen, now)
	var desc []string
	for _, in := range ins {
		desc = append(desc, fmt.Sprintf("%s %s v%d %s", in.ID, shortAZ(in.AZ), in.TemplateVersion, fmtAgo(now.Sub(in.LaunchTime))))
	}
	scenario := s.Muted.Render(screen.Truncate(fmt.Sprintf("Scale-in %d→%d of %s", len(ins), len(ins)-1, strings.Join(desc, " · ")), l.inner))
	if len(chosen) > 0 {
		if picks := steps.PreviewTermination(g, ins, 1, now); len(picks) == 1 {
			p := picks[0]
			who := p.ID
			if p.Random {
				who = "one of " + strings.Join(p.Candidates, ", ") + " at random"
			}
			lines = append(lines, wrap.Render(s.Bold.Render("Yours removes "+who)+": "+strings.Join(p.Why, "; ")))
		}
	}
	if hovered != "" {
		lines = append(lines, hovered)
	}
	// Grouped by the instance removed, the policies fit the narrowest pane.
	byPick := map[string][]string{}
	var picked []string
	for _, p := range aws.TerminationPolicyNames() {
		if p == "OldestLaunchConfiguration" {
			continue // no launch configurations in this stack
		}
		pg, pins := steps.TerminationScenario(azs, sp.Autoscaling.Desired, []string{p}, now)
		who := "none"
		if picks := steps.PreviewTermination(pg, pins, 1, now); len(picks) == 1 {
			who = picks[0].ID
			if picks[0].Random {
				who = strings.Join(picks[0].Candidates, "/") + " (random)"
			}
		}
		if _, ok := byPick[who]; !ok {
			picked = append(picked, who)
		}
		byPick[who] = append(byPick[who], p)
	}
	var each []string
	for _, who := range picked {
		each = append(each, s.Bold.Render(who)+" ← "+strings.Join(byPick[who], ", "))
	}
	lines = append(lines, wrap.Render(s.Muted.Render("Alone: ")+strings.Join(each, "; ")), scenario)
	return clampLines(strings.Join(lines, "\n"), l.panelH)
}

func regionOr(r string) string {
	if r == "" {
		return "us-east-1"
	}
	return r
}

// shortAZ keeps an AZ's letter.
func shortAZ(az string) string {
	if i := strings.LastIndexAny(az, "0123456789"); i >= 0 && i < len(az)-1 {
		return az[i+1:]
	}
	return az
}

// fmtAgo prints a coarse age: 52m, 26h, 3d.
func fmtAgo(d time.Duration) string {
	h := int(d.Hours())
	switch {
	case h >= 48:
		return fmt.Sprintf("%dd", h/24)
	case h >= 1:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}
