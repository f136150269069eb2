package aws

import (
	"context"
	"fmt"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Network is the VPC half of EC2: zones, VPCs, subnets, internet and NAT
// gateways, Elastic IPs and route tables.
type Network struct{ api networkAPI }

// networkAPI lists only the SDK methods Network calls.
type networkAPI interface {
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)

	CreateVpc(context.Context, *ec2.CreateVpcInput, ...func(*ec2.Options)) (*ec2.CreateVpcOutput, error)
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeVpcAttribute(context.Context, *ec2.DescribeVpcAttributeInput, ...func(*ec2.Options)) (*ec2.DescribeVpcAttributeOutput, error)
	ModifyVpcAttribute(context.Context, *ec2.ModifyVpcAttributeInput, ...func(*ec2.Options)) (*ec2.ModifyVpcAttributeOutput, error)
	DeleteVpc(context.Context, *ec2.DeleteVpcInput, ...func(*ec2.Options)) (*ec2.DeleteVpcOutput, error)
	AssociateVpcCidrBlock(context.Context, *ec2.AssociateVpcCidrBlockInput, ...func(*ec2.Options)) (*ec2.AssociateVpcCidrBlockOutput, error)

	CreateSubnet(context.Context, *ec2.CreateSubnetInput, ...func(*ec2.Options)) (*ec2.CreateSubnetOutput, error)
	DescribeSubnets(context.Context, *ec2.DescribeSubnetsInput, ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error)
	ModifySubnetAttribute(context.Context, *ec2.ModifySubnetAttributeInput, ...func(*ec2.Options)) (*ec2.ModifySubnetAttributeOutput, error)
	DeleteSubnet(context.Context, *ec2.DeleteSubnetInput, ...func(*ec2.Options)) (*ec2.DeleteSubnetOutput, error)
	AssociateSubnetCidrBlock(context.Context, *ec2.AssociateSubnetCidrBlockInput, ...func(*ec2.Options)) (*ec2.AssociateSubnetCidrBlockOutput, error)

	CreateInternetGateway(context.Context, *ec2.CreateInternetGatewayInput, ...func(*ec2.Options)) (*ec2.CreateInternetGatewayOutput, error)
	DescribeInternetGateways(context.Context, *ec2.DescribeInternetGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeInternetGatewaysOutput, error)
	AttachInternetGateway(context.Context, *ec2.AttachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.AttachInternetGatewayOutput, error)
	DetachInternetGateway(context.Context, *ec2.DetachInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DetachInternetGatewayOutput, error)
	DeleteInternetGateway(context.Context, *ec2.DeleteInternetGatewayInput, ...func(*ec2.Options)) (*ec2.DeleteInternetGatewayOutput, error)

	AllocateAddress(context.Context, *ec2.AllocateAddressInput, ...func(*ec2.Options)) (*ec2.AllocateAddressOutput, error)
	DescribeAddresses(context.Context, *ec2.DescribeAddressesInput, ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error)
	ReleaseAddress(context.Context, *ec2.ReleaseAddressInput, ...func(*ec2.Options)) (*ec2.ReleaseAddressOutput, error)

	CreateNatGateway(context.Context, *ec2.CreateNatGatewayInput, ...func(*ec2.Options)) (*ec2.CreateNatGatewayOutput, error)
	DescribeNatGateways(context.Context, *ec2.DescribeNatGatewaysInput, ...func(*ec2.Options)) (*ec2.DescribeNatGatewaysOutput, error)
	DeleteNatGateway(context.Context, *ec2.DeleteNatGatewayInput, ...func(*ec2.Options)) (*ec2.DeleteNatGatewayOutput, error)

	CreateRouteTable(context.Context, *ec2.CreateRouteTableInput, ...func(*ec2.Options)) (*ec2.CreateRouteTableOutput, error)
	DescribeRouteTables(context.Context, *ec2.DescribeRouteTablesInput, ...func(*ec2.Options)) (*ec2.DescribeRouteTablesOutput, error)
	CreateRoute(context.Context, *ec2.CreateRouteInput, ...func(*ec2.Options)) (*ec2.CreateRouteOutput, error)
	ReplaceRoute(context.Context, *ec2.ReplaceRouteInput, ...func(*ec2.Options)) (*ec2.ReplaceRouteOutput, error)
	AssociateRouteTable(context.Context, *ec2.AssociateRouteTableInput, ...func(*ec2.Options)) (*ec2.AssociateRouteTableOutput, error)
	DisassociateRouteTable(context.Context, *ec2.DisassociateRouteTableInput, ...func(*ec2.Options)) (*ec2.DisassociateRouteTableOutput, error)
	DeleteRouteTable(context.Context, *ec2.DeleteRouteTableInput, ...func(*ec2.Options)) (*ec2.DeleteRouteTableOutput, error)
}

// NetworkVPC is a VPC as the network adapter describes it.
type NetworkVPC struct {
	ID        string
	CIDR      string
	IsDefault bool
	// IPv6 is true when an IPv6 block is associated: the load balancer's
	// group then admits ::/0 as well.
	IPv6 bool
	// IPv6CIDR is the associated IPv6 block (an Amazon-provided /56), and
	// IPv6Pending is true while one is still being associated.
	IPv6CIDR    string
	IPv6Pending bool
	Tags        map[string]string
}

// Subnet is a subnet.
type Subnet struct {
	ID           string
	VPCID        string
	AZ           string
	CIDR         string
	MapPublicIP  bool
	DefaultForAZ bool
	// IPv6CIDR is the subnet's associated IPv6 block (a /64), if any.
	IPv6CIDR string
	Tags     map[string]string
}

// AvailabilityZones returns the names of the region's available
// Availability Zones (not Local or Wavelength Zones), sorted.
func (n *Network) AvailabilityZones(ctx context.Context) ([]string, error) {
	out, err := n.api.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{
		netFilter("state", "available"), netFilter("zone-type", "availability-zone"),
	}})
	if err != nil {
		return nil, fmt.Errorf("describe availability zones: %w", err)
	}
	var zones []string
	for _, z := range out.AvailabilityZones {
		zones = append(zones, sdk.ToString(z.ZoneName))
	}
	slices.Sort(zones)
	return zones, nil
}

// CreateVPC creates a VPC tagged at creation. CreateVpc has no client
// token, so a lost answer is not re-sent (createOnce): the caller finds the
// VPC by its tags.
func (n *Network) CreateVPC(ctx context.Context, cidr string, tags map[string]string) (NetworkVPC, error) {
	out, err := n.api.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdk.String(cidr),
		TagSpecifications: netTagSpec(types.ResourceTypeVpc, tags)}, createOnce)
	if err != nil {
		return NetworkVPC{}, err
	}
	return vpcOf(*out.Vpc), nil
}

// VPC returns the VPC with id; false when it does not exist.
func (n *Network) VPC(ctx context.Context, id string) (NetworkVPC, bool, error) {
	vs, err := n.describeVPCs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if IsNotFound(err) || err == nil && len(vs) == 0 {
		return NetworkVPC{}, false, nil
	}
	if err != nil {
		return NetworkVPC{}, false, err
	}
	return vs[0], true, nil
}

// DefaultVPC returns the region's default VPC; false when it has none.
func (n *Network) DefaultVPC(ctx context.Context) (NetworkVPC, bool, error) {
	vs, err := n.describeVPCs(ctx, &ec2.DescribeVpcsInput{Filters: []types.Filter{netFilter("is-default", "true")}})
	if err != nil || len(vs) == 0 {
		return NetworkVPC{}, false, err
	}
	return vs[0], true, nil
}

// TaggedVPCs returns the VPCs carrying every tag of tags.
func (n *Network) TaggedVPCs(ctx context.Context, tags map[string]string) ([]NetworkVPC, error) {
	return n.describeVPCs(ctx, &ec2.DescribeVpcsInput{Filters: netTagFilters(tags)})
}

func (n *Network) describeVPCs(ctx context.Context, in *ec2.DescribeVpcsInput) ([]NetworkVPC, error) {
	var vs []NetworkVPC
	p := ec2.NewDescribeVpcsPaginator(n.api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, v := range out.Vpcs {
			vs = append(vs, vpcOf(v))
		}
	}
	return vs, nil
}

func vpcOf(v types.Vpc) NetworkVPC {
	out := NetworkVPC{ID: sdk.ToString(v.VpcId), CIDR: sdk.ToString(v.CidrBlock), IsDefault: sdk.ToBool(v.IsDefault), Tags: netTagMap(v.Tags)}
	for _, a := range v.Ipv6CidrBlockAssociationSet {
		switch {
		case a.Ipv6CidrBlockState == nil:
		case a.Ipv6CidrBlockState.State == types.VpcCidrBlockStateCodeAssociated:
			out.IPv6, out.IPv6CIDR = true, netFirst(out.IPv6CIDR, sdk.ToString(a.Ipv6CidrBlock))
		case a.Ipv6CidrBlockState.State == types.VpcCidrBlockStateCodeAssociating:
			out.IPv6Pending = true
		}
	}
	return out
}

// VPCDNS returns whether the VPC resolves DNS and gives instances DNS
// hostnames.
func (n *Network) VPCDNS(ctx context.Context, id string) (support, hostnames bool, err error) {
	s, err := n.api.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: sdk.String(id), Attribute: types.VpcAttributeNameEnableDnsSupport})
	if err != nil {
		return false, false, err
	}
	h, err := n.api.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: sdk.String(id), Attribute: types.VpcAttributeNameEnableDnsHostnames})
	if err != nil {
		return false, false, err
	}
	return s.EnableDnsSupport != nil && sdk.ToBool(s.EnableDnsSupport.Value),
		h.EnableDnsHostnames != nil && sdk.ToBool(h.EnableDnsHostnames.Value), nil
}

// EnableDNSSupport turns on the VPC's DNS resolution. AWS takes one
// attribute per call, and hostnames need support first.
func (n *Network) EnableDNSSupport(ctx context.Context, id string) error {
	_, err := n.api.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: sdk.String(id),
		EnableDnsSupport: &types.AttributeBooleanValue{Value: sdk.Bool(true)}})
	return err
}

// EnableDNSHostnames gives the VPC's instances public DNS names.
func (n *Network) EnableDNSHostnames(ctx context.Context, id string) error {
	_, err := n.api.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{VpcId: sdk.String(id),
		EnableDnsHostnames: &types.AttributeBooleanValue{Value: sdk.Bool(true)}})
	return err
}

// DeleteVPC deletes a VPC; DependencyViolation while anything is left in it.
func (n *Network) DeleteVPC(ctx context.Context, id string) error {
	_, err := n.api.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: sdk.String(id)})
	return err
}

// CreateSubnet creates a subnet in az, tagged at creation, sent once like
// CreateVPC.
func (n *Network) CreateSubnet(ctx context.Context, vpcID, cidr, az string, tags map[string]string) (Subnet, error) {
	out, err := n.api.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdk.String(vpcID), CidrBlock: sdk.String(cidr),
		AvailabilityZone: sdk.String(az), TagSpecifications: netTagSpec(types.ResourceTypeSubnet, tags)}, createOnce)
	if err != nil {
		return Subnet{}, err
	}
	return subnetOf(*out.Subnet), nil
}

// Subnet returns the subnet with id; false when it does not exist.
func (n *Network) Subnet(ctx context.Context, id string) (Subnet, bool, error) {
	ss, err := n.describeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{id}})
	if IsNotFound(err) || err == nil && len(ss) == 0 {
		return Subnet{}, false, nil
	}
	if err != nil {
		return Subnet{}, false, err
	}
	return ss[0], true, nil
}

// Subnets returns the subnets of a VPC.
func (n *Network) Subnets(ctx context.Context, vpcID string) ([]Subnet, error) {
	return n.describeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{netFilter("vpc-id", vpcID)}})
}

// TaggedSubnets returns the subnets carrying every tag of tags.
func (n *Network) TaggedSubnets(ctx context.Context, tags map[string]string) ([]Subnet, error) {
	return n.describeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: netTagFilters(tags)})
}

func (n *Network) describeSubnets(ctx context.Context, in *ec2.DescribeSubnetsInput) ([]Subnet, error) {
	var ss []Subnet
	p := ec2.NewDescribeSubnetsPaginator(n.api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range out.Subnets {
			ss = append(ss, subnetOf(s))
		}
	}
	return ss, nil
}

func subnetOf(s types.Subnet) Subnet {
	out := Subnet{ID: sdk.ToString(s.SubnetId), VPCID: sdk.ToString(s.VpcId), AZ: sdk.ToString(s.AvailabilityZone),
		CIDR: sdk.ToString(s.CidrBlock), MapPublicIP: sdk.ToBool(s.MapPublicIpOnLaunch),
		DefaultForAZ: sdk.ToBool(s.DefaultForAz), Tags: netTagMap(s.Tags)}
	for _, a := range s.Ipv6CidrBlockAssociationSet {
		// A block counts unless it is on its way out: moto 5 answers the
		// state as "{'State': 'associated'}", and a block taken for
		// missing would be associated a second time.
		switch st := a.Ipv6CidrBlockState; {
		case st != nil && (st.State == types.SubnetCidrBlockStateCodeDisassociating || st.State == types.SubnetCidrBlockStateCodeDisassociated ||
			st.State == types.SubnetCidrBlockStateCodeFailing || st.State == types.SubnetCidrBlockStateCodeFailed):
		default:
			out.IPv6CIDR = netFirst(out.IPv6CIDR, sdk.ToString(a.Ipv6CidrBlock))
		}
	}
	return out
}

// SetMapPublicIP sets whether instances launched in the subnet get a
// public IPv4 address.
func (n *Network) SetMapPublicIP(ctx context.Context, id string, on bool) error {
	_, err := n.api.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sdk.String(id),
		MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: sdk.Bool(on)}})
	return err
}

// DeleteSubnet deletes a subnet.
func (n *Network) DeleteSubnet(ctx context.Context, id string) error {
	_, err := n.api.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sdk.String(id)})
	return err
}

// netFilter is one EC2 describe filter.
func netFilter(name string, values ...string) types.Filter {
	return types.Filter{Name: sdk.String(name), Values: values}
}

// netTagFilters selects resources carrying every tag of tags, in a stable
// order.
func netTagFilters(tags map[string]string) []types.Filter {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fs := make([]types.Filter, 0, len(keys))
	for _, k := range keys {
		fs = append(fs, netFilter("tag:"+k, tags[k]))
	}
	return fs
}

// netTagSpec tags a resource as EC2 creates it, so a create whose answer
// is lost can still be found by its tags.
func netTagSpec(rt types.ResourceType, tags map[string]string) []types.TagSpecification {
	if len(tags) == 0 {
		return nil
	}
	return []types.TagSpecification{{ResourceType: rt, Tags: netTags(tags)}}
}

func netTags(tags map[string]string) []types.Tag {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]types.Tag, 0, len(keys))
	for _, k := range keys {
		out = append(out, types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	return out
}

func netTagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[sdk.ToString(t.Key)] = sdk.ToString(t.Value)
	}
	return m
}

// netToken returns an idempotency token, or nil to let the SDK make one.
func netToken(token string) *string {
	if token == "" {
		return nil
	}
	return sdk.String(token)
}

func netFirst(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
