package console

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
)

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

func alarmColumns() []column {
	return []column{
		{title: "STATE", width: 17},
		{title: "ALARM", width: 30, fit: 48},
		{title: "UPDATED", width: 7, prio: 1, right: true, numeric: true},
		{title: "CONDITION", width: 26, prio: 2},
		{title: "REASON", width: 12, prio: 3, flex: true},
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

func logColumns() []column {
	return []column{
		{title: "TIME", width: 8},
		{title: "RESULT", width: 6},
		{title: "ACTION", width: 20, flex: true},
	}
}

// instanceRows joins each instance into a row; ages count from when the
// snapshot was taken, so a row reads the same however late it is drawn.
func instanceRows(s *aws.Snapshot) []row {
	rows := make([]row, 0, len(s.Instances))
	// A column whose part cannot be read shows ?, not a dash: a dash says
	// "none", which nobody knows.
	noEC2, noTargets, noCPU := s.Part(aws.PartInstances).Gap(), s.Part(aws.PartTargets).Gap(), s.Part(aws.PartMetrics).Gap()
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

func targetRows(s *aws.Snapshot) []row {
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

// comparisons in words, as the CloudWatch console writes them.
var comparisons = map[string]string{
	"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">=",
	"LessThanThreshold": "<", "LessThanOrEqualToThreshold": "<=",
	"LessThanLowerOrGreaterThanUpperThreshold": "outside", "LessThanLowerThreshold": "<", "GreaterThanUpperThreshold": ">",
}

func alarmRows(s *aws.Snapshot) []row {
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

func activityRows(s *aws.Snapshot) []row {
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

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// orUnknown is ? when missing, else text.
func orUnknown(text string, missing bool) string {
	if missing {
		return unknown
	}
	return text
}
