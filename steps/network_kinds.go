package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
)

// networkKinds describe, delete and list a new VPC's resources. Destroy
// goes NAT gateways (waiting until deleted) → their Elastic IPs → the
// internet gateway (detached first) → route tables (disassociated first)
// → security groups → subnets → the VPC (DOMAIN.md, Network).
func networkKinds() []Kind {
	return []Kind{
		{Type: networkTypeNAT, Order: 60, Manual: manualByID("aws ec2 delete-nat-gateway --nat-gateway-id"), Describe: describeNAT, Delete: deleteNAT, List: listNATs},
		{Type: networkTypeEIP, Order: 62, Manual: manualByID("aws ec2 release-address --allocation-id"), Describe: describeAddress, Delete: deleteAddress, List: listAddresses},
		{Type: networkTypeIGW, Order: 64, Manual: manualByID("aws ec2 delete-internet-gateway --internet-gateway-id"), Describe: describeIGW, Delete: deleteIGW, List: listIGWs},
		{Type: networkTypeRouteTb, Order: 65, Manual: manualByID("aws ec2 delete-route-table --route-table-id"), Describe: describeRouteTable, Delete: deleteRouteTable, List: listRouteTables},
		{Type: networkTypeSubnet, Order: 68, Manual: manualByID("aws ec2 delete-subnet --subnet-id"), Describe: describeSubnet, Delete: deleteSubnet, List: listSubnets},
		{Type: networkTypeVPC, Order: 72, Manual: manualByID("aws ec2 delete-vpc --vpc-id"), Describe: describeVPC, Delete: deleteVPC, List: listVPCs},
	}
}

// stackFilter selects a stack's resources by tag.
func stackFilter(stack string) map[string]string { return map[string]string{TagStack: stack} }

// foundTagged fills a Found's key and step from the resource's tags.
func foundTagged(id string, tags map[string]string, attrs map[string]string) Found {
	return Found{ID: id, Key: tags[TagKey], Step: StepID(tags[TagStep]), Attrs: attrs}
}

func describeVPC(ctx context.Context, t Target) (Observed, error) {
	v, ok, err := t.AWS.Network.VPC(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	attrs, err := vpcAttrs(ctx, t.AWS, v)
	if err != nil {
		return Observed{}, err
	}
	return Observed{Exists: true, State: "available", Healthy: true, Attrs: attrs}, nil
}

func deleteVPC(ctx context.Context, t Target) error {
	return t.AWS.Network.DeleteVPC(ctx, t.Resource.ID)
}

func listVPCs(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	vs, err := c.Network.TaggedVPCs(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, v := range vs {
		attrs, err := vpcAttrs(ctx, c, v)
		if err != nil {
			return nil, err
		}
		out = append(out, foundTagged(v.ID, v.Tags, attrs))
	}
	return out, nil
}

func describeSubnet(ctx context.Context, t Target) (Observed, error) {
	s, ok, err := t.AWS.Network.Subnet(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	return Observed{Exists: true, State: "available", Healthy: true, Attrs: subnetAttrs(s)}, nil
}

func deleteSubnet(ctx context.Context, t Target) error {
	return t.AWS.Network.DeleteSubnet(ctx, t.Resource.ID)
}

func listSubnets(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	ss, err := c.Network.TaggedSubnets(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, s := range ss {
		out = append(out, foundTagged(s.ID, s.Tags, subnetAttrs(s)))
	}
	return out, nil
}

func igwAttrs(g aws.InternetGateway) map[string]string {
	return map[string]string{"vpc_id": strings.Join(g.VPCs, ",")}
}

func describeIGW(ctx context.Context, t Target) (Observed, error) {
	g, ok, err := t.AWS.Network.InternetGateway(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	o := Observed{Exists: true, State: "attached", Healthy: true, Attrs: igwAttrs(g)}
	if len(g.VPCs) == 0 {
		o.State, o.Healthy, o.Problem = "detached", false, "detached from the VPC: the public subnets have no way to the internet; run apply to attach it again"
	}
	return o, nil
}

func deleteIGW(ctx context.Context, t Target) error {
	n := t.AWS.Network
	g, ok, err := n.InternetGateway(ctx, t.Resource.ID)
	if err != nil || !ok {
		return err
	}
	for _, vpc := range g.VPCs {
		// DependencyViolation while public addresses are still mapped in
		// the VPC; the engine retries.
		// A VPC not found is one already gone; only the gateway's own
		// not-found (from the delete) may tell the engine it is gone.
		if err := n.DetachInternetGateway(ctx, g.ID, vpc); err != nil && !aws.IsNotFound(err) {
			return err
		}
	}
	return n.DeleteInternetGateway(ctx, g.ID)
}

func listIGWs(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	gs, err := c.Network.TaggedInternetGateways(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, g := range gs {
		out = append(out, foundTagged(g.ID, g.Tags, igwAttrs(g)))
	}
	return out, nil
}

func describeAddress(ctx context.Context, t Target) (Observed, error) {
	a, ok, err := t.AWS.Network.Address(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	o := Observed{Exists: true, State: "associated", Healthy: true}
	if a.AssociationID == "" {
		// Not a failure, but it bills: every public IPv4 address costs
		// about $0.005/hour since February 2024, attached or not.
		o.State = "unassociated"
	}
	return o, nil
}

func deleteAddress(ctx context.Context, t Target) error {
	// InvalidIPAddress.InUse until the NAT gateway using it is deleted;
	// the engine retries.
	return t.AWS.Network.ReleaseAddress(ctx, t.Resource.ID)
}

func listAddresses(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	as, err := c.Network.TaggedAddresses(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, a := range as {
		out = append(out, foundTagged(a.AllocationID, a.Tags, map[string]string{"public_ip": a.PublicIP}))
	}
	return out, nil
}

// describeNAT treats a deleted or deleting gateway as gone; a failed one
// exists (AWS lists it for an hour) but is unhealthy, and apply replaces it.
func describeNAT(ctx context.Context, t Target) (Observed, error) {
	g, ok, err := t.AWS.Network.NATGateway(ctx, t.Resource.ID)
	if err != nil || !ok || g.Gone() {
		return Observed{State: g.State}, err
	}
	o := Observed{Exists: true, State: g.State, Healthy: g.State == "available", Attrs: map[string]string{"subnet_id": g.SubnetID}}
	switch g.State {
	case "pending":
		o.Problem = "still starting"
	case "failed":
		o.Problem = "failed (" + g.Failure + "): run apply to replace it"
	}
	return o, nil
}

// deleteNAT deletes a gateway and waits until AWS says deleted: only then
// is its Elastic IP free to release and its subnet free to delete.
func deleteNAT(ctx context.Context, t Target) error {
	n := t.AWS.Network
	id := t.Resource.ID
	if err := n.DeleteNATGateway(ctx, id); err != nil && !aws.IsNotFound(err) {
		return err
	}
	return t.Wait(ctx, "NAT gateway "+id+" to be deleted", func(ctx context.Context) (bool, error) {
		g, ok, err := n.NATGateway(ctx, id)
		if err != nil {
			return false, err
		}
		return !ok || g.State == "deleted", nil
	})
}

func listNATs(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	gs, err := c.Network.TaggedNATGateways(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, g := range gs {
		if g.Gone() || g.State == "failed" {
			continue // going, or costs nothing and goes by itself within the hour
		}
		out = append(out, foundTagged(g.ID, g.Tags, map[string]string{"subnet_id": g.SubnetID}))
	}
	return out, nil
}

func routeTableAttrs(t aws.RouteTable) map[string]string {
	rt, _ := t.Route(defaultRoute)
	v6, _ := t.Route(ipv6Route)
	return map[string]string{"vpc_id": t.VPCID, "route": rt.Target, "subnet_ids": strings.Join(t.SubnetIDs(), ","), "ipv6": ipv6RoutesLike(v6.Target, rt.Target)}
}

func describeRouteTable(ctx context.Context, t Target) (Observed, error) {
	rt, ok, err := t.AWS.Network.RouteTable(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	o := Observed{Exists: true, State: "active", Healthy: true, Attrs: routeTableAttrs(rt)}
	switch r, ok := rt.Route(defaultRoute); {
	case !ok:
		o.State, o.Healthy, o.Problem = "no default route", false, "no route to 0.0.0.0/0: its subnets cannot reach the internet; run apply to put it back"
	case r.State == "blackhole":
		o.State, o.Healthy, o.Problem = "blackhole", false, fmt.Sprintf("0.0.0.0/0 goes to %s, which is gone: run apply", r.Target)
	}
	return o, nil
}

// deleteRouteTable removes the table's subnet associations (AWS refuses
// to delete a table that has any), then the table.
func deleteRouteTable(ctx context.Context, t Target) error {
	n := t.AWS.Network
	rt, ok, err := n.RouteTable(ctx, t.Resource.ID)
	if err != nil || !ok {
		return err
	}
	for _, a := range rt.Associations {
		if a.SubnetID != "" {
			if err := n.DisassociateRouteTable(ctx, a.ID); err != nil {
				return fmt.Errorf("disassociate %s: %w", a.SubnetID, err)
			}
		}
	}
	return n.DeleteRouteTable(ctx, rt.ID)
}

// listRouteTables also names the NAT gateway each private table routes
// through by its key, the way Desired does, so an adopted record matches.
func listRouteTables(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	ts, err := c.Network.TaggedRouteTables(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	natKeys := map[string]string{}
	if slices.ContainsFunc(ts, func(t aws.RouteTable) bool {
		r, _ := t.Route(defaultRoute)
		return strings.HasPrefix(r.Target, "nat-")
	}) {
		gs, err := c.Network.TaggedNATGateways(ctx, stackFilter(stack))
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			natKeys[g.ID] = g.Tags[TagKey]
		}
	}
	var out []Found
	for _, t := range ts {
		attrs := routeTableAttrs(t)
		if key := natKeys[attrs["route"]]; key != "" {
			attrs["nat"] = key
		}
		out = append(out, foundTagged(t.ID, t.Tags, attrs))
	}
	return out, nil
}
