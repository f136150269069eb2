package sandbox

import (
	"net/netip"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// TestIPv6BlocksAreCheckedAsEC2ChecksThem: a VPC asks for an
// Amazon-provided /56 (associating on create, associated after); a subnet
// may take a /64 inside it and no other size, place or overlap; a route
// sends ::/0 to an internet gateway but not to a NAT gateway.
func TestIPv6BlocksAreCheckedAsEC2ChecksThem(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	created := must[*ec2.CreateVpcOutput](t)(f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)}))
	set := created.Vpc.Ipv6CidrBlockAssociationSet
	if len(set) != 1 || set[0].Ipv6CidrBlockState.State != ec2types.VpcCidrBlockStateCodeAssociating {
		t.Fatalf("CreateVpc answered the IPv6 block %+v, want one associating", set)
	}
	vpcID := aws.ToString(created.Vpc.VpcId)
	vpcs := must[*ec2.DescribeVpcsOutput](t)(f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}}))
	a := vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet[0]
	block := netip.MustParsePrefix(aws.ToString(a.Ipv6CidrBlock))
	if a.Ipv6CidrBlockState.State != ec2types.VpcCidrBlockStateCodeAssociated || block.Bits() != 56 {
		t.Fatalf("DescribeVpcs: %s %s, want an associated /56", aws.ToString(a.Ipv6CidrBlock), a.Ipv6CidrBlockState.State)
	}
	sub64 := func(i byte) string {
		b := block.Addr().As16()
		b[7] = i
		return netip.PrefixFrom(netip.AddrFrom16(b), 64).String()
	}
	create := func(cidr, v6 string) (*ec2.CreateSubnetOutput, error) {
		return f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr), Ipv6CidrBlock: aws.String(v6), AvailabilityZone: aws.String("us-east-1a")})
	}
	_, err := create("10.0.1.0/24", netip.PrefixFrom(block.Addr(), 60).String())
	wantCode(t, err, "InvalidSubnet.Range")
	_, err = create("10.0.1.0/24", "2001:db8::/64")
	wantCode(t, err, "InvalidSubnet.Range")
	sn := must[*ec2.CreateSubnetOutput](t)(create("10.0.1.0/24", sub64(1)))
	if got := aws.ToString(sn.Subnet.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock); got != sub64(1) {
		t.Errorf("the subnet has %s, want %s", got, sub64(1))
	}
	_, err = create("10.0.2.0/24", sub64(1))
	wantCode(t, err, "InvalidSubnet.Conflict")

	// A subnet made without IPv6 takes its /64 later; a second is refused.
	plain := f.subnet(vpcID, "10.0.3.0/24", "us-east-1b")
	must[*ec2.AssociateSubnetCidrBlockOutput](t)(f.ec2.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: aws.String(plain), Ipv6CidrBlock: aws.String(sub64(2))}))
	_, err = f.ec2.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: aws.String(plain), Ipv6CidrBlock: aws.String(sub64(3))})
	wantCode(t, err, "InvalidParameterValue")

	// A VPC without IPv6 gives its subnets none until it has a block.
	v4 := f.vpc("10.1.0.0/16")
	_, err = f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(v4), CidrBlock: aws.String("10.1.1.0/24"), Ipv6CidrBlock: aws.String(sub64(9))})
	wantCode(t, err, "InvalidParameterValue")
	must[*ec2.AssociateVpcCidrBlockOutput](t)(f.ec2.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(v4), AmazonProvidedIpv6CidrBlock: aws.Bool(true)}))
	got := must[*ec2.DescribeVpcsOutput](t)(f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{filter("ipv6-cidr-block-association.ipv6-cidr-block", "*")}}))
	if len(got.Vpcs) != 2 {
		t.Errorf("the ipv6-cidr-block filter found %d VPCs, want both", len(got.Vpcs))
	}

	// Routes: ::/0 to the internet gateway; never to a NAT gateway.
	igw := f.attachedIGW(vpcID)
	rt := must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)}))
	local := false
	for _, r := range rt.RouteTable.Routes {
		local = local || aws.ToString(r.DestinationIpv6CidrBlock) == block.String() && aws.ToString(r.GatewayId) == "local"
	}
	if !local {
		t.Errorf("a new route table of a VPC with IPv6 lacks the local IPv6 route: %+v", rt.RouteTable.Routes)
	}
	must[*ec2.CreateRouteOutput](t)(f.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationIpv6CidrBlock: aws.String("::/0"), GatewayId: aws.String(igw)}))
	_, err = f.ec2.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationIpv6CidrBlock: aws.String("::/0"), GatewayId: aws.String(igw)})
	wantCode(t, err, "RouteAlreadyExists")
	must[*ec2.DeleteRouteOutput](t)(f.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationIpv6CidrBlock: aws.String("::/0")}))
}

// TestADualstackLoadBalancerNeedsIPv6Subnets: CreateLoadBalancer and
// SetIpAddressType refuse dualstack while a subnet has no IPv6 block, and
// accept it once every subnet has one; SetIpAddressType changes the type
// in place.
func TestADualstackLoadBalancerNeedsIPv6Subnets(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	_, err := f.elb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("dual"), Subnets: f.subnets[:2], SecurityGroups: []string{f.lbSG}, IpAddressType: "dualstack"})
	wantCode(t, err, "InvalidConfigurationRequest")
	lb := f.loadBalancer("web")
	_, err = f.elb.SetIpAddressType(ctx, &elb.SetIpAddressTypeInput{LoadBalancerArn: lb.LoadBalancerArn, IpAddressType: "dualstack"})
	wantCode(t, err, "InvalidConfigurationRequest")

	must[*ec2.AssociateVpcCidrBlockOutput](t)(f.ec2.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(f.vpcID), AmazonProvidedIpv6CidrBlock: aws.Bool(true)}))
	vpcs := must[*ec2.DescribeVpcsOutput](t)(f.ec2.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{f.vpcID}}))
	block := netip.MustParsePrefix(aws.ToString(vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
	for i, sn := range f.subnets[:2] {
		b := block.Addr().As16()
		b[7] = byte(i)
		must[*ec2.AssociateSubnetCidrBlockOutput](t)(f.ec2.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: aws.String(sn),
			Ipv6CidrBlock: aws.String(netip.PrefixFrom(netip.AddrFrom16(b), 64).String())}))
	}
	out := must[*elb.SetIpAddressTypeOutput](t)(f.elb.SetIpAddressType(ctx, &elb.SetIpAddressTypeInput{LoadBalancerArn: lb.LoadBalancerArn, IpAddressType: "dualstack"}))
	if out.IpAddressType != "dualstack" {
		t.Errorf("SetIpAddressType answered %s", out.IpAddressType)
	}
	desc := must[*elb.DescribeLoadBalancersOutput](t)(f.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(lb.LoadBalancerArn)}}))
	if got := desc.LoadBalancers[0].IpAddressType; got != "dualstack" {
		t.Errorf("after SetIpAddressType the load balancer is %s, want dualstack", got)
	}
	dual := f.loadBalancer("dual", func(in *elb.CreateLoadBalancerInput) { in.IpAddressType = "dualstack" })
	if dual.IpAddressType != "dualstack" {
		t.Errorf("CreateLoadBalancer made %s, want dualstack", dual.IpAddressType)
	}
}

// giveIPv6 gives a VPC an Amazon-provided IPv6 block and each of subnets
// a /64 of it.
func giveIPv6(t *testing.T, c *ec2.Client, vpcID string, subnets []string) {
	t.Helper()
	ctx := testCtx(t)
	must[*ec2.AssociateVpcCidrBlockOutput](t)(c.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(vpcID), AmazonProvidedIpv6CidrBlock: aws.Bool(true)}))
	vpcs := must[*ec2.DescribeVpcsOutput](t)(c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}}))
	block := netip.MustParsePrefix(aws.ToString(vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
	for i, sn := range subnets {
		b := block.Addr().As16()
		b[7] = byte(i)
		must[*ec2.AssociateSubnetCidrBlockOutput](t)(c.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: aws.String(sn),
			Ipv6CidrBlock: aws.String(netip.PrefixFrom(netip.AddrFrom16(b), 64).String())}))
	}
}
