package steps

import (
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/stackwiz/stackwiz/sandbox"
)

// The certificate, load balancer and DNS steps are tested without the
// network and security steps: the test builds what they would (a VPC, two
// public subnets in two AZs, an internet gateway, the load balancer's
// security group) straight through the SDK and records their outputs.

// edgeNet is the network the edge tests build by hand.
type edgeNet struct {
	VPC     string
	Subnets []string
	AZs     []string
	SG      string
}

// newEdgeEnv returns an env whose engine runs identity and the edge steps,
// with only the edge steps' kinds, over a hand-built network of azs AZs.
func newEdgeEnv(t *testing.T, name string, azs int, opts ...func(*sandbox.Options)) (*testEnv, edgeNet) {
	t.Helper()
	env := newTestEnv(t, name, opts...)
	env.Options.Steps = []Step{identityStep{}, certificateStep{}, loadBalancerStep{}, dnsStep{}}
	env.Options.Kinds = slices.Concat(certificateKinds(), loadBalancerKinds(), dnsKinds())
	net := buildEdgeNet(t, env, azs)
	seedEdgeOutputs(t, env, net)
	return env, net
}

func buildEdgeNet(t *testing.T, env *testEnv, azs int) edgeNet {
	t.Helper()
	ctx := testContext(t)
	api := ec2.NewFromConfig(env.Cfg)
	vpc, err := api.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.20.0.0/16")})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	net := edgeNet{VPC: *vpc.Vpc.VpcId}
	igw, err := api.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatalf("CreateInternetGateway: %v", err)
	}
	if _, err := api.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: sdkaws.String(net.VPC)}); err != nil {
		t.Fatalf("AttachInternetGateway: %v", err)
	}
	for i, az := range []string{"us-east-1a", "us-east-1b", "us-east-1c"}[:azs] {
		sn, err := api.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdkaws.String(net.VPC), AvailabilityZone: sdkaws.String(az),
			CidrBlock: sdkaws.String("10.20." + string(rune('0'+i)) + ".0/24")})
		if err != nil {
			t.Fatalf("CreateSubnet: %v", err)
		}
		net.Subnets, net.AZs = append(net.Subnets, *sn.Subnet.SubnetId), append(net.AZs, az)
	}
	sg, err := api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String("edge-alb"),
		Description: sdkaws.String("edge test ALB"), VpcId: sdkaws.String(net.VPC)})
	if err != nil {
		t.Fatalf("CreateSecurityGroup: %v", err)
	}
	net.SG = *sg.GroupId
	return net
}

// seedEdgeOutputs records what the network and security steps would output.
func seedEdgeOutputs(t *testing.T, env *testEnv, net edgeNet) {
	t.Helper()
	if err := env.Store.SetOutputs(string(StepNetwork), map[string]string{"vpc_id": net.VPC, "vpc_cidr": "10.20.0.0/16",
		"azs": strings.Join(net.AZs, ","), "public_subnets": strings.Join(net.Subnets, ","), "private_subnets": ""}); err != nil {
		t.Fatal(err)
	}
	if err := env.Store.SetOutputs(string(StepSecurity), map[string]string{"alb_sg": net.SG}); err != nil {
		t.Fatal(err)
	}
}

// edgeTypes are the sandbox inventory types the edge steps create.
var edgeTypes = []string{"elbv2:loadbalancer", "elbv2:targetgroup", "elbv2:listener", "acm:certificate", "route53:hostedzone"}

// edgeInventory lists the edge resources in the sandbox, except the
// zones in keep (the user's own), as "type name key" lines.
func edgeInventory(env *testEnv, keep ...string) []string {
	var out []string
	for _, it := range env.SB.Inventory() {
		if slices.Contains(edgeTypes, it.Type) && !slices.Contains(keep, it.ID) {
			out = append(out, it.Type+" "+it.Name+" "+it.Tags[TagKey])
		}
	}
	slices.Sort(out)
	return out
}

// mustHaveNoEdge fails when any edge resource is left (but the kept zones).
func mustHaveNoEdge(t *testing.T, env *testEnv, keep ...string) {
	t.Helper()
	if inv := edgeInventory(env, keep...); len(inv) > 0 {
		t.Fatalf("the sandbox still holds:\n%s", strings.Join(inv, "\n"))
	}
}

// userZone creates a public hosted zone the way a user who owns the domain
// has one: not stackwiz's, with a record of their own.
func userZone(t *testing.T, env *testEnv, name string) string {
	t.Helper()
	ctx := testContext(t)
	api := route53.NewFromConfig(env.Cfg)
	out, err := api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: sdkaws.String(name), CallerReference: sdkaws.String("user-" + name)})
	if err != nil {
		t.Fatalf("CreateHostedZone: %v", err)
	}
	id := strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone/")
	putRecord(t, env, id, r53types.ResourceRecordSet{Name: sdkaws.String("mail." + name), Type: r53types.RRTypeA, TTL: sdkaws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: sdkaws.String("192.0.2.25")}}})
	return id
}

func putRecord(t *testing.T, env *testEnv, zone string, rs r53types.ResourceRecordSet) {
	t.Helper()
	_, err := route53.NewFromConfig(env.Cfg).ChangeResourceRecordSets(testContext(t), &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: sdkaws.String(zone),
		ChangeBatch:  &r53types.ChangeBatch{Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &rs}}},
	})
	if err != nil {
		t.Fatalf("ChangeResourceRecordSets: %v", err)
	}
}

// zoneRecords returns a zone's records as "TYPE name target" lines.
func zoneRecords(t *testing.T, env *testEnv, zone string) []string {
	t.Helper()
	rs, err := env.AWS.DNS.Records(testContext(t), zone)
	if err != nil {
		t.Fatalf("records of %s: %v", zone, err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Type+" "+r.Name+" "+recordTarget(r))
	}
	return out
}

func outputs(t *testing.T, env *testEnv, step StepID) map[string]string {
	t.Helper()
	rec, ok := env.Store.Step(string(step))
	if !ok {
		t.Fatalf("step %s has no record", step)
	}
	return rec.Outputs
}

// mutationsDuring counts the mutating requests fn makes.
func mutationsDuring(env *testEnv, fn func()) int {
	before := env.Mutations()
	fn()
	return env.Mutations() - before
}
