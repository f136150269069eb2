package steps

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/spec"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func netSpec(env *testEnv, azs int, nat string) *spec.Spec {
	return env.spec(fmt.Sprintf("name: nettest\nnetwork:\n  vpc: new\n  cidr: 10.20.0.0/16\n  azs: %d\n  nat: %s\n", azs, nat))
}

func TestNetworkDefaultVPCRecordsNothing(t *testing.T) {
	env := newTestEnv(t, "nettest")
	spec := env.spec("name: nettest\nnetwork:\n  vpc: default\n  azs: 2\n")
	netApply(t, env, spec, networkStep{})

	ctx := testContext(t)
	c := netEC2(env)
	vs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vs.Vpcs) != 1 {
		t.Fatalf("default vpc: %v", err)
	}
	dv := vs.Vpcs[0]
	ss, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	byAZ := map[string]string{}
	for _, s := range ss.Subnets {
		byAZ[sdkaws.ToString(s.AvailabilityZone)] = sdkaws.ToString(s.SubnetId)
	}
	out := netOutputs(t, env, StepNetwork)
	want := map[string]string{
		"vpc_id": sdkaws.ToString(dv.VpcId), "vpc_cidr": sdkaws.ToString(dv.CidrBlock), "azs": "us-east-1a,us-east-1b",
		"public_subnets": byAZ["us-east-1a"] + "," + byAZ["us-east-1b"], "private_subnets": "",
	}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("output %s = %q, want %q", k, out[k], v)
		}
	}
	if live := netLive(env, StepNetwork); len(live) != 0 {
		t.Errorf("recorded %d resources of the default VPC; it is not the stack's: %v", len(live), live)
	}
	env.mustEmpty()
	if n := len(netMutations(env.SB.Stats())); n != 0 {
		t.Errorf("using the default VPC made mutating calls: %v", netMutations(env.SB.Stats()))
	}
}

func TestNetworkDefaultVPCTooFewAZs(t *testing.T) {
	env := newTestEnv(t, "nettest")
	spec := env.spec("name: nettest\nnetwork:\n  vpc: default\n  azs: 3\n")
	ctx := testContext(t)
	c := netEC2(env)
	ss, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: sdkaws.String("availability-zone"), Values: []string{"us-east-1c"}}}})
	if err != nil || len(ss.Subnets) != 1 {
		t.Fatalf("default subnet in us-east-1c: %v", err)
	}
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: ss.Subnets[0].SubnetId}); err != nil {
		t.Fatal(err)
	}
	env.Options.Steps = []Step{identityStep{}, networkStep{}}
	err = env.engine(spec).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), "network.azs is 3") || !strings.Contains(err.Error(), "default subnets in 2 AZ") {
		t.Fatalf("apply = %v, want a network.azs error naming the 2 AZs with default subnets", err)
	}
}

// TestNetworkNewVPC checks every NAT mode over 2 and 3 AZs against what
// EC2 then holds: subnets, the internet gateway and public routes, one NAT
// gateway per AZ or a single one, and each AZ's private route.
func TestNetworkNewVPC(t *testing.T) {
	for _, azs := range []int{2, 3} {
		for _, nat := range []string{spec.NATNone, spec.NATSingle, spec.NATPerAZ} {
			t.Run(fmt.Sprintf("%d AZs nat %s", azs, nat), func(t *testing.T) {
				env := newTestEnv(t, "nettest")
				spec := netSpec(env, azs, nat)
				netApply(t, env, spec, networkStep{})
				netCheckVPC(t, env, spec)

				before := env.SB.Stats()
				netApply(t, env, spec, networkStep{})
				if m := netMutationsSince(env, before); len(m) > 0 {
					t.Errorf("a second apply made mutating calls: %v", m)
				}
				netCheckVPC(t, env, spec)
			})
		}
	}
}

// netCheckVPC asserts the new VPC of spec is in EC2 as it should be, and
// the network outputs name it.
func netCheckVPC(t *testing.T, env *testEnv, sp *spec.Spec) {
	t.Helper()
	n := sp.Network
	out := netOutputs(t, env, StepNetwork)
	w := netDescribeVPC(t, env, out["vpc_id"])
	if got := sdkaws.ToString(w.vpc.CidrBlock); got != n.CIDR || out["vpc_cidr"] != n.CIDR {
		t.Errorf("vpc cidr %s, output %s, want %s", got, out["vpc_cidr"], n.CIDR)
	}
	netCheckTags(t, "vpc", w.vpc.Tags, sp.Name, StepNetwork, keyVPC)
	dns, err := netEC2(env).DescribeVpcAttribute(testContext(t), &ec2.DescribeVpcAttributeInput{VpcId: w.vpc.VpcId, Attribute: ec2types.VpcAttributeNameEnableDnsHostnames})
	if err != nil || !sdkaws.ToBool(dns.EnableDnsHostnames.Value) {
		t.Errorf("DNS hostnames not enabled: %v", err)
	}
	azs := strings.Split(out["azs"], ",")
	public := strings.Split(out["public_subnets"], ",")
	private := splitList(out["private_subnets"])
	if want := []string{"us-east-1a", "us-east-1b", "us-east-1c"}[:n.AZs]; !slices.Equal(azs, want) {
		t.Errorf("azs %v, want %v", azs, want)
	}
	wantPrivate := n.AZs
	if n.NAT == spec.NATNone {
		wantPrivate = 0
	}
	if len(public) != n.AZs || len(private) != wantPrivate || len(w.subnets) != n.AZs+wantPrivate {
		t.Fatalf("%d public, %d private subnets in outputs, %d in the VPC; want %d and %d", len(public), len(private), len(w.subnets), n.AZs, wantPrivate)
	}
	if len(w.igws) != 1 {
		t.Fatalf("%d internet gateways attached, want 1", len(w.igws))
	}
	igw := sdkaws.ToString(w.igws[0].InternetGatewayId)
	netCheckTags(t, "internet gateway", w.igws[0].Tags, sp.Name, StepNetwork, keyIGW)
	plan, _ := sp.SubnetPlan()
	for _, p := range plan {
		ids := public
		if p.Tier == spec.SubnetPrivate {
			ids = private
		}
		s := w.subnet(ids[p.AZIndex])
		if sdkaws.ToString(s.CidrBlock) != p.CIDR.String() || sdkaws.ToString(s.AvailabilityZone) != azs[p.AZIndex] {
			t.Errorf("%s: %s in %s, want %s in %s", p.Name, sdkaws.ToString(s.CidrBlock), sdkaws.ToString(s.AvailabilityZone), p.CIDR, azs[p.AZIndex])
		}
		if got := sdkaws.ToBool(s.MapPublicIpOnLaunch); got != (p.Tier == spec.SubnetPublic) {
			t.Errorf("%s maps public IPs: %v", p.Name, got)
		}
		netCheckTags(t, p.Name, s.Tags, sp.Name, StepNetwork, keySubnet(p.Tier, p.AZIndex))
	}
	// Public subnets share one table whose default route is the gateway.
	var publicTable string
	for _, id := range public {
		rt, ok := w.tableOf(id)
		if !ok || defaultTarget(rt) != igw {
			t.Errorf("public subnet %s: table %v routes 0.0.0.0/0 to %q, want %s", id, ok, defaultTarget(rt), igw)
			continue
		}
		if publicTable != "" && sdkaws.ToString(rt.RouteTableId) != publicTable {
			t.Errorf("public subnets use different tables")
		}
		publicTable = sdkaws.ToString(rt.RouteTableId)
		netCheckTags(t, "public route table", rt.Tags, sp.Name, StepNetwork, keyPublicRouteTab)
	}
	// NAT gateways: one per AZ or one, each in its AZ's public subnet with
	// its own Elastic IP, and each private subnet routed through its own.
	if len(w.nats) != natCount(n) {
		t.Fatalf("%d NAT gateways, want %d", len(w.nats), natCount(n))
	}
	eips := map[string]bool{}
	for i := range natCount(n) {
		g, ok := w.nat(netLive(env, StepNetwork)[keyNAT(i)].ID)
		if !ok {
			t.Fatalf("NAT %d not found", i)
		}
		if g.State != ec2types.NatGatewayStateAvailable || sdkaws.ToString(g.SubnetId) != public[i] {
			t.Errorf("NAT %d is %s in %s, want available in %s", i, g.State, sdkaws.ToString(g.SubnetId), public[i])
		}
		if len(g.NatGatewayAddresses) != 1 || eips[sdkaws.ToString(g.NatGatewayAddresses[0].AllocationId)] {
			t.Errorf("NAT %d addresses %v: want its own Elastic IP", i, g.NatGatewayAddresses)
		} else {
			eips[sdkaws.ToString(g.NatGatewayAddresses[0].AllocationId)] = true
		}
		netCheckTags(t, "NAT gateway", g.Tags, sp.Name, StepNetwork, keyNAT(i))
	}
	if len(w.eips) != natCount(n) {
		t.Errorf("%d Elastic IPs allocated, want %d", len(w.eips), natCount(n))
	}
	for az, id := range private {
		rt, ok := w.tableOf(id)
		// per-az: the NAT gateway in this AZ's public subnet, so an AZ
		// failure stays in its AZ; single: the one gateway.
		want := sdkaws.ToString(w.nats[0].NatGatewayId)
		if n.NAT == spec.NATPerAZ {
			want = ""
			for _, g := range w.nats {
				if sdkaws.ToString(g.SubnetId) == public[az] {
					want = sdkaws.ToString(g.NatGatewayId)
				}
			}
		}
		if !ok || want == "" || defaultTarget(rt) != want {
			t.Errorf("private subnet %d: routes 0.0.0.0/0 to %q, want NAT %q", az, defaultTarget(rt), want)
		}
		if len(rt.Associations) != 1 {
			t.Errorf("private table of AZ %d has %d associations, want its one subnet", az, len(rt.Associations))
		}
		netCheckTags(t, "private route table", rt.Tags, sp.Name, StepNetwork, keyPrivateRouteTab(az))
	}
}
