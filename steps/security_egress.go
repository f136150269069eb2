package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"slices"
	"strconv"
	"strings"
)

// What the stack's security groups let out. AWS gives every new group an
// egress rule allowing all traffic to anywhere; with instance.egress:
// restricted (the default) each group keeps only what the stack needs:
//
//   - the load balancer's group: the app port to the app's group (its
//     requests and its health checks), nothing else;
//   - the app's group: HTTPS to anywhere (SSM Session Manager, the
//     CloudWatch agent, AWS APIs, Amazon Linux 2023's package mirrors),
//     HTTP to anywhere when the image's package mirrors are plain HTTP
//     (Ubuntu's archive mirrors; an existing image, whose OS stackwiz cannot
//     know), and instance.egress_ports. Through the NAT gateway when the
//     instances are in private subnets;
//   - the bastion's group: SSH to the app's group and HTTPS to anywhere
//     (its Amazon Linux 2023 updates).
//
// DNS through the VPC's resolver, NTP through the Amazon Time Sync Service
// and the instance metadata service need no rule: security groups do not
// filter traffic to them (VPC User Guide, "Security group rules").
//
// instance.egress: all keeps AWS's allow-all rule on every group.

// appEgressPorts are the TCP ports the app instances may reach anywhere
// when egress is restricted, sorted, with why each is there.
func appEgressPorts(s *spec.Spec) []int {
	ports := []int{portHTTPS}
	if plainHTTPMirrors(s) {
		ports = append(ports, portHTTP)
	}
	for _, p := range s.Instance.EgressPorts {
		if !slices.Contains(ports, p) {
			ports = append(ports, p)
		}
	}
	slices.Sort(ports)
	return ports
}

// plainHTTPMirrors reports whether the instances' package mirrors may be
// plain HTTP: Ubuntu's archive mirrors are, Amazon Linux 2023's are not,
// and an existing image's OS is unknown.
func plainHTTPMirrors(s *spec.Spec) bool {
	return s.AMI.Source == spec.AMIExisting || strings.HasPrefix(s.AMI.Base, "ubuntu-")
}

// anywhereRules are tcp port rules to 0.0.0.0/0 (and ::/0 with ipv6).
func anywhereRules(ports []int, ipv6 bool, desc string) []wantRule {
	var out []wantRule
	for _, p := range ports {
		d := desc + " (tcp " + strconv.Itoa(p) + ")"
		out = append(out, tcpFrom(int32(p), "0.0.0.0/0", "", groupRef{}, d))
		if ipv6 {
			out = append(out, tcpFrom(int32(p), "", "::/0", groupRef{}, d+" over IPv6"))
		}
	}
	return out
}

// allTraffic is AWS's default egress: every protocol to anywhere.
func allTraffic(ipv6 bool) []wantRule {
	out := []wantRule{{rule: allRule("0.0.0.0/0", ""), source: "0.0.0.0/0"}}
	if ipv6 {
		out = append(out, wantRule{rule: allRule("", "::/0"), source: "::/0"})
	}
	return out
}

// albEgress lets the load balancer reach the app port of the app's group
// only.
func albEgress(s *spec.Spec, app groupRef, ipv6 bool) []wantRule {
	if s.Instance.Egress == spec.EgressAll {
		return allTraffic(ipv6)
	}
	return []wantRule{tcpFrom(int32(s.Instance.Port), "", "", app, "requests and health checks to the app port")}
}

// appEgress lets the app instances reach appEgressPorts anywhere.
func appEgress(s *spec.Spec, ipv6 bool) []wantRule {
	if s.Instance.Egress == spec.EgressAll {
		return allTraffic(ipv6)
	}
	return anywhereRules(appEgressPorts(s), ipv6, "what the app instances call")
}

// bastionEgress lets the bastion reach SSH on the app's group and HTTPS
// anywhere.
func bastionEgress(s *spec.Spec, app groupRef, ipv6 bool) []wantRule {
	if s.Instance.Egress == spec.EgressAll {
		return allTraffic(ipv6)
	}
	return append([]wantRule{tcpFrom(portSSH, "", "", app, "SSH to the app instances")},
		anywhereRules([]int{portHTTPS}, ipv6, "the bastion's updates")...)
}

// The egress rules in words, from the spec alone, for Desired.
func albEgressViews(s *spec.Spec) []ruleView {
	return viewsOf(albEgress(s, groupRef{name: s.Name + "-app"}, false))
}
func appEgressViews(s *spec.Spec) []ruleView { return viewsOf(appEgress(s, false)) }
func bastionEgressViews(s *spec.Spec) []ruleView {
	return viewsOf(bastionEgress(s, groupRef{name: s.Name + "-app"}, false))
}
