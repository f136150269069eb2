package aws

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// InternetGateway is an internet gateway and the VPCs it is attached to.
type InternetGateway struct {
	ID   string
	VPCs []string
	Tags map[string]string
}

// NATGateway is a NAT gateway.
type NATGateway struct {
	ID       string
	VPCID    string
	SubnetID string
	// State is pending, available, deleting, deleted or failed.
	State        string
	AllocationID string
	PublicIP     string
	// Failure is AWS's code and message for a failed gateway.
	Failure string
	Tags    map[string]string
}

// Gone reports whether the gateway is deleted or being deleted.
func (n NATGateway) Gone() bool { return n.State == "deleting" || n.State == "deleted" }

// Address is an Elastic IP.
type Address struct {
	AllocationID  string
	PublicIP      string
	AssociationID string
	Tags          map[string]string
}

// CreateInternetGateway creates a detached internet gateway, tagged. It has
// no client token: a lost answer is not re-sent (createOnce), the caller
// finds the gateway by its tags.
func (n *Network) CreateInternetGateway(ctx context.Context, tags map[string]string) (InternetGateway, error) {
	out, err := n.api.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{
		TagSpecifications: netTagSpec(types.ResourceTypeInternetGateway, tags)}, createOnce)
	if err != nil {
		return InternetGateway{}, err
	}
	return igwOf(*out.InternetGateway), nil
}

// InternetGateway returns the gateway with id; false when it does not exist.
func (n *Network) InternetGateway(ctx context.Context, id string) (InternetGateway, bool, error) {
	gs, err := n.describeIGWs(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{id}})
	if IsNotFound(err) || err == nil && len(gs) == 0 {
		return InternetGateway{}, false, nil
	}
	if err != nil {
		return InternetGateway{}, false, err
	}
	return gs[0], true, nil
}

// TaggedInternetGateways returns the gateways carrying every tag of tags.
func (n *Network) TaggedInternetGateways(ctx context.Context, tags map[string]string) ([]InternetGateway, error) {
	return n.describeIGWs(ctx, &ec2.DescribeInternetGatewaysInput{Filters: netTagFilters(tags)})
}

func (n *Network) describeIGWs(ctx context.Context, in *ec2.DescribeInternetGatewaysInput) ([]InternetGateway, error) {
	var gs []InternetGateway
	p := ec2.NewDescribeInternetGatewaysPaginator(n.api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range out.InternetGateways {
			gs = append(gs, igwOf(g))
		}
	}
	return gs, nil
}

func igwOf(g types.InternetGateway) InternetGateway {
	out := InternetGateway{ID: sdk.ToString(g.InternetGatewayId), Tags: netTagMap(g.Tags)}
	for _, a := range g.Attachments {
		if a.State != types.AttachmentStatusDetached && a.State != types.AttachmentStatusDetaching {
			out.VPCs = append(out.VPCs, sdk.ToString(a.VpcId))
		}
	}
	return out
}

// AttachInternetGateway attaches a gateway to a VPC; already attached to
// that VPC is success.
func (n *Network) AttachInternetGateway(ctx context.Context, igwID, vpcID string) error {
	_, err := n.api.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: sdk.String(igwID), VpcId: sdk.String(vpcID)})
	if IsCode(err, "Resource.AlreadyAssociated") {
		if g, ok, gerr := n.InternetGateway(ctx, igwID); gerr == nil && ok && slices.Contains(g.VPCs, vpcID) {
			return nil
		}
	}
	return err
}

// DetachInternetGateway detaches a gateway from a VPC; not attached is success.
func (n *Network) DetachInternetGateway(ctx context.Context, igwID, vpcID string) error {
	_, err := n.api.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: sdk.String(igwID), VpcId: sdk.String(vpcID)})
	if IsCode(err, "Gateway.NotAttached") {
		return nil
	}
	return err
}

// DeleteInternetGateway deletes a detached gateway.
func (n *Network) DeleteInternetGateway(ctx context.Context, id string) error {
	_, err := n.api.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: sdk.String(id)})
	return err
}

// AllocateAddress allocates an Elastic IP for use in a VPC, tagged, sent
// once like CreateInternetGateway (no client token).
func (n *Network) AllocateAddress(ctx context.Context, tags map[string]string) (Address, error) {
	out, err := n.api.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc,
		TagSpecifications: netTagSpec(types.ResourceTypeElasticIp, tags)}, createOnce)
	if err != nil {
		return Address{}, err
	}
	return Address{AllocationID: sdk.ToString(out.AllocationId), PublicIP: sdk.ToString(out.PublicIp), Tags: tags}, nil
}

// Address returns the Elastic IP with allocation id; false when released.
func (n *Network) Address(ctx context.Context, allocationID string) (Address, bool, error) {
	as, err := n.describeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{allocationID}})
	if IsNotFound(err) || err == nil && len(as) == 0 {
		return Address{}, false, nil
	}
	if err != nil {
		return Address{}, false, err
	}
	return as[0], true, nil
}

// TaggedAddresses returns the Elastic IPs carrying every tag of tags.
func (n *Network) TaggedAddresses(ctx context.Context, tags map[string]string) ([]Address, error) {
	return n.describeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: netTagFilters(tags)})
}

func (n *Network) describeAddresses(ctx context.Context, in *ec2.DescribeAddressesInput) ([]Address, error) {
	out, err := n.api.DescribeAddresses(ctx, in) // not paginated
	if err != nil {
		return nil, err
	}
	var as []Address
	for _, a := range out.Addresses {
		as = append(as, Address{AllocationID: sdk.ToString(a.AllocationId), PublicIP: sdk.ToString(a.PublicIp),
			AssociationID: sdk.ToString(a.AssociationId), Tags: netTagMap(a.Tags)})
	}
	return as, nil
}

// ReleaseAddress releases an Elastic IP; InvalidIPAddress.InUse while a
// NAT gateway being deleted still holds it.
func (n *Network) ReleaseAddress(ctx context.Context, allocationID string) error {
	_, err := n.api.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: sdk.String(allocationID)})
	return err
}

// CreateNATGateway creates a public NAT gateway in subnetID with the
// Elastic IP allocationID. token makes a retried call return the same
// gateway.
func (n *Network) CreateNATGateway(ctx context.Context, subnetID, allocationID, token string, tags map[string]string) (NATGateway, error) {
	out, err := n.api.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: sdk.String(subnetID),
		AllocationId: sdk.String(allocationID), ConnectivityType: types.ConnectivityTypePublic,
		ClientToken: netToken(token), TagSpecifications: netTagSpec(types.ResourceTypeNatgateway, tags)})
	if err != nil {
		return NATGateway{}, err
	}
	return natOf(*out.NatGateway), nil
}

// NATGateway returns the gateway with id; false when AWS no longer lists it.
func (n *Network) NATGateway(ctx context.Context, id string) (NATGateway, bool, error) {
	out, err := n.api.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
	if IsNotFound(err) || err == nil && len(out.NatGateways) == 0 {
		return NATGateway{}, false, nil
	}
	if err != nil {
		return NATGateway{}, false, err
	}
	return natOf(out.NatGateways[0]), true, nil
}

// TaggedNATGateways returns the gateways carrying every tag of tags, in
// any state (deleted ones stay listed for about an hour).
func (n *Network) TaggedNATGateways(ctx context.Context, tags map[string]string) ([]NATGateway, error) {
	var ns []NATGateway
	p := ec2.NewDescribeNatGatewaysPaginator(n.api, &ec2.DescribeNatGatewaysInput{Filter: netTagFilters(tags)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range out.NatGateways {
			ns = append(ns, natOf(g))
		}
	}
	return ns, nil
}

func natOf(g types.NatGateway) NATGateway {
	out := NATGateway{ID: sdk.ToString(g.NatGatewayId), VPCID: sdk.ToString(g.VpcId), SubnetID: sdk.ToString(g.SubnetId),
		State: string(g.State), Tags: netTagMap(g.Tags)}
	if g.FailureCode != nil || g.FailureMessage != nil {
		out.Failure = strings.TrimSpace(sdk.ToString(g.FailureCode) + ": " + sdk.ToString(g.FailureMessage))
	}
	for _, a := range g.NatGatewayAddresses {
		if a.AllocationId != nil {
			out.AllocationID, out.PublicIP = sdk.ToString(a.AllocationId), sdk.ToString(a.PublicIp)
			break
		}
	}
	return out
}

// DeleteNATGateway starts deleting a gateway; it is gone when its state is
// deleted.
func (n *Network) DeleteNATGateway(ctx context.Context, id string) error {
	_, err := n.api.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: sdk.String(id)})
	return err
}
