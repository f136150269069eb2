package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func (f *netFixture) routeTable(id string) types.RouteTable {
	f.t.Helper()
	out := must[*ec2.DescribeRouteTablesOutput](f.t)(f.ec2.DescribeRouteTables(testCtx(f.t), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{id}}))
	return out.RouteTables[0]
}

func routeTo(rt types.RouteTable, dest string) *types.Route {
	for _, r := range rt.Routes {
		if aws.ToString(r.DestinationCidrBlock) == dest {
			return &r
		}
	}
	return nil
}

func TestRoutesToInternetAndNatGateways(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID, publicSubnet := f.publicVpc()
	igw := aws.ToString(must[*ec2.DescribeInternetGatewaysOutput](t)(f.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpcID)}})).InternetGateways[0].InternetGatewayId)
	privateSubnet := f.subnet(vpcID, "10.0.1.0/24", "us-east-1a")

	created := must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID), TagSpecifications: tagSpec(types.ResourceTypeRouteTable, "Name", "public")}))
	public := aws.ToString(created.RouteTable.RouteTableId)
	if !validID(public, "rtb") || tagValue(created.RouteTable.Tags, "Name") != "public" || len(created.RouteTable.Routes) != 1 || len(created.RouteTable.Associations) != 0 {
		t.Fatalf("CreateRouteTable = %+v", created.RouteTable)
	}
	createRoute := func(rtb, dest, gw, nat string) error {
		in := &ec2.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String(dest)}
		if gw != "" {
			in.GatewayId = aws.String(gw)
		}
		if nat != "" {
			in.NatGatewayId = aws.String(nat)
		}
		_, err := f.ec2.CreateRoute(ctx, in)
		return err
	}
	wantCode(t, createRoute(public, "0.0.0.0/0", igw, ""), "")
	wantCode(t, createRoute(public, "0.0.0.0/0", igw, ""), "RouteAlreadyExists")
	wantCode(t, createRoute(public, "0.0.0.0/0", "igw-0123456789abcdef0", ""), "InvalidInternetGatewayID.NotFound")
	wantCode(t, createRoute("rtb-0123456789abcdef0", "0.0.0.0/0", igw, ""), "InvalidRouteTableID.NotFound")
	otherVpc := f.vpc("10.9.0.0/16")
	otherRT := aws.ToString(must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(otherVpc)})).RouteTable.RouteTableId)
	wantCode(t, createRoute(otherRT, "0.0.0.0/0", igw, ""), "InvalidParameterValue")

	assoc := must[*ec2.AssociateRouteTableOutput](t)(f.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(public), SubnetId: aws.String(publicSubnet)}))
	if assoc.AssociationState.State != types.RouteTableAssociationStateCodeAssociated || !validID(aws.ToString(assoc.AssociationId), "rtbassoc") {
		t.Fatalf("AssociateRouteTable = %+v", assoc)
	}
	_, err := f.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(public), SubnetId: aws.String(publicSubnet)})
	wantCode(t, err, "Resource.AlreadyAssociated")
	_, err = f.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(otherRT), SubnetId: aws.String(privateSubnet)})
	wantCode(t, err, "InvalidParameterValue")

	// A private table sends 0.0.0.0/0 to a NAT gateway in the public subnet.
	alloc, _ := f.eip()
	nat := aws.ToString(must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(publicSubnet), AllocationId: aws.String(alloc)})).NatGateway.NatGatewayId)
	private := aws.ToString(must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)})).RouteTable.RouteTableId)
	wantCode(t, createRoute(private, "0.0.0.0/0", "", nat), "")
	wantCode(t, createRoute(private, "10.100.0.0/16", "", "nat-0123456789abcdef0"), "InvalidNatGatewayID.NotFound")
	privAssoc := aws.ToString(must[*ec2.AssociateRouteTableOutput](t)(f.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(private), SubnetId: aws.String(privateSubnet)})).AssociationId)

	byNat := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("route.nat-gateway-id", nat)}}))
	if len(byNat.RouteTables) != 1 || aws.ToString(byNat.RouteTables[0].RouteTableId) != private {
		t.Fatalf("tables routing to the NAT gateway = %+v", byNat.RouteTables)
	}
	bySubnet := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("association.subnet-id", publicSubnet)}}))
	if len(bySubnet.RouteTables) != 1 || aws.ToString(bySubnet.RouteTables[0].RouteTableId) != public {
		t.Fatalf("table of the public subnet = %+v", bySubnet.RouteTables)
	}
	notMain := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("association.main", "false")}}))
	if len(notMain.RouteTables) != 2 {
		t.Fatalf("non-main tables = %d, want 2", len(notMain.RouteTables))
	}

	// Once the NAT gateway is gone, its route is a blackhole.
	must[*ec2.DeleteNatGatewayOutput](t)(f.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(nat)}))
	f.Advance(0) // instant profile: deleting settles on the next tick
	if r := routeTo(f.routeTable(private), "0.0.0.0/0"); r == nil || r.State != types.RouteStateBlackhole || aws.ToString(r.NatGatewayId) != nat {
		t.Fatalf("route to a deleted NAT gateway = %+v, want blackhole", r)
	}
	// ReplaceRoute points it at the internet gateway instead.
	must[*ec2.ReplaceRouteOutput](t)(f.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(private), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)}))
	if r := routeTo(f.routeTable(private), "0.0.0.0/0"); r.State != types.RouteStateActive || aws.ToString(r.GatewayId) != igw || r.NatGatewayId != nil {
		t.Fatalf("replaced route = %+v", r)
	}
	_, err = f.ec2.ReplaceRoute(ctx, &ec2.ReplaceRouteInput{RouteTableId: aws.String(private), DestinationCidrBlock: aws.String("192.168.0.0/16"), GatewayId: aws.String(igw)})
	wantCode(t, err, "InvalidRoute.NotFound")

	_, err = f.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(private), DestinationCidrBlock: aws.String("10.0.0.0/16")})
	wantCode(t, err, "InvalidParameterValue") // the local route stays
	must[*ec2.DeleteRouteOutput](t)(f.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(private), DestinationCidrBlock: aws.String("0.0.0.0/0")}))
	_, err = f.ec2.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: aws.String(private), DestinationCidrBlock: aws.String("0.0.0.0/0")})
	wantCode(t, err, "InvalidRoute.NotFound")

	// A table with a subnet association cannot go; disassociated, it can.
	_, err = f.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(private)})
	wantCode(t, err, "DependencyViolation")
	must[*ec2.DisassociateRouteTableOutput](t)(f.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(privAssoc)}))
	_, err = f.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: aws.String(privAssoc)})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	must[*ec2.DeleteRouteTableOutput](t)(f.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(private)}))
	_, err = f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{private}})
	wantCode(t, err, "InvalidRouteTableID.NotFound")

	// The main table cannot be deleted or disassociated.
	mainRT := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", vpcID), filter("association.main", "true")}})).RouteTables[0]
	_, err = f.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: mainRT.RouteTableId})
	wantCode(t, err, "DependencyViolation")
	_, err = f.ec2.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: mainRT.Associations[0].RouteTableAssociationId})
	wantCode(t, err, "InvalidParameterValue")

	// Detaching the internet gateway blackholes routes to it.
	must[*ec2.DetachInternetGatewayOutput](t)(f.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpcID)}))
	if r := routeTo(f.routeTable(public), "0.0.0.0/0"); r.State != types.RouteStateBlackhole {
		t.Fatalf("route to a detached gateway = %+v, want blackhole", r)
	}
}

func TestDeletingASubnetDropsItsRouteTableAssociation(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	subnetID := f.subnet(vpcID, "10.0.0.0/24", "us-east-1a")
	rtb := aws.ToString(must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)})).RouteTable.RouteTableId)
	must[*ec2.AssociateRouteTableOutput](t)(f.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(rtb), SubnetId: aws.String(subnetID)}))
	must[*ec2.DeleteSubnetOutput](t)(f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(subnetID)}))
	if n := len(f.routeTable(rtb).Associations); n != 0 {
		t.Fatalf("associations after the subnet went = %d", n)
	}
	must[*ec2.DeleteRouteTableOutput](t)(f.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rtb)}))
}
