package console

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// The header names where the stack's record points. It used to print the
// stack's own load balancer whatever the record said, so after a
// blue/green switch it still claimed the traffic. Now it says what Route
// 53 answered when the load balancer part was last read: this stack, the
// other stack by name when it is known (from the switch dialog's list),
// or the other load balancer's DNS name.

// recordDest is the header's "record → where" text, and whether it is
// news the user should see (the record does not point at this stack).
func (m *Model) recordDest() (string, bool) {
	st := m.stack
	rec := strings.TrimSuffix(st.record, ".")
	here := rec + " → " + orDash(st.lbDNS)
	s := m.snap
	if s == nil || s.LB == nil || s.Part(fleet.PartRecord).Gap() {
		return here, false
	}
	r := s.LB.Record
	switch {
	case r == nil:
		return rec + ": no alias record in the zone", true
	case r.TargetDNS == "" || sameHost(r.TargetDNS, s.LB.DNSName):
		return here, false
	}
	if name := m.peerNames[hostKey(r.TargetDNS)]; name != "" {
		return rec + " → stack " + name + ", not this one", true
	}
	return rec + " → " + r.TargetDNS + ", not this stack", true
}

// watchBorrowed makes a stack without a record of its own watch the
// record another stack owns (the blue of a pair, for the green), so both
// consoles' headers say where the traffic goes; the switch dialog then
// offers that record, to any stack.
func (m *Model) watchBorrowed(ps []peer) tea.Cmd {
	if m.target.ZoneID != "" {
		return nil
	}
	for _, p := range ps {
		if p.zone != "" && p.record != "" {
			m.borrowedFrom = p.name
			m.target.ZoneID, m.target.RecordFQDN = p.zone, p.record
			m.stack.zone, m.stack.record = p.zone, p.record
			return m.fetchNow(fetchAfter(true))
		}
	}
	return nil
}

// hostKey is a DNS name as sameHost compares them.
func hostKey(s string) string {
	return strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(s), "."), "dualstack.")
}

// notePeers remembers the other stacks' load balancers by DNS name.
func (m *Model) notePeers(ps []peer) {
	if m.peerNames == nil {
		m.peerNames = map[string]string{}
	}
	for _, p := range ps {
		m.peerNames[hostKey(p.lbDNS)] = p.name
	}
}
