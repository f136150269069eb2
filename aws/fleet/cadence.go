package fleet

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// A console refreshes every 5 s, but most of what it shows changes far less
// often, or only while the group is changing. Each part of a snapshot is
// read when it is due, by one of these rules:
//
//	every refresh          the group (DescribeAutoScalingGroups), target
//	                       health, the stack's alarms (by name, one call)
//	on a change signal,    scaling activities: while the group changes
//	else every Quiet       (desired ≠ in service, an instance on its way in
//	(30 s)                 or out, one joined or left, a refresh running, an
//	                       activity unfinished); EC2 details: when an
//	                       instance joins, leaves or changes lifecycle state;
//	                       instance refreshes: while one runs or an
//	                       unfinished activity comes from one; all three
//	                       when the caller has just acted (Changed)
//	on a change signal     alarm history: when an alarm's state timestamp
//	                       moved (every 60 s while the alarms cannot be read)
//	every Metrics (60 s)   CPU sparklines, all instances, 500 per call
//	every LB (60 s)        load balancer, target group, listeners, rules,
//	                       certificates, alias record
//	every AlarmScan (60 s) the alarms by name prefix, to find new ones
//
// A part whose last read failed is due on the next snapshot; a gap (denied
// or unsupported) every GapRetry; SnapshotOptions.All makes every part
// due. So at the moment a snapshot is taken no part's data is older than
// its cadence, and Snapshot.ReadAt says how old each part is.

// Default cadences (Cadence's zero fields).
const (
	QuietEvery     = 30 * time.Second
	MetricsEvery   = 60 * time.Second
	LBEvery        = 60 * time.Second
	AlarmScanEvery = 60 * time.Second
	// alarmNamesPerCall is DescribeAlarms' limit of AlarmNames (CloudWatch
	// API reference: "Maximum number of 100 items").
	alarmNamesPerCall = 100
	// historyGrace is how long an alarm whose state moved keeps its
	// history due when the history does not show the move yet (CloudWatch's
	// history can lag the alarm's own state by a moment).
	historyGrace = time.Minute
	// never is the cadence of a part read only on a signal.
	never = time.Duration(math.MaxInt64)
)

// Cadence says how often the parts that are not read on every refresh
// are read when nothing asks for them sooner. A zero field takes its
// default.
type Cadence struct {
	// Quiet: EC2 details, scaling activities and instance refreshes when
	// nothing signals a change (default QuietEvery).
	Quiet time.Duration
	// Metrics: the CPU sparklines (default MetricsEvery: EC2's basic
	// monitoring has one point every 5 minutes).
	Metrics time.Duration
	// LB: the load balancer part with its certificates and record (default
	// LBEvery). SnapshotOptions.LoadBalancer reads it at once.
	LB time.Duration
	// AlarmScan: looking for the stack's alarms by name prefix (default
	// AlarmScanEvery); between scans the alarms found are read by
	// name, in one call per 100.
	AlarmScan time.Duration
}

func (c Cadence) withDefaults() Cadence {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Quiet, QuietEvery)
	def(&c.Metrics, MetricsEvery)
	def(&c.LB, LBEvery)
	def(&c.AlarmScan, AlarmScanEvery)
	return c
}

// Every is how often part p is read at the latest while the group is
// steady: 0 for the parts read on every snapshot, -1 for alarm history
// (read when an alarm's state moves).
func (c Cadence) Every(p Part) time.Duration {
	c = c.withDefaults()
	switch p {
	case PartInstances, PartActivities, PartRefreshes:
		return c.Quiet
	case PartMetrics:
		return c.Metrics
	case PartLB, PartCerts, PartRecord:
		return c.LB
	case PartHistory:
		return -1
	}
	return 0
}

// schedule decides which parts one snapshot reads.
type schedule struct {
	prev *Snapshot
	now  time.Time
	opts SnapshotOptions
	cad  Cadence
	gaps gapSkips
}

// due reports whether part p is read now: always on the first snapshot; a
// gap when GapRetry has passed (or on a recheck); otherwise when All
// asks, the last read failed, signal says something changed, or the part
// is at least every old.
func (d schedule) due(p Part, signal bool, every time.Duration) bool {
	if d.prev == nil {
		return true
	}
	st := d.prev.Part(p)
	if st.Gap() {
		return !d.gaps.skip(p)
	}
	if d.opts.All || signal || st.State == PartFailed {
		return true
	}
	at := d.prev.ReadAt(p)
	return at.IsZero() || d.now.Sub(at) >= every
}

// alarmScan reports whether this snapshot looks for the alarms by prefix
// rather than reading the known ones by name.
func (d schedule) alarmScan() bool {
	p := d.prev
	return p == nil || d.opts.All || p.alarmScan.IsZero() || p.Part(PartAlarms).State != PartOK ||
		d.now.Sub(p.alarmScan) >= d.cad.AlarmScan
}

// whatChanges says what is changing in the group, or "" when it is
// steady: the group's status, desired ≠ in service, instances on their way
// in or out, instances that joined or left since prev, a refresh running
// or an activity unfinished (as prev saw them).
func whatChanges(g Group, members []Instance, prev *Snapshot) string {
	if g.Status != "" {
		return g.Status
	}
	inService, standby := 0, 0
	var moving []string
	for _, in := range members {
		switch in.Lifecycle {
		case "InService":
			inService++
		case "Standby":
			standby++
		default:
			moving = append(moving, in.Lifecycle)
		}
	}
	switch {
	case len(moving) > 0:
		noun := "instances"
		if len(moving) == 1 {
			noun = "instance"
		}
		return fmt.Sprintf("%d %s %s", len(moving), noun, strings.Join(distinct(moving), "/"))
	case g.Desired != inService && g.Desired != inService+standby:
		return fmt.Sprintf("desired %d, %d in service", g.Desired, inService)
	case prev == nil:
		return ""
	case membersMoved(members, prev):
		return "instances joined or left"
	case prev.Group.Refresh != nil:
		return "instance refresh " + prev.Group.Refresh.Status
	}
	for _, a := range prev.Activities {
		if !a.Done() {
			return "scaling activity " + a.Status
		}
	}
	return ""
}

// Done reports whether the activity has ended.
func (a Activity) Done() bool {
	switch a.Status {
	case "Successful", "Failed", "Cancelled":
		return true
	}
	return false
}

// membersMoved reports whether the group's members or their lifecycle
// states differ from prev's.
func membersMoved(members []Instance, prev *Snapshot) bool {
	if prev == nil || len(members) != len(prev.Instances) {
		return true
	}
	for i := range members {
		// Both lists are sorted by id.
		if members[i].ID != prev.Instances[i].ID || members[i].Lifecycle != prev.Instances[i].Lifecycle {
			return true
		}
	}
	return false
}

// refreshSignal reports whether the instance refreshes are worth
// reading on this snapshot: one was running, or an unfinished activity
// was caused by one (a refresh started from elsewhere).
func refreshSignal(prev *Snapshot) bool {
	if prev == nil || prev.Group.Refresh != nil {
		return true
	}
	for _, a := range prev.Activities {
		if !a.Done() && strings.Contains(a.Cause, "instance refresh") {
			return true
		}
	}
	return false
}

// newestAlarm is the latest state change among alarms.
func newestAlarm(alarms []Alarm) time.Time {
	var t time.Time
	for _, a := range alarms {
		if a.Updated.After(t) {
			t = a.Updated
		}
	}
	return t
}

// historyMarkAt is how far the history read at now covers the alarms'
// state changes: the newest change, or just before the first recent move
// (an alarm prev knew whose state changed since) that the history does not
// show yet, so that it is read again until it does or historyGrace has
// passed. An alarm prev did not know is not waited for: its creation is
// no state change in the history.
func historyMarkAt(alarms, prevAlarms []Alarm, history []AlarmEvent, now time.Time) time.Time {
	mark := newestAlarm(alarms)
	before := make(map[string]time.Time, len(prevAlarms))
	for _, a := range prevAlarms {
		before[a.Name] = a.Updated
	}
	for _, a := range alarms {
		was, known := before[a.Name]
		if !known || !a.Updated.After(was) || now.Sub(a.Updated) >= historyGrace {
			continue
		}
		shown := false
		for _, h := range history {
			if h.Alarm == a.Name && !h.Time.Before(a.Updated.Add(-time.Second)) {
				shown = true
				break
			}
		}
		if at := a.Updated.Add(-time.Nanosecond); !shown && at.Before(mark) {
			mark = at
		}
	}
	return mark
}

func distinct(xs []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
