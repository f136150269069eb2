package spec

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// rFC1918 are the private IPv4 ranges AWS recommends for VPCs.
var rFC1918 = [...]netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
}

// vPCForbidden are ranges a VPC cannot use at all (VPC User Guide, "VPC CIDR
// blocks": 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16 and 224.0.0.0/4 are
// restricted).
var vPCForbidden = [...]netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("127.0.0.0/8"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
}

// vPCIDPattern is an EC2 VPC id: 8 hex digits (old) or 17 (current).
var vPCIDPattern = regexp.MustCompile(`^vpc-([0-9a-f]{8}|[0-9a-f]{17})$`)

// parseIPv4Prefix parses an IPv4 CIDR that must be a network address; the
// problem says what was meant when the host bits are set.
func parseIPv4Prefix(cidr, example string) (netip.Prefix, *FieldError) {
	if cidr == "" {
		return netip.Prefix{}, problem("is empty", "write a CIDR like "+example)
	}
	if !strings.Contains(cidr, "/") {
		if a, err := netip.ParseAddr(cidr); err == nil && a.Is4() {
			return netip.Prefix{}, problem(cidr+" has no prefix length", "write it as a CIDR, like "+cidr+"/"+strings.Split(example, "/")[1])
		}
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, problem(cidr+" is not a CIDR", "write it like "+example)
	}
	if !p.Addr().Is4() {
		return netip.Prefix{}, problem(cidr+" is IPv6", "use an IPv4 CIDR like "+example)
	}
	if p.Masked() != p {
		return netip.Prefix{}, problem(cidr+" is not a network address (host bits are set)", "did you mean "+p.Masked().String()+"?")
	}
	return p, nil
}

func checkVPCCIDR(cidr string) *FieldError {
	p, fe := parseIPv4Prefix(cidr, "10.0.0.0/16")
	if fe != nil {
		return fe
	}
	// VPC User Guide: "The allowed block size is between a /16 netmask
	// (65,536 IP addresses) and /28 netmask (16 IP addresses)."
	if p.Bits() < 16 || p.Bits() > 28 {
		return problem(fmt.Sprintf("a /%d is outside the VPC sizes AWS allows (/16 to /28)", p.Bits()),
			"use a prefix length from 16 to 28, like 10.0.0.0/16")
	}
	for _, f := range vPCForbidden {
		if f.Overlaps(p) {
			return problem(cidr+" overlaps "+f.String()+", which AWS reserves", "use a private range like 10.0.0.0/16")
		}
	}
	for _, r := range rFC1918 {
		if r.Contains(p.Addr()) {
			return nil
		}
	}
	return warning(cidr+" is public address space (not RFC 1918); AWS allows it, but the instances can then never reach the internet hosts that really own those addresses",
		"use 10.0.0.0/16, 172.16.0.0/16 or 192.168.0.0/16 unless you own this range")
}

// ValidateCIDR checks a new VPC's CIDR: IPv4 syntax, a network address, a
// size AWS allows, and (a warning) private address space.
func ValidateCIDR(cidr string) error { return bounded("network.cidr", cidr, checkVPCCIDR) }

func checkVPC(vpc string) *FieldError {
	switch {
	case vpc == VPCNew || vpc == VPCDefault || vPCIDPattern.MatchString(vpc):
		return nil
	case strings.HasPrefix(vpc, "vpc-"):
		return problem(vpc+" is not a VPC id", "VPC ids are vpc- and 8 or 17 lowercase hex digits, like vpc-0a1b2c3d4e5f67890")
	}
	return enumProblem(vpc, "is not new, default or a VPC id", "use new (a VPC for this stack), default, or vpc-0123...", VPCNew, VPCDefault)
}

// ValidateVPC checks network.vpc: new, default or a VPC id.
func ValidateVPC(vpc string) error { return bounded("network.vpc", vpc, checkVPC) }

func checkAZs(azs, regionAZs int) *FieldError {
	if regionAZs <= 0 {
		regionAZs = 3
	}
	// An ALB needs subnets in at least two AZs (CreateLoadBalancer); three
	// is as far as stackwiz spreads a stack.
	if azs < 2 || azs > 3 {
		return problem(fmt.Sprintf("%d is not 2 or 3", azs), "use 2 (load balancers need at least two AZs) or 3")
	}
	if azs > regionAZs {
		return problem(fmt.Sprintf("%d is more than the %d Availability Zones of the region", azs, regionAZs), fmt.Sprintf("use %d", regionAZs))
	}
	return nil
}

// ValidateAZs checks network.azs against the region's number of AZs (0: unknown).
func ValidateAZs(azs, regionAZs int) error { return asError(checkAZs(azs, regionAZs)) }

func checkNAT(nat string) *FieldError {
	switch nat {
	case NATNone, NATSingle, NATPerAZ:
		return nil
	}
	return enumProblem(nat, "is not none, single or per-az",
		"use none, single (one NAT gateway, cheaper) or per-az (one per AZ, an AZ failure stays local)",
		NATNone, NATSingle, NATPerAZ)
}

// ValidateNAT checks network.nat.
func ValidateNAT(nat string) error { return bounded("network.nat", nat, checkNAT) }

func checkSubnetBits(bits int, tier SubnetTier) *FieldError {
	// Subnet sizes are /16 to /28 (VPC User Guide, "Subnet CIDR blocks").
	if bits < 16 || bits > 28 {
		return problem(fmt.Sprintf("/%d is outside the subnet sizes AWS allows (/16 to /28)", bits), "use a prefix length from 16 to 28")
	}
	// An ALB's subnets need "at least a /27 bitmask" and eight free
	// addresses (ELB User Guide, "Subnets for your load balancer").
	if tier == SubnetPublic && bits > 27 {
		return problem(fmt.Sprintf("a public /%d is too small for the load balancer, which needs a /27 or larger", bits), "use 27 or less (24 by default)")
	}
	return nil
}

// ValidatePublicSubnetBits checks network.public_subnet_bits (a prefix length).
func ValidatePublicSubnetBits(bits int) error {
	return asError(checkSubnetBits(bits, SubnetPublic))
}

// ValidatePrivateSubnetBits checks network.private_subnet_bits (a prefix length).
func ValidatePrivateSubnetBits(bits int) error {
	return asError(checkSubnetBits(bits, SubnetPrivate))
}

func checkSSHFrom(from string) *FieldError {
	if from == SSHFromAuto {
		return nil
	}
	p, fe := parseIPv4Prefix(from, "203.0.113.7/32")
	if fe != nil {
		if fe.Fix != "" && !strings.HasPrefix(fe.Fix, "did you mean") {
			fe.Fix = "use auto (your public IP as a /32) or " + fe.Fix
		}
		return fe
	}
	if p.Bits() == 0 {
		return warning("0.0.0.0/0 opens the bastion's SSH port to the whole internet, where bots try passwords and keys within minutes",
			"use auto (your public IP as a /32) or your office's CIDR")
	}
	return nil
}

// ValidateSSHFrom checks network.bastion.ssh_from: auto or an IPv4 CIDR;
// 0.0.0.0/0 is a warning.
func ValidateSSHFrom(from string) error {
	return bounded("network.bastion.ssh_from", from, checkSSHFrom)
}

// validateNetwork checks the network section and the subnet plan.
func (s *Spec) validateNetwork(c *collector, env ValidateEnv) {
	n := s.Network
	c.at("network.vpc", n.VPC, checkVPC(n.VPC))
	c.at("network.azs", n.AZs, checkAZs(n.AZs, env.AZCount))
	c.at("network.nat", n.NAT, checkNAT(n.NAT))
	if n.VPC != VPCNew {
		// The default VPC and an existing one bring their own subnets and
		// routes; saying otherwise in the file is a misunderstanding.
		for _, f := range []string{"cidr", "nat", "public_subnet_bits", "private_subnet_bits"} {
			if p := "network." + f; c.explicit(p) {
				c.add(FieldError{Path: p, Severity: SeverityWarning,
					Problem: "is ignored when network.vpc is " + n.VPC + ": the stack uses that VPC's subnets and routes",
					Fix:     "remove it, or set network.vpc: new"})
			}
		}
	} else {
		cidrProblem := checkVPCCIDR(n.CIDR)
		c.at("network.cidr", n.CIDR, cidrProblem)
		pubProblem := checkSubnetBits(n.PublicSubnetBits, SubnetPublic)
		privProblem := checkSubnetBits(n.PrivateSubnetBits, SubnetPrivate)
		c.at("network.public_subnet_bits", n.PublicSubnetBits, pubProblem)
		// With nat none no private subnet is created, but its blocks are
		// still reserved (SubnetPlan), so their size must be valid.
		c.at("network.private_subnet_bits", n.PrivateSubnetBits, privProblem)
		if (cidrProblem == nil || cidrProblem.IsWarning()) && pubProblem == nil && privProblem == nil && n.AZs >= 1 {
			s.validateSubnetPlan(c)
		}
		if n.NAT == NATNone {
			c.at("network.nat", n.NAT, warning("none leaves the VPC without private subnets: the instances run in the public subnets with public IPs (only the load balancer's security group can reach the app port); the private blocks stay reserved, so NAT can be turned on later without moving the public subnets",
				"use single (about $33/month) to keep instances private"))
		}
	}
	c.at("network.bastion.ssh_from", n.Bastion.SSHFrom, s.sshFromProblem())
}

func (s *Spec) sshFromProblem() *FieldError {
	fe := checkSSHFrom(s.Network.Bastion.SSHFrom)
	if fe != nil && fe.IsWarning() && !s.Network.Bastion.Enabled {
		return nil // no bastion, no port open
	}
	return fe
}

// validateSubnetPlan reports a plan that does not fit the VPC, or private
// subnets too small for the group spread over the AZs.
func (s *Spec) validateSubnetPlan(c *collector) {
	n := s.Network
	vpc := netip.MustParsePrefix(n.CIDR)
	tiers := subnetTiers(n)
	for _, t := range tiers {
		if t.bits < vpc.Bits() {
			path := "network.public_subnet_bits"
			if t.tier == SubnetPrivate {
				path = "network.private_subnet_bits"
			}
			c.at(path, t.bits, problem(fmt.Sprintf("a %s /%d is larger than the VPC (%s)", t.tier, t.bits, n.CIDR),
				fmt.Sprintf("use %d or more", vpc.Bits())))
			return
		}
	}
	if need := subnetsSize(n.AZs, tiers); need > prefixSize(vpc.Bits()) {
		c.at("network.cidr", n.CIDR, problem(
			fmt.Sprintf("%s is too small for %s (%d addresses)", n.CIDR, describeTiers(n.AZs, tiers), need),
			fmt.Sprintf("use a /%d or larger, or smaller subnets (network.private_subnet_bits, network.public_subnet_bits)", prefixFor(need))))
		return
	}
	// The group's instances spread evenly over the AZs; each needs an address
	// in its AZ's subnet, of which AWS keeps five.
	tier, bits, path := SubnetPrivate, n.PrivateSubnetBits, "network.private_subnet_bits"
	if n.NAT == NATNone {
		tier, bits, path = SubnetPublic, n.PublicSubnetBits, "network.public_subnet_bits"
	}
	perAZ := (s.Autoscaling.Max + n.AZs - 1) / n.AZs
	if usable := prefixSize(bits) - aWSReservedPerSubnet; s.Autoscaling.Max > 0 && perAZ > usable {
		c.at(path, bits, problem(
			fmt.Sprintf("a %s /%d holds %d instances (AWS reserves 5 of its %d addresses), fewer than the %d per AZ that autoscaling.max %d over %d AZs needs",
				tier, bits, usable, prefixSize(bits), perAZ, s.Autoscaling.Max, n.AZs),
			fmt.Sprintf("use a /%d or larger", prefixFor(perAZ+aWSReservedPerSubnet))))
	}
}
