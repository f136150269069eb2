package console

import (
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// Not every part of a snapshot is read on every refresh (fleet.Cadence):
// EC2 details, CPU, scaling activities and the load balancer are read on
// their own cadence, alarm history when an alarm's state moves. The
// header's "updated … ago" is the age of the refresh; a panel whose part
// is older says so in its title, so that no panel claims the refresh's
// freshness for data it did not read.

// partAge is how long ago part p's data was read, and whether it is older
// than the snapshot shown (false for a part read by it, never read, or a
// gap, whose panel says so instead).
func (m *Model) partAge(p fleet.Part) (time.Duration, bool) {
	s := m.snap
	if s == nil || s.Part(p).Gap() {
		return 0, false
	}
	at := s.ReadAt(p)
	if at.IsZero() || !at.Before(s.TakenAt) {
		return 0, false
	}
	return m.now().Sub(at), true
}

// agesText names the parts older than the snapshot with their age: "EC2
// details read 25s ago · CPU read 55s ago", "" when every one is as fresh
// as the refresh.
func (m *Model) agesText(parts ...fleet.Part) string {
	var out []string
	for _, p := range parts {
		if d, old := m.partAge(p); old {
			out = append(out, partLabels[p]+" read "+ago(d)+" ago")
		}
	}
	return strings.Join(out, " · ")
}

// oldest is the age of the oldest of parts, and whether any is older than
// the snapshot.
func (m *Model) oldest(parts ...fleet.Part) (time.Duration, bool) {
	var age time.Duration
	any := false
	for _, p := range parts {
		if d, old := m.partAge(p); old {
			age, any = max(age, d), true
		}
	}
	return age, any
}

// cadenceText says how often part p is read: "every 1m", "every 30s while
// the group is steady", "when an alarm changes state".
func (m *Model) cadenceText(p fleet.Part) string {
	every := m.target.Cadence.Every(p)
	switch {
	case every < 0:
		return "read again when an alarm changes state"
	case every == 0:
		return "every refresh"
	case p == fleet.PartActivities || p == fleet.PartRefreshes:
		return "every " + dur(every) + " while the group is steady, every refresh while it changes"
	case p == fleet.PartInstances:
		return "every " + dur(every) + ", and when an instance joins, leaves or changes state"
	}
	return "every " + dur(every)
}

// withAges puts the ages of parts before a title's text.
func (m *Model) withAges(title string, parts ...fleet.Part) string {
	if a := m.agesText(parts...); a != "" {
		return a + " · " + title
	}
	return title
}
