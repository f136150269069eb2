package console

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/steps"
)

// The pre-flight: before an action that takes instances out of service
// (an instance refresh, terminate, standby, a scale-in), the console reads
// the target group in the snapshot and says what could leave the load
// balancer with nothing to serve — targets not yet healthy, a min healthy
// percentage that lets the refresh take out every healthy target, the only
// healthy target going. The dialog shows it before anything is done, and
// enter then asks once more: "enter again starts anyway".

// targetCounts are the snapshot's targets by health, draining ones left
// out (they are on their way out already).
type targetCounts struct {
	healthy    []string
	notHealthy []string // "i-… initial", "i-… unhealthy (Timeout)"
}

func countTargets(s *fleet.Snapshot) targetCounts {
	var c targetCounts
	for _, t := range s.Targets {
		switch t.State {
		case "healthy":
			c.healthy = append(c.healthy, t.ID)
		case "draining", "unused":
		default:
			f := t.ID + " " + orDash(t.State)
			if r := strings.TrimPrefix(strings.TrimPrefix(t.Reason, "Target."), "Elb."); r != "" {
				f += " (" + r + ")"
			}
			c.notHealthy = append(c.notHealthy, f)
		}
	}
	return c
}

// refreshBatch is how many instances a rolling refresh of a group of
// desired instances takes out at once with min healthy pct: what AWS
// keeps is the percentage of desired, rounded up; it replaces at least one.
func refreshBatch(desired, pct int) int {
	keep := (desired*pct + 99) / 100
	return max(1, desired-keep)
}

// preflight is what the dialog's action risks, in the user's words; nil
// when the group has nothing to warn about.
func (m *Model) preflight(d *dialog) []string {
	s := m.snap
	if s == nil || s.Part(fleet.PartTargets).Gap() || len(s.Targets) == 0 && len(s.Group.TargetGroupARNs) == 0 {
		return nil
	}
	c := countTargets(s)
	var out []string
	notYet := func() {
		if len(c.notHealthy) > 0 {
			out = append(out, fmt.Sprintf("%s not healthy yet: %s", plural(len(c.notHealthy), "target is"), strings.Join(c.notHealthy, ", ")))
		}
	}
	h := len(c.healthy)
	switch d.kind {
	case dialogStartRefresh:
		notYet()
		v, err := d.inputInts()
		if err != nil || len(v) != 1 {
			break
		}
		pct := v[0]
		batch := refreshBatch(s.Group.Desired, pct)
		switch {
		case h == 0:
			out = append(out, "no target is healthy now: the refresh would replace instances while nothing serves")
		case batch >= h:
			out = append(out, fmt.Sprintf("min healthy %d%% lets the refresh take %d of %d instances out at once and only %s healthy: it may leave none",
				pct, batch, s.Group.Desired, plural(h, "target is")))
		}
	case dialogTerminate, dialogStandby:
		if d.kind == dialogStandby && d.instance.Lifecycle == "Standby" {
			return nil // coming back adds a target
		}
		notYet()
		id := d.instance.ID
		verb := "terminating"
		if d.kind == dialogStandby {
			verb = "moving it to standby"
		}
		if slices.Contains(c.healthy, id) && h == 1 {
			out = append(out, fmt.Sprintf("%s is the only healthy target: %s leaves none until a new instance passes its health checks", id, verb))
		}
	case dialogCapacity:
		v, err := d.inputInts()
		if err != nil || len(v) != 3 || v[1] >= s.Group.Desired {
			return nil
		}
		notYet()
		picks := scaleIn(s, s.Group.TerminationPolicies, s.Group.Desired-v[1])
		left := h
		for _, p := range picks {
			if slices.Contains(c.healthy, p.ID) {
				left--
			}
		}
		if left <= 0 && h > 0 {
			out = append(out, fmt.Sprintf("the scale-in could terminate every healthy target (%s): nothing would serve", strings.Join(c.healthy, ", ")))
		}
	}
	return out
}

// confirmRisks holds enter back once when the action has risks: the first
// enter says so, the second starts anyway (unless new risks appeared).
func (m *Model) confirmRisks(d *dialog) bool {
	risks := m.preflight(d)
	if len(risks) == 0 {
		return true
	}
	if d.acked > 0 && len(risks) <= d.acked {
		return true
	}
	d.acked = len(risks)
	d.err = "the group is not ready for this (above): enter again starts anyway, esc leaves it"
	return false
}

// preflightLines are the risks as the dialog shows them, above the rest.
func (m *Model) preflightLines(d *dialog) []line {
	risks := m.preflight(d)
	if len(risks) == 0 {
		return nil
	}
	out := []line{{text: "▲ check before you start:", tone: toneBad}}
	for _, r := range risks {
		out = append(out, line{text: "  " + r, tone: toneBad})
	}
	return out
}

// pickText says who a scale-in pick is: the instance, or the tie AWS
// breaks at random.
func pickText(p steps.TerminationPick) string {
	if p.Random {
		return "one of " + strings.Join(p.Candidates, ", ") + " (a tie: AWS picks at random)"
	}
	return p.ID
}
