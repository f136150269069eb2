package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func tcp(port int32) types.IpPermission {
	return types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port)}
}

func fromCIDR(p types.IpPermission, cidrs ...string) types.IpPermission {
	for _, c := range cidrs {
		p.IpRanges = append(p.IpRanges, types.IpRange{CidrIp: aws.String(c)})
	}
	return p
}

func fromGroup(p types.IpPermission, groups ...string) types.IpPermission {
	for _, g := range groups {
		p.UserIdGroupPairs = append(p.UserIdGroupPairs, types.UserIdGroupPair{GroupId: aws.String(g)})
	}
	return p
}

func (f *netFixture) describeGroup(id string) types.SecurityGroup {
	f.t.Helper()
	return must[*ec2.DescribeSecurityGroupsOutput](f.t)(f.ec2.DescribeSecurityGroups(testCtx(f.t), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}})).SecurityGroups[0]
}

func TestCreateSecurityGroupHasEgressToAllAndUniqueNamePerVpc(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	out := must[*ec2.CreateSecurityGroupOutput](t)(f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpcID), GroupName: aws.String("web"),
		Description: aws.String("web servers"), TagSpecifications: tagSpec(types.ResourceTypeSecurityGroup, "Name", "web")}))
	id := aws.ToString(out.GroupId)
	if !validID(id, "sg") || aws.ToString(out.SecurityGroupArn) != "arn:aws:ec2:us-east-1:"+AccountID+":security-group/"+id || tagValue(out.Tags, "Name") != "web" {
		t.Fatalf("CreateSecurityGroup = %+v", out)
	}
	g := f.describeGroup(id)
	if len(g.IpPermissions) != 0 || len(g.IpPermissionsEgress) != 1 || aws.ToString(g.IpPermissionsEgress[0].IpProtocol) != "-1" ||
		aws.ToString(g.IpPermissionsEgress[0].IpRanges[0].CidrIp) != "0.0.0.0/0" || g.IpPermissionsEgress[0].FromPort != nil {
		t.Fatalf("rules of a new group = in %+v out %+v", g.IpPermissions, g.IpPermissionsEgress)
	}
	cases := []struct {
		name, vpc, group, desc, code string
	}{
		{"same name, same VPC", vpcID, "web", "again", "InvalidGroup.Duplicate"},
		{"default exists", vpcID, "default", "again", "InvalidGroup.Duplicate"},
		{"sg- prefix", vpcID, "sg-web", "x", "InvalidParameterValue"},
		{"no description", vpcID, "nodesc", "", "MissingParameter"},
		{"same name, other VPC", f.vpc("10.1.0.0/16"), "web", "other", ""},
		{"default VPC when none given", "", "web", "in the default VPC", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &ec2.CreateSecurityGroupInput{GroupName: aws.String(c.group), Description: aws.String(c.desc)}
			if c.vpc != "" {
				in.VpcId = aws.String(c.vpc)
			}
			_, err := f.ec2.CreateSecurityGroup(testCtx(t), in)
			wantCode(t, err, c.code)
		})
	}
	byName := must[*ec2.DescribeSecurityGroupsOutput](t)(f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"web"}}))
	if len(byName.SecurityGroups) != 1 || aws.ToString(byName.SecurityGroups[0].Description) != "in the default VPC" {
		t.Fatalf("GroupNames resolves in the default VPC only: %+v", byName.SecurityGroups)
	}
	byFilter := must[*ec2.DescribeSecurityGroupsOutput](t)(f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("group-name", "web")}}))
	if len(byFilter.SecurityGroups) != 3 {
		t.Fatalf("group-name filter = %d groups, want 3", len(byFilter.SecurityGroups))
	}
	_, err := f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{"sg-0123456789abcdef0"}})
	wantCode(t, err, "InvalidGroup.NotFound")
	_, err = f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"nope"}})
	wantCode(t, err, "InvalidGroup.NotFound")
}

func TestAuthorizeAndRevokeRules(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	lb, app := f.group(vpcID, "lb"), f.group(vpcID, "app")

	// The load balancer takes 80 and 443 from anywhere, IPv4 and IPv6.
	web := func(port int32) types.IpPermission {
		p := fromCIDR(tcp(port), "0.0.0.0/0")
		p.Ipv6Ranges = []types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}
		return p
	}
	auth := must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(lb), IpPermissions: []types.IpPermission{web(80), web(443)}}))
	if !aws.ToBool(auth.Return) || len(auth.SecurityGroupRules) != 4 {
		t.Fatalf("authorize = %+v, want 4 rules (2 ports × IPv4 and IPv6)", auth)
	}
	for _, r := range auth.SecurityGroupRules {
		if !validID(aws.ToString(r.SecurityGroupRuleId), "sgr") || aws.ToString(r.GroupId) != lb || aws.ToBool(r.IsEgress) {
			t.Fatalf("rule = %+v", r)
		}
	}
	// The app takes 3000 only from the load balancer's group.
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromGroup(tcp(3000), lb)}}))
	g := f.describeGroup(app)
	if len(g.IpPermissions) != 1 || aws.ToString(g.IpPermissions[0].UserIdGroupPairs[0].GroupId) != lb || aws.ToInt32(g.IpPermissions[0].FromPort) != 3000 {
		t.Fatalf("app ingress = %+v", g.IpPermissions)
	}
	lbGroup := f.describeGroup(lb)
	if len(lbGroup.IpPermissions) != 2 || len(lbGroup.IpPermissions[0].IpRanges) != 1 || len(lbGroup.IpPermissions[0].Ipv6Ranges) != 1 {
		t.Fatalf("lb ingress (merged per port) = %+v", lbGroup.IpPermissions)
	}

	cases := []struct {
		name string
		perm types.IpPermission
		code string
	}{
		{"ssh from one address", fromCIDR(tcp(22), "203.0.113.7/32"), ""},
		{"duplicate CIDR", fromCIDR(tcp(22), "203.0.113.7/32"), "InvalidPermission.Duplicate"},
		{"duplicate group", fromGroup(tcp(3000), lb), "InvalidPermission.Duplicate"},
		{"unknown group", fromGroup(tcp(22), "sg-0123456789abcdef0"), "InvalidGroup.NotFound"},
		{"bad CIDR", fromCIDR(tcp(22), "10.0.0.1/8"), "InvalidParameterValue"},
		{"bad ports", fromCIDR(types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(90), ToPort: aws.Int32(80)}, "10.0.0.0/8"), "InvalidParameterValue"},
		{"bad protocol", fromCIDR(types.IpPermission{IpProtocol: aws.String("gre2")}, "10.0.0.0/8"), "InvalidParameterValue"},
		{"no source", tcp(22), "MissingParameter"},
		{"all traffic from the VPC", fromCIDR(types.IpPermission{IpProtocol: aws.String("-1")}, "10.0.0.0/16"), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.ec2.AuthorizeSecurityGroupIngress(testCtx(t), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{c.perm}})
			wantCode(t, err, c.code)
		})
	}

	// Egress: the default all-traffic rule exists already; a narrower one can be added.
	_, err := f.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromCIDR(types.IpPermission{IpProtocol: aws.String("-1")}, "0.0.0.0/0")}})
	wantCode(t, err, "InvalidPermission.Duplicate")
	must[*ec2.AuthorizeSecurityGroupEgressOutput](t)(f.ec2.AuthorizeSecurityGroupEgress(ctx, &ec2.AuthorizeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromCIDR(tcp(5432), "10.0.0.0/16")}}))
	must[*ec2.RevokeSecurityGroupEgressOutput](t)(f.ec2.RevokeSecurityGroupEgress(ctx, &ec2.RevokeSecurityGroupEgressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromCIDR(types.IpPermission{IpProtocol: aws.String("-1")}, "0.0.0.0/0")}}))
	if eg := f.describeGroup(app).IpPermissionsEgress; len(eg) != 1 || aws.ToInt32(eg[0].FromPort) != 5432 {
		t.Fatalf("egress after revoking all-traffic = %+v", eg)
	}

	// Revoke by permission and by rule id.
	rev := must[*ec2.RevokeSecurityGroupIngressOutput](t)(f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(lb), IpPermissions: []types.IpPermission{web(443)}}))
	if !aws.ToBool(rev.Return) || len(rev.RevokedSecurityGroupRules) != 2 {
		t.Fatalf("revoke = %+v", rev)
	}
	_, err = f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(lb), IpPermissions: []types.IpPermission{web(443)}})
	wantCode(t, err, "InvalidPermission.NotFound") // non-default VPC: an unknown rule is an error
	rules := must[*ec2.DescribeSecurityGroupRulesOutput](t)(f.ec2.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{Filters: []types.Filter{filter("group-id", lb)}}))
	var ingressIDs []string
	for _, r := range rules.SecurityGroupRules {
		if !aws.ToBool(r.IsEgress) {
			ingressIDs = append(ingressIDs, aws.ToString(r.SecurityGroupRuleId))
			if aws.ToInt32(r.FromPort) != 80 {
				t.Fatalf("left-over rule = %+v", r)
			}
		}
	}
	if len(ingressIDs) != 2 {
		t.Fatalf("lb ingress rules = %v, want 2", ingressIDs)
	}
	must[*ec2.RevokeSecurityGroupIngressOutput](t)(f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(lb), SecurityGroupRuleIds: ingressIDs}))
	if in := f.describeGroup(lb).IpPermissions; len(in) != 0 {
		t.Fatalf("lb ingress after revoking by id = %+v", in)
	}
	_, err = f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(lb), SecurityGroupRuleIds: ingressIDs[:1]})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	_, err = f.ec2.DescribeSecurityGroupRules(ctx, &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: ingressIDs[:1]})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
}

func TestRevokeOfUnknownRuleInDefaultVpcReportsItBack(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	out := must[*ec2.CreateSecurityGroupOutput](t)(f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x")}))
	rev := must[*ec2.RevokeSecurityGroupIngressOutput](t)(f.ec2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{GroupId: out.GroupId, IpPermissions: []types.IpPermission{fromCIDR(tcp(22), "0.0.0.0/0")}}))
	if aws.ToBool(rev.Return) || len(rev.UnknownIpPermissions) != 1 || aws.ToInt32(rev.UnknownIpPermissions[0].FromPort) != 22 {
		t.Fatalf("revoke of an unknown rule in the default VPC = %+v", rev)
	}
}

func TestDeleteSecurityGroupReferencedByAnotherGroupIsDependencyViolation(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	lb, app := f.group(vpcID, "lb"), f.group(vpcID, "app")
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app), IpPermissions: []types.IpPermission{fromGroup(tcp(3000), lb)}}))
	// A group referring to itself does not block its own deletion.
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(lb), IpPermissions: []types.IpPermission{fromGroup(tcp(8080), lb)}}))

	_, err := f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lb)})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DeleteSecurityGroupOutput](t)(f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(app)}))
	must[*ec2.DeleteSecurityGroupOutput](t)(f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lb)}))
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lb)})
	wantCode(t, err, "InvalidGroup.NotFound")

	def := must[*ec2.DescribeSecurityGroupsOutput](t)(f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpcID)}})).SecurityGroups[0]
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: def.GroupId})
	wantCode(t, err, "CannotDelete")
}

func TestAdmitsFollowsSourceGroupAndCIDRRules(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	lb, app, other := f.group(vpcID, "lb"), f.group(vpcID, "app"), f.group(vpcID, "other")
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(app),
		IpPermissions: []types.IpPermission{fromGroup(tcp(3000), lb), fromCIDR(types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8000), ToPort: aws.Int32(8100)}, "10.0.1.0/24")}}))
	cases := []struct {
		name     string
		port     int
		sources  []string
		sourceIP string
		want     bool
	}{
		{"from the load balancer's group", 3000, []string{lb}, "", true},
		{"from another group", 3000, []string{other}, "", false},
		{"wrong port", 3001, []string{lb}, "", false},
		{"one of several source groups", 3000, []string{other, lb}, "", true},
		{"CIDR contains the source", 8050, nil, "10.0.1.9", true},
		{"CIDR does not contain it", 8050, nil, "10.0.2.9", false},
		{"port outside the range", 8101, nil, "10.0.1.9", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.withRegion("us-east-1", func(r *Region) {
				if got := r.admits([]string{app}, c.port, c.sources, c.sourceIP); got != c.want {
					t.Fatalf("admits = %v, want %v", got, c.want)
				}
			})
		})
	}
	// The VPC's default group admits everything from its own members.
	def := aws.ToString(must[*ec2.DescribeSecurityGroupsOutput](t)(f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("group-name", "default")}})).SecurityGroups[0].GroupId)
	f.withRegion("us-east-1", func(r *Region) {
		if !r.admits([]string{def}, 443, []string{def}, "") || r.admits([]string{def}, 443, []string{lb}, "") {
			t.Fatal("the default group admits its members, and only them")
		}
	})
}

func TestDescribeSecurityGroupsPages(t *testing.T) {
	f := newNetFixture(t)
	vpcID := f.vpc("10.0.0.0/16")
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		f.group(vpcID, n)
	}
	p := ec2.NewDescribeSecurityGroupsPaginator(f.ec2, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("vpc-id", vpcID)}})
	total, pages := 0, 0
	for p.HasMorePages() {
		total += len(must[*ec2.DescribeSecurityGroupsOutput](t)(p.NextPage(testCtx(t))).SecurityGroups)
		pages++
	}
	if total != 7 || pages != 2 {
		t.Fatalf("groups = %d in %d pages, want 7 (6 + default) in 2", total, pages)
	}
}
