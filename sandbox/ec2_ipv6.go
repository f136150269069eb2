package sandbox

import (
	"encoding/binary"
	"net/netip"
)

// IPv6 in the VPC: an Amazon-provided /56 per VPC (CreateVpc with
// AmazonProvidedIpv6CidrBlock, or AssociateVpcCidrBlock later), and a /64
// of it per subnet (CreateSubnet with Ipv6CidrBlock, or
// AssociateSubnetCidrBlock). The sandbox keeps one IPv6 block per VPC and
// per subnet; AWS allows one per subnet and, by default quota, five per VPC.

type xmlIPv6Assoc struct {
	AssociationID string `xml:"associationId"`
	IPv6CIDRBlock string `xml:"ipv6CidrBlock"`
	State         string `xml:"ipv6CidrBlockState>state"`
	Pool          string `xml:"ipv6Pool,omitempty"`
	BorderGroup   string `xml:"networkBorderGroup,omitempty"`
}

// newIPv6Block hands out the region's next Amazon-provided /56 from
// 2600:1f18::/32 (an Amazon range; the block is a documentation of shape,
// not a routable address).
func (s *EC2Network) newIPv6Block() string {
	s.IPv6Seq++
	var a [16]byte
	binary.BigEndian.PutUint32(a[0:], 0x26001f18)
	binary.BigEndian.PutUint16(a[4:], uint16(0x4000+s.IPv6Seq>>8))
	a[6] = byte(s.IPv6Seq)
	return netip.PrefixFrom(netip.AddrFrom16(a), 56).String()
}

// giveIPv6 associates a new Amazon-provided block with v, and the VPC's
// route tables get the block's local route, as AWS adds it.
func (r *Region) giveIPv6(v *Vpc) {
	s := r.EC2.Network
	v.IPv6CIDR, v.IPv6AssociationID = s.newIPv6Block(), r.w.newID("vpc-cidr-assoc")
	for _, rt := range s.RouteTables {
		if rt.VpcID == v.ID && routeIndex(rt, v.IPv6CIDR) < 0 {
			rt.Routes = append(rt.Routes, Route{Destination: v.IPv6CIDR, GatewayID: "local", Origin: "CreateRouteTable"})
		}
	}
}

func (v *Vpc) ipv6XML(state string) []xmlIPv6Assoc {
	if v.IPv6CIDR == "" {
		return nil
	}
	return []xmlIPv6Assoc{{AssociationID: v.IPv6AssociationID, IPv6CIDRBlock: v.IPv6CIDR, State: state, Pool: "Amazon", BorderGroup: ""}}
}

func (sn *Subnet) ipv6XML(state string) []xmlIPv6Assoc {
	if sn.IPv6CIDR == "" {
		return nil
	}
	return []xmlIPv6Assoc{{AssociationID: sn.IPv6AssociationID, IPv6CIDRBlock: sn.IPv6CIDR, State: state}}
}

// associateVpcCidrBlock gives a VPC an Amazon-provided IPv6 block. The
// sandbox does not add IPv4 blocks.
func associateVpcCidrBlock(c *call) (any, error) {
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	if !c.p.Bool("AmazonProvidedIpv6CidrBlock", false) {
		return nil, errBadRequest("InvalidParameterCombination", "The sandbox associates Amazon-provided IPv6 blocks only (AmazonProvidedIpv6CidrBlock=true).")
	}
	if v.IPv6CIDR != "" {
		return nil, errBadRequest("CidrLimitExceeded", "The vpc '%s' already has an IPv6 CIDR block; the sandbox keeps one per VPC.", v.ID)
	}
	c.r.giveIPv6(v)
	return struct {
		VpcID string         `xml:"vpcId"`
		Assoc []xmlIPv6Assoc `xml:"ipv6CidrBlockAssociation"`
	}{v.ID, v.ipv6XML("associating")}, nil
}

// checkSubnetIPv6 checks an IPv6 block asked for a subnet of v the way
// EC2 does: a /64, inside the VPC's IPv6 block, overlapping no other
// subnet's.
func (s *EC2Network) checkSubnetIPv6(v *Vpc, self, cidr string) error {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() || p.Masked() != p {
		return errBadRequest("InvalidParameterValue", "Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", cidr)
	}
	if v.IPv6CIDR == "" {
		return errBadRequest("InvalidParameterValue", "The vpc '%s' has no IPv6 CIDR block: associate one (AssociateVpcCidrBlock) before giving its subnets IPv6 blocks.", v.ID)
	}
	vp, _ := netip.ParsePrefix(v.IPv6CIDR)
	if p.Bits() != 64 || !vp.Contains(p.Addr()) {
		return errBadRequest("InvalidSubnet.Range", "The IPv6 CIDR '%s' is invalid: a subnet's IPv6 block is a /64 inside its VPC's %s.", cidr, v.IPv6CIDR)
	}
	for _, other := range s.Subnets {
		if other.ID == self || other.VpcID != v.ID || other.IPv6CIDR == "" {
			continue
		}
		if op, err := netip.ParsePrefix(other.IPv6CIDR); err == nil && op.Overlaps(p) {
			return errBadRequest("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	return nil
}

func associateSubnetCidrBlock(c *call) (any, error) {
	sn, err := subnetParam(c)
	if err != nil {
		return nil, err
	}
	cidr := c.p.Get("Ipv6CidrBlock")
	if cidr == "" {
		return nil, errMissing("Ipv6CidrBlock")
	}
	if sn.IPv6CIDR != "" {
		return nil, errBadRequest("InvalidParameterValue", "The subnet '%s' already has an IPv6 CIDR block (%s); a subnet has one.", sn.ID, sn.IPv6CIDR)
	}
	s := c.r.EC2.Network
	if err := s.checkSubnetIPv6(s.Vpcs[sn.VpcID], sn.ID, cidr); err != nil {
		return nil, err
	}
	sn.IPv6CIDR, sn.IPv6AssociationID = cidr, c.w.newID("subnet-cidr-assoc")
	return struct {
		SubnetID string         `xml:"subnetId"`
		Assoc    []xmlIPv6Assoc `xml:"ipv6CidrBlockAssociation"`
	}{sn.ID, sn.ipv6XML("associating")}, nil
}

// nonEmpty is a filter field's values: none for an empty string.
func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
