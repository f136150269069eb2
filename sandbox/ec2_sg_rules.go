package sandbox

import "slices"

type xmlReferencedGroup struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

type xmlSGRule struct {
	SecurityGroupRuleID string              `xml:"securityGroupRuleId"`
	Arn                 string              `xml:"securityGroupRuleArn"`
	GroupID             string              `xml:"groupId"`
	GroupOwnerID        string              `xml:"groupOwnerId"`
	IsEgress            bool                `xml:"isEgress"`
	IPProtocol          string              `xml:"ipProtocol"`
	FromPort            int                 `xml:"fromPort"`
	ToPort              int                 `xml:"toPort"`
	CidrIPv4            string              `xml:"cidrIpv4,omitempty"`
	CidrIPv6            string              `xml:"cidrIpv6,omitempty"`
	ReferencedGroup     *xmlReferencedGroup `xml:"referencedGroupInfo,omitempty"`
	Description         string              `xml:"description,omitempty"`
}

func ruleXML(region string, sg *SecurityGroup, r SGRule, egress bool) xmlSGRule {
	x := xmlSGRule{SecurityGroupRuleID: r.ID, Arn: "arn:aws:ec2:" + region + ":" + AccountID + ":security-group-rule/" + r.ID,
		GroupID: sg.ID, GroupOwnerID: AccountID, IsEgress: egress, IPProtocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, Description: r.Description}
	if len(r.CIDRs) > 0 {
		x.CidrIPv4 = r.CIDRs[0]
	}
	if len(r.IPv6) > 0 {
		x.CidrIPv6 = r.IPv6[0]
	}
	if len(r.Groups) > 0 {
		x.ReferencedGroup = &xmlReferencedGroup{r.Groups[0], AccountID}
	}
	return x
}

// authorizeSecurityGroup adds ingress (or egress) rules. Every rule of the
// request must be new: one that exists already fails the whole request
// with InvalidPermission.Duplicate, as on EC2.
func authorizeSecurityGroup(egress bool) handler {
	return func(c *call) (any, error) {
		sg, err := groupParam(c)
		if err != nil {
			return nil, err
		}
		rules, err := parsePermissions(c, sg)
		if err != nil {
			return nil, err
		}
		have := sg.rules(egress)
		for i, r := range rules {
			dup := slices.ContainsFunc(*have, func(h SGRule) bool { return sameRule(h, r) }) ||
				slices.ContainsFunc(rules[:i], func(h SGRule) bool { return sameRule(h, r) })
			if dup {
				return nil, errBadRequest("InvalidPermission.Duplicate", "the specified rule \"%s\" already exists", r)
			}
		}
		if len(*have)+len(rules) > maxRulesPerDirection {
			return nil, errBadRequest("RulesPerSecurityGroupLimitExceeded", "The maximum number of rules per security group has been reached.")
		}
		out := struct {
			Return bool        `xml:"return"`
			Rules  []xmlSGRule `xml:"securityGroupRuleSet>item"`
		}{Return: true}
		for _, r := range rules {
			r.ID = c.w.newID("sgr")
			*have = append(*have, r)
			out.Rules = append(out.Rules, ruleXML(c.region, sg, r, egress))
		}
		return out, nil
	}
}

// revokeSecurityGroup removes rules named by SecurityGroupRuleId.N or by
// IpPermissions. A permission that matches no rule is reported back in
// unknownIpPermissionSet in the default VPC and fails the request
// (InvalidPermission.NotFound, nothing revoked) in any other VPC, as the
// EC2 API reference describes.
func revokeSecurityGroup(egress bool) handler {
	return func(c *call) (any, error) {
		sg, err := groupParam(c)
		if err != nil {
			return nil, err
		}
		have := sg.rules(egress)
		var remove []string
		var unknown []SGRule
		if ids := c.p.List("SecurityGroupRuleId"); len(ids) > 0 {
			for _, id := range ids {
				if !slices.ContainsFunc(*have, func(h SGRule) bool { return h.ID == id }) {
					return nil, errBadRequest("InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '%s' does not exist", id)
				}
				remove = append(remove, id)
			}
		} else {
			rules, err := parsePermissions(c, sg)
			if err != nil {
				return nil, err
			}
			for _, r := range rules {
				i := slices.IndexFunc(*have, func(h SGRule) bool { return sameRule(h, r) })
				if i < 0 {
					unknown = append(unknown, r)
					continue
				}
				remove = append(remove, (*have)[i].ID)
			}
		}
		dv := c.r.defaultVpc()
		if len(unknown) > 0 && (dv == nil || dv.ID != sg.VpcID) {
			return nil, errBadRequest("InvalidPermission.NotFound", "The specified rule does not exist in this security group.")
		}
		out := struct {
			Return  bool              `xml:"return"`
			Unknown []xmlIPPermission `xml:"unknownIpPermissionSet>item,omitempty"`
			Revoked []xmlSGRule       `xml:"revokedSecurityGroupRuleSet>item,omitempty"`
		}{Return: len(unknown) == 0}
		if len(unknown) > 0 {
			out.Unknown = permissionsXML(unknown)
		}
		*have = slices.DeleteFunc(*have, func(h SGRule) bool {
			if slices.Contains(remove, h.ID) {
				out.Revoked = append(out.Revoked, ruleXML(c.region, sg, h, egress))
				return true
			}
			return false
		})
		return out, nil
	}
}

// describeSecurityGroupRules lists rules one per source, with their ids.
func describeSecurityGroupRules(c *call) (any, error) {
	s := c.r.EC2.Network
	all := map[string]xmlSGRule{}
	for _, g := range s.SecurityGroups {
		for _, r := range g.Ingress {
			all[r.ID] = ruleXML(c.region, g, r, false)
		}
		for _, r := range g.Egress {
			all[r.ID] = ruleXML(c.region, g, r, true)
		}
	}
	rules, next, err := describe(c, all, "SecurityGroupRuleId", func(xmlSGRule) []Tag { return nil },
		func(x xmlSGRule) fieldFunc {
			return func(name string) ([]string, bool) {
				switch name {
				case "group-id":
					return []string{x.GroupID}, true
				case "security-group-rule-id":
					return []string{x.SecurityGroupRuleID}, true
				}
				return nil, false
			}
		}, 5)
	if err != nil {
		return nil, err
	}
	return struct {
		Rules     []xmlSGRule `xml:"securityGroupRuleSet>item"`
		NextToken string      `xml:"nextToken,omitempty"`
	}{rules, next}, nil
}
