package steps

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// load_balancer.ip_address_type: dualstack. A dualstack Application Load
// Balancer needs its VPC and every subnet it is in to have an IPv6 block,
// their route tables to route IPv6, and its security group to admit IPv6
// (Elastic Load Balancing User Guide, "IP address types for your
// Application Load Balancer", Dualstack requirements).
//
// A new VPC gets an Amazon-provided /56; each public subnet (where the
// load balancer's nodes are) the /64 whose index is its AZ's (0, 1, 2),
// and the public route table ::/0 → the internet gateway. The private
// subnets get no IPv6: the load balancer reaches its targets over IPv4
// (an instance target group is ipv4), and instances given IPv6 addresses
// would need the launch template to ask for them and an egress-only
// internet gateway for ::/0 — a second way out beside the NAT gateway
// that the app does not need for a dualstack front door.
//
// Turning dualstack off keeps the IPv6 blocks and the ::/0 route (they
// cost nothing and deleting a subnet's block is refused while addresses
// from it are in use); the load balancer goes back to ipv4 in place.

// ipv6Route is the route that sends IPv6 to the internet gateway.
const ipv6Route = "::/0"

// ipv6AssociateMax bounds the wait for an Amazon-provided IPv6 block to go
// from associating to associated: AWS documents no figure; it takes
// seconds.
const ipv6AssociateMax = 2 * time.Minute

// dualstack reports whether the spec asks for a dualstack load balancer.
func dualstack(s *spec.Spec) bool { return s.LoadBalancer.IPAddressType == spec.Dualstack }

// ipv6SubnetBlock is the index-th /64 of a VPC's IPv6 /56.
func ipv6SubnetBlock(vpcBlock string, index int) (string, error) {
	p, err := netip.ParsePrefix(vpcBlock)
	if err != nil || !p.Addr().Is6() || p.Bits() > 64 {
		return "", fmt.Errorf("the VPC's IPv6 block %q is not an IPv6 block of /64 or larger", vpcBlock)
	}
	if index < 0 || index >= 1<<(64-p.Bits()) {
		return "", fmt.Errorf("the VPC's IPv6 block %s has no /64 number %d", vpcBlock, index)
	}
	a := p.Masked().Addr().As16()
	// The /64's index fills the bits between the VPC's prefix and bit 64.
	n := uint64(index)
	for i := 7; i >= p.Bits()/8 && n > 0; i-- {
		a[i] |= byte(n)
		n >>= 8
	}
	return netip.PrefixFrom(netip.AddrFrom16(a), 64).String(), nil
}

// ensureVPCIPv6 gives the new VPC an Amazon-provided IPv6 block when the
// spec is dualstack and it has none (a VPC made before dualstack was
// chosen), and waits until the block is associated.
func (b *vpcBuilder) ensureVPCIPv6(ctx context.Context, id string) error {
	if !dualstack(b.r.Spec) {
		return nil
	}
	v, ok, err := b.net.VPC(ctx, id)
	if err != nil || !ok {
		return notFoundOr(err, id)
	}
	if v.IPv6 {
		return nil
	}
	if !v.IPv6Pending {
		if err := b.net.AssociateVPCIPv6(ctx, id); err != nil {
			return err
		}
	}
	return b.r.Wait(ctx, keyVPC, "the VPC's IPv6 block to be associated (seconds)", ipv6AssociateMax, func(ctx context.Context) (bool, error) {
		v, ok, err := b.net.VPC(ctx, id)
		if err != nil || !ok {
			return false, notFoundOr(err, id)
		}
		return v.IPv6, nil
	})
}

// subnetIPv6Block is the /64 a new public subnet gets with dualstack, or ""
// when it gets none.
func (b *vpcBuilder) subnetIPv6Block(ctx context.Context, vpcID string, p spec.PlannedSubnet) (string, error) {
	if !dualstack(b.r.Spec) || p.Tier != spec.SubnetPublic {
		return "", nil
	}
	v, ok, err := b.net.VPC(ctx, vpcID)
	if err != nil || !ok {
		return "", notFoundOr(err, vpcID)
	}
	if !v.IPv6 {
		return "", fmt.Errorf("load_balancer.ip_address_type is dualstack, but the stack's VPC %s has no IPv6 block yet: run apply again", vpcID)
	}
	return ipv6SubnetBlock(v.IPv6CIDR, p.AZIndex)
}

// ensureSubnetIPv6 gives a public subnet made before dualstack was chosen
// its /64.
func (b *vpcBuilder) ensureSubnetIPv6(ctx context.Context, s aws.Subnet, vpcID string, p spec.PlannedSubnet) (aws.Subnet, error) {
	block, err := b.subnetIPv6Block(ctx, vpcID, p)
	if err != nil || block == "" || s.IPv6CIDR != "" {
		return s, err
	}
	if err := b.net.AssociateSubnetIPv6(ctx, s.ID, block); err != nil {
		return s, err
	}
	s.IPv6CIDR = block
	return s, nil
}

// ensureIPv6Route makes ::/0 go to target in a table whose desired attrs
// ask for it (ipv6: true), and returns the table's ipv6 attr afterwards.
func (b *vpcBuilder) ensureIPv6Route(ctx context.Context, t aws.RouteTable, d Desired, target string) (string, error) {
	cur, _ := t.Route(ipv6Route)
	if d.Attrs["ipv6"] != "true" || cur.Target == target {
		return ipv6RoutesLike(cur.Target, target), nil
	}
	if err := b.net.SetRoute(ctx, t.ID, ipv6Route, target); err != nil {
		return "", fmt.Errorf("route ::/0 to %s: %w", target, err)
	}
	return "true", nil
}

// ipv6RoutesLike is a route table's ipv6 attr: true when ::/0 goes where
// 0.0.0.0/0 goes.
func ipv6RoutesLike(v6, v4 string) string { return strconv.FormatBool(v6 != "" && v6 == v4) }

// checkSubnetsIPv6 refuses a dualstack load balancer in an existing or
// default VPC whose chosen public subnets lack IPv6 blocks or a ::/0
// route to an internet gateway, with the commands that fix it.
func checkSubnetsIPv6(ctx context.Context, r *Run, vpc aws.NetworkVPC, public []string) error {
	if !dualstack(r.Spec) {
		return nil
	}
	if err := vpcIPv6Problem(vpc); err != nil {
		return err
	}
	subnets, err := r.AWS.Network.Subnets(ctx, vpc.ID)
	if err != nil {
		return fmt.Errorf("list the subnets of %s: %w", vpc.ID, err)
	}
	tables, err := r.AWS.Network.RouteTables(ctx, vpc.ID)
	if err != nil {
		return fmt.Errorf("list the route tables of %s: %w", vpc.ID, err)
	}
	var fixes []string
	for _, s := range subnets {
		if !slices.Contains(public, s.ID) {
			continue
		}
		if s.IPv6CIDR == "" {
			fixes = append(fixes, fmt.Sprintf("`aws ec2 associate-subnet-cidr-block --subnet-id %s --ipv6-cidr-block <a free /64 of %s>`", s.ID, vpc.IPv6CIDR))
		}
		if t := routeTableOf(tables, s.ID); t != nil {
			if rt, _ := t.Route(ipv6Route); !strings.HasPrefix(rt.Target, "igw-") {
				igw, _ := t.Route(defaultRoute)
				fixes = append(fixes, fmt.Sprintf("`aws ec2 create-route --route-table-id %s --destination-ipv6-cidr-block ::/0 --gateway-id %s`", t.ID, firstOf(igw.Target, "igw-...")))
			}
		}
	}
	if len(fixes) == 0 {
		return nil
	}
	slices.Sort(fixes)
	fixes = slices.Compact(fixes)
	return fmt.Errorf("load_balancer.ip_address_type is dualstack, but the public subnets of %s the load balancer would use (%s) cannot carry IPv6: run %s; or set network.vpc: new (a new VPC gets IPv6 by itself), or load_balancer.ip_address_type: ipv4",
		vpc.ID, strings.Join(public, ", "), strings.Join(fixes, ", "))
}

// routeTableOf is the table a subnet uses: its own, else the main one.
func routeTableOf(tables []aws.RouteTable, subnetID string) *aws.RouteTable {
	var main *aws.RouteTable
	for i, t := range tables {
		if slices.Contains(t.SubnetIDs(), subnetID) {
			return &tables[i]
		}
		if t.Main {
			main = &tables[i]
		}
	}
	return main
}

// vpcIPv6Problem is the refusal for a VPC with no IPv6 block.
func vpcIPv6Problem(vpc aws.NetworkVPC) error {
	if vpc.IPv6 {
		return nil
	}
	return fmt.Errorf("load_balancer.ip_address_type is dualstack, but VPC %s has no IPv6 block, and a dualstack load balancer needs one on its VPC and on each of its subnets: "+
		"run `aws ec2 associate-vpc-cidr-block --vpc-id %s --amazon-provided-ipv6-cidr-block`, then give each public subnet a /64 of that block with "+
		"`aws ec2 associate-subnet-cidr-block --subnet-id SUBNET --ipv6-cidr-block BLOCK/64` and route ::/0 to the internet gateway; "+
		"or set network.vpc: new (a new VPC gets IPv6 by itself), or load_balancer.ip_address_type: ipv4", vpc.ID, vpc.ID)
}

// checkDualstackVPC refuses, before apply changes anything and in plan, a
// dualstack spec whose existing or default VPC has no IPv6 block. The
// public subnets are checked by the network step, which picks them.
func (e *Engine) checkDualstackVPC(ctx context.Context) error {
	n := e.spec.Network
	if !dualstack(e.spec) || n.VPC == spec.VPCNew || e.aws == nil {
		return nil
	}
	var (
		vpc aws.NetworkVPC
		ok  bool
		err error
	)
	if n.VPC == spec.VPCDefault {
		vpc, ok, err = e.aws.Network.DefaultVPC(ctx)
	} else {
		vpc, ok, err = e.aws.Network.VPC(ctx, n.VPC)
	}
	if err != nil || !ok {
		return err // the network step says what is missing
	}
	return vpcIPv6Problem(vpc)
}

// scriptVPCIPv6 waits, in the exported script, for the new VPC's IPv6
// block and sets VPC_IPV6 to it; the public subnets' /64s are carved from
// it in the shell (subnetIPv6Arg).
func scriptVPCIPv6(s *spec.Spec, w *Script) {
	if !dualstack(s) {
		return
	}
	w.Line(`until VPC_IPV6="$(aws ec2 describe-vpcs --vpc-ids "$VPC_ID" \`)
	w.Line(`  --query "Vpcs[0].Ipv6CidrBlockAssociationSet[?Ipv6CidrBlockState.State=='associated'].Ipv6CidrBlock | [0]" --output text)" \`)
	w.Line(`  && [ "$VPC_IPV6" != None ]; do sleep 2; done`)
	w.Comment("The /64 numbered N of the /56 (a:b:c:dd00::/56 → a:b:c:ddNN::/64).")
	w.Line(`ipv6_64() { local g1 g2 g3 g4; IFS=: read -r g1 g2 g3 g4 _ <<< "${VPC_IPV6%/*}"; printf '%s:%s:%s:%x::/64' "$g1" "$g2" "${g3:-0}" $((0x${g4:-0} + $1)); }`)
}

// subnetIPv6Arg is create-subnet's --ipv6-cidr-block for a public subnet
// of a dualstack stack, or "".
func subnetIPv6Arg(s *spec.Spec, p spec.PlannedSubnet) string {
	if !dualstack(s) || p.Tier != spec.SubnetPublic {
		return ""
	}
	return fmt.Sprintf(` --ipv6-cidr-block "$(ipv6_64 %d)"`, p.AZIndex)
}

// instanceEgressIPv6 reports whether the app's and the bastion's groups
// get the IPv6 twins of their egress rules. In the stack's own VPC no
// instance has an IPv6 address (the private subnets have no IPv6 block,
// and the public ones do not assign addresses from theirs), so restricted
// egress to ::/0 would open nothing that is used: only where an instance
// may have one — an existing or default VPC with IPv6 — or with
// instance.egress: all, which keeps AWS's default rules (a new group in a
// VPC with IPv6 lets all IPv6 out too).
func instanceEgressIPv6(s *spec.Spec, vpcHasIPv6 bool) bool {
	return vpcHasIPv6 && (s.Network.VPC != spec.VPCNew || s.Instance.Egress == spec.EgressAll)
}
