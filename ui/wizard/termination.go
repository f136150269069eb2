package wizard

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// terminationView shows, for the group being designed, which instance each
// policy would remove first when it scales back in, and why the chosen
// list picks the one it picks: seed 000's surprise, before it happens.
func (m *Model) terminationView(spec *steps.Spec, l layout) string {
	s := m.d.Shared.Styles
	azs := m.found.azs
	if len(azs) < spec.Network.AZs {
		azs = nil
		for i := range spec.Network.AZs {
			azs = append(azs, fmt.Sprintf("%s%c", regionOr(spec.Region), 'a'+i))
		}
	}
	azs = azs[:min(len(azs), spec.Network.AZs)]
	now := m.d.Now()
	chosen := orderPolicies(m.answers.Termination)
	g, ins := steps.TerminationScenario(azs, spec.Autoscaling.Desired, chosen, now)
	var lines []string
	var desc []string
	for _, in := range ins {
		desc = append(desc, fmt.Sprintf("%s %s v%d %s ago", in.ID, shortAZ(in.AZ), in.TemplateVersion, fmtAgo(now.Sub(in.LaunchTime))))
	}
	lines = append(lines, s.Muted.Render(fmt.Sprintf("Scaling in from %d to %d — ", len(ins), len(ins)-1))+s.Muted.Render(strings.Join(desc, " · ")))
	if len(chosen) > 0 {
		if picks := steps.PreviewTermination(g, ins, 1, now); len(picks) == 1 {
			p := picks[0]
			who := p.ID
			if p.Random {
				who = "one of " + strings.Join(p.Candidates, ", ") + " (random)"
			}
			lines = append(lines, s.Bold.Render("Yours removes "+who+": ")+
				lipgloss.NewStyle().Width(l.inner).Render(strings.Join(p.Why, "; ")))
		}
	}
	for _, p := range steps.TerminationPolicies {
		if p == "OldestLaunchConfiguration" {
			continue // no launch configurations in this stack
		}
		pg, pins := steps.TerminationScenario(azs, spec.Autoscaling.Desired, []string{p}, now)
		who := "—"
		if picks := steps.PreviewTermination(pg, pins, 1, now); len(picks) == 1 {
			who = picks[0].ID
			if picks[0].Random {
				who = strings.Join(picks[0].Candidates, "/") + "?"
			}
		}
		mark := "  "
		if len(chosen) > 0 && chosen[0] == p {
			mark = s.Key.Render("▸ ")
		}
		row := fmt.Sprintf("%s%-26s %-5s %s", mark, p, who, s.Muted.Render(steps.TerminationPolicyText[p]))
		lines = append(lines, screen.Truncate(row, l.inner))
	}
	return clampLines(strings.Join(lines, "\n"), l.panelH)
}

func regionOr(r string) string {
	if r == "" {
		return "us-east-1"
	}
	return r
}

// shortAZ keeps an AZ's letter (and its number for zones like use1-az1).
func shortAZ(az string) string {
	if i := strings.LastIndexAny(az, "0123456789"); i >= 0 && i < len(az)-1 {
		return az[i+1:]
	}
	return az
}

func fmtAgo(d interface {
	Hours() float64
	Minutes() float64
}) string {
	h := int(d.Hours())
	switch {
	case h >= 48:
		return fmt.Sprintf("%dd", h/24)
	case h >= 1:
		return fmt.Sprintf("%dh", h)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}
