package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestTagsOnEveryNetworkResource(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	subnetID := f.subnet(vpcID, "10.0.0.0/24", "us-east-1a")
	igw := f.attachedIGW(vpcID)
	alloc, _ := f.eip()
	nat := aws.ToString(must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: aws.String(alloc)})).NatGateway.NatGatewayId)
	rtb := aws.ToString(must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)})).RouteTable.RouteTableId)
	sg := f.group(vpcID, "web")
	key := aws.ToString(must[*ec2.ImportKeyPairOutput](t)(f.ec2.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{KeyName: aws.String("k"), PublicKeyMaterial: []byte(testRSAPub)})).KeyPairId)
	eni := aws.ToString(must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}})).NatGateways[0].NatGatewayAddresses[0].NetworkInterfaceId)

	ids := map[string]string{vpcID: "vpc", subnetID: "subnet", igw: "internet-gateway", alloc: "elastic-ip", nat: "natgateway",
		rtb: "route-table", sg: "security-group", key: "key-pair", eni: "network-interface"}
	var all []string
	for id := range ids {
		all = append(all, id)
	}
	must[*ec2.CreateTagsOutput](t)(f.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: all, Tags: []types.Tag{
		{Key: aws.String("stackwiz:stack"), Value: aws.String("demo")}, {Key: aws.String("Name"), Value: aws.String("x")}}}))

	got := map[string]string{}
	p := ec2.NewDescribeTagsPaginator(f.ec2, &ec2.DescribeTagsInput{MaxResults: aws.Int32(5), Filters: []types.Filter{filter("key", "stackwiz:stack"), filter("value", "demo")}})
	pages := 0
	for p.HasMorePages() {
		for _, d := range must[*ec2.DescribeTagsOutput](t)(p.NextPage(ctx)).Tags {
			got[aws.ToString(d.ResourceId)] = string(d.ResourceType)
		}
		pages++
	}
	if pages != 2 || len(got) != len(ids) {
		t.Fatalf("DescribeTags: %d resources in %d pages, want %d in 2: %v", len(got), pages, len(ids), got)
	}
	for id, typ := range ids {
		if got[id] != typ {
			t.Errorf("resource %s: type %q, want %q", id, got[id], typ)
		}
	}
	byType := must[*ec2.DescribeTagsOutput](t)(f.ec2.DescribeTags(ctx, &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-type", "subnet"), filter("resource-id", subnetID)}}))
	if len(byType.Tags) != 2 {
		t.Fatalf("tags of the subnet = %+v", byType.Tags)
	}

	// Tags overwrite by key and are visible through each resource's own Describe.
	must[*ec2.CreateTagsOutput](t)(f.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{sg}, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("web-sg")}}}))
	if g := f.describeGroup(sg); tagValue(g.Tags, "Name") != "web-sg" || len(g.Tags) != 2 {
		t.Fatalf("group tags = %+v", g.Tags)
	}
	// DeleteTags: with a value only when it matches, without one always.
	must[*ec2.DeleteTagsOutput](t)(f.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{sg}, Tags: []types.Tag{{Key: aws.String("Name"), Value: aws.String("other")}}}))
	if g := f.describeGroup(sg); tagValue(g.Tags, "Name") != "web-sg" {
		t.Fatal("DeleteTags removed a tag whose value did not match")
	}
	must[*ec2.DeleteTagsOutput](t)(f.ec2.DeleteTags(ctx, &ec2.DeleteTagsInput{Resources: []string{sg}, Tags: []types.Tag{{Key: aws.String("Name")}}}))
	if g := f.describeGroup(sg); len(g.Tags) != 1 || tagValue(g.Tags, "stackwiz:stack") != "demo" {
		t.Fatalf("group tags after DeleteTags = %+v", g.Tags)
	}

	// Inventory reports user resources with their tags.
	for _, it := range f.Inventory() {
		if it.Type != "ec2:security-group" && it.Tags["stackwiz:stack"] != "demo" {
			t.Errorf("inventory item without its tags: %+v", it)
		}
	}
}

func TestCreateTagsOnUnknownResourceChangesNothing(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	cases := []struct{ id, code string }{
		{"vpc-0123456789abcdef0", "InvalidVpcID.NotFound"},
		{"subnet-0123456789abcdef0", "InvalidSubnetID.NotFound"},
		{"sg-0123456789abcdef0", "InvalidGroup.NotFound"},
		{"rtb-0123456789abcdef0", "InvalidRouteTableID.NotFound"},
		{"igw-0123456789abcdef0", "InvalidInternetGatewayID.NotFound"},
		{"bogus", "InvalidID"},
	}
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			_, err := f.ec2.CreateTags(testCtx(t), &ec2.CreateTagsInput{Resources: []string{vpcID, c.id}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			wantCode(t, err, c.code)
		})
	}
	v := must[*ec2.DescribeVpcsOutput](t)(f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})).Vpcs[0]
	if len(v.Tags) != 0 {
		t.Fatalf("a failed CreateTags tagged the VPC: %+v", v.Tags)
	}
	_, err := f.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpcID}, Tags: []types.Tag{{Key: aws.String("aws:reserved"), Value: aws.String("v")}}})
	wantCode(t, err, "InvalidParameterValue")
}

func TestTagSpecificationForAnotherResourceTypeIsRejected(t *testing.T) {
	f := newNetFixture(t)
	_, err := f.ec2.CreateVpc(testCtx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeSubnet, "Name", "x")})
	wantCode(t, err, "InvalidParameterValue")
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("a rejected CreateVpc left %+v", inv)
	}
}
