package steps

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// TestNetworkNATChangesPerAZToSingleToNone changes network.nat on a live
// stack: per-az → single moves every private route to the first AZ's NAT
// gateway and prunes the others with their Elastic IPs; single → none
// removes the rest and the private subnets. The public subnets stay put.
func TestNetworkNATChangesPerAZToSingleToNone(t *testing.T) {
	env := newTestEnv(t, "nettest")
	perAZ := netSpec(env, 3, spec.NATPerAZ)
	netApply(t, env, perAZ, networkStep{})
	first := netLive(env, StepNetwork)
	publicBefore := netOutputs(t, env, StepNetwork)["public_subnets"]

	single := netSpec(env, 3, spec.NATSingle)
	env.Options.Steps = []Step{identityStep{}, networkStep{}}
	p, err := env.engine(single).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]Action{}
	for _, c := range p.Changes {
		actions[c.Key] = c.Action
	}
	for key, want := range map[string]Action{
		keyNAT(0): ActionKeep, keyNAT(1): ActionDelete, keyNAT(2): ActionDelete, keyEIP(1): ActionDelete, keyEIP(2): ActionDelete,
		keyPrivateRouteTab(0): ActionKeep, keyPrivateRouteTab(1): ActionUpdate, keyPrivateRouteTab(2): ActionUpdate,
	} {
		if actions[key] != want {
			t.Errorf("plan for nat single: %s %s, want %s", key, actions[key], want)
		}
	}
	netApply(t, env, single, networkStep{})
	netCheckVPC(t, env, single)
	live := netLive(env, StepNetwork)
	if live[keyNAT(0)].ID != first[keyNAT(0)].ID || live[keyEIP(0)].ID != first[keyEIP(0)].ID {
		t.Errorf("the first AZ's NAT gateway or address changed: %s → %s", first[keyNAT(0)].ID, live[keyNAT(0)].ID)
	}
	for _, k := range []string{keyNAT(1), keyNAT(2), keyEIP(1), keyEIP(2)} {
		if _, ok := live[k]; ok {
			t.Errorf("%s is still recorded after nat: single", k)
		}
	}
	w := netDescribeVPC(t, env, live[keyVPC].ID)
	if len(w.nats) != 1 || len(w.eips) != 1 {
		t.Errorf("after nat single: %d NAT gateways, %d Elastic IPs in AWS, want 1 and 1", len(w.nats), len(w.eips))
	}
	if got := netOutputs(t, env, StepNetwork)["public_subnets"]; got != publicBefore {
		t.Errorf("public subnets moved: %s → %s", publicBefore, got)
	}

	none := netSpec(env, 3, spec.NATNone)
	netApply(t, env, none, networkStep{})
	netCheckVPC(t, env, none)
	w = netDescribeVPC(t, env, live[keyVPC].ID)
	if len(w.nats) != 0 || len(w.eips) != 0 || len(w.subnets) != 3 {
		t.Errorf("after nat none: %d NAT gateways, %d Elastic IPs, %d subnets; want 0, 0 and the 3 public", len(w.nats), len(w.eips), len(w.subnets))
	}
	if got := netOutputs(t, env, StepNetwork); got["public_subnets"] != publicBefore || got["private_subnets"] != "" {
		t.Errorf("after nat none: outputs %v, want the same public subnets and no private ones", got)
	}
	if counts := env.inventoryTypes(); counts["ec2:natgateway"] != 0 || counts["ec2:elastic-ip"] != 0 || counts["ec2:route-table"] != 1 {
		t.Errorf("inventory after nat none: %v", counts)
	}
}

// TestNetworkResumesAfterALostCreate kills the apply right after AWS made
// each kind of resource (its answer never reaches the record), applies
// again, and expects exactly what one uninterrupted apply makes.
func TestNetworkResumesAfterALostCreate(t *testing.T) {
	ref := newTestEnv(t, "nettest")
	netApply(t, ref, netSpec(ref, 2, spec.NATPerAZ), networkStep{})
	want := ref.inventoryTypes()

	for _, cut := range []struct {
		op string
		n  int
	}{
		{"CreateVpc", 1}, {"ModifyVpcAttribute", 1}, {"CreateInternetGateway", 1}, {"AttachInternetGateway", 1},
		{"CreateSubnet", 3}, {"ModifySubnetAttribute", 2}, {"CreateRouteTable", 1}, {"CreateRoute", 1},
		{"AssociateRouteTable", 2}, {"AllocateAddress", 2}, {"CreateNatGateway", 1}, {"CreateNatGateway", 2},
		{"CreateRouteTable", 3},
	} {
		t.Run(cut.op, func(t *testing.T) {
			env := newTestEnv(t, "nettest")
			spec := netSpec(env, 2, spec.NATPerAZ)
			clients, ctx := cutAfterNth(t, env, cut.op, cut.n)
			env.Options.Steps = []Step{identityStep{}, networkStep{}}
			err := New(spec, clients, env.Store, env.record, env.Options).Apply(ctx)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cut apply = %v, want it cancelled", err)
			}
			netApply(t, env, spec, networkStep{})
			if got := env.inventoryTypes(); !maps.Equal(got, want) {
				t.Errorf("after resume: %v, want %v (an uninterrupted apply's)", got, want)
			}
			netCheckVPC(t, env, spec)
		})
	}
}

func TestNetworkDestroyLeavesNothing(t *testing.T) {
	env := newTestEnv(t, "nettest")
	spec := netSpec(env, 3, spec.NATPerAZ)
	netApply(t, env, spec, networkStep{})
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
	if live := netLive(env, StepNetwork); len(live) != 0 {
		t.Errorf("still recorded after destroy: %v", slices.Collect(maps.Keys(live)))
	}
}

// TestNetworkStatusReportsDriftAndApplyRepairs deletes a subnet and a
// route and detaches the internet gateway outside stackwiz: status sees
// each, and apply puts them back.
func TestNetworkStatusReportsDriftAndApplyRepairs(t *testing.T) {
	env := newTestEnv(t, "nettest")
	sp := netSpec(env, 2, spec.NATSingle)
	netApply(t, env, sp, networkStep{})
	eng := env.engine(sp)
	ctx := testContext(t)
	rep, err := eng.Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status after apply: healthy %v, %v: %+v", rep != nil && rep.Healthy, err, rep)
	}

	live := netLive(env, StepNetwork)
	c := netEC2(env)
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sdkaws.String(live[keySubnet(spec.SubnetPrivate, 1)].ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: sdkaws.String(live[keyPrivateRouteTab(0)].ID), DestinationCidrBlock: sdkaws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: sdkaws.String(live[keyIGW].ID), VpcId: sdkaws.String(live[keyVPC].ID)}); err != nil {
		t.Fatal(err)
	}
	rep, err = eng.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Healthy {
		t.Error("status is healthy after a subnet, a route and the gateway attachment went")
	}
	byKey := map[string]ResourceReport{}
	for _, r := range rep.Resources {
		byKey[r.Key] = r
	}
	if r := byKey[keySubnet(spec.SubnetPrivate, 1)]; r.Exists || !strings.Contains(r.Problem, "deleted outside stackwiz") {
		t.Errorf("deleted subnet: %+v", r)
	}
	if r := byKey[keyPrivateRouteTab(0)]; r.Healthy || !strings.Contains(strings.Join(r.Drift, " "), "route") {
		t.Errorf("route table without its default route: %+v", r)
	}
	if r := byKey[keyPrivateRouteTab(1)]; r.Healthy || !strings.Contains(strings.Join(r.Drift, " "), "subnet_ids") {
		t.Errorf("route table whose subnet went: %+v", r)
	}
	if r := byKey[keyIGW]; r.Healthy || !strings.Contains(r.Problem, "detached") {
		t.Errorf("detached gateway: %+v", r)
	}

	netApply(t, env, sp, networkStep{})
	netCheckVPC(t, env, sp)
	rep, err = env.engine(sp).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status after the repairing apply: %v %+v", err, rep)
	}
}

// TestNetworkAdoptFindsEverything rebuilds the record from tags in a
// fresh store: the next apply changes nothing and outputs the same.
func TestNetworkAdoptFindsEverything(t *testing.T) {
	env := newTestEnv(t, "nettest")
	spec := netSpec(env, 3, spec.NATPerAZ)
	netApply(t, env, spec, networkStep{})
	outs := netOutputs(t, env, StepNetwork)
	recorded := netLive(env, StepNetwork)

	store, err := state.OpenNew(filepath.Join(t.TempDir(), "adopted"), "nettest")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(testContext(t), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	env.Store = store
	n, err := env.engine(spec).Adopt(testContext(t))
	if err != nil || n != len(recorded) {
		t.Fatalf("adopt: %d, %v; want %d", n, err, len(recorded))
	}
	adopted := netLive(env, StepNetwork)
	for k, r := range recorded {
		if adopted[k].ID != r.ID {
			t.Errorf("adopted %s as %q, want %s", k, adopted[k].ID, r.ID)
		}
	}
	before, seen := env.SB.Stats(), len(env.Events())
	netApply(t, env, spec, networkStep{})
	if m := netMutationsSince(env, before); len(m) > 0 {
		t.Errorf("apply after adopt made mutating calls: %v", m)
	}
	if got := netOutputs(t, env, StepNetwork); !maps.Equal(got, outs) {
		t.Errorf("outputs after adopt %v, want %v", got, outs)
	}
	for _, ev := range env.Events()[seen:] {
		if ev.Kind == ResourceCreating {
			t.Errorf("apply after adopt: %s %s %s", ev.Key, ev.Type, ev.Message)
		}
	}
}

// TestNetworkExistingVPC uses a VPC made by hand: its public subnets are
// the ones routed to an internet gateway, and nothing is recorded.
func TestNetworkExistingVPC(t *testing.T) {
	env := newTestEnv(t, "nettest")
	ctx := testContext(t)
	c := netEC2(env)
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID := sdkaws.ToString(vpc.Vpc.VpcId)
	igw, _ := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: sdkaws.String(vpcID)}); err != nil {
		t.Fatal(err)
	}
	rt, _ := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: sdkaws.String(vpcID)})
	if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId}); err != nil {
		t.Fatal(err)
	}
	var public, private []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		pub, _ := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String(vpcID), CidrBlock: sdkaws.String("10.9." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: sdkaws.String(az)})
		priv, _ := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String(vpcID), CidrBlock: sdkaws.String("10.9." + string(rune('5'+i)) + ".0/24"), AvailabilityZone: sdkaws.String(az)})
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: pub.Subnet.SubnetId}); err != nil {
			t.Fatal(err)
		}
		public, private = append(public, sdkaws.ToString(pub.Subnet.SubnetId)), append(private, sdkaws.ToString(priv.Subnet.SubnetId))
	}
	inv := env.inventoryTypes()
	before := env.SB.Stats()

	spec := env.spec("name: nettest\nnetwork:\n  vpc: " + vpcID + "\n  azs: 2\n")
	netApply(t, env, spec, networkStep{})
	out := netOutputs(t, env, StepNetwork)
	if out["vpc_id"] != vpcID || out["vpc_cidr"] != "10.9.0.0/16" || out["public_subnets"] != strings.Join(public, ",") || out["private_subnets"] != strings.Join(private, ",") {
		t.Errorf("outputs %v, want public %v private %v", out, public, private)
	}
	if live := netLive(env, StepNetwork); len(live) != 0 {
		t.Errorf("recorded resources of a VPC the stack does not own: %v", live)
	}
	if m := netMutationsSince(env, before); len(m) != 0 || !maps.Equal(env.inventoryTypes(), inv) {
		t.Errorf("using an existing VPC changed AWS: %v", m)
	}

	missing := env.spec("name: nettest\nnetwork:\n  vpc: vpc-0123456789abcdef0\n")
	env.Options.Steps = []Step{identityStep{}, networkStep{}}
	err = env.engine(missing).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), "vpc-0123456789abcdef0 does not exist") {
		t.Errorf("apply with an unknown VPC = %v", err)
	}
}

// TestNetworkAndSecuritySurviveThrottlingAndServerErrors injects 20%
// throttling and 5% server errors: apply makes exactly what a clean apply
// makes (no duplicate from a retried create), and destroy leaves nothing.
func TestNetworkAndSecuritySurviveThrottlingAndServerErrors(t *testing.T) {
	srv, _ := checkIPServer(t, http.StatusOK, "198.51.100.7")
	yaml := strings.Replace(strings.Replace(secYAML, "nat: none", "nat: per-az", 1), "azs: 2", "azs: 3", 1)
	ref := newTestEnv(t, "sectest")
	netApply(t, ref, ref.spec(yaml), networkStep{}, secStep(srv))
	want := ref.inventoryTypes()
	for seed := uint64(1); seed <= 2; seed++ {
		env := newTestEnv(t, "sectest", func(o *sandbox.Options) { o.Latency = sandbox.LatencyRealistic; o.Speed = 1000 })
		if err := env.SB.SetFaults(sandbox.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.05, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		spec := env.spec(yaml)
		netApply(t, env, spec, networkStep{}, secStep(srv))
		if got := env.inventoryTypes(); !maps.Equal(got, want) {
			t.Errorf("seed %d: apply made %v, want %v", seed, got, want)
		}
		if err := env.engine(spec).Destroy(testContext(t)); err != nil {
			t.Fatalf("seed %d: destroy: %v", seed, err)
		}
		env.mustEmpty()
		if env.SB.Stats().FaultsInjected == 0 {
			t.Errorf("seed %d: no fault was injected", seed)
		}
	}
}
