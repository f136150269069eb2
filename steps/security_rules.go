package steps

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// wantRule is one ingress rule a group should have, with its source in
// words (a CIDR, or the source group's name) for the ingress attr.
type wantRule struct {
	rule   aws.Rule
	source string
}

// groupRef is a security group a rule admits traffic from.
type groupRef struct{ id, name string }

// The ports everyone knows.
const (
	portHTTP  = 80
	portHTTPS = 443
	portSSH   = 22
)

func tcpFrom(port int32, cidr, ipv6 string, g groupRef, desc string) wantRule {
	r := aws.Rule{Protocol: "tcp", FromPort: port, ToPort: port, CIDR: cidr, IPv6CIDR: ipv6, GroupID: g.id, Description: desc}
	return wantRule{rule: r, source: cmp.Or(cidr, ipv6, g.name)}
}

// allRule is every protocol and port to or from one CIDR.
func allRule(cidr, ipv6 string) aws.Rule {
	return aws.Rule{Protocol: "-1", FromPort: -1, ToPort: -1, CIDR: cidr, IPv6CIDR: ipv6}
}

// albPorts are the ports the load balancer listens on: HTTP, and HTTPS
// when load_balancer.https is on. A port without a listener stays closed.
func albPorts(s *spec.Spec) []int32 {
	if s.LoadBalancer.HTTPS {
		return []int32{portHTTP, portHTTPS}
	}
	return []int32{portHTTP}
}

// albRules admit the listeners' ports from anywhere, over IPv6 too when
// the VPC has an IPv6 block.
func albRules(s *spec.Spec, ipv6 bool) []wantRule {
	var out []wantRule
	for _, p := range albPorts(s) {
		out = append(out, tcpFrom(p, "0.0.0.0/0", "", groupRef{}, "web traffic from anywhere"))
		if ipv6 {
			out = append(out, tcpFrom(p, "", "::/0", groupRef{}, "web traffic from anywhere (IPv6)"))
		}
	}
	return out
}

// appRules admit the app port from the load balancer's group only — a
// source-group rule, not a CIDR — and SSH from the bastion's group when
// there is a bastion.
func appRules(s *spec.Spec, alb, bastion groupRef) []wantRule {
	out := []wantRule{tcpFrom(int32(s.Instance.Port), "", "", alb, "the app port from the load balancer only")}
	if s.Network.Bastion.Enabled {
		out = append(out, tcpFrom(portSSH, "", "", bastion, "SSH from the bastion only"))
	}
	return out
}

// bastionRules admit SSH from cidr only.
func bastionRules(cidr string) []wantRule {
	return []wantRule{tcpFrom(portSSH, cidr, "", groupRef{}, "SSH from network.bastion.ssh_from")}
}

// albRuleViews and appRuleViews are the rules in words, from the spec
// alone, for Desired.
func albRuleViews(s *spec.Spec) []ruleView { return viewsOf(albRules(s, false)) }
func appRuleViews(s *spec.Spec) []ruleView {
	return viewsOf(appRules(s, groupRef{name: s.Name + "-alb"}, groupRef{name: s.Name + "-bastion"}))
}

// ruleView is a rule in words: protocol, ports and the source by name.
type ruleView struct {
	proto    string
	from, to int32
	source   string
}

func viewsOf(rules []wantRule) []ruleView {
	out := make([]ruleView, len(rules))
	for i, w := range rules {
		out[i] = ruleView{w.rule.Protocol, w.rule.FromPort, w.rule.ToPort, w.source}
	}
	return out
}

// observedViews puts a group's rules in words, naming source groups by
// their names (names maps ids to names; an unknown id stays an id).
func observedViews(rules []aws.Rule, names map[string]string) []ruleView {
	out := make([]ruleView, len(rules))
	for i, r := range rules {
		src := r.Source()
		if r.GroupID != "" && names[r.GroupID] != "" {
			src = names[r.GroupID]
		}
		out[i] = ruleView{r.Protocol, r.FromPort, r.ToPort, src}
	}
	return out
}

// canonicalIngress writes ingress rules the same way whichever side they
// come from, so the spec's and AWS's can be compared: sorted, one per port
// range and source, 0.0.0.0/0 as "anywhere" (which then covers ::/0: an
// IPv6 twin depends on the VPC, not on the spec).
func canonicalIngress(views []ruleView) string { return canonicalRules(views, " from ") }

// canonicalEgress writes egress rules as canonicalIngress does, with
// their destinations: "tcp 443 to anywhere".
func canonicalEgress(views []ruleView) string { return canonicalRules(views, " to ") }

func canonicalRules(views []ruleView, preposition string) string {
	type ports struct {
		proto    string
		from, to int32
	}
	anywhere := map[ports]bool{}
	for _, v := range views {
		if v.source == "0.0.0.0/0" {
			anywhere[ports{v.proto, v.from, v.to}] = true
		}
	}
	var lines []string
	for _, v := range slices.SortedFunc(slices.Values(views), func(a, b ruleView) int {
		return cmp.Or(cmp.Compare(a.proto, b.proto), cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.source, b.source))
	}) {
		src := v.source
		switch {
		case src == "::/0" && anywhere[ports{v.proto, v.from, v.to}]:
			continue
		case src == "0.0.0.0/0":
			src = "anywhere"
		}
		line := portWords(v.proto, v.from, v.to) + preposition + src
		if !slices.Contains(lines, line) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines, "; ")
}

func portWords(proto string, from, to int32) string {
	switch {
	case proto == "-1":
		return "all traffic"
	case from == to:
		return proto + " " + strconv.Itoa(int(from))
	}
	return fmt.Sprintf("%s %d-%d", proto, from, to)
}
