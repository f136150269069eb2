package aws

import (
	"context"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// RouteTable is a route table with its routes and subnet associations.
type RouteTable struct {
	ID           string
	VPCID        string
	Main         bool
	Routes       []Route
	Associations []RouteAssociation
	Tags         map[string]string
}

// Route is one route of a table.
type Route struct {
	Destination string
	// Target is the gateway id: igw-..., nat-..., or "local".
	Target string
	// State is active or blackhole (the target is gone).
	State string
}

// RouteAssociation links a subnet to a table (SubnetID is empty for the
// main table's association with the VPC).
type RouteAssociation struct {
	ID       string
	SubnetID string
}

// Route returns the table's route to destination, if any.
func (t RouteTable) Route(destination string) (Route, bool) {
	i := slices.IndexFunc(t.Routes, func(r Route) bool { return r.Destination == destination })
	if i < 0 {
		return Route{}, false
	}
	return t.Routes[i], true
}

// SubnetIDs returns the associated subnets, sorted.
func (t RouteTable) SubnetIDs() []string {
	var ids []string
	for _, a := range t.Associations {
		if a.SubnetID != "" {
			ids = append(ids, a.SubnetID)
		}
	}
	slices.Sort(ids)
	return ids
}

// CreateRouteTable creates a route table in a VPC, tagged. token makes a
// retried call return the same table.
func (n *Network) CreateRouteTable(ctx context.Context, vpcID, token string, tags map[string]string) (RouteTable, error) {
	out, err := n.api.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: sdk.String(vpcID), ClientToken: netToken(token),
		TagSpecifications: netTagSpec(types.ResourceTypeRouteTable, tags)})
	if err != nil {
		return RouteTable{}, err
	}
	return routeTableOf(*out.RouteTable), nil
}

// RouteTable returns the table with id; false when it does not exist.
func (n *Network) RouteTable(ctx context.Context, id string) (RouteTable, bool, error) {
	ts, err := n.describeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}})
	if IsNotFound(err) || err == nil && len(ts) == 0 {
		return RouteTable{}, false, nil
	}
	if err != nil {
		return RouteTable{}, false, err
	}
	return ts[0], true, nil
}

// RouteTables returns the route tables of a VPC, its main table included.
func (n *Network) RouteTables(ctx context.Context, vpcID string) ([]RouteTable, error) {
	return n.describeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{netFilter("vpc-id", vpcID)}})
}

// TaggedRouteTables returns the tables carrying every tag of tags.
func (n *Network) TaggedRouteTables(ctx context.Context, tags map[string]string) ([]RouteTable, error) {
	return n.describeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: netTagFilters(tags)})
}

func (n *Network) describeRouteTables(ctx context.Context, in *ec2.DescribeRouteTablesInput) ([]RouteTable, error) {
	var ts []RouteTable
	p := ec2.NewDescribeRouteTablesPaginator(n.api, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range out.RouteTables {
			ts = append(ts, routeTableOf(t))
		}
	}
	return ts, nil
}

func routeTableOf(t types.RouteTable) RouteTable {
	out := RouteTable{ID: sdk.ToString(t.RouteTableId), VPCID: sdk.ToString(t.VpcId), Tags: netTagMap(t.Tags)}
	for _, r := range t.Routes {
		target := netFirst(sdk.ToString(r.GatewayId), sdk.ToString(r.NatGatewayId), sdk.ToString(r.NetworkInterfaceId),
			sdk.ToString(r.TransitGatewayId), sdk.ToString(r.VpcPeeringConnectionId), sdk.ToString(r.InstanceId))
		dest := netFirst(sdk.ToString(r.DestinationCidrBlock), sdk.ToString(r.DestinationIpv6CidrBlock), sdk.ToString(r.DestinationPrefixListId))
		out.Routes = append(out.Routes, Route{Destination: dest, Target: target, State: string(r.State)})
	}
	for _, a := range t.Associations {
		if sdk.ToBool(a.Main) {
			out.Main = true
		}
		if a.AssociationState != nil && a.AssociationState.State != types.RouteTableAssociationStateCodeAssociated &&
			a.AssociationState.State != types.RouteTableAssociationStateCodeAssociating {
			continue
		}
		out.Associations = append(out.Associations, RouteAssociation{ID: sdk.ToString(a.RouteTableAssociationId), SubnetID: sdk.ToString(a.SubnetId)})
	}
	return out
}

// SetRoute makes destination (an IPv4 or IPv6 block) route to target (an igw-... or nat-... id):
// it creates the route, or replaces the one there.
func (n *Network) SetRoute(ctx context.Context, tableID, destination, target string) error {
	in := &ec2.CreateRouteInput{RouteTableId: sdk.String(tableID)}
	rin := &ec2.ReplaceRouteInput{RouteTableId: sdk.String(tableID)}
	if strings.Contains(destination, ":") { // ::/0 and other IPv6 blocks
		in.DestinationIpv6CidrBlock, rin.DestinationIpv6CidrBlock = sdk.String(destination), sdk.String(destination)
	} else {
		in.DestinationCidrBlock, rin.DestinationCidrBlock = sdk.String(destination), sdk.String(destination)
	}
	if strings.HasPrefix(target, "nat-") {
		in.NatGatewayId, rin.NatGatewayId = sdk.String(target), sdk.String(target)
	} else {
		in.GatewayId, rin.GatewayId = sdk.String(target), sdk.String(target)
	}
	_, err := n.api.CreateRoute(ctx, in)
	if IsCode(err, "RouteAlreadyExists") {
		_, err = n.api.ReplaceRoute(ctx, rin)
	}
	return err
}

// AssociateRouteTable links a subnet to a table. A subnet already linked to
// another table is moved (its old association is replaced).
func (n *Network) AssociateRouteTable(ctx context.Context, tableID, subnetID string) error {
	_, err := n.api.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: sdk.String(tableID), SubnetId: sdk.String(subnetID)})
	if !IsCode(err, "Resource.AlreadyAssociated") {
		return err
	}
	// The subnet is linked elsewhere (or here already): find that link.
	ts, derr := n.describeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{netFilter("association.subnet-id", subnetID)}})
	if derr != nil {
		return derr
	}
	for _, t := range ts {
		for _, a := range t.Associations {
			if a.SubnetID != subnetID {
				continue
			}
			if t.ID == tableID {
				return nil
			}
			if derr := n.DisassociateRouteTable(ctx, a.ID); derr != nil {
				return derr
			}
		}
	}
	_, err = n.api.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: sdk.String(tableID), SubnetId: sdk.String(subnetID)})
	return err
}

// DisassociateRouteTable removes one subnet association; gone is success.
func (n *Network) DisassociateRouteTable(ctx context.Context, associationID string) error {
	_, err := n.api.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: sdk.String(associationID)})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// DeleteRouteTable deletes a table with no subnet associations.
func (n *Network) DeleteRouteTable(ctx context.Context, id string) error {
	_, err := n.api.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: sdk.String(id)})
	return err
}
