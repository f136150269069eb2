package spec

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"
)

// SubnetTier says how a subnet reaches the internet.
type SubnetTier int

// The subnet tiers.
const (
	// SubnetPublic routes 0.0.0.0/0 to the internet gateway and maps public
	// IPs: the load balancer, the NAT gateways and the bastion live here.
	SubnetPublic SubnetTier = iota
	// SubnetPrivate routes 0.0.0.0/0 to a NAT gateway: the instances live here.
	SubnetPrivate
)

// String returns "public" or "private".
func (t SubnetTier) String() string {
	if t == SubnetPrivate {
		return "private"
	}
	return "public"
}

// MarshalText makes a tier read as a word in JSON.
func (t SubnetTier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// aWSReservedPerSubnet is how many addresses AWS keeps in every subnet: the
// network address, the VPC router, DNS, one reserved for future use, and
// the last (broadcast) address (VPC User Guide, "Subnet CIDR blocks").
const aWSReservedPerSubnet = 5

// PlannedSubnet is one subnet of a new VPC as the network step creates it.
type PlannedSubnet struct {
	// Name is "<stack>-public-<n>" or "<stack>-private-<n>", n counting from 1.
	Name string `json:"name"`
	// AZIndex is the position of the subnet's AZ among the region's
	// available AZs, counting from 0.
	AZIndex int          `json:"az_index"`
	Tier    SubnetTier   `json:"tier"`
	CIDR    netip.Prefix `json:"cidr"`
	// Usable is how many addresses instances and ENIs can take: the block's
	// size less the five AWS reserves.
	Usable int `json:"usable"`
}

// SubnetPlan computes the subnets of a new VPC: a public subnet in each AZ,
// and a private one in each AZ unless network.nat is none (the instances
// then run in the public subnets, and a private subnet would be an empty
// one). Blocks are laid out largest first with no gaps — private /20s from
// the start of the VPC, then the public /24s — so a plan fits exactly when
// the sizes add up, and 10.0.0.0/16 over 3 AZs gives 10.0.0.0/20,
// 10.0.16.0/20, 10.0.32.0/20, then 10.0.48.0/24, 10.0.49.0/24, 10.0.50.0/24.
// With nat none the private blocks are still laid out, and left unused: a
// public subnet holds the load balancer's and NAT gateways' interfaces and
// cannot move, so turning NAT on or off must not move it.
// The result is deterministic, so a resumed apply finds the same blocks.
// It returns nil, nil when network.vpc is not "new": the stack then uses
// the VPC's existing subnets.
func (s *Spec) SubnetPlan() ([]PlannedSubnet, error) {
	n := s.Network
	if n.VPC != VPCNew {
		return nil, nil
	}
	vpc, err := netip.ParsePrefix(n.CIDR)
	if err != nil || !vpc.Addr().Is4() || vpc.Masked() != vpc {
		return nil, fmt.Errorf("plan subnets: network.cidr %q is not an IPv4 network address", n.CIDR)
	}
	if n.AZs < 1 {
		return nil, errors.New("plan subnets: network.azs must be at least 1")
	}
	tiers := subnetTiers(n)
	for _, t := range tiers {
		if fe := checkSubnetBits(t.bits, t.tier); fe != nil {
			return nil, fmt.Errorf("plan subnets: %s subnets: %w", t.tier, fe)
		}
		if t.bits < vpc.Bits() {
			return nil, fmt.Errorf("plan subnets: a %s /%d is larger than the /%d VPC", t.tier, t.bits, vpc.Bits())
		}
	}
	if need := subnetsSize(n.AZs, tiers); need > prefixSize(vpc.Bits()) {
		return nil, fmt.Errorf("plan subnets: %s take %d addresses, more than the %d of %s", describeTiers(n.AZs, tiers), need, prefixSize(vpc.Bits()), vpc)
	}
	next := addrToUint32(vpc.Addr())
	var plan []PlannedSubnet
	count := map[SubnetTier]int{}
	for _, t := range tiers {
		for az := range n.AZs {
			block := netip.PrefixFrom(addrFromUint32(next), t.bits)
			next += uint32(prefixSize(t.bits))
			if t.tier == SubnetPrivate && n.NAT == NATNone {
				continue // reserved, not created
			}
			count[t.tier]++
			plan = append(plan, PlannedSubnet{
				Name:    fmt.Sprintf("%s-%s-%d", s.Name, t.tier, count[t.tier]),
				AZIndex: az,
				Tier:    t.tier,
				CIDR:    block,
				Usable:  prefixSize(t.bits) - aWSReservedPerSubnet,
			})
		}
	}
	return plan, nil
}

// tierSize is one tier of the subnet plan and its prefix length.
type tierSize struct {
	tier SubnetTier
	bits int
}

// subnetTiers lists the plan's tiers, largest block first, so that laid
// out one after the other every block starts aligned on its own size. The
// private tier is there even with nat none: its blocks stay reserved so
// that the public subnets sit at the same addresses whatever network.nat is.
func subnetTiers(n Network) []tierSize {
	tiers := []tierSize{{SubnetPrivate, n.PrivateSubnetBits}, {SubnetPublic, n.PublicSubnetBits}}
	if tiers[1].bits < tiers[0].bits {
		tiers[0], tiers[1] = tiers[1], tiers[0]
	}
	return tiers
}

// subnetsSize is the number of addresses azs subnets of each tier take.
func subnetsSize(azs int, tiers []tierSize) int {
	total := 0
	for _, t := range tiers {
		total += azs * prefixSize(t.bits)
	}
	return total
}

func describeTiers(azs int, tiers []tierSize) string {
	var parts []string
	for _, t := range tiers {
		parts = append(parts, fmt.Sprintf("%d %s /%d", azs, t.tier, t.bits))
	}
	return strings.Join(parts, " and ")
}

// prefixSize is the number of IPv4 addresses in a /bits block.
func prefixSize(bits int) int { return 1 << (32 - bits) }

// prefixFor returns the longest prefix length whose block holds n addresses.
func prefixFor(n int) int {
	if n <= 1 {
		return 32
	}
	return 32 - bits.Len(uint(n-1))
}

func addrToUint32(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func addrFromUint32(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
