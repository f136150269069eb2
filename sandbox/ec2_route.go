package sandbox

import (
	"net/netip"
	"slices"
	"strings"
)

// RouteTable is a route table with its routes and associations. A VPC's
// main route table carries the one association with Main set.
type RouteTable struct {
	ID           string                  `json:"id"`
	VpcID        string                  `json:"vpc_id"`
	Routes       []Route                 `json:"routes"`
	Associations []RouteTableAssociation `json:"associations"`
	Tags         []Tag                   `json:"tags"`
	// ClientToken is the idempotency token of the CreateRouteTable that
	// made the table: a repeat with it answers this table.
	ClientToken string `json:"client_token,omitempty"`
}

// Route is one route; the VPC's local route has GatewayID "local".
type Route struct {
	Destination  string `json:"destination"`
	GatewayID    string `json:"gateway_id,omitempty"`
	NatGatewayID string `json:"nat_gateway_id,omitempty"`
	Origin       string `json:"origin"` // CreateRouteTable (local) or CreateRoute
}

// RouteTableAssociation links a subnet (or, for the main table, the VPC).
type RouteTableAssociation struct {
	ID       string `json:"id"`
	SubnetID string `json:"subnet_id,omitempty"`
	Main     bool   `json:"main,omitempty"`
}

func (rt *RouteTable) isMain() bool {
	return slices.ContainsFunc(rt.Associations, func(a RouteTableAssociation) bool { return a.Main })
}

// mainRouteTable returns the VPC's main route table.
func (s *EC2Network) mainRouteTable(vpcID string) *RouteTable {
	for _, rt := range s.RouteTables {
		if rt.VpcID == vpcID && rt.isMain() {
			return rt
		}
	}
	return nil
}

// routeState is "blackhole" when the target is gone: a detached or deleted
// internet gateway, a NAT gateway that is no longer usable.
func (s *EC2Network) routeState(vpcID string, rt Route) string {
	switch {
	case rt.GatewayID != "" && rt.GatewayID != "local":
		if ig := s.InternetGateways[rt.GatewayID]; ig == nil || ig.VpcID != vpcID {
			return "blackhole"
		}
	case rt.NatGatewayID != "":
		if n := s.NatGateways[rt.NatGatewayID]; n == nil || (n.State != natAvailable && n.State != natPending) {
			return "blackhole"
		}
	}
	return "active"
}

type xmlRoute struct {
	DestinationCIDRBlock string `xml:"destinationCidrBlock,omitempty"`
	DestinationIPv6      string `xml:"destinationIpv6CidrBlock,omitempty"`
	GatewayID            string `xml:"gatewayId,omitempty"`
	NatGatewayID         string `xml:"natGatewayId,omitempty"`
	State                string `xml:"state"`
	Origin               string `xml:"origin"`
}

type xmlRTAssoc struct {
	RouteTableAssociationID string `xml:"routeTableAssociationId"`
	RouteTableID            string `xml:"routeTableId"`
	SubnetID                string `xml:"subnetId,omitempty"`
	Main                    bool   `xml:"main"`
	State                   string `xml:"associationState>state"`
}

type xmlRouteTable struct {
	RouteTableID string       `xml:"routeTableId"`
	VpcID        string       `xml:"vpcId"`
	OwnerID      string       `xml:"ownerId"`
	Routes       []xmlRoute   `xml:"routeSet>item"`
	Associations []xmlRTAssoc `xml:"associationSet>item"`
	Tags         []xmlTag     `xml:"tagSet>item"`
}

func (s *EC2Network) routeTableXML(rt *RouteTable) xmlRouteTable {
	x := xmlRouteTable{RouteTableID: rt.ID, VpcID: rt.VpcID, OwnerID: AccountID, Tags: xmlTags(rt.Tags),
		Routes: []xmlRoute{}, Associations: []xmlRTAssoc{}}
	for _, r := range rt.Routes {
		xr := xmlRoute{DestinationCIDRBlock: r.Destination, GatewayID: r.GatewayID, NatGatewayID: r.NatGatewayID, State: s.routeState(rt.VpcID, r), Origin: r.Origin}
		if strings.Contains(r.Destination, ":") {
			xr.DestinationCIDRBlock, xr.DestinationIPv6 = "", r.Destination
		}
		x.Routes = append(x.Routes, xr)
	}
	for _, a := range rt.Associations {
		x.Associations = append(x.Associations, xmlRTAssoc{a.ID, rt.ID, a.SubnetID, a.Main, "associated"})
	}
	return x
}

func (rt *RouteTable) fields(name string) ([]string, bool) {
	var out []string
	switch name {
	case "route-table-id":
		return []string{rt.ID}, true
	case "vpc-id":
		return []string{rt.VpcID}, true
	case "owner-id":
		return []string{AccountID}, true
	case "association.main":
		// AWS matches association.main=false for tables with no main association.
		return []string{boolStr(rt.isMain())}, true
	case "association.subnet-id":
		for _, a := range rt.Associations {
			out = append(out, a.SubnetID)
		}
		return out, true
	case "association.route-table-association-id":
		for _, a := range rt.Associations {
			out = append(out, a.ID)
		}
		return out, true
	case "association.route-table-id":
		return []string{rt.ID}, true
	case "route.destination-cidr-block", "route.destination-ipv6-cidr-block":
		for _, r := range rt.Routes {
			if strings.Contains(r.Destination, ":") == (name == "route.destination-ipv6-cidr-block") {
				out = append(out, r.Destination)
			}
		}
		return out, true
	case "route.gateway-id":
		for _, r := range rt.Routes {
			out = append(out, r.GatewayID)
		}
		return out, true
	case "route.nat-gateway-id":
		for _, r := range rt.Routes {
			out = append(out, r.NatGatewayID)
		}
		return out, true
	case "route.origin":
		for _, r := range rt.Routes {
			out = append(out, r.Origin)
		}
		return out, true
	}
	return nil, false
}

// createRouteTable honours ClientToken as EC2 does: a repeat with the
// token of a table that still exists answers that table, and the token
// with another VPC is IdempotentParameterMismatch.
func createRouteTable(c *call) (any, error) {
	s := c.r.EC2.Network
	token := c.p.Get("ClientToken")
	answer := func(rt *RouteTable) (any, error) {
		return struct {
			RouteTable  xmlRouteTable `xml:"routeTable"`
			ClientToken string        `xml:"clientToken,omitempty"`
		}{s.routeTableXML(rt), token}, nil
	}
	if token != "" {
		for _, rt := range s.RouteTables {
			if rt.ClientToken != token {
				continue
			}
			if rt.VpcID != c.p.Get("VpcId") {
				return nil, errBadRequest("IdempotentParameterMismatch", "The client token %s was already used with different parameters.", token)
			}
			return answer(rt)
		}
	}
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	tags, err := tagSpecs(c, "route-table")
	if err != nil {
		return nil, err
	}
	rt := &RouteTable{ID: c.w.newID("rtb"), VpcID: v.ID, Tags: tags, ClientToken: token,
		Routes: []Route{{Destination: v.CIDR, GatewayID: "local", Origin: "CreateRouteTable"}}}
	if v.IPv6CIDR != "" {
		rt.Routes = append(rt.Routes, Route{Destination: v.IPv6CIDR, GatewayID: "local", Origin: "CreateRouteTable"})
	}
	s.RouteTables[rt.ID] = rt
	return answer(rt)
}

func routeTableParam(c *call) (*RouteTable, error) {
	id := c.p.Get("RouteTableId")
	if id == "" {
		return nil, errMissing("RouteTableId")
	}
	rt := c.r.EC2.Network.RouteTables[id]
	if rt == nil {
		return nil, errBadRequest("InvalidRouteTableID.NotFound", "The routeTable ID '%s' does not exist", id)
	}
	return rt, nil
}

// deleteRouteTable refuses the main table and any table still associated
// with a subnet.
func deleteRouteTable(c *call) (any, error) {
	rt, err := routeTableParam(c)
	if err != nil {
		return nil, err
	}
	if len(rt.Associations) > 0 {
		return nil, errBadRequest("DependencyViolation", "The routeTable '%s' has dependencies and cannot be deleted.", rt.ID)
	}
	delete(c.r.EC2.Network.RouteTables, rt.ID)
	return ec2Bool{true}, nil
}

func describeRouteTables(c *call) (any, error) {
	s := c.r.EC2.Network
	rts, next, err := describe(c, s.RouteTables, "RouteTableId", func(v *RouteTable) []Tag { return v.Tags },
		func(v *RouteTable) fieldFunc { return v.fields }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlRouteTable, 0, len(rts))
	for _, rt := range rts {
		out = append(out, s.routeTableXML(rt))
	}
	return struct {
		RouteTables []xmlRouteTable `xml:"routeTableSet>item"`
		NextToken   string          `xml:"nextToken,omitempty"`
	}{out, next}, nil
}

// routeTarget reads a route's destination and target from a CreateRoute
// or ReplaceRoute request and checks the target belongs to the table's VPC.
func routeTarget(c *call, rt *RouteTable) (Route, error) {
	dest, err := routeDestination(c)
	if err != nil {
		return Route{}, err
	}
	s := c.r.EC2.Network
	r := Route{Destination: dest, Origin: "CreateRoute"}
	switch gw, nat := c.p.Get("GatewayId"), c.p.Get("NatGatewayId"); {
	case gw != "" && nat != "":
		return Route{}, errBadRequest("InvalidParameterCombination", "More than one target was specified; a route has exactly one target.")
	case gw != "":
		ig := s.InternetGateways[gw]
		if ig == nil {
			return Route{}, errBadRequest("InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist", gw)
		}
		if ig.VpcID != rt.VpcID {
			return Route{}, errBadRequest("InvalidParameterValue", "route table %s and network gateway %s belong to different networks", rt.ID, gw)
		}
		r.GatewayID = gw
	case nat != "" && strings.Contains(dest, ":"):
		// NAT gateways translate IPv4 only; IPv6 goes out through an
		// internet gateway or an egress-only one.
		return Route{}, errBadRequest("InvalidParameterValue", "A NAT gateway cannot be the target of the IPv6 route %s", dest)
	case nat != "":
		n := s.NatGateways[nat]
		if n == nil || n.State == natDeleted {
			return Route{}, errBadRequest("InvalidNatGatewayID.NotFound", "The natGateway ID '%s' does not exist", nat)
		}
		if n.VpcID != rt.VpcID {
			return Route{}, errBadRequest("InvalidParameterValue", "route table %s and NAT gateway %s belong to different networks", rt.ID, nat)
		}
		r.NatGatewayID = nat
	default:
		return Route{}, errBadRequest("MissingParameter", "The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId or instanceId")
	}
	return r, nil
}

// routeDestination reads a route's destination: DestinationCidrBlock or
// DestinationIpv6CidrBlock, exactly one.
func routeDestination(c *call) (string, error) {
	v4, v6 := c.p.Get("DestinationCidrBlock"), c.p.Get("DestinationIpv6CidrBlock")
	switch {
	case v4 != "" && v6 != "":
		return "", errBadRequest("InvalidParameterCombination", "Specify only one of destinationCidrBlock, destinationIpv6CidrBlock")
	case v4 != "":
		_, err := parseCIDR(v4, "destinationCidrBlock")
		return v4, err
	case v6 != "":
		p, err := netip.ParsePrefix(v6)
		if err != nil || !p.Addr().Is6() || p.Masked() != p {
			return "", errBadRequest("InvalidParameterValue", "Value (%s) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", v6)
		}
		return p.String(), nil
	}
	return "", errMissing("DestinationCidrBlock")
}

func routeIndex(rt *RouteTable, dest string) int {
	return slices.IndexFunc(rt.Routes, func(r Route) bool { return r.Destination == dest })
}

func createRoute(c *call) (any, error) {
	rt, err := routeTableParam(c)
	if err != nil {
		return nil, err
	}
	r, err := routeTarget(c, rt)
	if err != nil {
		return nil, err
	}
	if routeIndex(rt, r.Destination) >= 0 {
		return nil, errBadRequest("RouteAlreadyExists", "The route identified by %s already exists.", r.Destination)
	}
	rt.Routes = append(rt.Routes, r)
	return ec2Bool{true}, nil
}

func replaceRoute(c *call) (any, error) {
	rt, err := routeTableParam(c)
	if err != nil {
		return nil, err
	}
	r, err := routeTarget(c, rt)
	if err != nil {
		return nil, err
	}
	i := routeIndex(rt, r.Destination)
	if i < 0 {
		return nil, errBadRequest("InvalidRoute.NotFound", "There is no route defined for '%s' in the route table. Use CreateRoute instead.", r.Destination)
	}
	if rt.Routes[i].GatewayID == "local" {
		return nil, errBadRequest("InvalidParameterValue", "The local route cannot be replaced with a gateway target.")
	}
	r.Origin = "CreateRoute"
	rt.Routes[i] = r
	return ec2Bool{true}, nil
}

func deleteRoute(c *call) (any, error) {
	rt, err := routeTableParam(c)
	if err != nil {
		return nil, err
	}
	dest, err := routeDestination(c)
	if err != nil {
		return nil, err
	}
	i := routeIndex(rt, dest)
	if i < 0 {
		return nil, errBadRequest("InvalidRoute.NotFound", "no route with destination-cidr-block %s in route table %s", dest, rt.ID)
	}
	if rt.Routes[i].GatewayID == "local" {
		return nil, errBadRequest("InvalidParameterValue", "cannot remove local route %s in route table %s", dest, rt.ID)
	}
	rt.Routes = slices.Delete(rt.Routes, i, i+1)
	return ec2Bool{true}, nil
}

// associateRouteTable links a subnet to a table. A subnet has at most one
// explicit association: a second one is Resource.AlreadyAssociated (use
// ReplaceRouteTableAssociation on AWS).
func associateRouteTable(c *call) (any, error) {
	rt, err := routeTableParam(c)
	if err != nil {
		return nil, err
	}
	sn, err := subnetParam(c)
	if err != nil {
		return nil, err
	}
	if sn.VpcID != rt.VpcID {
		return nil, errBadRequest("InvalidParameterValue", "Route table %s and subnet %s belong to different networks", rt.ID, sn.ID)
	}
	s := c.r.EC2.Network
	for _, other := range s.RouteTables {
		for _, a := range other.Associations {
			if a.SubnetID == sn.ID {
				return nil, errBadRequest("Resource.AlreadyAssociated", "the specified association for route table %s conflicts with an existing association", rt.ID)
			}
		}
	}
	a := RouteTableAssociation{ID: c.w.newID("rtbassoc"), SubnetID: sn.ID}
	rt.Associations = append(rt.Associations, a)
	return struct {
		AssociationID string `xml:"associationId"`
		State         string `xml:"associationState>state"`
	}{a.ID, "associated"}, nil
}

func disassociateRouteTable(c *call) (any, error) {
	id := c.p.Get("AssociationId")
	if id == "" {
		return nil, errMissing("AssociationId")
	}
	for _, rt := range c.r.EC2.Network.RouteTables {
		for i, a := range rt.Associations {
			if a.ID != id {
				continue
			}
			if a.Main {
				return nil, errBadRequest("InvalidParameterValue", "cannot disassociate the main route table association %s", id)
			}
			rt.Associations = slices.Delete(rt.Associations, i, i+1)
			return ec2Bool{true}, nil
		}
	}
	return nil, errBadRequest("InvalidAssociationID.NotFound", "The association ID '%s' does not exist", id)
}
