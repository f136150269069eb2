package aws

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// IPv6 for a dualstack load balancer: the VPC gets an Amazon-provided
// IPv6 block (a /56), and each subnet the load balancer is in a /64 of it
// (EC2 API Reference, CreateVpc AmazonProvidedIpv6CidrBlock and
// AssociateSubnetCidrBlock: "The subnet must have a /64 prefix length").

// CreateDualstackVPC creates a VPC with an IPv4 block and an
// Amazon-provided IPv6 block, tagged at creation and sent once like
// CreateVPC. The IPv6 block is "associating" for a few seconds.
func (n *Network) CreateDualstackVPC(ctx context.Context, cidr string, tags map[string]string) (NetworkVPC, error) {
	out, err := n.api.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdk.String(cidr), AmazonProvidedIpv6CidrBlock: sdk.Bool(true),
		TagSpecifications: netTagSpec(types.ResourceTypeVpc, tags)}, createOnce)
	if err != nil {
		return NetworkVPC{}, err
	}
	return vpcOf(*out.Vpc), nil
}

// AssociateVPCIPv6 gives an existing VPC an Amazon-provided IPv6 block.
func (n *Network) AssociateVPCIPv6(ctx context.Context, vpcID string) error {
	_, err := n.api.AssociateVpcCidrBlock(ctx, &ec2.AssociateVpcCidrBlockInput{VpcId: sdk.String(vpcID), AmazonProvidedIpv6CidrBlock: sdk.Bool(true)})
	if err != nil {
		return fmt.Errorf("associate an Amazon-provided IPv6 block with %s: %w", vpcID, err)
	}
	return nil
}

// CreateDualstackSubnet creates a subnet with an IPv4 block and an IPv6
// /64, tagged at creation and sent once like CreateSubnet.
func (n *Network) CreateDualstackSubnet(ctx context.Context, vpcID, cidr, ipv6CIDR, az string, tags map[string]string) (Subnet, error) {
	out, err := n.api.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdk.String(vpcID), CidrBlock: sdk.String(cidr),
		Ipv6CidrBlock: sdk.String(ipv6CIDR), AvailabilityZone: sdk.String(az),
		TagSpecifications: netTagSpec(types.ResourceTypeSubnet, tags)}, createOnce)
	if err != nil {
		return Subnet{}, err
	}
	return subnetOf(*out.Subnet), nil
}

// AssociateSubnetIPv6 gives an existing subnet the IPv6 /64 ipv6CIDR.
func (n *Network) AssociateSubnetIPv6(ctx context.Context, subnetID, ipv6CIDR string) error {
	_, err := n.api.AssociateSubnetCidrBlock(ctx, &ec2.AssociateSubnetCidrBlockInput{SubnetId: sdk.String(subnetID), Ipv6CidrBlock: sdk.String(ipv6CIDR)})
	if err != nil {
		return fmt.Errorf("associate %s with %s: %w", ipv6CIDR, subnetID, err)
	}
	return nil
}
