package steps

import (
	"context"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// netEC2 is a plain SDK client on the test's sandbox, for asserting what
// AWS has independently of the adapters under test.
func netEC2(env *testEnv) *ec2.Client { return ec2.NewFromConfig(env.Cfg) }

// netMutations counts the requests of every operation that is not a
// read (Describe*, Get*, List*), by "service Op".
func netMutations(s sandbox.StatsSnapshot) map[string]int {
	out := map[string]int{}
	for svc, ops := range s.ByService {
		for op, n := range ops {
			if strings.HasPrefix(op, "Describe") || strings.HasPrefix(op, "Get") || strings.HasPrefix(op, "List") {
				continue
			}
			out[svc+" "+op] = n
		}
	}
	return out
}

// netMutationsSince returns the mutating calls made since before.
func netMutationsSince(env *testEnv, before sandbox.StatsSnapshot) map[string]int {
	b, a := netMutations(before), netMutations(env.SB.Stats())
	out := map[string]int{}
	for op, n := range a {
		if n-b[op] > 0 {
			out[op] = n - b[op]
		}
	}
	return out
}

// netApply runs an apply of steps for spec and fails the test on error.
func netApply(t *testing.T, env *testEnv, sp *spec.Spec, steps ...Step) {
	t.Helper()
	env.Options.Steps = append([]Step{identityStep{}}, steps...)
	if err := env.engine(sp).Apply(testContext(t)); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

// netOutputs returns a step's recorded outputs.
func netOutputs(t *testing.T, env *testEnv, step StepID) map[string]string {
	t.Helper()
	rec, ok := env.Store.Step(string(step))
	if !ok {
		t.Fatalf("no record of step %s", step)
	}
	return rec.Outputs
}

// netLive returns the store's live resources of a step by key.
func netLive(env *testEnv, step StepID) map[string]state.Resource {
	out := map[string]state.Resource{}
	for _, r := range env.Store.Snapshot().Resources {
		if r.Live() && r.Step == string(step) {
			out[r.Key] = *r
		}
	}
	return out
}

// netTagsOf turns SDK tags into a map.
func netTagsOf(tags []ec2types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[sdkaws.ToString(t.Key)] = sdkaws.ToString(t.Value)
	}
	return m
}

// netCheckTags asserts a resource carries the stack's tags.
func netCheckTags(t *testing.T, what string, tags []ec2types.Tag, stack string, step StepID, key string) {
	t.Helper()
	m := netTagsOf(tags)
	if m[TagStack] != stack || m[TagStep] != string(step) || m[TagKey] != key || m["Name"] == "" {
		t.Errorf("%s tags = %v, want %s=%s %s=%s %s=%s and a Name", what, m, TagStack, stack, TagStep, step, TagKey, key)
	}
}

// cutAfterNth returns clients whose n-th call to op reaches AWS but whose
// answer is lost (see testEnv.loseAnswer), and the context to apply with,
// which the cut cancels.
func cutAfterNth(t *testing.T, env *testEnv, op string, n int) (*aws.Clients, context.Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(testContext(t))
	env.loseAnswer(op, n, cancel)
	return env.AWS, ctx
}

// netDescribe fetches what a new VPC holds, by VPC id.
type netWorld struct {
	vpc     ec2types.Vpc
	subnets []ec2types.Subnet
	igws    []ec2types.InternetGateway
	nats    []ec2types.NatGateway // not deleted
	tables  []ec2types.RouteTable
	eips    []ec2types.Address
}

func netDescribeVPC(t *testing.T, env *testEnv, vpcID string) netWorld {
	t.Helper()
	ctx := testContext(t)
	c := netEC2(env)
	var w netWorld
	vs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpcID}})
	if err != nil || len(vs.Vpcs) != 1 {
		t.Fatalf("describe vpc %s: %v", vpcID, err)
	}
	w.vpc = vs.Vpcs[0]
	vpcFilter := []ec2types.Filter{{Name: sdkaws.String("vpc-id"), Values: []string{vpcID}}}
	ss, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: vpcFilter})
	if err != nil {
		t.Fatal(err)
	}
	w.subnets = ss.Subnets
	gs, err := c.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{
		{Name: sdkaws.String("attachment.vpc-id"), Values: []string{vpcID}}}})
	if err != nil {
		t.Fatal(err)
	}
	w.igws = gs.InternetGateways
	ns, err := c.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: vpcFilter})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns.NatGateways {
		if n.State != ec2types.NatGatewayStateDeleted && n.State != ec2types.NatGatewayStateDeleting {
			w.nats = append(w.nats, n)
		}
	}
	ts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: vpcFilter})
	if err != nil {
		t.Fatal(err)
	}
	w.tables = ts.RouteTables
	as, err := c.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		t.Fatal(err)
	}
	w.eips = as.Addresses
	return w
}

// tableOf returns the route table a subnet is explicitly associated with.
func (w netWorld) tableOf(subnetID string) (ec2types.RouteTable, bool) {
	for _, t := range w.tables {
		for _, a := range t.Associations {
			if sdkaws.ToString(a.SubnetId) == subnetID {
				return t, true
			}
		}
	}
	return ec2types.RouteTable{}, false
}

// defaultTarget returns where a table sends 0.0.0.0/0.
func defaultTarget(t ec2types.RouteTable) string {
	for _, r := range t.Routes {
		if sdkaws.ToString(r.DestinationCidrBlock) == "0.0.0.0/0" {
			return sdkaws.ToString(r.GatewayId) + sdkaws.ToString(r.NatGatewayId)
		}
	}
	return ""
}

func (w netWorld) subnet(id string) ec2types.Subnet {
	i := slices.IndexFunc(w.subnets, func(s ec2types.Subnet) bool { return sdkaws.ToString(s.SubnetId) == id })
	if i < 0 {
		return ec2types.Subnet{}
	}
	return w.subnets[i]
}

func (w netWorld) nat(id string) (ec2types.NatGateway, bool) {
	i := slices.IndexFunc(w.nats, func(n ec2types.NatGateway) bool { return sdkaws.ToString(n.NatGatewayId) == id })
	if i < 0 {
		return ec2types.NatGateway{}, false
	}
	return w.nats[i], true
}
