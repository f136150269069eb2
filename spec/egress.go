package spec

import "fmt"

// maxEgressPorts bounds instance.egress_ports: each port is one rule
// per IP version, and a group holds 60 outbound rules per IP version
// unless the quota is raised (VPC User Guide, "Amazon VPC quotas").
const maxEgressPorts = 20

// validateEgress checks instance.egress and instance.egress_ports.
func (s *Spec) validateEgress(c *collector) {
	in := s.Instance
	switch in.Egress {
	case EgressRestricted, EgressAll:
	default:
		c.at("instance.egress", in.Egress, enumProblem(in.Egress, "is not an egress setting",
			"write restricted (only what the stack needs) or all (every port to anywhere)", EgressRestricted, EgressAll))
	}
	if len(in.EgressPorts) > maxEgressPorts {
		c.at("instance.egress_ports", fmt.Sprintf("%d entries", len(in.EgressPorts)), problem(
			fmt.Sprintf("has %d entries, more than %d (each port is a security group rule, and a group holds 60 outbound rules)", len(in.EgressPorts), maxEgressPorts),
			"keep the ports the app really calls, or set instance.egress: all"))
		return
	}
	seen := map[int]bool{}
	for _, p := range in.EgressPorts {
		switch {
		case p < 1 || p > 65535:
			c.at("instance.egress_ports", p, problem(fmt.Sprintf("%d is not a TCP port", p), "write ports from 1 to 65535, like 5432 for PostgreSQL"))
		case seen[p]:
			c.at("instance.egress_ports", p, problem(fmt.Sprintf("lists %d twice", p), "list each port once"))
		}
		seen[p] = true
	}
	if len(in.EgressPorts) > 0 && in.Egress == EgressAll {
		c.at("instance.egress_ports", in.EgressPorts, warning("is ignored while instance.egress is all: every port is open",
			"set instance.egress: restricted, or remove instance.egress_ports"))
	}
}
