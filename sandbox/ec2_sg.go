package sandbox

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// maxRulesPerDirection is the default quota of inbound (and, separately,
// outbound) rules per security group
// (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
const maxRulesPerDirection = 60

func (sg *SecurityGroup) arn(region string) string {
	return "arn:aws:ec2:" + region + ":" + AccountID + ":security-group/" + sg.ID
}

func (sg *SecurityGroup) rules(egress bool) *[]SGRule {
	if egress {
		return &sg.Egress
	}
	return &sg.Ingress
}

// sameRule reports whether two single-source rules are the same permission.
func sameRule(a, b SGRule) bool {
	return a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort &&
		slices.Equal(a.CIDRs, b.CIDRs) && slices.Equal(a.IPv6, b.IPv6) && slices.Equal(a.Groups, b.Groups)
}

// peer describes a rule's source the way EC2 words it in errors.
func (rule SGRule) String() string {
	peer := strings.Join(append(append(slices.Clone(rule.CIDRs), rule.IPv6...), rule.Groups...), ",")
	proto := strings.ToUpper(rule.Protocol)
	if rule.Protocol == "-1" {
		proto = "ALL"
	}
	return fmt.Sprintf("peer: %s, %s, from port: %d, to port: %d, ALLOW", peer, proto, rule.FromPort, rule.ToPort)
}

// normalizeProtocol maps protocol names and numbers to what EC2 reports.
func normalizeProtocol(p string) (string, bool) {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp", true
	case "udp", "17":
		return "udp", true
	case "icmp", "1":
		return "icmp", true
	case "-1", "all":
		return "-1", true
	case "icmpv6", "58":
		return "icmpv6", true
	}
	return "", false
}

// parsePermissions expands the IpPermissions.N of an Authorize/Revoke call
// (or the older top-level IpProtocol/CidrIp form) into single-source rules.
func parsePermissions(c *call, sg *SecurityGroup) ([]SGRule, error) {
	perms := c.p.Structs("IpPermissions")
	if len(perms) == 0 && c.p.Get("IpProtocol") != "" {
		perms = []params{c.p}
	}
	var out []SGRule
	for _, p := range perms {
		proto, ok := normalizeProtocol(p.Get("IpProtocol"))
		if !ok {
			return nil, errBadRequest("InvalidParameterValue", "Invalid value '%s' for IP protocol. Unknown protocol.", p.Get("IpProtocol"))
		}
		from, err := p.Int("FromPort", -1)
		if err != nil {
			return nil, err
		}
		to, err := p.Int("ToPort", -1)
		if err != nil {
			return nil, err
		}
		switch proto {
		case "-1":
			from, to = -1, -1
		case "tcp", "udp":
			if !p.Has("FromPort") || !p.Has("ToPort") || from < 0 || to > 65535 || from > to {
				return nil, errBadRequest("InvalidParameterValue", "Invalid port range (%d-%d): %s ports must be between 0 and 65535 with from port ≤ to port", from, to, strings.ToUpper(proto))
			}
		default: // ICMP: type and code, -1 meaning all
			if from < -1 || from > 255 || to < -1 || to > 255 {
				return nil, errBadRequest("InvalidParameterValue", "Invalid ICMP type or code (%d, %d)", from, to)
			}
		}
		base := SGRule{Protocol: proto, FromPort: from, ToPort: to}
		n := 0
		for _, r := range p.Structs("IpRanges") {
			cidr := r.Get("CidrIp")
			if pr, err := netip.ParsePrefix(cidr); err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
				return nil, errBadRequest("InvalidParameterValue", "CIDR block %s is malformed", cidr)
			}
			rule := base
			rule.CIDRs, rule.Description = []string{cidr}, r.Get("Description")
			out = append(out, rule)
			n++
		}
		if cidr := p.Get("CidrIp"); cidr != "" {
			if pr, err := netip.ParsePrefix(cidr); err != nil || !pr.Addr().Is4() || pr.Masked() != pr {
				return nil, errBadRequest("InvalidParameterValue", "CIDR block %s is malformed", cidr)
			}
			rule := base
			rule.CIDRs = []string{cidr}
			out = append(out, rule)
			n++
		}
		for _, r := range p.Structs("Ipv6Ranges") {
			cidr := r.Get("CidrIpv6")
			if pr, err := netip.ParsePrefix(cidr); err != nil || !pr.Addr().Is6() || pr.Masked() != pr {
				return nil, errBadRequest("InvalidParameterValue", "CIDR block %s is malformed", cidr)
			}
			rule := base
			rule.IPv6, rule.Description = []string{cidr}, r.Get("Description")
			out = append(out, rule)
			n++
		}
		for _, r := range p.Structs("Groups") {
			id, err := c.r.EC2.Network.groupRef(r.Get("GroupId"), r.Get("GroupName"), sg.VpcID)
			if err != nil {
				return nil, err
			}
			rule := base
			rule.Groups, rule.Description = []string{id}, r.Get("Description")
			out = append(out, rule)
			n++
		}
		if len(p.Structs("PrefixListIds")) > 0 {
			return nil, errBadRequest("InvalidParameterValue", "The sandbox does not model prefix lists.")
		}
		if n == 0 {
			return nil, errBadRequest("MissingParameter", "A rule needs a source or destination: a CIDR, an IPv6 CIDR or a security group.")
		}
	}
	if len(out) == 0 {
		return nil, errMissing("IpPermissions")
	}
	return out, nil
}

// groupRef resolves a rule's source group, by id or by name in vpcID.
func (s *EC2Network) groupRef(id, name, vpcID string) (string, error) {
	if id != "" {
		if s.SecurityGroups[id] == nil {
			return "", errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
		return id, nil
	}
	for _, g := range s.SecurityGroups {
		if g.VpcID == vpcID && g.Name == name {
			return g.ID, nil
		}
	}
	return "", errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in VPC '%s'", name, vpcID)
}

// groupParam finds the group of a request by GroupId, or by GroupName in
// the default VPC (EC2 resolves names only there).
func groupParam(c *call) (*SecurityGroup, error) {
	s := c.r.EC2.Network
	if id := c.p.Get("GroupId"); id != "" {
		sg := s.SecurityGroups[id]
		if sg == nil {
			return nil, errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist", id)
		}
		return sg, nil
	}
	name := c.p.Get("GroupName")
	if name == "" {
		return nil, errMissing("GroupId")
	}
	if dv := c.r.defaultVpc(); dv != nil {
		for _, g := range s.SecurityGroups {
			if g.VpcID == dv.ID && g.Name == name {
				return g, nil
			}
		}
	}
	return nil, errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", name)
}

func createSecurityGroup(c *call) (any, error) {
	s := c.r.EC2.Network
	name, desc := c.p.Get("GroupName"), c.p.Get("GroupDescription")
	switch {
	case name == "":
		return nil, errMissing("GroupName")
	case desc == "":
		return nil, errMissing("GroupDescription")
	case len(name) > 255 || len(desc) > 255:
		return nil, errBadRequest("InvalidParameterValue", "Group name and description must be at most 255 characters")
	case strings.HasPrefix(strings.ToLower(name), "sg-"):
		return nil, errBadRequest("InvalidParameterValue", "Group names may not be in the format sg-*")
	}
	vpcID := c.p.Get("VpcId")
	if vpcID == "" {
		dv := c.r.defaultVpc()
		if dv == nil {
			return nil, errBadRequest("VPCIdNotSpecified", "No default VPC for this user")
		}
		vpcID = dv.ID
	}
	if s.Vpcs[vpcID] == nil {
		return nil, errBadRequest("InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpcID)
	}
	for _, g := range s.SecurityGroups {
		if g.VpcID == vpcID && g.Name == name {
			return nil, errBadRequest("InvalidGroup.Duplicate", "The security group '%s' already exists for VPC '%s'", name, vpcID)
		}
	}
	tags, err := tagSpecs(c, "security-group")
	if err != nil {
		return nil, err
	}
	sg := &SecurityGroup{ID: c.w.newID("sg"), Name: name, Description: desc, VpcID: vpcID, Tags: tags}
	// A new group lets everything out and nothing in.
	sg.Egress = []SGRule{{ID: c.w.newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, CIDRs: []string{"0.0.0.0/0"}}}
	s.SecurityGroups[sg.ID] = sg
	return struct {
		GroupID string   `xml:"groupId"`
		Arn     string   `xml:"securityGroupArn"`
		Tags    []xmlTag `xml:"tagSet>item"`
	}{sg.ID, sg.arn(c.region), xmlTags(tags)}, nil
}

// deleteSecurityGroup refuses a VPC's default group, a group a network
// interface uses, and a group another group's rule refers to.
func deleteSecurityGroup(c *call) (any, error) {
	sg, err := groupParam(c)
	if err != nil {
		return nil, err
	}
	s := c.r.EC2.Network
	if sg.IsDefault {
		return nil, errBadRequest("CannotDelete", "the specified group: \"%s\" name: \"default\" cannot be deleted by a user", sg.ID)
	}
	inUse := errBadRequest("DependencyViolation", "resource %s has a dependent object", sg.ID)
	for _, e := range s.ENIs {
		if slices.Contains(e.SecurityGroups, sg.ID) {
			return nil, inUse
		}
	}
	for _, other := range s.SecurityGroups {
		if other.ID == sg.ID {
			continue
		}
		for _, rule := range append(slices.Clone(other.Ingress), other.Egress...) {
			if slices.Contains(rule.Groups, sg.ID) {
				return nil, inUse
			}
		}
	}
	delete(s.SecurityGroups, sg.ID)
	return struct {
		Return  bool   `xml:"return"`
		GroupID string `xml:"groupId"`
	}{true, sg.ID}, nil
}

type xmlIPRange struct {
	CidrIP      string `xml:"cidrIp"`
	Description string `xml:"description,omitempty"`
}

type xmlIPv6Range struct {
	CidrIPv6    string `xml:"cidrIpv6"`
	Description string `xml:"description,omitempty"`
}

type xmlGroupPair struct {
	GroupID     string `xml:"groupId"`
	UserID      string `xml:"userId"`
	Description string `xml:"description,omitempty"`
}

type xmlIPPermission struct {
	IPProtocol string         `xml:"ipProtocol"`
	FromPort   *int           `xml:"fromPort,omitempty"`
	ToPort     *int           `xml:"toPort,omitempty"`
	Groups     []xmlGroupPair `xml:"groups>item"`
	IPRanges   []xmlIPRange   `xml:"ipRanges>item"`
	IPv6Ranges []xmlIPv6Range `xml:"ipv6Ranges>item"`
}

// permissionsXML merges single-source rules with the same protocol and
// ports into one IpPermission each, as DescribeSecurityGroups shows them.
func permissionsXML(rules []SGRule) []xmlIPPermission {
	out := []xmlIPPermission{}
	index := map[string]int{}
	for _, r := range rules {
		key := fmt.Sprintf("%s/%d/%d", r.Protocol, r.FromPort, r.ToPort)
		i, ok := index[key]
		if !ok {
			p := xmlIPPermission{IPProtocol: r.Protocol}
			if r.Protocol != "-1" {
				from, to := r.FromPort, r.ToPort
				p.FromPort, p.ToPort = &from, &to
			}
			out = append(out, p)
			i = len(out) - 1
			index[key] = i
		}
		p := &out[i]
		for _, cidr := range r.CIDRs {
			p.IPRanges = append(p.IPRanges, xmlIPRange{cidr, r.Description})
		}
		for _, cidr := range r.IPv6 {
			p.IPv6Ranges = append(p.IPv6Ranges, xmlIPv6Range{cidr, r.Description})
		}
		for _, g := range r.Groups {
			p.Groups = append(p.Groups, xmlGroupPair{g, AccountID, r.Description})
		}
	}
	return out
}

type xmlSecurityGroup struct {
	OwnerID          string            `xml:"ownerId"`
	GroupID          string            `xml:"groupId"`
	GroupName        string            `xml:"groupName"`
	GroupDescription string            `xml:"groupDescription"`
	VpcID            string            `xml:"vpcId"`
	Arn              string            `xml:"securityGroupArn"`
	Ingress          []xmlIPPermission `xml:"ipPermissions>item"`
	Egress           []xmlIPPermission `xml:"ipPermissionsEgress>item"`
	Tags             []xmlTag          `xml:"tagSet>item"`
}

func (sg *SecurityGroup) fields(name string) ([]string, bool) {
	var out []string
	collect := func(rules []SGRule, f func(SGRule) []string) ([]string, bool) {
		for _, r := range rules {
			out = append(out, f(r)...)
		}
		return out, true
	}
	ports := func(from bool) func(SGRule) []string {
		return func(r SGRule) []string {
			if from {
				return []string{fmt.Sprint(r.FromPort)}
			}
			return []string{fmt.Sprint(r.ToPort)}
		}
	}
	switch name {
	case "group-id":
		return []string{sg.ID}, true
	case "group-name":
		return []string{sg.Name}, true
	case "vpc-id":
		return []string{sg.VpcID}, true
	case "description":
		return []string{sg.Description}, true
	case "owner-id":
		return []string{AccountID}, true
	case "ip-permission.cidr":
		return collect(sg.Ingress, func(r SGRule) []string { return r.CIDRs })
	case "ip-permission.ipv6-cidr":
		return collect(sg.Ingress, func(r SGRule) []string { return r.IPv6 })
	case "ip-permission.group-id":
		return collect(sg.Ingress, func(r SGRule) []string { return r.Groups })
	case "ip-permission.protocol":
		return collect(sg.Ingress, func(r SGRule) []string { return []string{r.Protocol} })
	case "ip-permission.from-port":
		return collect(sg.Ingress, ports(true))
	case "ip-permission.to-port":
		return collect(sg.Ingress, ports(false))
	case "egress.ip-permission.cidr":
		return collect(sg.Egress, func(r SGRule) []string { return r.CIDRs })
	case "egress.ip-permission.group-id":
		return collect(sg.Egress, func(r SGRule) []string { return r.Groups })
	case "egress.ip-permission.protocol":
		return collect(sg.Egress, func(r SGRule) []string { return []string{r.Protocol} })
	}
	return nil, false
}

func describeSecurityGroups(c *call) (any, error) {
	s := c.r.EC2.Network
	// GroupName.N resolves in the default VPC only; other groups are
	// found with the group-name filter.
	var byName []string
	for _, name := range c.p.List("GroupName") {
		found := false
		if dv := c.r.defaultVpc(); dv != nil {
			for _, g := range s.SecurityGroups {
				if g.VpcID == dv.ID && g.Name == name {
					byName, found = append(byName, g.ID), true
				}
			}
		}
		if !found {
			return nil, errBadRequest("InvalidGroup.NotFound", "The security group '%s' does not exist in default VPC", name)
		}
	}
	groups, next, err := describe(c, s.SecurityGroups, "GroupId", func(v *SecurityGroup) []Tag { return v.Tags },
		func(v *SecurityGroup) fieldFunc { return v.fields }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlSecurityGroup, 0, len(groups))
	for _, g := range groups {
		if len(byName) > 0 && !slices.Contains(byName, g.ID) {
			continue
		}
		out = append(out, xmlSecurityGroup{OwnerID: AccountID, GroupID: g.ID, GroupName: g.Name, GroupDescription: g.Description,
			VpcID: g.VpcID, Arn: g.arn(c.region), Ingress: permissionsXML(g.Ingress), Egress: permissionsXML(g.Egress), Tags: xmlTags(g.Tags)})
	}
	return struct {
		Groups    []xmlSecurityGroup `xml:"securityGroupInfo>item"`
		NextToken string             `xml:"nextToken,omitempty"`
	}{out, next}, nil
}
