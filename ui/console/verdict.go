package console

import (
	"fmt"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// verdict is the one-line answer to "is my stack all right?".
type verdict struct {
	tone tone
	// word is healthy, degraded, OUTAGE, deleting, rolling, scaling, or
	// partial (healthy as far as it could read).
	word string
	// facts back the word up, most important first.
	facts []string
}

// wordOutage is the verdict of a stack that serves nothing.
const wordOutage = "OUTAGE"

// outage reports whether the load balancer has no healthy target.
func (v verdict) outage() bool { return v.word == wordOutage }

func (v verdict) String() string {
	return v.word + ": " + strings.Join(v.facts, " · ")
}

// judge reads a snapshot into a verdict. OUTAGE: the load balancer has no
// healthy target while the group wants instances — whatever the reason,
// targets still starting included: nothing is served, and a refresh or a
// launch that "is starting" for ever must not read as progress. Degraded: unhealthy
// targets, fewer instances in service than desired, an alarm of the
// stack's firing, or a failed instance refresh. Target tracking's alarms
// going off are the group scaling, not a problem, and do not count.
func judge(s *fleet.Snapshot) verdict {
	if s == nil {
		return verdict{tone: toneInfo, word: "reading", facts: []string{"the first snapshot of the stack is on its way"}}
	}
	g := s.Group
	if g.Status != "" {
		return verdict{tone: toneBad, word: "deleting", facts: []string{"group " + g.Name + ": " + g.Status}}
	}
	inService, pending := 0, 0
	for _, in := range s.Instances {
		switch {
		case in.Lifecycle == "InService":
			inService++
		case strings.HasPrefix(in.Lifecycle, "Pending"):
			pending++
		}
	}
	healthy, unhealthy, initial, draining := 0, 0, 0, 0
	var firstBad *fleet.Target
	for i, t := range s.Targets {
		switch t.State {
		case "healthy":
			healthy++
		case "unhealthy":
			unhealthy++
			if firstBad == nil {
				firstBad = &s.Targets[i]
			}
		case "initial":
			initial++
		case "draining":
			draining++
		}
	}
	var firing []string
	for _, a := range s.Alarms {
		if a.State == "ALARM" && !strings.HasPrefix(a.Name, "TargetTracking-") {
			firing = append(firing, a.Name)
		}
	}
	v := verdict{tone: toneOK, word: "healthy"}
	severity := map[tone]int{toneOK: 0, toneInfo: 1, toneWarn: 2, toneBad: 3}
	worse := func(t tone, word string) {
		if severity[t] > severity[v.tone] {
			v.tone, v.word = t, word
		}
	}
	// A part the snapshot could not read says nothing either way: no
	// "down" from targets it may not see, no "no alarm firing" from alarms
	// it may not list.
	targetsKnown, alarmsKnown := !s.Part(fleet.PartTargets).Gap(), !s.Part(fleet.PartAlarms).Gap()
	hasTG := targetsKnown && (len(g.TargetGroupARNs) > 0 || len(s.Targets) > 0)
	if hasTG && healthy == 0 && g.Desired > 0 {
		worse(toneBad, wordOutage)
		f := "no healthy target behind the load balancer: nothing is served"
		if initial > 0 || pending > 0 {
			var starting []string
			if initial > 0 {
				starting = append(starting, plural(initial, "target")+" in initial health checks")
			}
			if pending > 0 {
				starting = append(starting, plural(pending, "instance")+" pending")
			}
			f += " (" + strings.Join(starting, ", ") + ")"
		}
		v.facts = append(v.facts, f)
	}
	if unhealthy > 0 {
		worse(toneWarn, "degraded")
		f := plural(unhealthy, "unhealthy target")
		if firstBad != nil {
			f += " (" + firstBad.ID + ": " + strings.TrimPrefix(firstBad.Reason, "Target.") + ")"
		}
		v.facts = append(v.facts, f)
	}
	if len(firing) > 0 {
		worse(toneWarn, "degraded")
		v.facts = append(v.facts, "ALARM "+strings.Join(firing, ", "))
	}
	// A refresh in progress explains instances out of service: it says
	// "rolling" before "scaling" can.
	refresh := ""
	if r := g.Refresh; r != nil {
		worse(toneInfo, "rolling")
		refresh = fmt.Sprintf("instance refresh %d%%", r.Percent)
	} else if len(s.Refreshes) > 0 && (s.Refreshes[0].Status == "Failed" || s.Refreshes[0].Status == "RollbackFailed") {
		worse(toneWarn, "degraded")
		refresh = "last instance refresh " + s.Refreshes[0].Status
	}
	if inService < g.Desired {
		if pending > 0 && inService+pending >= g.Desired {
			worse(toneInfo, "scaling")
		} else {
			worse(toneWarn, "degraded")
		}
	}
	v.facts = append(v.facts, fmt.Sprintf("%d/%d in service", inService, g.Desired))
	if hasTG && healthy > 0 {
		// Draining targets are on their way out: they do not count.
		v.facts = append(v.facts, fmt.Sprintf("%d/%d targets healthy", healthy, len(s.Targets)-draining))
	}
	if refresh != "" {
		v.facts = append(v.facts, refresh)
	}
	if len(firing) == 0 && alarmsKnown {
		v.facts = append(v.facts, "no alarm firing")
	}
	// Health claimed on what could not be read would be a guess: the
	// verdict says the picture is partial, and what is missing, first.
	if gaps, n := gapFacts(s); n > 0 {
		if v.word == "healthy" {
			v.tone, v.word = toneInfo, "partial"
			v.facts = append(gaps, v.facts...)
		} else {
			v.facts = append(v.facts, gaps...)
		}
	}
	return v
}

// verdictGlyph marks a verdict's tone without colour (NO_COLOR keeps it).
func verdictGlyph(t tone) string {
	switch t {
	case toneOK:
		return "●"
	case toneWarn:
		return "▲"
	case toneBad:
		return "■"
	}
	return "◆"
}
