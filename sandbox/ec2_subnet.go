package sandbox

import (
	"slices"
	"strconv"
	"strings"
)

type xmlSubnet struct {
	SubnetID                string         `xml:"subnetId"`
	SubnetArn               string         `xml:"subnetArn"`
	VpcID                   string         `xml:"vpcId"`
	OwnerID                 string         `xml:"ownerId"`
	State                   string         `xml:"state"`
	CIDRBlock               string         `xml:"cidrBlock"`
	AvailabilityZone        string         `xml:"availabilityZone"`
	AvailabilityZoneID      string         `xml:"availabilityZoneId"`
	AvailableIPAddressCount int            `xml:"availableIpAddressCount"`
	DefaultForAz            bool           `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool           `xml:"mapPublicIpOnLaunch"`
	AssignIPv6OnCreation    bool           `xml:"assignIpv6AddressOnCreation"`
	IPv6Assocs              []xmlIPv6Assoc `xml:"ipv6CidrBlockAssociationSet>item"`
	Tags                    []xmlTag       `xml:"tagSet>item"`
}

func (s *EC2Network) subnetXML(r *Region, sn *Subnet, state string) xmlSubnet {
	return xmlSubnet{SubnetID: sn.ID, SubnetArn: "arn:aws:ec2:" + r.Name + ":" + AccountID + ":subnet/" + sn.ID,
		VpcID: sn.VpcID, OwnerID: AccountID, State: state, CIDRBlock: sn.CIDR, AvailabilityZone: sn.AZ,
		AvailabilityZoneID: azID(r.Name, sn.AZ), AvailableIPAddressCount: s.availableIPs(sn),
		DefaultForAz: sn.IsDefault, MapPublicIPOnLaunch: sn.MapPublicIP, Tags: xmlTags(sn.Tags),
		IPv6Assocs: sn.ipv6XML(map[bool]string{true: "associating", false: "associated"}[state == "pending"])}
}

func (s *EC2Network) subnetFields(r *Region, sn *Subnet) fieldFunc {
	return func(name string) ([]string, bool) {
		switch name {
		case "subnet-id":
			return []string{sn.ID}, true
		case "vpc-id", "vpcId":
			return []string{sn.VpcID}, true
		case "availability-zone", "availabilityZone":
			return []string{sn.AZ}, true
		case "availability-zone-id", "availabilityZoneId":
			return []string{azID(r.Name, sn.AZ)}, true
		case "cidr-block", "cidr", "cidrBlock":
			return []string{sn.CIDR}, true
		case "ipv6-cidr-block-association.ipv6-cidr-block":
			return nonEmpty(sn.IPv6CIDR), true
		case "default-for-az", "defaultForAz":
			return []string{boolStr(sn.IsDefault)}, true
		case "map-public-ip-on-launch":
			return []string{boolStr(sn.MapPublicIP)}, true
		case "state":
			return []string{"available"}, true
		case "owner-id":
			return []string{AccountID}, true
		case "subnet-arn":
			return []string{"arn:aws:ec2:" + r.Name + ":" + AccountID + ":subnet/" + sn.ID}, true
		case "available-ip-address-count":
			return []string{strconv.Itoa(s.availableIPs(sn))}, true
		}
		return nil, false
	}
}

func createSubnet(c *call) (any, error) {
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	cidr := c.p.Get("CidrBlock")
	if cidr == "" {
		return nil, errMissing("CidrBlock")
	}
	p, err := parseCIDR(cidr, "cidrBlock")
	if err != nil {
		return nil, err
	}
	vp, _ := parseCIDR(v.CIDR, "cidrBlock")
	// A subnet is /16 to /28 and inside its VPC's block
	// (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
	if p.Bits() < 16 || p.Bits() > 28 || p.Bits() < vp.Bits() || !vp.Contains(p.Addr()) {
		return nil, errBadRequest("InvalidSubnet.Range", "The CIDR '%s' is invalid.", cidr)
	}
	s := c.r.EC2.Network
	for _, other := range s.Subnets {
		if other.VpcID != v.ID {
			continue
		}
		if op, err := parseCIDR(other.CIDR, "cidrBlock"); err == nil && op.Overlaps(p) {
			return nil, errBadRequest("InvalidSubnet.Conflict", "The CIDR '%s' conflicts with another subnet", cidr)
		}
	}
	zones := AZs(c.region)
	az := c.p.Get("AvailabilityZone")
	if zid := c.p.Get("AvailabilityZoneId"); az == "" && zid != "" {
		for _, z := range zones {
			if azID(c.region, z) == zid {
				az = z
			}
		}
		if az == "" {
			return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter availabilityZoneId is invalid.", zid)
		}
	}
	if az == "" {
		az = s.leastUsedAZ(v.ID, zones)
	}
	if !slices.Contains(zones, az) {
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.", az, strings.Join(zones, ", "))
	}
	ipv6 := c.p.Get("Ipv6CidrBlock")
	if ipv6 != "" {
		if err := s.checkSubnetIPv6(v, "", ipv6); err != nil {
			return nil, err
		}
	}
	tags, err := tagSpecs(c, "subnet")
	if err != nil {
		return nil, err
	}
	sn := &Subnet{ID: c.w.newID("subnet"), VpcID: v.ID, AZ: az, CIDR: cidr, Tags: tags}
	if ipv6 != "" {
		sn.IPv6CIDR, sn.IPv6AssociationID = ipv6, c.w.newID("subnet-cidr-assoc")
	}
	s.Subnets[sn.ID] = sn
	return struct {
		Subnet xmlSubnet `xml:"subnet"`
	}{s.subnetXML(c.r, sn, "pending")}, nil
}

// leastUsedAZ is where EC2 puts a subnet whose zone was not given; AWS
// picks one itself, the sandbox picks the emptiest so results are stable.
func (s *EC2Network) leastUsedAZ(vpcID string, zones []string) string {
	best, bestN := zones[0], -1
	for _, z := range zones {
		n := 0
		for _, sn := range s.Subnets {
			if sn.VpcID == vpcID && sn.AZ == z {
				n++
			}
		}
		if bestN < 0 || n < bestN {
			best, bestN = z, n
		}
	}
	return best
}

func describeSubnets(c *call) (any, error) {
	s := c.r.EC2.Network
	subnets, next, err := describe(c, s.Subnets, "SubnetId", func(v *Subnet) []Tag { return v.Tags },
		func(v *Subnet) fieldFunc { return s.subnetFields(c.r, v) }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlSubnet, 0, len(subnets))
	for _, sn := range subnets {
		out = append(out, s.subnetXML(c.r, sn, "available"))
	}
	return struct {
		Subnets   []xmlSubnet `xml:"subnetSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}{out, next}, nil
}

func subnetParam(c *call) (*Subnet, error) {
	id := c.p.Get("SubnetId")
	if id == "" {
		return nil, errMissing("SubnetId")
	}
	sn := c.r.EC2.Network.Subnets[id]
	if sn == nil {
		return nil, errBadRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", id)
	}
	return sn, nil
}

// deleteSubnet refuses while any network interface (an instance's, a load
// balancer's, a NAT gateway's) is in the subnet; its route table
// association goes with it.
func deleteSubnet(c *call) (any, error) {
	sn, err := subnetParam(c)
	if err != nil {
		return nil, err
	}
	s := c.r.EC2.Network
	for _, e := range s.ENIs {
		if e.SubnetID == sn.ID {
			return nil, errBadRequest("DependencyViolation", "The subnet '%s' has dependencies and cannot be deleted.", sn.ID)
		}
	}
	for _, rt := range s.RouteTables {
		rt.Associations = slices.DeleteFunc(rt.Associations, func(a RouteTableAssociation) bool { return a.SubnetID == sn.ID })
	}
	delete(s.Subnets, sn.ID)
	return ec2Bool{true}, nil
}

func modifySubnetAttribute(c *call) (any, error) {
	sn, err := subnetParam(c)
	if err != nil {
		return nil, err
	}
	if !c.p.Has("MapPublicIpOnLaunch.Value") {
		// The other attributes (IPv6, DNS64, customer-owned pools) do not
		// change anything the sandbox models; accept them.
		return ec2Bool{true}, nil
	}
	sn.MapPublicIP = c.p.Bool("MapPublicIpOnLaunch.Value", false)
	return ec2Bool{true}, nil
}

type xmlENI struct {
	NetworkInterfaceID string   `xml:"networkInterfaceId"`
	SubnetID           string   `xml:"subnetId"`
	VpcID              string   `xml:"vpcId"`
	AvailabilityZone   string   `xml:"availabilityZone"`
	Description        string   `xml:"description"`
	OwnerID            string   `xml:"ownerId"`
	RequesterID        string   `xml:"requesterId,omitempty"`
	RequesterManaged   bool     `xml:"requesterManaged"`
	Status             string   `xml:"status"`
	MacAddress         string   `xml:"macAddress"`
	PrivateIPAddress   string   `xml:"privateIpAddress"`
	PrivateDNSName     string   `xml:"privateDnsName"`
	SourceDestCheck    bool     `xml:"sourceDestCheck"`
	InterfaceType      string   `xml:"interfaceType"`
	Groups             []xmlGID `xml:"groupSet>item"`
	Attachment         *struct {
		AttachmentID        string `xml:"attachmentId"`
		InstanceID          string `xml:"instanceId,omitempty"`
		InstanceOwnerID     string `xml:"instanceOwnerId"`
		DeviceIndex         int    `xml:"deviceIndex"`
		Status              string `xml:"status"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"attachment"`
	Association *struct {
		PublicIP string `xml:"publicIp"`
		IPOwner  string `xml:"ipOwnerId"`
	} `xml:"association"`
	Tags []xmlTag `xml:"tagSet>item"`
}

type xmlGID struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

// eniInstance returns the instance an interface is attached to, or "".
func (e *ENI) instanceID() string {
	if strings.HasPrefix(e.OwnerID, "i-") {
		return e.OwnerID
	}
	return ""
}

func (s *EC2Network) eniXML(r *Region, e *ENI) xmlENI {
	x := xmlENI{NetworkInterfaceID: e.ID, SubnetID: e.SubnetID, VpcID: e.VpcID, AvailabilityZone: e.AZ,
		Description: e.Description, OwnerID: AccountID, Status: e.Status, MacAddress: e.MAC,
		PrivateIPAddress: e.PrivateIP, PrivateDNSName: privateDNSName(r.Name, e.PrivateIP),
		SourceDestCheck: e.InterfaceType == "interface", InterfaceType: e.InterfaceType, Tags: xmlTags(e.Tags)}
	for _, g := range e.SecurityGroups {
		name := ""
		if sg := s.SecurityGroups[g]; sg != nil {
			name = sg.Name
		}
		x.Groups = append(x.Groups, xmlGID{g, name})
	}
	// Interfaces that AWS services create for themselves are requester
	// managed; an instance's own interface is not.
	if e.instanceID() == "" {
		x.RequesterManaged = true
		x.RequesterID = "amazon-elb"
		if e.InterfaceType == "nat_gateway" {
			x.RequesterID = "AWS"
		}
	}
	if e.Status == "in-use" {
		x.Attachment = &struct {
			AttachmentID        string `xml:"attachmentId"`
			InstanceID          string `xml:"instanceId,omitempty"`
			InstanceOwnerID     string `xml:"instanceOwnerId"`
			DeviceIndex         int    `xml:"deviceIndex"`
			Status              string `xml:"status"`
			DeleteOnTermination bool   `xml:"deleteOnTermination"`
		}{AttachmentID: e.AttachmentID, InstanceID: e.instanceID(), InstanceOwnerID: AccountID, DeviceIndex: 0, Status: "attached", DeleteOnTermination: true}
		if x.RequesterManaged {
			x.Attachment.InstanceOwnerID = x.RequesterID
			x.Attachment.DeviceIndex = 1
			x.Attachment.DeleteOnTermination = false
		}
	}
	if pub := s.publicIPOf(e); pub != "" {
		x.Association = &struct {
			PublicIP string `xml:"publicIp"`
			IPOwner  string `xml:"ipOwnerId"`
		}{pub, "amazon"}
	}
	return x
}

// publicIPOf is the interface's public address: an Elastic IP associated
// with it, else one it was given on launch.
func (s *EC2Network) publicIPOf(e *ENI) string {
	for _, a := range s.Addresses {
		if a.ENIID == e.ID {
			return a.PublicIP
		}
	}
	return e.PublicIP
}

// privateDNSName is EC2's ip-10-0-1-5.ec2.internal style name.
func privateDNSName(region, ip string) string {
	host := "ip-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

func (s *EC2Network) eniFields(r *Region, e *ENI) fieldFunc {
	return func(name string) ([]string, bool) {
		switch name {
		case "network-interface-id":
			return []string{e.ID}, true
		case "subnet-id":
			return []string{e.SubnetID}, true
		case "vpc-id":
			return []string{e.VpcID}, true
		case "availability-zone":
			return []string{e.AZ}, true
		case "description":
			return []string{e.Description}, true
		case "group-id":
			return e.SecurityGroups, true
		case "group-name":
			var names []string
			for _, g := range e.SecurityGroups {
				if sg := s.SecurityGroups[g]; sg != nil {
					names = append(names, sg.Name)
				}
			}
			return names, true
		case "status":
			return []string{e.Status}, true
		case "interface-type":
			return []string{e.InterfaceType}, true
		case "private-ip-address", "addresses.private-ip-address":
			return []string{e.PrivateIP}, true
		case "attachment.instance-id":
			return []string{e.instanceID()}, true
		case "attachment.attachment-id":
			return []string{e.AttachmentID}, true
		case "attachment.status":
			return []string{"attached"}, true
		case "requester-managed":
			return []string{boolStr(e.instanceID() == "")}, true
		case "owner-id":
			return []string{AccountID}, true
		case "association.public-ip":
			return []string{s.publicIPOf(e)}, true
		case "mac-address":
			return []string{e.MAC}, true
		}
		return nil, false
	}
}

func describeNetworkInterfaces(c *call) (any, error) {
	s := c.r.EC2.Network
	enis, next, err := describe(c, s.ENIs, "NetworkInterfaceId", func(v *ENI) []Tag { return v.Tags },
		func(v *ENI) fieldFunc { return s.eniFields(c.r, v) }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlENI, 0, len(enis))
	for _, e := range enis {
		out = append(out, s.eniXML(c.r, e))
	}
	return struct {
		ENIs      []xmlENI `xml:"networkInterfaceSet>item"`
		NextToken string   `xml:"nextToken,omitempty"`
	}{out, next}, nil
}
