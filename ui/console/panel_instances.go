package console

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// viewInstances is the group's instances joined with target health and
// CPU: the panel the instance actions act on.
var viewInstances = registerPanel(1, instancesPanel{})

type instancesPanel struct{ basePanel }

func (instancesPanel) name() string { return "Instances" }

func (instancesPanel) shows() []section {
	return []section{{fleet.PartInstances, "EC2 details"}, {fleet.PartMetrics, "CPU"}}
}

func (instancesPanel) count(m *Model) string { return fmt.Sprint(len(m.snap.Instances)) }

func (instancesPanel) newTable() *table { return &table{cols: instanceColumns()} }

func (instancesPanel) prepare(s *fleet.Snapshot, _ stackInfo) (content, bool) {
	return content{rows: instanceRows(s)}, true
}

func (instancesPanel) above(m *Model, _ int) []line { return m.instancesTitle() }

func (instancesPanel) detail(m *Model, id string, d *detailPane) {
	s := m.snap
	in := findInstance(s, id)
	if in == nil {
		return
	}
	d.add(toneNone, "", in.ID)
	d.add(stateTone(in.Lifecycle), "lifecycle", in.Lifecycle+", "+strings.ToLower(in.Health)+" to Auto Scaling")
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
	d.add(stateTone(in.Target.State), "target", tgt)
	d.add(toneNone, "zone", in.AZ)
	if !in.LaunchTime.IsZero() {
		d.add(toneNone, "launched", in.LaunchTime.UTC().Format("2006-01-02 15:04")+" ("+ago(s.TakenAt.Sub(in.LaunchTime))+" ago)")
	}
	tmpl := "none: attached by hand"
	if in.LaunchTemplateID != "" {
		tmpl = "version " + in.LaunchTemplateVersion + " of " + orDash(s.Group.LaunchTemplateName)
		if s.Group.LaunchTemplateVersion != in.LaunchTemplateVersion {
			tmpl += " (the group launches " + s.Group.LaunchTemplateVersion + ")"
		}
	}
	d.add(toneNone, "template", tmpl)
	d.add(toneNone, "type", orDash(in.InstanceType)+", "+orDash(in.ImageID)+", EC2 "+orDash(in.State))
	d.add(toneNone, "private ip", orDash(in.PrivateIP))
	if in.CPU != nil {
		d.add(toneNone, "cpu 1h", sparkline(in.CPU)+" "+cpuSummary(in.CPU))
	}
	if in.Protected {
		d.add(toneInfo, "scale-in", "protected: never chosen on scale-in")
	} else {
		rank, why := m.scaleInRank(in.ID)
		d.add(toneNone, "scale-in", rank)
		for _, w := range why {
			d.add(toneMuted, "", "  · "+w)
		}
	}
}

// The tables' columns. Widths fit the values AWS uses (an instance id is
// 19 characters, "INSUFFICIENT_DATA" 17); prio decides what an 80-column
// window keeps.
func instanceColumns() []column {
	return []column{
		{title: "INSTANCE", width: 19},
		{title: "AZ", width: 10, prio: 6},
		{title: "LIFECYCLE", width: 11, prio: 1},
		{title: "HEALTH", width: 9, prio: 7},
		{title: "TARGET", width: 9, prio: 2},
		{title: "LT", width: 4, prio: 8, right: true, numeric: true},
		{title: "AGE", width: 6, prio: 4, right: true, numeric: true},
		{title: "PRIVATE IP", width: 15, prio: 9},
		{title: "TYPE", width: 9, prio: 10},
		{title: "CPU 1h", width: 17, prio: 3, numeric: true},
		{title: "REASON", width: 12, prio: 5, flex: true, fit: 26},
	}
}

// Instance columns by name, for sorting and the detail pane.
const (
	colInstanceID = iota
	colAZ
	colLifecycle
	colHealth
	colTarget
	colLT
	colAge
	colIP
	colType
	colCPU
	colReason
)

// instanceRows joins each instance into a row; ages count from when the
// snapshot was taken, so a row reads the same however late it is drawn.
func instanceRows(s *fleet.Snapshot) []row {
	rows := make([]row, 0, len(s.Instances))
	// A column whose part cannot be read shows ?, not a dash: a dash says
	// "none", which nobody knows.
	noEC2, noTargets, noCPU := s.Part(fleet.PartInstances).Gap(), s.Part(fleet.PartTargets).Gap(), s.Part(fleet.PartMetrics).Gap()
	for i := range s.Instances {
		in := &s.Instances[i]
		age, ageText := math.NaN(), "–"
		if !in.LaunchTime.IsZero() {
			d := s.TakenAt.Sub(in.LaunchTime)
			age, ageText = d.Seconds(), ago(d)
		}
		ip, typ := orDash(in.PrivateIP), orDash(in.InstanceType)
		if noEC2 {
			ageText, ip = orUnknown(ageText, in.LaunchTime.IsZero()), orUnknown(ip, in.PrivateIP == "")
			typ = orUnknown(typ, in.InstanceType == "")
		}
		lt, ltText := math.NaN(), "–"
		if v, err := strconv.Atoi(in.LaunchTemplateVersion); err == nil {
			lt, ltText = float64(v), "v"+in.LaunchTemplateVersion
		}
		cpu := lastValue(in.CPU)
		cpuText := "–"
		if in.CPU != nil {
			cpuText = sparkline(in.CPU) + " " + fmt.Sprintf("%4s", percent(cpu))
		}
		target := in.Target.State
		if target == "" {
			target = "–"
		}
		if noTargets {
			target = unknown
		}
		if noCPU {
			cpuText = unknown
		}
		reason := in.Target.Reason
		if in.Target.Description != "" && in.Target.State != "healthy" {
			reason = strings.TrimPrefix(reason, "Target.")
			if reason != "" {
				reason += ": "
			}
			reason += in.Target.Description
		}
		if in.Protected {
			reason = strings.TrimPrefix(reason+" · protected from scale-in", " · ")
		}
		cpuTone := toneNone
		if cpu >= 80 {
			cpuTone = toneWarn
		}
		cells := []cell{
			{text: in.ID},
			{text: in.AZ},
			{text: in.Lifecycle, tone: stateTone(in.Lifecycle)},
			{text: in.Health, tone: stateTone(in.Health)},
			{text: target, tone: stateTone(in.Target.State)},
			{text: ltText},
			{text: ageText},
			{text: ip},
			{text: typ},
			{text: cpuText, tone: cpuTone},
			{text: reason, tone: toneMuted},
		}
		nums := make([]float64, len(cells))
		nums[colLT], nums[colAge], nums[colCPU] = lt, age, cpu
		rows = append(rows, newRow(in.ID, cells, nums))
	}
	return rows
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
	title := m.withAges(strings.Join(parts, " · "), fleet.PartInstances, fleet.PartMetrics)
	return append([]line{{text: title, tone: toneMuted}}, columnGaps(m.snap)...)
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

func findInstance(s *fleet.Snapshot, id string) *fleet.Instance {
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
