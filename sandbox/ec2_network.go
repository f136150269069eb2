package sandbox

import (
	"encoding/binary"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"time"
)

// The network half of EC2. The types and functions below are what other
// services of the sandbox use; keep their signatures.

// EC2Network is one region's VPCs, subnets, gateways, addresses, route
// tables, security groups, network interfaces and key pairs.
type EC2Network struct {
	Vpcs             map[string]*Vpc             `json:"vpcs"`
	Subnets          map[string]*Subnet          `json:"subnets"`
	SecurityGroups   map[string]*SecurityGroup   `json:"security_groups"`
	ENIs             map[string]*ENI             `json:"enis"`
	InternetGateways map[string]*InternetGateway `json:"internet_gateways"`
	Addresses        map[string]*Address         `json:"addresses"` // by allocation id
	NatGateways      map[string]*NatGateway      `json:"nat_gateways"`
	RouteTables      map[string]*RouteTable      `json:"route_tables"`
	KeyPairs         map[string]*KeyPair         `json:"key_pairs"` // by name
	// PublicIPSeq numbers the public IPv4 addresses handed out in this
	// region (Elastic IPs and auto-assigned ones), so none is given twice.
	PublicIPSeq uint32 `json:"public_ip_seq"`
	// IPv6Seq numbers the Amazon-provided IPv6 blocks handed out.
	IPv6Seq uint32 `json:"ipv6_seq,omitempty"`
}

// Vpc is a VPC.
type Vpc struct {
	ID                 string `json:"id"`
	CIDR               string `json:"cidr"`
	CIDRAssociationID  string `json:"cidr_association_id"`
	IsDefault          bool   `json:"is_default"`
	InstanceTenancy    string `json:"instance_tenancy"`
	EnableDNSSupport   bool   `json:"enable_dns_support"`
	EnableDNSHostnames bool   `json:"enable_dns_hostnames"`
	// IPv6CIDR is the VPC's Amazon-provided IPv6 block (a /56), if any.
	IPv6CIDR          string `json:"ipv6_cidr,omitempty"`
	IPv6AssociationID string `json:"ipv6_association_id,omitempty"`
	Tags              []Tag  `json:"tags"`
}

// Subnet is a subnet.
type Subnet struct {
	ID          string `json:"id"`
	VpcID       string `json:"vpc_id"`
	AZ          string `json:"az"`
	CIDR        string `json:"cidr"`
	MapPublicIP bool   `json:"map_public_ip"`
	IsDefault   bool   `json:"is_default"`
	// IPv6CIDR is the subnet's IPv6 block (a /64 of its VPC's), if any.
	IPv6CIDR          string `json:"ipv6_cidr,omitempty"`
	IPv6AssociationID string `json:"ipv6_association_id,omitempty"`
	Tags              []Tag  `json:"tags"`
}

// SecurityGroup is a security group with its rules.
type SecurityGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	VpcID       string   `json:"vpc_id"`
	Ingress     []SGRule `json:"ingress"`
	Egress      []SGRule `json:"egress"`
	IsDefault   bool     `json:"is_default"`
	Tags        []Tag    `json:"tags"`
}

// SGRule is one permission: a protocol and port range from CIDRs or groups.
// The sandbox stores one source per rule, as AWS does for its security
// group rule ids; DescribeSecurityGroups merges rules with the same
// protocol and ports into one IpPermission.
type SGRule struct {
	ID          string   `json:"id"`
	Protocol    string   `json:"protocol"` // "tcp", "udp", "icmp", "-1"
	FromPort    int      `json:"from_port"`
	ToPort      int      `json:"to_port"`
	CIDRs       []string `json:"cidrs,omitempty"`
	IPv6        []string `json:"ipv6,omitempty"`
	Groups      []string `json:"groups,omitempty"` // source security group ids
	Description string   `json:"description,omitempty"`
}

// ENI is a network interface; instances, load balancers and NAT gateways own them.
type ENI struct {
	ID             string   `json:"id"`
	SubnetID       string   `json:"subnet_id"`
	VpcID          string   `json:"vpc_id"`
	AZ             string   `json:"az"`
	PrivateIP      string   `json:"private_ip"`
	SecurityGroups []string `json:"security_groups"`
	Description    string   `json:"description"`
	InterfaceType  string   `json:"interface_type"` // "interface", "nat_gateway", ...
	OwnerID        string   `json:"owner_id"`       // instance id, load balancer ARN, NAT gateway id
	Status         string   `json:"status"`         // "in-use", "available"
	PublicIP       string   `json:"public_ip,omitempty"`
	AttachmentID   string   `json:"attachment_id,omitempty"`
	MAC            string   `json:"mac"`
	Tags           []Tag    `json:"tags"`
}

func newEC2Network() *EC2Network {
	s := &EC2Network{}
	s.ensure()
	return s
}

// ensure fills maps that an older persisted world lacks.
func (s *EC2Network) ensure() {
	if s.Vpcs == nil {
		s.Vpcs = map[string]*Vpc{}
	}
	if s.Subnets == nil {
		s.Subnets = map[string]*Subnet{}
	}
	if s.SecurityGroups == nil {
		s.SecurityGroups = map[string]*SecurityGroup{}
	}
	if s.ENIs == nil {
		s.ENIs = map[string]*ENI{}
	}
	if s.InternetGateways == nil {
		s.InternetGateways = map[string]*InternetGateway{}
	}
	if s.Addresses == nil {
		s.Addresses = map[string]*Address{}
	}
	if s.NatGateways == nil {
		s.NatGateways = map[string]*NatGateway{}
	}
	if s.RouteTables == nil {
		s.RouteTables = map[string]*RouteTable{}
	}
	if s.KeyPairs == nil {
		s.KeyPairs = map[string]*KeyPair{}
	}
}

// inventory lists what users created: not the default VPC and what came
// with it, and not what a VPC creates for itself (its default security
// group and main route table go when the VPC goes). ENIs belong to their
// instance, load balancer or NAT gateway and are not listed either.
func (s *EC2Network) inventory() []InventoryItem {
	var out []InventoryItem
	add := func(typ, id, name, state string, tags []Tag) {
		if name == "" {
			name = tagMap(tags)["Name"]
		}
		out = append(out, InventoryItem{Type: typ, ID: id, Name: name, State: state, Tags: tagMap(tags)})
	}
	for _, v := range s.Vpcs {
		if !v.IsDefault {
			add("ec2:vpc", v.ID, "", "available", v.Tags)
		}
	}
	for _, sn := range s.Subnets {
		if !sn.IsDefault {
			add("ec2:subnet", sn.ID, "", "available", sn.Tags)
		}
	}
	for _, g := range s.SecurityGroups {
		if !g.IsDefault {
			add("ec2:security-group", g.ID, g.Name, "", g.Tags)
		}
	}
	for _, ig := range s.InternetGateways {
		if !ig.BuiltIn {
			add("ec2:internet-gateway", ig.ID, "", ig.attachmentState(), ig.Tags)
		}
	}
	for _, a := range s.Addresses {
		add("ec2:elastic-ip", a.AllocationID, a.PublicIP, "", a.Tags)
	}
	for _, n := range s.NatGateways {
		if n.State == natPending || n.State == natAvailable || n.State == natDeleting {
			add("ec2:natgateway", n.ID, "", n.State, n.Tags)
		}
	}
	for _, rt := range s.RouteTables {
		if !rt.isMain() {
			add("ec2:route-table", rt.ID, "", "", rt.Tags)
		}
	}
	for _, k := range s.KeyPairs {
		add("ec2:key-pair", k.ID, k.Name, "", k.Tags)
	}
	return out
}

// tick moves NAT gateways through their states; everything else in the
// network half changes only on request.
func (s *EC2Network) tick(r *Region, now time.Time, d durations) {
	s.ensure() // a world saved before a map existed loads it as nil
	for id, n := range s.NatGateways {
		s.tickNat(r, id, n, now, d)
	}
}

// tagsOf returns the tag list of a network resource, or nil.
func (s *EC2Network) tagsOf(id string) *[]Tag {
	switch resourceType(id) {
	case "vpc":
		if v := s.Vpcs[id]; v != nil {
			return &v.Tags
		}
	case "subnet":
		if v := s.Subnets[id]; v != nil {
			return &v.Tags
		}
	case "security-group":
		if v := s.SecurityGroups[id]; v != nil {
			return &v.Tags
		}
	case "network-interface":
		if v := s.ENIs[id]; v != nil {
			return &v.Tags
		}
	case "internet-gateway":
		if v := s.InternetGateways[id]; v != nil {
			return &v.Tags
		}
	case "elastic-ip":
		if v := s.Addresses[id]; v != nil {
			return &v.Tags
		}
	case "natgateway":
		if v := s.NatGateways[id]; v != nil && v.State != natDeleted {
			return &v.Tags
		}
	case "route-table":
		if v := s.RouteTables[id]; v != nil {
			return &v.Tags
		}
	case "key-pair":
		for _, k := range s.KeyPairs {
			if k.ID == id {
				return &k.Tags
			}
		}
	}
	return nil
}

func ec2NetworkHandlers() map[string]handler {
	m := map[string]handler{
		"DescribeAvailabilityZones": describeAvailabilityZones,
		"DescribeRegions":           describeRegions,

		"CreateVpc":             createVpc,
		"DescribeVpcs":          describeVpcs,
		"DeleteVpc":             deleteVpc,
		"AssociateVpcCidrBlock": associateVpcCidrBlock,
		"ModifyVpcAttribute":    modifyVpcAttribute,
		"DescribeVpcAttribute":  describeVpcAttribute,

		"CreateSubnet":             createSubnet,
		"DescribeSubnets":          describeSubnets,
		"DeleteSubnet":             deleteSubnet,
		"AssociateSubnetCidrBlock": associateSubnetCidrBlock,
		"ModifySubnetAttribute":    modifySubnetAttribute,

		"CreateInternetGateway":    createInternetGateway,
		"AttachInternetGateway":    attachInternetGateway,
		"DetachInternetGateway":    detachInternetGateway,
		"DeleteInternetGateway":    deleteInternetGateway,
		"DescribeInternetGateways": describeInternetGateways,

		"AllocateAddress":   allocateAddress,
		"ReleaseAddress":    releaseAddress,
		"DescribeAddresses": describeAddresses,

		"CreateNatGateway":    createNatGateway,
		"DeleteNatGateway":    deleteNatGateway,
		"DescribeNatGateways": describeNatGateways,

		"CreateRouteTable":       createRouteTable,
		"DeleteRouteTable":       deleteRouteTable,
		"DescribeRouteTables":    describeRouteTables,
		"CreateRoute":            createRoute,
		"ReplaceRoute":           replaceRoute,
		"DeleteRoute":            deleteRoute,
		"AssociateRouteTable":    associateRouteTable,
		"DisassociateRouteTable": disassociateRouteTable,

		"CreateSecurityGroup":           createSecurityGroup,
		"DeleteSecurityGroup":           deleteSecurityGroup,
		"DescribeSecurityGroups":        describeSecurityGroups,
		"AuthorizeSecurityGroupIngress": authorizeSecurityGroup(false),
		"AuthorizeSecurityGroupEgress":  authorizeSecurityGroup(true),
		"RevokeSecurityGroupIngress":    revokeSecurityGroup(false),
		"RevokeSecurityGroupEgress":     revokeSecurityGroup(true),
		"DescribeSecurityGroupRules":    describeSecurityGroupRules,

		"CreateKeyPair":    createKeyPair,
		"ImportKeyPair":    importKeyPair,
		"DescribeKeyPairs": describeKeyPairs,
		"DeleteKeyPair":    deleteKeyPair,

		"CreateTags":   createTags,
		"DeleteTags":   deleteTags,
		"DescribeTags": describeTags,

		"DescribeNetworkInterfaces": describeNetworkInterfaces,
	}
	for op, h := range m {
		m[op] = dryRunnable(h)
	}
	return m
}

// dryRunnable answers a DryRun request as EC2 does when the caller is
// allowed (the sandbox allows everything): DryRunOperation, HTTP 412,
// and nothing changes.
func dryRunnable(h handler) handler {
	return func(c *call) (any, error) {
		if c.p.Bool("DryRun", false) {
			return nil, apiErr(http.StatusPreconditionFailed, "DryRunOperation", "Request would have succeeded, but DryRun flag is set.")
		}
		return h(c)
	}
}

// seedNetwork builds what a new account has in a region: the default VPC
// 172.31.0.0/16 with a /20 default subnet per AZ that maps public IPs, its
// default security group, its main route table and an internet gateway
// that route table sends 0.0.0.0/0 to.
func seedNetwork(r *Region) {
	s := r.EC2.Network
	vpc := r.newVpc("172.31.0.0/16", nil)
	vpc.IsDefault = true
	vpc.EnableDNSHostnames = true
	igw := &InternetGateway{ID: r.w.newID("igw"), VpcID: vpc.ID, BuiltIn: true}
	s.InternetGateways[igw.ID] = igw
	main := s.mainRouteTable(vpc.ID)
	main.Routes = append(main.Routes, Route{Destination: "0.0.0.0/0", GatewayID: igw.ID, Origin: "CreateRoute"})
	for i, az := range AZs(r.Name) {
		sn := &Subnet{ID: r.w.newID("subnet"), VpcID: vpc.ID, AZ: az, CIDR: fmt.Sprintf("172.31.%d.0/20", 16*i), MapPublicIP: true, IsDefault: true}
		s.Subnets[sn.ID] = sn
	}
}

// subnet returns the subnet with id, or nil.
func (r *Region) subnet(id string) *Subnet { return r.EC2.Network.Subnets[id] }

// securityGroup returns the group with id, or nil.
func (r *Region) securityGroup(id string) *SecurityGroup { return r.EC2.Network.SecurityGroups[id] }

// defaultVpc returns the region's default VPC, or nil.
func (r *Region) defaultVpc() *Vpc {
	for _, v := range r.EC2.Network.Vpcs {
		if v.IsDefault {
			return v
		}
	}
	return nil
}

// createENI creates an in-use interface in subnetID with a free private IP
// from the subnet (skipping AWS's five reserved addresses).
func (r *Region) createENI(subnetID string, groups []string, ownerID, interfaceType, description string) (*ENI, *APIError) {
	s := r.EC2.Network
	sn := s.Subnets[subnetID]
	if sn == nil {
		return nil, errBadRequest("InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist", subnetID)
	}
	for _, g := range groups {
		sg := s.SecurityGroups[g]
		if sg == nil {
			return nil, errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist", g)
		}
		if sg.VpcID != sn.VpcID {
			return nil, errBadRequest("InvalidParameter", "Security group %s and subnet %s belong to different networks.", g, subnetID)
		}
	}
	ip, ok := s.freeIP(sn)
	if !ok {
		return nil, errBadRequest("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '%s' to satisfy the requested number of instances.", subnetID)
	}
	if interfaceType == "" {
		interfaceType = "interface"
	}
	hex := r.w.newHex(10)
	e := &ENI{
		ID: r.w.newID("eni"), SubnetID: subnetID, VpcID: sn.VpcID, AZ: sn.AZ, PrivateIP: ip,
		SecurityGroups: slices.Clone(groups), Description: description, InterfaceType: interfaceType,
		OwnerID: ownerID, Status: "in-use", AttachmentID: r.w.newID("eni-attach"),
		MAC: fmt.Sprintf("0e:%s:%s:%s:%s:%s", hex[0:2], hex[2:4], hex[4:6], hex[6:8], hex[8:10]),
	}
	s.ENIs[e.ID] = e
	return e, nil
}

// deleteENIsOf deletes every interface owned by ownerID, releasing any
// Elastic IP association they held.
func (r *Region) deleteENIsOf(ownerID string) {
	s := r.EC2.Network
	for id, e := range s.ENIs {
		if e.OwnerID != ownerID {
			continue
		}
		for _, a := range s.Addresses {
			if a.ENIID == id {
				a.disassociate()
			}
		}
		delete(s.ENIs, id)
	}
}

// admits reports whether any of the groups sgIDs admits TCP traffic on port
// from one of the source groups, or from a CIDR rule containing sourceIP.
// Load balancer health checks use it to decide whether a target can answer.
func (r *Region) admits(sgIDs []string, port int, sourceGroups []string, sourceIP string) bool {
	var src netip.Addr
	if sourceIP != "" {
		src, _ = netip.ParseAddr(sourceIP)
	}
	for _, id := range sgIDs {
		sg := r.EC2.Network.SecurityGroups[id]
		if sg == nil {
			continue
		}
		for _, rule := range sg.Ingress {
			if !rule.coversTCP(port) {
				continue
			}
			for _, g := range rule.Groups {
				if slices.Contains(sourceGroups, g) {
					return true
				}
			}
			if !src.IsValid() {
				continue
			}
			for _, cidrs := range [2][]string{rule.CIDRs, rule.IPv6} {
				for _, c := range cidrs {
					if p, err := netip.ParsePrefix(c); err == nil && p.Contains(src) {
						return true
					}
				}
			}
		}
	}
	return false
}

// coversTCP reports whether the rule allows TCP to port.
func (rule SGRule) coversTCP(port int) bool {
	switch rule.Protocol {
	case "-1":
		return true
	case "tcp":
		return rule.FromPort <= port && port <= rule.ToPort
	}
	return false
}

// allocatePublicIP hands out a public IPv4 address that no one else in the
// region holds, for Elastic IPs and for instances launched into subnets
// that map public IPs on launch.
func (r *Region) allocatePublicIP() string {
	s := r.EC2.Network
	s.PublicIPSeq++
	// 3.80.0.0/12 is an Amazon range; 10 + seq keeps clear of .0 addresses
	// for the first few and wraps long after any test would notice.
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], 0x03500000+10+s.PublicIPSeq)
	return netip.AddrFrom4(b).String()
}

// freeIP returns the lowest unused private address of sn, skipping the
// network address, the three AWS reserves after it and the broadcast
// address (https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html).
func (s *EC2Network) freeIP(sn *Subnet) (string, bool) {
	p, err := netip.ParsePrefix(sn.CIDR)
	if err != nil {
		return "", false
	}
	used := map[string]bool{}
	for _, e := range s.ENIs {
		if e.SubnetID == sn.ID {
			used[e.PrivateIP] = true
		}
	}
	first := binary.BigEndian.Uint32(p.Addr().AsSlice())
	size := uint32(1) << (32 - p.Bits())
	for n := first + 4; n < first+size-1; n++ {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], n)
		ip := netip.AddrFrom4(b).String()
		if !used[ip] {
			return ip, true
		}
	}
	return "", false
}

// availableIPs is the subnet's AvailableIpAddressCount.
func (s *EC2Network) availableIPs(sn *Subnet) int {
	p, err := netip.ParsePrefix(sn.CIDR)
	if err != nil {
		return 0
	}
	n := 1<<(32-p.Bits()) - 5
	for _, e := range s.ENIs {
		if e.SubnetID == sn.ID {
			n--
		}
	}
	return n
}

// sortedKeys returns a map's keys in order, so listings and pages are stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
