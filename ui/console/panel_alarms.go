package console

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// viewAlarms is the stack's alarms, with their recent state changes.
var viewAlarms = registerPanel(4, alarmsPanel{})

type alarmsPanel struct{ basePanel }

func (alarmsPanel) name() string { return "Alarms" }

func (alarmsPanel) part() fleet.Part { return fleet.PartAlarms }

func (alarmsPanel) shows() []section {
	return []section{{fleet.PartAlarms, "Alarms"}, {fleet.PartHistory, "Alarm history"}}
}

// count is the alarms firing, marked, or else all of them.
func (alarmsPanel) count(m *Model) string {
	firing := 0
	for _, a := range m.snap.Alarms {
		if a.State == "ALARM" {
			firing++
		}
	}
	if firing > 0 {
		return fmt.Sprintf("%d!", firing)
	}
	return fmt.Sprint(len(m.snap.Alarms))
}

func (alarmsPanel) newTable() *table { return &table{cols: alarmColumns()} }

func (alarmsPanel) prepare(s *fleet.Snapshot, _ stackInfo) (content, bool) {
	return content{rows: alarmRows(s)}, true
}

// below is the recent state changes, under the table while the detail
// pane (which has the alarm's own) is closed.
func (alarmsPanel) below(m *Model, height int) []line {
	if m.detail {
		return nil
	}
	return m.historyLines(height / 3)
}

func (alarmsPanel) detail(m *Model, id string, d *detailPane) {
	s := m.snap
	for _, a := range s.Alarms {
		if a.Name != id {
			continue
		}
		d.add(toneNone, "", a.Name)
		d.add(stateTone(a.State), "state", a.State+" since "+clock(a.Updated, s.TakenAt))
		d.add(toneNone, "metric", a.Namespace+" "+a.Metric+" ("+strings.ToLower(a.Statistic)+")")
		d.add(toneNone, "condition", comparisons[a.Comparison]+" "+fmt.Sprint(a.Threshold))
		d.add(toneNone, "actions", map[bool]string{true: "enabled", false: "disabled"}[a.Actions])
		d.add(toneMuted, "reason", a.Reason)
		d.blank()
		d.add(toneNone, "", "history (24 h)")
		n := 0
		for _, h := range s.AlarmHistory {
			if h.Alarm == a.Name {
				d.add(toneMuted, "", clock(h.Time, s.TakenAt)+"  "+h.Summary)
				n++
			}
		}
		if n == 0 {
			d.add(toneMuted, "", "no state change in the last 24 hours")
		}
	}
}

func alarmColumns() []column {
	return []column{
		{title: "STATE", width: 17},
		{title: "ALARM", width: 30, fit: 48},
		{title: "UPDATED", width: 7, prio: 1, right: true, numeric: true},
		{title: "CONDITION", width: 26, prio: 2},
		{title: "REASON", width: 12, prio: 3, flex: true},
	}
}

// comparisons in words, as the CloudWatch console writes them.
var comparisons = map[string]string{
	"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=",
	"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<=",
	"LessThanLowerOrGreaterThanUpperThreshold": "outside", "LessThanLowerThreshold": "<", "GreaterThanUpperThreshold": ">",
}

func alarmRows(s *fleet.Snapshot) []row {
	rows := make([]row, 0, len(s.Alarms))
	for _, a := range s.Alarms {
		op := comparisons[a.Comparison]
		if op == "" {
			op = a.Comparison
		}
		cond := fmt.Sprintf("%s %s %s", a.Metric, op, strconv.FormatFloat(a.Threshold, 'f', -1, 64))
		upd, updText := math.NaN(), "–"
		if !a.Updated.IsZero() {
			d := s.TakenAt.Sub(a.Updated)
			upd, updText = d.Seconds(), ago(d)
		}
		cells := []cell{
			{text: a.State, tone: stateTone(a.State)},
			{text: a.Name},
			{text: updText},
			{text: cond},
			{text: a.Reason, tone: toneMuted},
		}
		nums := make([]float64, len(cells))
		nums[2] = upd
		rows = append(rows, newRow(a.Name, cells, nums))
	}
	return rows
}

// historyLines is the alarms' recent state changes, at most n lines.
func (m *Model) historyLines(n int) []line {
	if n < 2 {
		return nil
	}
	title := "Recent state changes (24 h)"
	if d, old := m.partAge(fleet.PartHistory); old {
		title += " · read " + ago(d) + " ago, " + m.cadenceText(fleet.PartHistory)
	}
	out := []line{{text: title, tone: toneNone}}
	if st := m.snap.Part(fleet.PartHistory); st.Gap() {
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
