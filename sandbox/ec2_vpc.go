package sandbox

import (
	"net/netip"
	"slices"
)

// knownRegions are the commercial regions DescribeRegions lists; every
// region works in the sandbox, these are the ones it advertises.
func knownRegions() []string {
	return []string{
		"af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
		"ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ca-central-1",
		"eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2",
		"eu-west-3", "il-central-1", "me-central-1", "me-south-1", "sa-east-1", "us-east-1", "us-east-2",
		"us-west-1", "us-west-2",
	}
}

type xmlRegion struct {
	RegionName     string `xml:"regionName"`
	RegionEndpoint string `xml:"regionEndpoint"`
	OptInStatus    string `xml:"optInStatus"`
}

func describeRegions(c *call) (any, error) {
	names := knownRegions()
	if !slices.Contains(names, c.region) {
		names = append(names, c.region)
	}
	fs := filterSet(c.p.Filters())
	asked := c.p.List("RegionName")
	var out []xmlRegion
	for _, n := range asked {
		if !slices.Contains(names, n) {
			return nil, errBadRequest("InvalidParameterValue", "Invalid region: %s", n)
		}
	}
	for _, n := range names {
		if len(asked) > 0 && !slices.Contains(asked, n) {
			continue
		}
		reg := xmlRegion{RegionName: n, RegionEndpoint: "ec2." + n + ".amazonaws.com", OptInStatus: "opt-in-not-required"}
		ok, err := fs.match(nil, func(name string) ([]string, bool) {
			switch name {
			case "region-name":
				return []string{reg.RegionName}, true
			case "endpoint":
				return []string{reg.RegionEndpoint}, true
			case "opt-in-status":
				return []string{reg.OptInStatus}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, reg)
		}
	}
	return struct {
		Regions []xmlRegion `xml:"regionInfo>item"`
	}{out}, nil
}

type xmlAZ struct {
	ZoneName           string `xml:"zoneName"`
	ZoneID             string `xml:"zoneId"`
	ZoneState          string `xml:"zoneState"`
	RegionName         string `xml:"regionName"`
	GroupName          string `xml:"groupName"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	OptInStatus        string `xml:"optInStatus"`
	ZoneType           string `xml:"zoneType"`
}

func describeAvailabilityZones(c *call) (any, error) {
	fs := filterSet(c.p.Filters())
	names, ids := c.p.List("ZoneName"), c.p.List("ZoneId")
	zones := AZs(c.region)
	for _, n := range names {
		if !slices.Contains(zones, n) {
			return nil, errBadRequest("InvalidParameterValue", "Invalid availability zone: [%s]", n)
		}
	}
	var out []xmlAZ
	for _, z := range zones {
		az := xmlAZ{ZoneName: z, ZoneID: azID(c.region, z), ZoneState: "available", RegionName: c.region,
			GroupName: c.region, NetworkBorderGroup: c.region, OptInStatus: "opt-in-not-required", ZoneType: "availability-zone"}
		if (len(names) > 0 || len(ids) > 0) && !slices.Contains(names, z) && !slices.Contains(ids, az.ZoneID) {
			continue
		}
		ok, err := fs.match(nil, func(name string) ([]string, bool) {
			switch name {
			case "zone-name":
				return []string{az.ZoneName}, true
			case "zone-id":
				return []string{az.ZoneID}, true
			case "state":
				return []string{az.ZoneState}, true
			case "region-name":
				return []string{az.RegionName}, true
			case "group-name":
				return []string{az.GroupName}, true
			case "zone-type":
				return []string{az.ZoneType}, true
			case "opt-in-status":
				return []string{az.OptInStatus}, true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, az)
		}
	}
	return struct {
		Zones []xmlAZ `xml:"availabilityZoneInfo>item"`
	}{out}, nil
}

// newVpc creates a VPC with what AWS creates alongside it: its default
// security group and its main route table with the local route.
func (r *Region) newVpc(cidr string, tags []Tag) *Vpc {
	s := r.EC2.Network
	v := &Vpc{ID: r.w.newID("vpc"), CIDR: cidr, CIDRAssociationID: r.w.newID("vpc-cidr-assoc"),
		InstanceTenancy: "default", EnableDNSSupport: true, Tags: tags}
	s.Vpcs[v.ID] = v
	sg := &SecurityGroup{ID: r.w.newID("sg"), Name: "default", Description: "default VPC security group", VpcID: v.ID, IsDefault: true}
	// The default group admits everything from its own members and lets
	// everything out.
	sg.Ingress = []SGRule{{ID: r.w.newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, Groups: []string{sg.ID}}}
	sg.Egress = []SGRule{{ID: r.w.newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, CIDRs: []string{"0.0.0.0/0"}}}
	s.SecurityGroups[sg.ID] = sg
	rt := &RouteTable{ID: r.w.newID("rtb"), VpcID: v.ID,
		Routes:       []Route{{Destination: cidr, GatewayID: "local", Origin: "CreateRouteTable"}},
		Associations: []RouteTableAssociation{{ID: r.w.newID("rtbassoc"), Main: true}}}
	s.RouteTables[rt.ID] = rt
	return v
}

type xmlCIDRAssoc struct {
	AssociationID string `xml:"associationId"`
	CIDRBlock     string `xml:"cidrBlock"`
	State         string `xml:"cidrBlockState>state"`
}

type xmlVpc struct {
	VpcID           string         `xml:"vpcId"`
	OwnerID         string         `xml:"ownerId"`
	State           string         `xml:"state"`
	CIDRBlock       string         `xml:"cidrBlock"`
	CIDRAssocs      []xmlCIDRAssoc `xml:"cidrBlockAssociationSet>item"`
	IPv6Assocs      []xmlIPv6Assoc `xml:"ipv6CidrBlockAssociationSet>item"`
	DHCPOptionsID   string         `xml:"dhcpOptionsId"`
	InstanceTenancy string         `xml:"instanceTenancy"`
	IsDefault       bool           `xml:"isDefault"`
	Tags            []xmlTag       `xml:"tagSet>item"`
}

func (v *Vpc) xml(state string) xmlVpc {
	return xmlVpc{VpcID: v.ID, OwnerID: AccountID, State: state, CIDRBlock: v.CIDR,
		CIDRAssocs:    []xmlCIDRAssoc{{v.CIDRAssociationID, v.CIDR, "associated"}},
		IPv6Assocs:    v.ipv6XML(map[bool]string{true: "associating", false: "associated"}[state == "pending"]),
		DHCPOptionsID: "dopt-0" + v.ID[len(v.ID)-16:], InstanceTenancy: v.InstanceTenancy, IsDefault: v.IsDefault, Tags: xmlTags(v.Tags)}
}

func (v *Vpc) fields(name string) ([]string, bool) {
	switch name {
	case "vpc-id":
		return []string{v.ID}, true
	case "cidr", "cidr-block-association.cidr-block", "cidrBlock":
		return []string{v.CIDR}, true
	case "cidr-block-association.association-id":
		return []string{v.CIDRAssociationID}, true
	case "cidr-block-association.state":
		return []string{"associated"}, true
	case "ipv6-cidr-block-association.ipv6-cidr-block":
		return nonEmpty(v.IPv6CIDR), true
	case "ipv6-cidr-block-association.association-id":
		return nonEmpty(v.IPv6AssociationID), true
	case "state":
		return []string{"available"}, true
	case "is-default", "isDefault":
		return []string{boolStr(v.IsDefault)}, true
	case "owner-id":
		return []string{AccountID}, true
	case "instance-tenancy":
		return []string{v.InstanceTenancy}, true
	case "dhcp-options-id":
		return []string{v.xml("").DHCPOptionsID}, true
	}
	return nil, false
}

// parseCIDR reads an IPv4 CIDR block as EC2 accepts it: canonical (no host
// bits set).
func parseCIDR(s, param string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() || p.Masked() != p {
		return netip.Prefix{}, errBadRequest("InvalidParameterValue", "Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, param)
	}
	return p, nil
}

func createVpc(c *call) (any, error) {
	cidr := c.p.Get("CidrBlock")
	if cidr == "" {
		return nil, errMissing("CidrBlock")
	}
	p, err := parseCIDR(cidr, "cidrBlock")
	if err != nil {
		return nil, err
	}
	// A VPC's IPv4 block is between /16 and /28
	// (https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html).
	if p.Bits() < 16 || p.Bits() > 28 {
		return nil, errBadRequest("InvalidVpc.Range", "The CIDR '%s' is invalid.", cidr)
	}
	tags, err := tagSpecs(c, "vpc")
	if err != nil {
		return nil, err
	}
	v := c.r.newVpc(cidr, tags)
	if c.p.Bool("AmazonProvidedIpv6CidrBlock", false) {
		c.r.giveIPv6(v)
	}
	if t := c.p.Get("InstanceTenancy"); t != "" {
		if t != "default" && t != "dedicated" {
			return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter instanceTenancy is invalid.", t)
		}
		v.InstanceTenancy = t
	}
	return struct {
		Vpc xmlVpc `xml:"vpc"`
	}{v.xml("pending")}, nil
}

func describeVpcs(c *call) (any, error) {
	s := c.r.EC2.Network
	vpcs, next, err := describe(c, s.Vpcs, "VpcId", func(v *Vpc) []Tag { return v.Tags }, func(v *Vpc) fieldFunc { return v.fields }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlVpc, 0, len(vpcs))
	for _, v := range vpcs {
		out = append(out, v.xml("available"))
	}
	return struct {
		Vpcs      []xmlVpc `xml:"vpcSet>item"`
		NextToken string   `xml:"nextToken,omitempty"`
	}{out, next}, nil
}

// vpcParam returns the VPC a request names in VpcId.
func vpcParam(c *call) (*Vpc, error) {
	id := c.p.Get("VpcId")
	if id == "" {
		return nil, errMissing("VpcId")
	}
	v := c.r.EC2.Network.Vpcs[id]
	if v == nil {
		return nil, errBadRequest("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", id)
	}
	return v, nil
}

// deleteVpc refuses while anything but the VPC's own default security
// group and main route table is in it: subnets, an attached internet
// gateway, other security groups, other route tables.
func deleteVpc(c *call) (any, error) {
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	s := c.r.EC2.Network
	dependent := func() bool {
		for _, sn := range s.Subnets {
			if sn.VpcID == v.ID {
				return true
			}
		}
		for _, ig := range s.InternetGateways {
			if ig.VpcID == v.ID {
				return true
			}
		}
		for _, g := range s.SecurityGroups {
			if g.VpcID == v.ID && !g.IsDefault {
				return true
			}
		}
		for _, rt := range s.RouteTables {
			if rt.VpcID == v.ID && !rt.isMain() {
				return true
			}
		}
		for _, e := range s.ENIs {
			if e.VpcID == v.ID {
				return true
			}
		}
		return false
	}
	if dependent() {
		return nil, errBadRequest("DependencyViolation", "The vpc '%s' has dependencies and cannot be deleted.", v.ID)
	}
	for id, g := range s.SecurityGroups {
		if g.VpcID == v.ID {
			delete(s.SecurityGroups, id)
		}
	}
	for id, rt := range s.RouteTables {
		if rt.VpcID == v.ID {
			delete(s.RouteTables, id)
		}
	}
	delete(s.Vpcs, v.ID)
	return ec2Bool{true}, nil
}

func modifyVpcAttribute(c *call) (any, error) {
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	set := 0
	if c.p.Has("EnableDnsSupport.Value") {
		v.EnableDNSSupport = c.p.Bool("EnableDnsSupport.Value", true)
		set++
	}
	if c.p.Has("EnableDnsHostnames.Value") {
		on := c.p.Bool("EnableDnsHostnames.Value", false)
		if on && !v.EnableDNSSupport {
			return nil, errBadRequest("InvalidParameterValue", "Enabling DNS hostnames requires DNS support to be enabled on the VPC.")
		}
		v.EnableDNSHostnames = on
		set++
	}
	if c.p.Has("EnableNetworkAddressUsageMetrics.Value") {
		set++
	}
	if set != 1 {
		return nil, errBadRequest("InvalidParameterCombination", "Exactly one attribute must be specified per request.")
	}
	return ec2Bool{true}, nil
}

type xmlBoolValue struct {
	Value bool `xml:"value"`
}

func describeVpcAttribute(c *call) (any, error) {
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	out := struct {
		VpcID              string        `xml:"vpcId"`
		EnableDNSSupport   *xmlBoolValue `xml:"enableDnsSupport,omitempty"`
		EnableDNSHostnames *xmlBoolValue `xml:"enableDnsHostnames,omitempty"`
		EnableNAUMetrics   *xmlBoolValue `xml:"enableNetworkAddressUsageMetrics,omitempty"`
	}{VpcID: v.ID}
	switch attr := c.p.Get("Attribute"); attr {
	case "enableDnsSupport":
		out.EnableDNSSupport = &xmlBoolValue{v.EnableDNSSupport}
	case "enableDnsHostnames":
		out.EnableDNSHostnames = &xmlBoolValue{v.EnableDNSHostnames}
	case "enableNetworkAddressUsageMetrics":
		out.EnableNAUMetrics = &xmlBoolValue{false}
	case "":
		return nil, errMissing("Attribute")
	default:
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter attribute is invalid. Unknown attribute.", attr)
	}
	return out, nil
}
