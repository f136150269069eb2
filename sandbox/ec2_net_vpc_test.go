package sandbox

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestNewAccountHasDefaultVpcWithSubnetPerAZGroupRouteTableAndIGW(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcs := must[*ec2.DescribeVpcsOutput](t)(f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("is-default", "true")}}))
	if len(vpcs.Vpcs) != 1 {
		t.Fatalf("default VPCs = %d, want 1", len(vpcs.Vpcs))
	}
	v := vpcs.Vpcs[0]
	if aws.ToString(v.CidrBlock) != "172.31.0.0/16" || !aws.ToBool(v.IsDefault) || v.State != types.VpcStateAvailable || aws.ToString(v.OwnerId) != AccountID {
		t.Fatalf("default VPC = %+v", v)
	}
	vpcID := aws.ToString(v.VpcId)

	subnets := must[*ec2.DescribeSubnetsOutput](t)(f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("default-for-az", "true")}}))
	got := map[string]string{}
	for _, s := range subnets.Subnets {
		if !aws.ToBool(s.MapPublicIpOnLaunch) {
			t.Errorf("default subnet %s does not map public IPs", aws.ToString(s.SubnetId))
		}
		if aws.ToInt32(s.AvailableIpAddressCount) != 4096-5 {
			t.Errorf("default subnet free addresses = %d, want 4091", aws.ToInt32(s.AvailableIpAddressCount))
		}
		got[aws.ToString(s.AvailabilityZone)] = aws.ToString(s.CidrBlock)
	}
	want := map[string]string{"us-east-1a": "172.31.0.0/20", "us-east-1b": "172.31.16.0/20", "us-east-1c": "172.31.32.0/20"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("default subnets = %v, want %v", got, want)
	}

	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupNames: []string{"default"}}))
	if len(groups.SecurityGroups) != 1 || aws.ToString(groups.SecurityGroups[0].VpcId) != vpcID {
		t.Fatalf("default group = %+v", groups.SecurityGroups)
	}

	igws := must[*ec2.DescribeInternetGatewaysOutput](t)(f.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpcID)}}))
	if len(igws.InternetGateways) != 1 || igws.InternetGateways[0].Attachments[0].State != types.AttachmentStatus("available") {
		t.Fatalf("default VPC gateways = %+v", igws.InternetGateways)
	}
	igwID := aws.ToString(igws.InternetGateways[0].InternetGatewayId)

	rts := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("association.main", "true")}}))
	if len(rts.RouteTables) != 1 {
		t.Fatalf("main route tables = %d, want 1", len(rts.RouteTables))
	}
	routes := map[string]string{}
	for _, r := range rts.RouteTables[0].Routes {
		routes[aws.ToString(r.DestinationCidrBlock)] = aws.ToString(r.GatewayId)
	}
	if routes["172.31.0.0/16"] != "local" || routes["0.0.0.0/0"] != igwID {
		t.Fatalf("main routes = %v, want local and 0.0.0.0/0 → %s", routes, igwID)
	}

	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("built-ins must not be in the inventory: %+v", inv)
	}
}

func TestEveryRegionHasItsOwnDefaultVpcAndThreeZones(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	client := ec2.NewFromConfig(f.Cfg, func(o *ec2.Options) { o.Region = "eu-west-2" })
	zones := must[*ec2.DescribeAvailabilityZonesOutput](t)(client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{}))
	var names, ids []string
	for _, z := range zones.AvailabilityZones {
		names = append(names, aws.ToString(z.ZoneName))
		ids = append(ids, aws.ToString(z.ZoneId))
		if z.State != types.AvailabilityZoneStateAvailable || aws.ToString(z.RegionName) != "eu-west-2" {
			t.Errorf("zone = %+v", z)
		}
	}
	if !slices.Equal(names, []string{"eu-west-2a", "eu-west-2b", "eu-west-2c"}) || !slices.Equal(ids, []string{"euw2-az1", "euw2-az2", "euw2-az3"}) {
		t.Fatalf("zones = %v %v", names, ids)
	}
	_, err := client.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{ZoneNames: []string{"us-east-1a"}})
	wantCode(t, err, "InvalidParameterValue")

	subnets := must[*ec2.DescribeSubnetsOutput](t)(client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("availability-zone", "eu-west-2b")}}))
	if len(subnets.Subnets) != 1 || aws.ToString(subnets.Subnets[0].CidrBlock) != "172.31.16.0/20" {
		t.Fatalf("eu-west-2b default subnet = %+v", subnets.Subnets)
	}

	regions := must[*ec2.DescribeRegionsOutput](t)(client.DescribeRegions(ctx, &ec2.DescribeRegionsInput{RegionNames: []string{"us-east-1", "eu-west-2"}}))
	if len(regions.Regions) != 2 || aws.ToString(regions.Regions[0].Endpoint) != "ec2.eu-west-2.amazonaws.com" {
		t.Fatalf("regions = %+v", regions.Regions)
	}
}

func TestCreateVpcValidatesTheCIDRBlock(t *testing.T) {
	f := newNetFixture(t)
	cases := []struct {
		cidr, code string
	}{
		{"10.0.0.0/16", ""},
		{"10.1.0.0/28", ""},
		{"10.2.0.0/15", "InvalidVpc.Range"},
		{"10.3.0.0/29", "InvalidVpc.Range"},
		{"10.0.0.0/8", "InvalidVpc.Range"},
		{"10.4.0.1/16", "InvalidParameterValue"},
		{"not-a-cidr", "InvalidParameterValue"},
		{"2001:db8::/56", "InvalidParameterValue"},
	}
	for _, c := range cases {
		t.Run(c.cidr, func(t *testing.T) {
			_, err := f.ec2.CreateVpc(testCtx(t), &ec2.CreateVpcInput{CidrBlock: aws.String(c.cidr)})
			wantCode(t, err, c.code)
		})
	}
	_, err := f.ec2.CreateVpc(testCtx(t), &ec2.CreateVpcInput{})
	wantCode(t, err, "MissingParameter")
}

func TestCreateVpcComesWithMainRouteTableAndDefaultGroup(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	out := must[*ec2.CreateVpcOutput](t)(f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeVpc, "Name", "web")}))
	if out.Vpc.State != types.VpcStatePending || tagValue(out.Vpc.Tags, "Name") != "web" || aws.ToBool(out.Vpc.IsDefault) {
		t.Fatalf("CreateVpc = %+v", out.Vpc)
	}
	vpcID := aws.ToString(out.Vpc.VpcId)
	if !validID(vpcID, "vpc") {
		t.Fatalf("VPC id %q is not in AWS's format", vpcID)
	}
	if err := ec2.NewVpcAvailableWaiter(f.ec2).Wait(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}}, 5e9); err != nil {
		t.Fatalf("VpcAvailable waiter: %v", err)
	}
	rts := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID)}}))
	if len(rts.RouteTables) != 1 || !aws.ToBool(rts.RouteTables[0].Associations[0].Main) {
		t.Fatalf("route tables of a new VPC = %+v", rts.RouteTables)
	}
	if r := rts.RouteTables[0].Routes; len(r) != 1 || aws.ToString(r[0].GatewayId) != "local" || aws.ToString(r[0].DestinationCidrBlock) != "10.0.0.0/16" || r[0].State != types.RouteStateActive {
		t.Fatalf("routes of a new VPC = %+v", r)
	}
	sgs := must[*ec2.DescribeSecurityGroupsOutput](t)(f.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("group-name", "default")}}))
	if len(sgs.SecurityGroups) != 1 {
		t.Fatalf("default groups of a new VPC = %d", len(sgs.SecurityGroups))
	}
	inv := f.Inventory()
	if len(inv) != 1 || inv[0].Type != "ec2:vpc" || inv[0].ID != vpcID || inv[0].Name != "web" || inv[0].Tags["Name"] != "web" {
		t.Fatalf("inventory = %+v, want just the VPC", inv)
	}
	must[*ec2.DeleteVpcOutput](t)(f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}))
	_, err := f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	rts = must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID)}}))
	if len(rts.RouteTables) != 0 {
		t.Fatalf("the main route table outlived its VPC")
	}
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after delete = %+v", inv)
	}
}

// validID reports whether id is prefix-0 and 16 more hex digits, as EC2 ids are.
func validID(id, prefix string) bool {
	var hex string
	if _, err := fmt.Sscanf(id, prefix+"-%s", &hex); err != nil || len(hex) != 17 {
		return false
	}
	for _, c := range hex {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func TestUnknownVpcIsInvalidVpcIDNotFound(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	const missing = "vpc-0123456789abcdef0"
	_, err := f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{missing}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(missing)})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(missing), CidrBlock: aws.String("10.0.0.0/24")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: aws.String(missing), GroupName: aws.String("x"), Description: aws.String("x")})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(missing)})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestVpcDNSAttributesRoundTrip(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	attr := func(a types.VpcAttributeName) *ec2.DescribeVpcAttributeOutput {
		return must[*ec2.DescribeVpcAttributeOutput](t)(f.ec2.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpcID), Attribute: a}))
	}
	if !aws.ToBool(attr(types.VpcAttributeNameEnableDnsSupport).EnableDnsSupport.Value) {
		t.Fatal("DNS support must be on for a new VPC")
	}
	if aws.ToBool(attr(types.VpcAttributeNameEnableDnsHostnames).EnableDnsHostnames.Value) {
		t.Fatal("DNS hostnames must be off for a new non-default VPC")
	}
	must[*ec2.ModifyVpcAttributeOutput](t)(f.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpcID), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	if !aws.ToBool(attr(types.VpcAttributeNameEnableDnsHostnames).EnableDnsHostnames.Value) {
		t.Fatal("DNS hostnames still off after ModifyVpcAttribute")
	}
	_, err := f.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpcID),
		EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}, EnableDnsSupport: &types.AttributeBooleanValue{Value: aws.Bool(true)}})
	wantCode(t, err, "InvalidParameterCombination")
}

func TestDescribeVpcsPagesAndFilters(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	var made []string
	for i := range 7 {
		env := "prod"
		if i%2 == 1 {
			env = "dev"
		}
		made = append(made, f.vpc(fmt.Sprintf("10.%d.0.0/16", i), "env", env))
	}
	var seen []string
	pages := 0
	p := ec2.NewDescribeVpcsPaginator(f.ec2, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		out := must[*ec2.DescribeVpcsOutput](t)(p.NextPage(ctx))
		if len(out.Vpcs) > 5 {
			t.Fatalf("page of %d > MaxResults 5", len(out.Vpcs))
		}
		for _, v := range out.Vpcs {
			seen = append(seen, aws.ToString(v.VpcId))
		}
		pages++
	}
	if pages != 2 || len(seen) != 8 {
		t.Fatalf("pages = %d, VPCs = %d, want 2 pages of 8 VPCs (7 + default)", pages, len(seen))
	}
	for _, id := range made {
		if !slices.Contains(seen, id) {
			t.Fatalf("paging lost %s", id)
		}
	}
	_, err := f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(4)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{NextToken: aws.String("!!")})
	wantCode(t, err, "InvalidPaginationToken")

	cases := []struct {
		name    string
		filters []types.Filter
		want    int
	}{
		{"tag value", []types.Filter{filter("tag:env", "dev")}, 3},
		{"tag values are ORed", []types.Filter{filter("tag:env", "dev", "prod")}, 7},
		{"tag-key", []types.Filter{filter("tag-key", "env")}, 7},
		{"wildcard", []types.Filter{filter("cidr", "10.1*")}, 1},
		{"filters are ANDed", []types.Filter{filter("tag:env", "prod"), filter("cidr", "10.0.0.0/16")}, 1},
		{"not default", []types.Filter{filter("is-default", "false")}, 7},
		{"state", []types.Filter{filter("state", "available")}, 8},
		{"no match", []types.Filter{filter("tag:env", "qa")}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := must[*ec2.DescribeVpcsOutput](t)(f.ec2.DescribeVpcs(testCtx(t), &ec2.DescribeVpcsInput{Filters: c.filters}))
			if len(out.Vpcs) != c.want {
				t.Fatalf("VPCs = %d, want %d", len(out.Vpcs), c.want)
			}
		})
	}
	_, err = f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
	wantCode(t, err, "InvalidParameterValue")
}

// TestDeleteVpcWithAnyDependentIsDependencyViolation gives a VPC one
// dependent at a time; its own default group and main route table never count.
func TestDeleteVpcWithAnyDependentIsDependencyViolation(t *testing.T) {
	f := newNetFixture(t)
	cases := []struct {
		name string
		add  func(vpcID string)
	}{
		{"subnet", func(v string) { f.subnet(v, "10.0.0.0/24", "us-east-1a") }},
		{"attached internet gateway", func(v string) { f.attachedIGW(v) }},
		{"security group", func(v string) { f.group(v, "app") }},
		{"route table", func(v string) {
			must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(testCtx(t), &ec2.CreateRouteTableInput{VpcId: aws.String(v)}))
		}},
	}
	// No subtests: the fixture's helpers fail the parent test.
	for _, c := range cases {
		vpcID := f.vpc("10.0.0.0/16")
		c.add(vpcID)
		_, err := f.ec2.DeleteVpc(testCtx(t), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
		if code := errCode(err); code != "DependencyViolation" {
			t.Errorf("VPC with a %s: DeleteVpc = %v, want DependencyViolation", c.name, err)
		}
	}
	vpcID := f.vpc("10.0.0.0/16")
	if _, err := f.ec2.DeleteVpc(testCtx(t), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}); err != nil {
		t.Fatalf("an empty VPC must delete: %v", err)
	}
}
