package console

import (
	"fmt"
	"math"
	"strings"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// viewActivity is the group's scaling activities under the instance
// refresh's progress.
var viewActivity = registerPanel(5, activityPanel{})

type activityPanel struct{ basePanel }

func (activityPanel) name() string { return "Activity" }

func (activityPanel) part() fleet.Part { return fleet.PartActivities }

func (activityPanel) shows() []section {
	return []section{{fleet.PartActivities, "Scaling activities"}, {fleet.PartRefreshes, "Instance refreshes"}}
}

func (activityPanel) newTable() *table { return &table{cols: activityColumns(), noSort: true} }

func (activityPanel) prepare(s *fleet.Snapshot, _ stackInfo) (content, bool) {
	return content{rows: activityRows(s)}, true
}

func (activityPanel) above(m *Model, width int) []line { return m.refreshPanel(width) }

func (activityPanel) detail(m *Model, id string, d *detailPane) {
	s := m.snap
	for _, a := range s.Activities {
		if a.ID != id {
			continue
		}
		d.add(stateTone(a.Status), "status", a.Status+fmt.Sprintf(" (%d%%)", a.Progress))
		d.add(toneNone, "started", clock(a.Start, s.TakenAt))
		if !a.End.IsZero() {
			d.add(toneNone, "ended", clock(a.End, s.TakenAt))
		}
		d.add(toneNone, "what", a.Description)
		d.add(toneMuted, "cause", a.Cause)
		if a.Message != "" {
			d.add(toneWarn, "message", a.Message)
		}
	}
}

func activityColumns() []column {
	return []column{
		{title: "STATUS", width: 11},
		{title: "STARTED", width: 8, prio: 1, right: true, numeric: true},
		{title: "TOOK", width: 6, prio: 2, right: true, numeric: true},
		{title: "DESCRIPTION", width: 20, flex: true},
	}
}

func activityRows(s *fleet.Snapshot) []row {
	rows := make([]row, 0, len(s.Activities))
	for _, a := range s.Activities {
		started, startedText := math.NaN(), "–"
		if !a.Start.IsZero() {
			d := s.TakenAt.Sub(a.Start)
			started, startedText = d.Seconds(), ago(d)
		}
		took, tookText := math.NaN(), "…"
		if !a.End.IsZero() && !a.Start.IsZero() {
			d := a.End.Sub(a.Start)
			took, tookText = d.Seconds(), ago(d)
		}
		desc := a.Description
		if a.Message != "" && a.Status != "Successful" {
			desc += ": " + a.Message
		}
		cells := []cell{
			{text: a.Status, tone: stateTone(a.Status)},
			{text: startedText},
			{text: tookText},
			{text: desc},
		}
		nums := make([]float64, len(cells))
		nums[1], nums[2] = started, took
		r := newRow(a.ID, cells, nums)
		if a.Status == "Failed" {
			r.rowTone = toneBad
		}
		rows = append(rows, r)
	}
	return rows
}

// refreshPanel is the instance refresh's progress over the activities.
func (m *Model) refreshPanel(width int) []line {
	s := m.snap
	// The activities and refreshes are read together while the group is
	// steady: the panel's first line says how old the older of them is.
	age := ""
	if d, old := m.oldest(fleet.PartActivities, fleet.PartRefreshes); old {
		age = "Activity read " + ago(d) + " ago · "
	}
	if st := s.Part(fleet.PartRefreshes); st.Gap() {
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
