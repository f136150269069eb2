package console

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/aws"
)

// detailLines is the detail pane of the row id in the current view,
// wrapped to width cells.
func (m *Model) detailLines(id string, width int) []line {
	var out []line
	add := func(t tone, label, text string) {
		if label != "" {
			label = fmt.Sprintf("%-11s ", label)
		}
		wrapped := ansi.Wordwrap(label+text, max(10, width), "")
		for i, l := range strings.Split(wrapped, "\n") {
			if i > 0 && label != "" {
				l = strings.Repeat(" ", 12) + strings.TrimLeft(l, " ")
			}
			out = append(out, line{text: l, tone: t})
		}
	}
	s := m.snap
	switch m.tab {
	case viewInstances:
		in := findInstance(s, id)
		if in == nil {
			return nil
		}
		add(toneNone, "", in.ID)
		add(stateTone(in.Lifecycle), "lifecycle", in.Lifecycle+", "+strings.ToLower(in.Health)+" to Auto Scaling")
		tgt := "not registered"
		if in.Target.State != "" {
			tgt = in.Target.State
			if in.Target.Reason != "" {
				tgt += " (" + in.Target.Reason + ")"
			}
			if in.Target.Description != "" {
				tgt += ": " + in.Target.Description
			}
		}
		add(stateTone(in.Target.State), "target", tgt)
		add(toneNone, "zone", in.AZ)
		if !in.LaunchTime.IsZero() {
			add(toneNone, "launched", in.LaunchTime.UTC().Format("2006-01-02 15:04")+" ("+ago(s.TakenAt.Sub(in.LaunchTime))+" ago)")
		}
		tmpl := "none: attached by hand"
		if in.LaunchTemplateID != "" {
			tmpl = "version " + in.LaunchTemplateVersion + " of " + orDash(s.Group.LaunchTemplateName)
			if s.Group.LaunchTemplateVersion != in.LaunchTemplateVersion {
				tmpl += " (the group launches " + s.Group.LaunchTemplateVersion + ")"
			}
		}
		add(toneNone, "template", tmpl)
		add(toneNone, "type", orDash(in.InstanceType)+", "+orDash(in.ImageID)+", EC2 "+orDash(in.State))
		add(toneNone, "private ip", orDash(in.PrivateIP))
		if in.CPU != nil {
			add(toneNone, "cpu 1h", sparkline(in.CPU)+" "+cpuSummary(in.CPU))
		}
		if in.Protected {
			add(toneInfo, "scale-in", "protected: never chosen on scale-in")
		} else {
			rank, why := m.scaleInRank(in.ID)
			add(toneNone, "scale-in", rank)
			for _, w := range why {
				add(toneMuted, "", "  · "+w)
			}
		}
	case viewTargets:
		for _, t := range s.Targets {
			if t.ID == id {
				add(toneNone, "", t.ID)
				add(stateTone(t.State), "state", t.State)
				add(toneNone, "port", fmt.Sprint(t.Port))
				add(toneNone, "zone", orDash(t.AZ))
				add(toneMuted, "reason", orDash(t.Reason))
				add(toneMuted, "description", orDash(t.Description))
			}
		}
	case viewAlarms:
		for _, a := range s.Alarms {
			if a.Name != id {
				continue
			}
			add(toneNone, "", a.Name)
			add(stateTone(a.State), "state", a.State+" since "+clock(a.Updated, s.TakenAt))
			add(toneNone, "metric", a.Namespace+" "+a.Metric+" ("+strings.ToLower(a.Statistic)+")")
			add(toneNone, "condition", comparisons[a.Comparison]+" "+fmt.Sprint(a.Threshold))
			add(toneNone, "actions", map[bool]string{true: "enabled", false: "disabled"}[a.Actions])
			add(toneMuted, "reason", a.Reason)
			out = append(out, line{})
			add(toneNone, "", "history (24 h)")
			n := 0
			for _, h := range s.AlarmHistory {
				if h.Alarm == a.Name {
					add(toneMuted, "", clock(h.Time, s.TakenAt)+"  "+h.Summary)
					n++
				}
			}
			if n == 0 {
				add(toneMuted, "", "no state change in the last 24 hours")
			}
		}
	case viewActivity:
		for _, a := range s.Activities {
			if a.ID != id {
				continue
			}
			add(stateTone(a.Status), "status", a.Status+fmt.Sprintf(" (%d%%)", a.Progress))
			add(toneNone, "started", clock(a.Start, s.TakenAt))
			if !a.End.IsZero() {
				add(toneNone, "ended", clock(a.End, s.TakenAt))
			}
			add(toneNone, "what", a.Description)
			add(toneMuted, "cause", a.Cause)
			if a.Message != "" {
				add(toneWarn, "message", a.Message)
			}
		}
	case viewLog:
		for i, l := range m.log {
			if fmt.Sprint(len(m.log)-i) != id {
				continue
			}
			add(map[bool]tone{true: toneOK, false: toneBad}[l.ok], "", l.what)
			add(toneNone, "at", l.at.UTC().Format("2006-01-02 15:04:05"))
			for _, d := range l.detail {
				add(toneMuted, "", d)
			}
		}
	}
	return out
}

// scaleInRank says where an instance stands in the scale-in order, and why.
func (m *Model) scaleInRank(id string) (string, []string) {
	policies := strings.Join(m.snap.Group.TerminationPolicies, ", ")
	for i, p := range m.picks {
		switch {
		case p.Random && slices.Contains(p.Candidates, id):
			return fmt.Sprintf("tied for #%d on the next scale-in with %s (%s): AWS picks at random", i+1, strings.Join(slices.DeleteFunc(slices.Clone(p.Candidates), func(c string) bool { return c == id }), ", "), policies), p.Why
		case p.ID == id:
			return fmt.Sprintf("#%d to go on the next scale-in (%s)", i+1, policies), p.Why
		}
		if p.Random {
			// Later picks depend on which of the tie AWS takes.
			if i == 0 {
				return "not next on scale-in (a tie of others is); after it the order is random", nil
			}
			return fmt.Sprintf("not among the next %d to go on scale-in; after them a tie makes the order random", i), nil
		}
	}
	return fmt.Sprintf("not among the next %d scale-in picks", len(m.picks)), nil
}

func cpuSummary(points []float64) string {
	n, sum, peak := 0, 0.0, 0.0
	for _, v := range points {
		if !math.IsNaN(v) {
			n++
			sum += v
			peak = max(peak, v)
		}
	}
	if n == 0 {
		return "no data yet (basic monitoring: one point per 5 minutes)"
	}
	return fmt.Sprintf("now %s, avg %.0f%%, peak %.0f%%", percent(lastValue(points)), sum/float64(n), peak)
}

func findInstance(s *aws.Snapshot, id string) *aws.FleetInstance {
	if s == nil {
		return nil
	}
	for i := range s.Instances {
		if s.Instances[i].ID == id {
			return &s.Instances[i]
		}
	}
	return nil
}

// instancesTitle is the line over the instances table.
func (m *Model) instancesTitle() []line {
	g := m.snap.Group
	t := m.tables[viewInstances]
	parts := []string{fmt.Sprintf("desired %d (min %d, max %d)", g.Desired, g.Min, g.Max),
		orDash(g.LaunchTemplateName) + " " + orDash(g.LaunchTemplateVersion)}
	out := "terminate " + strings.Join(g.TerminationPolicies, ",")
	if len(m.picks) > 0 {
		// A tie is a tie here too: the header names no instance AWS would
		// pick at random.
		if p := m.picks[0]; p.Random {
			out += fmt.Sprintf(" → next: a tie of %d, AWS picks at random", len(p.Candidates))
		} else {
			out += " → next " + p.ID
		}
	}
	parts = append(parts, out, fmt.Sprintf("%s health, grace %s", orDash(g.HealthCheckType), dur(g.HealthCheckGrace)), "sort "+t.sortName())
	title := m.withAges(strings.Join(parts, " · "), aws.PartInstances, aws.PartMetrics)
	return append([]line{{text: title, tone: toneMuted}}, columnGaps(m.snap)...)
}

// targetsTitle is the line over the targets table.
func (m *Model) targetsTitle() []line {
	counts := map[string]int{}
	for _, t := range m.snap.Targets {
		counts[t.State]++
	}
	var parts []string
	for _, st := range []string{"healthy", "unhealthy", "initial", "draining", "unused", "unavailable"} {
		if counts[st] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[st], st))
		}
	}
	if len(parts) == 0 {
		parts = []string{"no targets registered"}
	}
	return []line{{text: m.withAges(shortARN(m.target.TargetGroupARN)+" · "+strings.Join(parts, ", "), aws.PartTargets), tone: toneMuted}}
}

// refreshPanel is the instance refresh's progress over the activities.
func (m *Model) refreshPanel(width int) []line {
	s := m.snap
	// The activities and refreshes are read together while the group is
	// steady: the panel's first line says how old the older of them is.
	age := ""
	if d, old := m.oldest(aws.PartActivities, aws.PartRefreshes); old {
		age = "Activity read " + ago(d) + " ago · "
	}
	if st := s.Part(aws.PartRefreshes); st.Gap() {
		return []line{{text: age + gapText(st), tone: toneWarn}}
	}
	if len(s.Refreshes) == 0 {
		return []line{{text: age + "No instance refresh yet: R rolls the group's launch template version through its instances.", tone: toneMuted}}
	}
	r := s.Refreshes[0]
	barW := max(10, min(40, width/4))
	filled := barW * r.Percent / 100
	bar := strings.Repeat("█", filled) + strings.Repeat("░", barW-filled)
	head := age + fmt.Sprintf("Instance refresh %s  %s %3d%%  %s", r.ID, bar, r.Percent, r.Status)
	detail := fmt.Sprintf("started %s", clock(r.Start, s.TakenAt))
	if r.Active() {
		detail += fmt.Sprintf(" · %d to update · keeps %d%% healthy · C cancels", r.ToUpdate, r.MinHealthy)
	} else if !r.End.IsZero() {
		detail += " · ended " + clock(r.End, s.TakenAt)
	}
	if r.Reason != "" {
		detail += " · " + r.Reason
	}
	return []line{{text: head, tone: stateTone(r.Status)}, {text: detail, tone: toneMuted}}
}

// historyLines is the alarms' recent state changes, at most n lines.
func (m *Model) historyLines(n int) []line {
	if n < 2 {
		return nil
	}
	title := "Recent state changes (24 h)"
	if d, old := m.partAge(aws.PartHistory); old {
		title += " · read " + ago(d) + " ago, " + m.cadenceText(aws.PartHistory)
	}
	out := []line{{text: title, tone: toneNone}}
	if st := m.snap.Part(aws.PartHistory); st.Gap() {
		return append(out, line{text: gapText(st), tone: toneWarn})
	}
	for _, h := range m.snap.AlarmHistory {
		if len(out) >= n {
			break
		}
		out = append(out, line{text: clock(h.Time, m.snap.TakenAt) + "  " + h.Alarm + "  " + h.Summary, tone: toneMuted})
	}
	if len(out) == 1 {
		out = append(out, line{text: "none", tone: toneMuted})
	}
	return out
}
