package console

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// The target group's targets and their health. Nothing refers to this
// tab by its view, so the registration's result is dropped.
var _ = registerPanel(2, targetsPanel{})

type targetsPanel struct{ basePanel }

func (targetsPanel) name() string { return "Targets" }

func (targetsPanel) part() fleet.Part { return fleet.PartTargets }

func (targetsPanel) shows() []section { return []section{{fleet.PartTargets, "Target health"}} }

func (targetsPanel) count(m *Model) string { return fmt.Sprint(len(m.snap.Targets)) }

func (targetsPanel) newTable() *table { return &table{cols: targetColumns()} }

func (targetsPanel) prepare(s *fleet.Snapshot, _ stackInfo) (content, bool) {
	return content{rows: targetRows(s)}, true
}

func (targetsPanel) above(m *Model, _ int) []line { return m.targetsTitle() }

func (targetsPanel) detail(m *Model, id string, d *detailPane) {
	s := m.snap
	for _, t := range s.Targets {
		if t.ID == id {
			d.add(toneNone, "", t.ID)
			d.add(stateTone(t.State), "state", t.State)
			d.add(toneNone, "port", fmt.Sprint(t.Port))
			d.add(toneNone, "zone", orDash(t.AZ))
			d.add(toneMuted, "reason", orDash(t.Reason))
			d.add(toneMuted, "description", orDash(t.Description))
		}
	}
}

func targetColumns() []column {
	return []column{
		{title: "TARGET", width: 19},
		{title: "PORT", width: 5, prio: 3, right: true, numeric: true},
		{title: "AZ", width: 10, prio: 4},
		{title: "STATE", width: 11, prio: 1},
		{title: "REASON", width: 28, prio: 2, fit: 34},
		{title: "DESCRIPTION", width: 12, prio: 5, flex: true, fit: 50},
	}
}

func targetRows(s *fleet.Snapshot) []row {
	// DescribeTargetHealth names the zone of IP targets only: an instance
	// target's comes from the group.
	zone := make(map[string]string, len(s.Instances))
	for _, in := range s.Instances {
		zone[in.ID] = in.AZ
	}
	rows := make([]row, 0, len(s.Targets))
	for _, t := range s.Targets {
		az := t.AZ
		if az == "" {
			az = zone[t.ID]
		}
		cells := []cell{
			{text: t.ID},
			{text: strconv.Itoa(t.Port)},
			{text: orDash(az)},
			{text: t.State, tone: stateTone(t.State)},
			{text: orDash(t.Reason), tone: toneMuted},
			{text: t.Description, tone: toneMuted},
		}
		nums := make([]float64, len(cells))
		nums[1] = float64(t.Port)
		rows = append(rows, newRow(t.ID, cells, nums))
	}
	return rows
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
	return []line{{text: m.withAges(shortARN(m.target.TargetGroupARN)+" · "+strings.Join(parts, ", "), fleet.PartTargets), tone: toneMuted}}
}
