package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// networkStep is where the stack lives: the region's default VPC, an
// existing VPC, or a new VPC with a public and a private subnet per AZ, an
// internet gateway, NAT gateways and their route tables. Only a new VPC's
// resources are recorded: the default VPC and an existing one are not the
// stack's to change or delete.
type networkStep struct{}

func (networkStep) ID() StepID    { return StepNetwork }
func (networkStep) Title() string { return "Network" }
func (networkStep) Why() string {
	return "Everything else lives in the network: subnets in two or more AZs, an internet gateway, NAT for private subnets."
}
func (networkStep) Enabled(s *spec.Spec) bool { return true }
func (networkStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepIdentity}
}

// The keys of a new VPC's resources.
const (
	keyVPC             = "network/vpc"
	keyIGW             = "network/igw"
	keyPublicRouteTab  = "network/route-table/public"
	defaultRoute       = "0.0.0.0/0"
	networkTypeVPC     = "ec2:vpc"
	networkTypeSubnet  = "ec2:subnet"
	networkTypeIGW     = "ec2:internet-gateway"
	networkTypeNAT     = "ec2:nat-gateway"
	networkTypeEIP     = "ec2:elastic-ip"
	networkTypeRouteTb = "ec2:route-table"
)

func keySubnet(tier spec.SubnetTier, az int) string {
	return "network/subnet/" + tier.String() + "/" + strconv.Itoa(az)
}
func keyNAT(i int) string             { return "network/nat/" + strconv.Itoa(i) }
func keyEIP(i int) string             { return "network/eip/" + strconv.Itoa(i) }
func keyPrivateRouteTab(i int) string { return "network/route-table/private/" + strconv.Itoa(i) }

// natCount is how many NAT gateways nat asks for over azs AZs.
func natCount(n spec.Network) int {
	switch n.NAT {
	case spec.NATSingle:
		return 1
	case spec.NATPerAZ:
		return n.AZs
	}
	return 0
}

// natFor is the index of the NAT gateway AZ az's private subnet routes
// through: its own with per-az, the one in the first AZ with single.
func natFor(n spec.Network, az int) int {
	if n.NAT == spec.NATPerAZ {
		return az
	}
	return 0
}

// Desired lists a new VPC's resources; the default VPC and an existing one
// are used, never recorded. The attrs here are what the spec decides;
// Apply adds what only AWS knows (the VPC id a subnet is in, the NAT a
// route points at), and a Kind observes the same attrs.
func (networkStep) Desired(s *spec.Spec) []Desired {
	return append(newVPCDesired(s), flowLogsDesired(s)...)
}

// newVPCDesired are the resources of a new VPC (network.vpc: new).
func newVPCDesired(s *spec.Spec) []Desired {
	n := s.Network
	if n.VPC != spec.VPCNew {
		return nil
	}
	plan, err := s.SubnetPlan()
	if err != nil {
		return nil // Validate reports it; Apply fails with it
	}
	// With dualstack the VPC, the public subnets and their route table
	// carry IPv6 too (network_ipv6.go); an ipv4 spec asks nothing of it.
	v6 := func(attrs map[string]string, on bool) map[string]string {
		if on && dualstack(s) {
			attrs["ipv6"] = "true"
		}
		return attrs
	}
	out := []Desired{
		{Key: keyVPC, Type: networkTypeVPC, Name: s.Name + "-vpc", Attrs: v6(map[string]string{"cidr": n.CIDR, "default_sg": defaultGroupClosed}, true), Replace: []string{"cidr"}},
		{Key: keyIGW, Type: networkTypeIGW, Name: s.Name + "-igw", Attrs: map[string]string{}},
	}
	for _, p := range plan {
		out = append(out, Desired{Key: keySubnet(p.Tier, p.AZIndex), Type: networkTypeSubnet, Name: p.Name,
			Attrs:   v6(map[string]string{"cidr": p.CIDR.String(), "map_public_ip": strconv.FormatBool(p.Tier == spec.SubnetPublic)}, p.Tier == spec.SubnetPublic),
			Replace: []string{"cidr", "az", "vpc_id"}})
	}
	out = append(out, Desired{Key: keyPublicRouteTab, Type: networkTypeRouteTb, Name: s.Name + "-public",
		Attrs: v6(map[string]string{}, true), Replace: []string{"vpc_id"}})
	for i := range natCount(n) {
		name := fmt.Sprintf("%s-nat-%d", s.Name, i+1)
		out = append(out,
			Desired{Key: keyEIP(i), Type: networkTypeEIP, Name: name, Attrs: map[string]string{}},
			Desired{Key: keyNAT(i), Type: networkTypeNAT, Name: name, Attrs: map[string]string{}, Replace: []string{"subnet_id"}})
	}
	if n.NAT != spec.NATNone {
		for az := range n.AZs {
			out = append(out, Desired{Key: keyPrivateRouteTab(az), Type: networkTypeRouteTb,
				Name:    fmt.Sprintf("%s-private-%d", s.Name, az+1),
				Attrs:   map[string]string{"nat": keyNAT(natFor(n, az))},
				Replace: []string{"vpc_id"}})
		}
	}
	return out
}

// networkOutputs is what later steps read: subnets in AZ order.
type networkOutputs struct {
	vpcID, cidr     string
	azs             []string
	public, private []string
}

func (o networkOutputs) set(r *Run) error {
	return r.SetOutputs(map[string]string{
		"vpc_id": o.vpcID, "vpc_cidr": o.cidr, "azs": strings.Join(o.azs, ","),
		"public_subnets": strings.Join(o.public, ","), "private_subnets": strings.Join(o.private, ","),
	})
}

func (st networkStep) Apply(ctx context.Context, r *Run) error {
	var (
		out networkOutputs
		err error
	)
	switch vpc := r.Spec.Network.VPC; {
	case vpc == spec.VPCNew:
		out, err = st.applyNew(ctx, r)
	case vpc == spec.VPCDefault:
		out, err = useDefaultVPC(ctx, r)
	default:
		out, err = useExistingVPC(ctx, r, vpc)
	}
	if err != nil {
		return err
	}
	r.Info("VPC %s (%s) over %s: public subnets %s%s", out.vpcID, out.cidr, strings.Join(out.azs, ", "),
		strings.Join(out.public, ", "), privateNote(out.private))
	if err := out.set(r); err != nil {
		return err
	}
	return ensureFlowLogs(ctx, r, out.vpcID)
}

func privateNote(private []string) string {
	if len(private) == 0 {
		return ", no private subnets"
	}
	return ", private subnets " + strings.Join(private, ", ")
}

// useDefaultVPC takes the region's default VPC and its default subnets in
// the first network.azs AZs. Nothing is recorded: the VPC is the account's.
func useDefaultVPC(ctx context.Context, r *Run) (networkOutputs, error) {
	net := r.AWS.Network
	vpc, ok, err := net.DefaultVPC(ctx)
	if err != nil {
		return networkOutputs{}, fmt.Errorf("find the default VPC: %w", err)
	}
	if !ok {
		return networkOutputs{}, fmt.Errorf("network.vpc is default, but %s has no default VPC: set network.vpc: new, or create one with `aws ec2 create-default-vpc`", r.AWS.Region)
	}
	subnets, err := net.Subnets(ctx, vpc.ID)
	if err != nil {
		return networkOutputs{}, fmt.Errorf("list the subnets of %s: %w", vpc.ID, err)
	}
	byAZ := map[string]aws.Subnet{}
	for _, s := range subnets {
		if s.DefaultForAZ {
			byAZ[s.AZ] = s
		}
	}
	azs := slices.Sorted(maps.Keys(byAZ))
	want := r.Spec.Network.AZs
	if len(azs) < want {
		return networkOutputs{}, fmt.Errorf("network.azs is %d, but the default VPC %s has default subnets in %d AZ(s) (%s): lower network.azs, create default subnets with `aws ec2 create-default-subnet --availability-zone AZ`, or set network.vpc: new",
			want, vpc.ID, len(azs), strings.Join(azs, ", "))
	}
	azs, err = zonesOffering(ctx, r, azs)
	if err != nil {
		return networkOutputs{}, err
	}
	out := networkOutputs{vpcID: vpc.ID, cidr: vpc.CIDR}
	for _, az := range azs[:want] {
		out.azs = append(out.azs, az)
		out.public = append(out.public, byAZ[az].ID)
	}
	return out, checkSubnetsIPv6(ctx, r, vpc, out.public)
}

// useExistingVPC takes a VPC the stack did not create: a subnet is public
// when its route table sends 0.0.0.0/0 to an internet gateway. The first
// network.azs AZs with a public subnet are used; each AZ's private subnet
// too when it has one. Nothing is recorded.
func useExistingVPC(ctx context.Context, r *Run, id string) (networkOutputs, error) {
	net := r.AWS.Network
	vpc, ok, err := net.VPC(ctx, id)
	if err != nil {
		return networkOutputs{}, fmt.Errorf("find %s: %w", id, err)
	}
	if !ok {
		return networkOutputs{}, fmt.Errorf("network.vpc: %s does not exist in %s (or this account cannot see it): check the id and the region", id, r.AWS.Region)
	}
	subnets, err := net.Subnets(ctx, id)
	if err != nil {
		return networkOutputs{}, fmt.Errorf("list the subnets of %s: %w", id, err)
	}
	tables, err := net.RouteTables(ctx, id)
	if err != nil {
		return networkOutputs{}, fmt.Errorf("list the route tables of %s: %w", id, err)
	}
	public, private := map[string][]aws.Subnet{}, map[string][]aws.Subnet{}
	for _, s := range subnets {
		target := defaultRouteOf(tables, s.ID)
		if strings.HasPrefix(target, "igw-") {
			public[s.AZ] = append(public[s.AZ], s)
		} else {
			private[s.AZ] = append(private[s.AZ], s)
			if target == "" {
				r.Warn("subnet %s (%s) of %s has no route to 0.0.0.0/0: instances there cannot reach the internet (package installs, AWS APIs) unless the VPC has endpoints", s.ID, s.AZ, id)
			}
		}
	}
	azs := slices.Sorted(maps.Keys(public))
	want := r.Spec.Network.AZs
	if len(azs) < want {
		return networkOutputs{}, fmt.Errorf("network.azs is %d, but %s has public subnets (routed to an internet gateway) in %d AZ(s): a load balancer needs public subnets in %d AZs: add them, lower network.azs, or set network.vpc: new",
			want, id, len(azs), want)
	}
	azs, err = zonesOffering(ctx, r, azs)
	if err != nil {
		return networkOutputs{}, err
	}
	out := networkOutputs{vpcID: vpc.ID, cidr: vpc.CIDR}
	pick := func(ss []aws.Subnet) aws.Subnet {
		slices.SortFunc(ss, func(a, b aws.Subnet) int { return strings.Compare(a.CIDR, b.CIDR) })
		return ss[0]
	}
	for _, az := range azs[:want] {
		out.azs = append(out.azs, az)
		pub := pick(public[az])
		out.public = append(out.public, pub.ID)
		if !pub.MapPublicIP {
			r.Warn("public subnet %s does not give instances public IPs on launch: a bastion there is unreachable from the internet", pub.ID)
		}
		if len(private[az]) > 0 {
			out.private = append(out.private, pick(private[az]).ID)
		}
	}
	if len(out.private) > 0 && len(out.private) < want {
		r.Warn("%s has private subnets in only %d of the %d AZs: the instances run in the public subnets", id, len(out.private), want)
		out.private = nil
	}
	return out, checkSubnetsIPv6(ctx, r, vpc, out.public)
}

// defaultRouteOf returns the target of 0.0.0.0/0 for a subnet: from the
// table it is associated with, else from the VPC's main table.
func defaultRouteOf(tables []aws.RouteTable, subnetID string) string {
	var main *aws.RouteTable
	for i, t := range tables {
		if slices.Contains(t.SubnetIDs(), subnetID) {
			rt, _ := t.Route(defaultRoute)
			return rt.Target
		}
		if t.Main {
			main = &tables[i]
		}
	}
	if main == nil {
		return ""
	}
	rt, _ := main.Route(defaultRoute)
	return rt.Target
}

// desiredByKey indexes a step's desired resources.
func desiredByKey(ds []Desired) map[string]Desired {
	m := make(map[string]Desired, len(ds))
	for _, d := range ds {
		m[d.Key] = d
	}
	return m
}

// withAttrs returns d with extra attrs that only AWS knows (ids of the
// resources d depends on), so Ensure updates or replaces d when they move.
func withAttrs(d Desired, kv map[string]string) Desired {
	attrs := maps.Clone(d.Attrs)
	if attrs == nil {
		attrs = map[string]string{}
	}
	maps.Copy(attrs, kv)
	d.Attrs = attrs
	return d
}

// converger brings one existing resource to what the spec wants and
// returns its attrs as AWS then has them. It calls a mutating API only
// for what differs, so an apply that changes nothing calls none.
type converger func(ctx context.Context, id string) (map[string]string, error)

// ensureConverged is Ensure for a resource with settings beyond its
// create call (a route, an association, an attribute): Create and Update
// finish by converging it, and a resource Ensure left alone is converged
// too — which finishes what an interrupted create left half done and puts
// back what was changed outside stackwiz. The record keeps the attrs AWS
// has afterwards.
func ensureConverged(ctx context.Context, r *Run, d Desired, find func(context.Context) (Found, bool, error),
	create func(ctx context.Context, token string) (string, error), converge converger,
) (state.Resource, error) {
	converged := false
	rec, err := r.Ensure(ctx, d, Ops{
		Find: find,
		Create: func(ctx context.Context, token string) (Found, error) {
			id, err := create(ctx, token)
			if err != nil {
				return Found{}, err
			}
			attrs, err := converge(ctx, id)
			if err != nil {
				return Found{}, fmt.Errorf("%s: %w", id, err)
			}
			converged = true
			return Found{ID: id, Attrs: attrs}, nil
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			attrs, err := converge(ctx, cur.ID)
			if err != nil {
				return Found{}, err
			}
			converged = true
			return Found{ID: cur.ID, Attrs: attrs}, nil
		},
	})
	if err != nil || converged {
		return rec, err
	}
	attrs, err := converge(ctx, rec.ID)
	if err != nil {
		return rec, fmt.Errorf("%s %s: %w", d.Type, rec.ID, err)
	}
	if !attrsMatch(rec.Attrs, attrs) {
		if err := r.SetAttrs(d.Key, attrs); err != nil {
			return rec, err
		}
		rec, _ = r.Recorded(d.Key)
	}
	return rec, nil
}

// findTagged returns a find for Ops: the one resource of the stack tagged
// with key among what list returns.
func findTagged(r *Run, key string, list func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error)) func(context.Context) (Found, bool, error) {
	return func(ctx context.Context) (Found, bool, error) {
		fs, err := list(ctx, r.AWS, r.Spec.Name)
		if err != nil {
			return Found{}, false, err
		}
		for _, f := range fs {
			if f.Key == key {
				return f, true, nil
			}
		}
		return Found{}, false, nil
	}
}
