package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// viewLB is the load balancer in words: its listeners and rules, the
// certificates, the alias record and the health check. A text panel that
// scrolls, not a table.
var viewLB = registerPanel(3, lbPanel{})

type lbPanel struct{ basePanel }

func (lbPanel) name() string { return "Load balancer" }

func (lbPanel) part() fleet.Part { return fleet.PartLB }

func (lbPanel) shows() []section {
	return []section{{fleet.PartLB, "Load balancer"}, {fleet.PartCerts, "Certificates"}, {fleet.PartRecord, "Alias record"}}
}

func (lbPanel) prepare(s *fleet.Snapshot, st stackInfo) (content, bool) {
	return content{lines: lbLines(s, st)}, true
}

// above is the panel's title, once the load balancer was read.
func (lbPanel) above(m *Model, _ int) []line {
	if m.snap.LB == nil {
		return nil
	}
	return []line{m.lbTitle()}
}

// certWarnDays is when a certificate's expiry turns into a warning. ACM
// renews DNS-validated certificates it can validate about 60 days ahead,
// so one this close to expiry is one ACM could not renew.
const certWarnDays = 30

// lbLines puts the load balancer part of a snapshot into lines: the load
// balancer, the alias record, the listeners with their rules, the
// certificates with their expiry, and the health check with what it costs
// a new instance.
func lbLines(s *fleet.Snapshot, st stackInfo) []line {
	lb := s.LB
	if st := s.Part(fleet.PartLB); st.Gap() {
		return gapLines(st, s.TakenAt)
	}
	if lb == nil {
		return []line{{text: "The load balancer has not been read yet (the stack records no lb_arn, or its first read failed).", tone: toneMuted}}
	}
	var out []line
	add := func(t tone, format string, args ...any) {
		out = append(out, line{text: fmt.Sprintf(format, args...), tone: t})
	}
	add(toneNone, "Load balancer  %s", lb.Name)
	add(stateTone(lb.State), "  state        %s%s", lb.State, map[bool]string{true: " (" + lb.StateReason + ")", false: ""}[lb.StateReason != ""])
	add(toneNone, "  scheme       %s, %s", lb.Scheme, lb.IPAddressType)
	add(toneNone, "  DNS name     %s", lb.DNSName)
	add(toneMuted, "  zone id      %s (what an alias to it names)", lb.CanonicalZoneID)
	out = append(out, line{})
	switch r := lb.Record; {
	case s.Part(fleet.PartRecord).Gap():
		add(toneWarn, "Record         %s", gapText(s.Part(fleet.PartRecord)))
	case r != nil:
		add(toneNone, "Record         %s %s → %s", r.Name, strings.Join(r.Types, "+"), orDash(r.TargetDNS))
		if r.TargetDNS != "" && !sameHost(r.TargetDNS, lb.DNSName) {
			add(toneWarn, "  points at another load balancer than this stack's (a blue/green switch?)")
		}
		if !r.EvaluateTargetHealth && r.TargetDNS != "" {
			add(toneWarn, "  does not evaluate target health")
		}
	case st.record != "":
		add(toneWarn, "Record         %s: no A/AAAA record found in zone %s", st.record, orDash(st.zone))
	default:
		add(toneMuted, "Record         none (the stack has no dns.zone)")
	}
	out = append(out, line{})
	add(toneNone, "Listeners")
	if len(lb.Listeners) == 0 {
		add(toneWarn, "  none: the load balancer answers nothing")
	}
	for _, l := range lb.Listeners {
		add(toneNone, "  %-12s %s", fmt.Sprintf("%s:%d", l.Protocol, l.Port), l.Default)
		for _, r := range l.Rules {
			add(toneMuted, "    rule %-6s %s → %s", r.Priority, r.Conditions, r.Actions)
		}
	}
	if st := s.Part(fleet.PartCerts); st.Gap() {
		out = append(out, line{})
		add(toneWarn, "%s", gapText(st))
	} else if len(lb.Certificates) > 0 {
		out = append(out, line{})
		add(toneNone, "Certificates")
		for _, c := range lb.Certificates {
			days := int(c.NotAfter.Sub(s.TakenAt).Hours() / 24)
			t := stateTone(c.Status)
			expiry := "no expiry yet"
			if !c.NotAfter.IsZero() {
				expiry = fmt.Sprintf("expires %s (in %d days)", c.NotAfter.UTC().Format("2006-01-02"), days)
				if days < certWarnDays {
					t = toneWarn
					if days < 0 {
						t, expiry = toneBad, "EXPIRED "+c.NotAfter.UTC().Format("2006-01-02")
					}
				}
			}
			add(t, "  %-28s %s, %s, renewal %s", c.Domain, c.Status, expiry, strings.ToLower(orDash(c.RenewalEligibility)))
		}
	}
	hc := lb.HealthCheck
	if hc.Interval > 0 {
		out = append(out, line{})
		add(toneNone, "Health check   %s %s %s, every %s, timeout %s, codes %s", hc.Protocol, hc.Port, hc.Path, hc.Interval, hc.Timeout, orDash(hc.Matcher))
		add(toneNone, "               healthy after %d passes, unhealthy after %d failures", hc.Healthy, hc.Unhealthy)
		add(toneMuted, "               a new instance takes at least %s to receive traffic (%d × %s after its app answers)",
			time.Duration(hc.Healthy)*hc.Interval, hc.Healthy, hc.Interval)
	}
	return out
}

// lbTitle is the line over the load balancer view: when its part was read
// and how often, as of now (the part is read on its own cadence, so it is
// often older than the refresh).
func (m *Model) lbTitle() line {
	lb := m.snap.LB
	if lb == nil {
		return line{}
	}
	now := m.now()
	return line{text: fmt.Sprintf("Read at %s (%s ago) · %s · r reads it now", clock(lb.ReadAt, now), ago(now.Sub(lb.ReadAt)), m.cadenceText(fleet.PartLB)), tone: toneMuted}
}

// sameHost compares DNS names as Route 53 stores alias targets.
func sameHost(a, b string) bool {
	n := func(s string) string {
		return strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(s), "."), "dualstack.")
	}
	return n(a) == n(b)
}
