package aws

import (
	"context"
	"fmt"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Firewall is EC2's security groups and their rules.
type Firewall struct{ api firewallAPI }

// firewallAPI lists only the SDK methods Firewall calls.
type firewallAPI interface {
	CreateSecurityGroup(context.Context, *ec2.CreateSecurityGroupInput, ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	AuthorizeSecurityGroupIngress(context.Context, *ec2.AuthorizeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
	RevokeSecurityGroupIngress(context.Context, *ec2.RevokeSecurityGroupIngressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupIngressOutput, error)
	AuthorizeSecurityGroupEgress(context.Context, *ec2.AuthorizeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupEgressOutput, error)
	RevokeSecurityGroupEgress(context.Context, *ec2.RevokeSecurityGroupEgressInput, ...func(*ec2.Options)) (*ec2.RevokeSecurityGroupEgressOutput, error)
	DeleteSecurityGroup(context.Context, *ec2.DeleteSecurityGroupInput, ...func(*ec2.Options)) (*ec2.DeleteSecurityGroupOutput, error)
}

// SecurityGroup is a security group with its rules, one source (or
// destination) per rule.
type SecurityGroup struct {
	ID      string
	Name    string
	VPCID   string
	Ingress []Rule
	Egress  []Rule
	Tags    map[string]string
}

// Rule is one permission with exactly one peer: a CIDR, an IPv6 CIDR or a
// security group — the source of an ingress rule, the destination of an
// egress rule. Protocol is tcp, udp, icmp or -1 (all).
type Rule struct {
	Protocol         string
	FromPort, ToPort int32
	CIDR             string
	IPv6CIDR         string
	GroupID          string
	// Description is shown in the console; it is not part of the rule's
	// identity.
	Description string
}

// Same reports whether two rules admit the same traffic from the same
// source, whatever their descriptions.
func (r Rule) Same(o Rule) bool {
	return r.Protocol == o.Protocol && r.FromPort == o.FromPort && r.ToPort == o.ToPort &&
		r.CIDR == o.CIDR && r.IPv6CIDR == o.IPv6CIDR && r.GroupID == o.GroupID
}

// Source returns the rule's one source.
func (r Rule) Source() string { return netFirst(r.CIDR, r.IPv6CIDR, r.GroupID) }

func (r Rule) String() string {
	return fmt.Sprintf("%s %d-%d from %s", r.Protocol, r.FromPort, r.ToPort, r.Source())
}

// CreateSecurityGroup creates a group in a VPC, tagged at creation. The
// name is unique in the VPC: InvalidGroup.Duplicate when it is taken.
func (f *Firewall) CreateSecurityGroup(ctx context.Context, vpcID, name, description string, tags map[string]string) (SecurityGroup, error) {
	out, err := f.api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: sdk.String(vpcID), GroupName: sdk.String(name),
		Description: sdk.String(description), TagSpecifications: netTagSpec(types.ResourceTypeSecurityGroup, tags)})
	if err != nil {
		return SecurityGroup{}, err
	}
	return SecurityGroup{ID: sdk.ToString(out.GroupId), Name: name, VPCID: vpcID, Tags: tags}, nil
}

// SecurityGroup returns the group with id; false when it does not exist.
func (f *Firewall) SecurityGroup(ctx context.Context, id string) (SecurityGroup, bool, error) {
	gs, err := f.describe(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})
	if IsNotFound(err) || err == nil && len(gs) == 0 {
		return SecurityGroup{}, false, nil
	}
	if err != nil {
		return SecurityGroup{}, false, err
	}
	return gs[0], true, nil
}

// SecurityGroupByName returns the group named name in a VPC.
func (f *Firewall) SecurityGroupByName(ctx context.Context, vpcID, name string) (SecurityGroup, bool, error) {
	gs, err := f.describe(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		netFilter("vpc-id", vpcID), netFilter("group-name", name)}})
	if err != nil || len(gs) == 0 {
		return SecurityGroup{}, false, err
	}
	return gs[0], true, nil
}

// SecurityGroups returns the groups among ids that exist (a filter, so a
// deleted one is left out rather than failing the call).
func (f *Firewall) SecurityGroups(ctx context.Context, ids []string) ([]SecurityGroup, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return f.describe(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{netFilter("group-id", ids...)}})
}

// TaggedSecurityGroups returns the groups carrying every tag of tags.
func (f *Firewall) TaggedSecurityGroups(ctx context.Context, tags map[string]string) ([]SecurityGroup, error) {
	return f.describe(ctx, &ec2.DescribeSecurityGroupsInput{Filters: netTagFilters(tags)})
}

func (f *Firewall) describe(ctx context.Context, in *ec2.DescribeSecurityGroupsInput) ([]SecurityGroup, error) {
	var gs []SecurityGroup
	p := ec2.NewDescribeSecurityGroupsPaginator(f.api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range out.SecurityGroups {
			gs = append(gs, SecurityGroup{ID: sdk.ToString(g.GroupId), Name: sdk.ToString(g.GroupName), VPCID: sdk.ToString(g.VpcId),
				Ingress: rulesOf(g.IpPermissions), Egress: rulesOf(g.IpPermissionsEgress), Tags: netTagMap(g.Tags)})
		}
	}
	return gs, nil
}

// rulesOf splits EC2's permissions (one per protocol and port range, with
// many sources) into single-source rules.
func rulesOf(perms []types.IpPermission) []Rule {
	var rules []Rule
	for _, p := range perms {
		base := Rule{Protocol: sdk.ToString(p.IpProtocol), FromPort: sdk.ToInt32(p.FromPort), ToPort: sdk.ToInt32(p.ToPort)}
		if base.Protocol == "-1" {
			base.FromPort, base.ToPort = -1, -1
		}
		for _, r := range p.IpRanges {
			x := base
			x.CIDR, x.Description = sdk.ToString(r.CidrIp), sdk.ToString(r.Description)
			rules = append(rules, x)
		}
		for _, r := range p.Ipv6Ranges {
			x := base
			x.IPv6CIDR, x.Description = sdk.ToString(r.CidrIpv6), sdk.ToString(r.Description)
			rules = append(rules, x)
		}
		for _, g := range p.UserIdGroupPairs {
			x := base
			x.GroupID, x.Description = sdk.ToString(g.GroupId), sdk.ToString(g.Description)
			rules = append(rules, x)
		}
	}
	return rules
}

func permissionOf(r Rule) types.IpPermission {
	p := types.IpPermission{IpProtocol: sdk.String(r.Protocol)}
	if r.Protocol != "-1" {
		p.FromPort, p.ToPort = sdk.Int32(r.FromPort), sdk.Int32(r.ToPort)
	}
	desc := sdk.String(r.Description)
	if r.Description == "" {
		desc = nil
	}
	switch {
	case r.CIDR != "":
		p.IpRanges = []types.IpRange{{CidrIp: sdk.String(r.CIDR), Description: desc}}
	case r.IPv6CIDR != "":
		p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: sdk.String(r.IPv6CIDR), Description: desc}}
	case r.GroupID != "":
		p.UserIdGroupPairs = []types.UserIdGroupPair{{GroupId: sdk.String(r.GroupID), Description: desc}}
	}
	return p
}

// AuthorizeIngress adds ingress rules to a group. A rule the group
// already has is success: AWS fails the whole call with
// InvalidPermission.Duplicate, so the rules are then added one at a time.
func (f *Firewall) AuthorizeIngress(ctx context.Context, groupID string, rules []Rule) error {
	return f.authorize(ctx, groupID, rules, func(ctx context.Context, perms []types.IpPermission) error {
		_, err := f.api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sdk.String(groupID), IpPermissions: perms})
		return err
	})
}

// AuthorizeEgress adds egress rules to a group, as AuthorizeIngress does.
func (f *Firewall) AuthorizeEgress(ctx context.Context, groupID string, rules []Rule) error {
	return f.authorize(ctx, groupID, rules, func(ctx context.Context, perms []types.IpPermission) error {
		_, err := f.api.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: sdk.String(groupID), IpPermissions: perms})
		return err
	})
}

// RevokeIngress removes ingress rules from a group; a rule already gone
// is success.
func (f *Firewall) RevokeIngress(ctx context.Context, groupID string, rules []Rule) error {
	return f.revoke(ctx, rules, func(ctx context.Context, perms []types.IpPermission) error {
		_, err := f.api.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: sdk.String(groupID), IpPermissions: perms})
		return err
	})
}

// RevokeEgress removes egress rules from a group, as RevokeIngress does.
func (f *Firewall) RevokeEgress(ctx context.Context, groupID string, rules []Rule) error {
	return f.revoke(ctx, rules, func(ctx context.Context, perms []types.IpPermission) error {
		_, err := f.api.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: sdk.String(groupID), IpPermissions: perms})
		return err
	})
}

func (f *Firewall) authorize(ctx context.Context, groupID string, rules []Rule, call func(context.Context, []types.IpPermission) error) error {
	if len(rules) == 0 {
		return nil
	}
	perms := make([]types.IpPermission, len(rules))
	for i, r := range rules {
		perms[i] = permissionOf(r)
	}
	err := call(ctx, perms)
	if !IsCode(err, "InvalidPermission.Duplicate") || len(rules) == 1 {
		if IsCode(err, "InvalidPermission.Duplicate") {
			return nil
		}
		return err
	}
	for _, p := range perms {
		if err := call(ctx, []types.IpPermission{p}); err != nil && !IsCode(err, "InvalidPermission.Duplicate") {
			return err
		}
	}
	return nil
}

func (f *Firewall) revoke(ctx context.Context, rules []Rule, call func(context.Context, []types.IpPermission) error) error {
	if len(rules) == 0 {
		return nil
	}
	perms := make([]types.IpPermission, len(rules))
	for i, r := range rules {
		r.Description = "" // revoke matches on the permission, not its text
		perms[i] = permissionOf(r)
	}
	err := call(ctx, perms)
	if !IsCode(err, "InvalidPermission.NotFound") {
		return err
	}
	for _, p := range perms {
		if err := call(ctx, []types.IpPermission{p}); err != nil && !IsCode(err, "InvalidPermission.NotFound") {
			return err
		}
	}
	return nil
}

// DeleteSecurityGroup deletes a group; DependencyViolation while a network
// interface uses it or another group's rule refers to it.
func (f *Firewall) DeleteSecurityGroup(ctx context.Context, id string) error {
	_, err := f.api.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sdk.String(id)})
	return err
}

// RulesMissing returns the rules of want that have no Same rule in have.
func RulesMissing(want, have []Rule) []Rule {
	var out []Rule
	for _, w := range want {
		if !slices.ContainsFunc(have, w.Same) {
			out = append(out, w)
		}
	}
	return out
}
