package fleet

import (
	"net/netip"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// giveIPv6 gives the fixture's VPC an Amazon-provided IPv6 block and its
// subnets a /64 each, as a dualstack load balancer needs (the sandbox
// refuses one over subnets without IPv6, as AWS does).
func (w *fleetWorld) giveIPv6() {
	w.T.Helper()
	_, err := w.EC2.AssociateVpcCidrBlock(w.Ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: sdk.String(w.VPC), AmazonProvidedIpv6CidrBlock: sdk.Bool(true)})
	w.Must(err, "AssociateVpcCidrBlock")
	out, err := w.EC2.DescribeVpcs(w.Ctx, &ec2.DescribeVpcsInput{VpcIds: []string{w.VPC}})
	w.Must(err, "DescribeVpcs")
	block := netip.MustParsePrefix(sdk.ToString(out.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
	for i, s := range w.Subnets {
		a := block.Addr().As16()
		a[7] = byte(i)
		_, err := w.EC2.AssociateSubnetCidrBlock(w.Ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: sdk.String(s),
			Ipv6CidrBlock: sdk.String(netip.PrefixFrom(netip.AddrFrom16(a), 64).String())})
		w.Must(err, "AssociateSubnetCidrBlock")
	}
}
