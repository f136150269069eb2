package console

import (
	"context"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// peer is another stack in the state directory whose load balancer the
// alias can point at: the seeds' blue/green, two stacks and one name.
type peer struct {
	name   string
	region string
	// From its load_balancer outputs.
	lbARN, lbDNS, lbZone string
	// zone and record are its dns outputs (zone_id, record_fqdn): the
	// record it owns, "" when it has none.
	zone, record string
}

// peersMsg carries the other stacks, read from their records.
type peersMsg struct {
	peers []peer
	err   error
}

func (peersMsg) Screen() screen.ID { return screen.Console }

// loadPeers reads the other stacks' records in dir (only reads: it takes
// no lock) and keeps those with a load balancer.
func loadPeers(dir, self string) tea.Cmd {
	return func() tea.Msg {
		names, err := state.List(dir)
		if err != nil {
			return peersMsg{err: err}
		}
		var out []peer
		for _, n := range names {
			if n == self {
				continue
			}
			st, err := state.Open(dir, n)
			if err != nil {
				return peersMsg{err: fmt.Errorf("read stack %s: %w", n, err)}
			}
			snap := st.Snapshot()
			o := steps.OutputsOf(snap)
			if o.LoadBalancerDNS() == "" || o.LoadBalancerZoneID() == "" {
				continue
			}
			p := peer{name: n, region: snap.Region, lbARN: o.LoadBalancerARN(), lbDNS: o.LoadBalancerDNS(), lbZone: o.LoadBalancerZoneID(),
				zone: o.ZoneID(), record: o.RecordFQDN()}
			out = append(out, p)
		}
		return peersMsg{peers: out}
	}
}

// onPeers fills the switch dialog. A stack with its own record switches
// it to another stack. A stack without one (the green of a blue/green
// pair, whose record the blue stack created) switches the record of the
// stack that owns one, to any stack, itself included: so the switch works
// both ways, from either console.
func (d *dialog) onPeers(msg peersMsg, self peer) {
	d.loading = false
	d.peers, d.peersErr = msg.peers, msg.err
	d.cursor = 0
	if !d.borrow || msg.err != nil {
		return
	}
	d.peers = nil
	for _, p := range msg.peers {
		if p.zone != "" && p.record != "" {
			d.zone, d.record, d.owner = p.zone, p.record, p.name
			d.title = "Switch " + strings.TrimSuffix(p.record, ".") + " (stack " + p.name + "'s record)"
			d.peers = append(append(d.peers, msg.peers...), self)
			return
		}
	}
}

// switchLines is the switch dialog: the record now, the stacks to pick
// from, and what the record will say after.
func (m *Model) switchLines(d *dialog) []line {
	var out []line
	now := "not read yet (r reads the load balancer part)"
	if lb := m.snap.LB; lb != nil {
		now = "no A/AAAA record"
		if r := lb.Record; r != nil {
			now = strings.Join(r.Types, "+") + " → " + orDash(r.TargetDNS)
			if sameHost(r.TargetDNS, lb.DNSName) {
				now += " (this stack)"
			}
		}
	}
	if d.borrow {
		now = "not watched from this console: the switch reads it first and logs before and after"
	}
	out = append(out, line{text: "now:   " + now, tone: toneMuted})
	switch {
	case d.loading:
		return append(out, line{text: "reading the other stacks…", tone: toneInfo})
	case d.peersErr != nil:
		return append(out, line{text: screen.Describe(d.peersErr).Summary, tone: toneBad})
	case d.borrow && len(d.peers) == 0:
		return append(out,
			line{text: "nothing to switch: neither this stack nor another in this state directory has a Route 53 record", tone: toneWarn},
			line{text: "the record comes from dns.zone and dns.record in a stack's stack.yaml", tone: toneMuted})
	case len(d.peers) == 0:
		return append(out,
			line{text: "nothing to switch to: no other stack with a load balancer in this state directory", tone: toneWarn},
			line{text: "blue/green needs a second stack with its own load balancer: build it with `stackwiz --stack NAME apply -f green.yaml`, then w offers it", tone: toneMuted})
	}
	for i, p := range d.peers {
		cur := "  "
		if i == d.cursor {
			cur = "> "
		}
		name := p.name
		switch {
		case p.name == m.stack.name:
			name += " (this stack)"
		case p.name == d.owner:
			name += " (its owner)"
		}
		out = append(out, line{text: fmt.Sprintf("%s%-24s %s", cur, name, p.lbDNS), tone: map[bool]tone{true: toneNone, false: toneMuted}[i == d.cursor]})
	}
	p := d.peers[d.cursor]
	out = append(out, line{text: "after: A → " + p.lbDNS + " (alias, evaluate target health; no TTL to wait out)", tone: toneWarn})
	return out
}

// switchAlias points the record at the peer's load balancer, and says the
// record before and after. The peer's load balancer is described first
// for its dualstack setting; when that fails (it is in another region),
// its recorded outputs are enough for an IPv4 alias.
func switchAlias(ctx context.Context, fl *fleet.Fleet, zone, record string, p peer) ([]string, fleet.AliasSwitch, error) {
	to := fleet.SwitchTarget{DNSName: p.lbDNS, ZoneID: p.lbZone}
	if p.lbARN != "" {
		if t, err := fl.LoadBalancerAlias(ctx, p.lbARN); err == nil {
			to = t
		}
	}
	sw, err := fl.SwitchAlias(ctx, zone, record, to)
	if err != nil {
		return nil, sw, err
	}
	say := func(r *fleet.Record) string {
		if r == nil {
			return "no record"
		}
		return strings.Join(r.Types, "+") + " → " + orDash(r.TargetDNS)
	}
	detail := []string{"before: " + say(sw.Before), "after: " + say(sw.After)}
	if !sw.Changed {
		detail = append(detail, "already pointed there: nothing changed")
	} else {
		detail = append(detail, "Route 53 change "+sw.ChangeID+" "+sw.Status)
	}
	return detail, sw, nil
}
