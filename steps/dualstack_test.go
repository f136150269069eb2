package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// load_balancer.ip_address_type: dualstack, end to end: every real step,
// the real SDK clients, the sandbox over HTTP.

const dualstackYAML = `name: dual
region: us-east-1
network: {vpc: new, azs: 2, nat: single}
load_balancer: {ip_address_type: dualstack}
dns: {zone: example.com, record: www.example.com}
alarms: {encrypt_topic: false}
`

// dualSpec parses text with the examples' start.sh as the user data, so
// that the instances serve and pass their health checks.
func dualSpec(t *testing.T, env *testEnv, text string) *spec.Spec {
	t.Helper()
	start, err := filepath.Abs(filepath.Join("..", "examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return env.spec(text + "instance: {user_data: " + start + "}\n")
}

// checkDualstackNetwork reads, through the SDK, what a dualstack stack's
// network must be: an IPv6 /56 on the VPC, a /64 of it on each public
// subnet and none on the private ones, ::/0 to the internet gateway in
// the public route table, the load balancer's group admitting its port
// from ::/0, and the load balancer dualstack.
func checkDualstackNetwork(t *testing.T, env *testEnv) {
	t.Helper()
	ctx := testContext(t)
	live := netLive(env, StepNetwork)
	c := netEC2(env)
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{live[keyVPC].ID}})
	if err != nil || len(vpcs.Vpcs) != 1 || len(vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet) != 1 {
		t.Fatalf("describe the VPC: %v, %+v", err, vpcs)
	}
	block := netip.MustParsePrefix(sdkaws.ToString(vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
	if block.Bits() != 56 {
		t.Errorf("the VPC's IPv6 block is %s, want an Amazon-provided /56", block)
	}
	for az := range 2 {
		for _, tier := range []spec.SubnetTier{spec.SubnetPublic, spec.SubnetPrivate} {
			out, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{live[keySubnet(tier, az)].ID}})
			if err != nil || len(out.Subnets) != 1 {
				t.Fatalf("describe subnet %s: %v", keySubnet(tier, az), err)
			}
			set := out.Subnets[0].Ipv6CidrBlockAssociationSet
			if tier == spec.SubnetPrivate {
				if len(set) != 0 {
					t.Errorf("private subnet %d has IPv6 %+v, want none", az, set)
				}
				continue
			}
			if len(set) != 1 {
				t.Fatalf("public subnet %d has %d IPv6 blocks, want 1", az, len(set))
			}
			want, _ := ipv6SubnetBlock(block.String(), az)
			if got := sdkaws.ToString(set[0].Ipv6CidrBlock); got != want {
				t.Errorf("public subnet %d has %s, want %s (the /64 numbered by its AZ)", az, got, want)
			}
		}
	}
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{live[keyPublicRouteTab].ID}})
	if err != nil || len(rts.RouteTables) != 1 {
		t.Fatalf("describe the public route table: %v", err)
	}
	v6 := ""
	for _, r := range rts.RouteTables[0].Routes {
		if sdkaws.ToString(r.DestinationIpv6CidrBlock) == "::/0" {
			v6 = sdkaws.ToString(r.GatewayId)
		}
	}
	if v6 != live[keyIGW].ID {
		t.Errorf("the public route table sends ::/0 to %q, want the internet gateway %s", v6, live[keyIGW].ID)
	}
	sgs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{netLive(env, StepSecurity)[keySGALB].ID}})
	if err != nil || len(sgs.SecurityGroups) != 1 {
		t.Fatalf("describe the load balancer's group: %v", err)
	}
	open6 := false
	for _, p := range sgs.SecurityGroups[0].IpPermissions {
		for _, r := range p.Ipv6Ranges {
			open6 = open6 || sdkaws.ToInt32(p.FromPort) == portHTTP && sdkaws.ToString(r.CidrIpv6) == "::/0"
		}
	}
	if !open6 {
		t.Errorf("the load balancer's group does not admit port 80 from ::/0: %+v", sgs.SecurityGroups[0].IpPermissions)
	}
	// The instances have no IPv6 address: their restricted egress has no
	// ::/0 twin.
	app, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{netLive(env, StepSecurity)[keySGApp].ID}})
	if err != nil || len(app.SecurityGroups) != 1 {
		t.Fatalf("describe the app's group: %v", err)
	}
	for _, p := range app.SecurityGroups[0].IpPermissionsEgress {
		if len(p.Ipv6Ranges) > 0 {
			t.Errorf("the app's group lets %s %d out to IPv6 %+v, though its instances have no IPv6 address", sdkaws.ToString(p.IpProtocol), sdkaws.ToInt32(p.FromPort), p.Ipv6Ranges)
		}
	}
	lbs, err := elbv2.NewFromConfig(env.Cfg).DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{Names: []string{"dual-alb"}})
	if err != nil || len(lbs.LoadBalancers) != 1 {
		t.Fatalf("describe the load balancer: %v", err)
	}
	if got := lbs.LoadBalancers[0].IpAddressType; got != "dualstack" {
		t.Errorf("the load balancer is %s, want dualstack", got)
	}
}

// aliasTypesIn lists the alias record types www.example.com has.
func aliasTypesIn(t *testing.T, env *testEnv) []string {
	t.Helper()
	ctx := testContext(t)
	api := route53.NewFromConfig(env.Cfg)
	zones, err := api.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: sdkaws.String("example.com.")})
	if err != nil || len(zones.HostedZones) == 0 {
		t.Fatalf("find the zone: %v", err)
	}
	sets, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zones.HostedZones[0].Id})
	if err != nil {
		t.Fatalf("list records: %v", err)
	}
	var out []string
	for _, rs := range sets.ResourceRecordSets {
		if sdkaws.ToString(rs.Name) == "www.example.com." && rs.AliasTarget != nil {
			if !strings.HasPrefix(sdkaws.ToString(rs.AliasTarget.DNSName), "dualstack.dual-alb-") {
				t.Errorf("the %s alias points at %s, want dualstack.<the load balancer's name>", rs.Type, sdkaws.ToString(rs.AliasTarget.DNSName))
			}
			out = append(out, string(rs.Type))
		}
	}
	return out
}

func TestDualstackStackAppliesStatusIsCleanDestroyLeavesNothing(t *testing.T) {
	env := newTestEnv(t, "dual")
	spec := dualSpec(t, env, dualstackYAML)
	ctx := testContext(t)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	checkDualstackNetwork(t, env)
	if got := strings.Join(aliasTypesIn(t, env), ","); got != "A,AAAA" {
		t.Errorf("www.example.com has alias records %q, want A,AAAA", got)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status after apply: %v\n%s", err, describeReport(rep))
	}
	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("a second apply of an unchanged dualstack spec made %d mutating requests, want 0", n)
	}
	if p, err := env.engine(spec).Plan(ctx); err != nil || !p.Empty() {
		t.Errorf("plan after apply = %+v, %v; want no changes", p, err)
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}

// TestIPv4ToDualstackIsAnUpdateInPlace applies an ipv4 stack, then the
// same spec with dualstack: plan shows updates (the VPC, the public
// subnets and route table, the load balancer) and creates only the AAAA
// alias, never a replacement; apply keeps the load balancer and gives the
// network its IPv6.
func TestIPv4ToDualstackIsAnUpdateInPlace(t *testing.T) {
	env := newTestEnv(t, "dual")
	ctx := testContext(t)
	v4 := dualSpec(t, env, strings.Replace(dualstackYAML, "dualstack", "ipv4", 1))
	if err := env.engine(v4).Apply(ctx); err != nil {
		t.Fatalf("apply ipv4: %v", err)
	}
	if got := strings.Join(aliasTypesIn(t, env), ","); got != "A" {
		t.Errorf("an ipv4 stack's name has alias records %q, want A", got)
	}
	lbBefore := netLive(env, StepLoadBalancer)[lbKey].ARN
	sp := dualSpec(t, env, dualstackYAML)
	p, err := env.engine(sp).Plan(ctx)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	got := map[string]Action{}
	for _, c := range p.Changes {
		if c.Action != ActionKeep {
			got[c.Key] = c.Action
		}
	}
	want := map[string]Action{keyVPC: ActionUpdate, keySubnet(spec.SubnetPublic, 0): ActionUpdate, keySubnet(spec.SubnetPublic, 1): ActionUpdate,
		keyPublicRouteTab: ActionUpdate, lbKey: ActionUpdate, aliasKey("AAAA"): ActionCreate}
	for k, a := range want {
		if got[k] != a {
			t.Errorf("plan: %s is %q, want %q", k, got[k], a)
		}
	}
	for k, a := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("plan: %s is %q, want it kept", k, a)
		}
	}
	if err := env.engine(sp).Apply(ctx); err != nil {
		t.Fatalf("apply dualstack: %v", err)
	}
	if after := netLive(env, StepLoadBalancer)[lbKey].ARN; after != lbBefore {
		t.Errorf("the load balancer was replaced (%s → %s), want SetIpAddressType in place", lbBefore, after)
	}
	checkDualstackNetwork(t, env)
	if got := strings.Join(aliasTypesIn(t, env), ","); got != "A,AAAA" {
		t.Errorf("after the switch www.example.com has alias records %q, want A,AAAA", got)
	}
	if rep, err := env.engine(sp).Status(ctx); err != nil || !rep.Healthy {
		t.Fatalf("status after the switch: %v\n%s", err, describeReport(rep))
	}
	// And back: the load balancer goes ipv4 in place, the AAAA alias goes.
	if err := env.engine(v4).Apply(ctx); err != nil {
		t.Fatalf("apply ipv4 again: %v", err)
	}
	if got := strings.Join(aliasTypesIn(t, env), ","); got != "A" {
		t.Errorf("back on ipv4 the name has alias records %q, want A", got)
	}
	if rep, err := env.engine(v4).Status(ctx); err != nil || !rep.Healthy {
		t.Fatalf("status back on ipv4: %v\n%s", err, describeReport(rep))
	}
	if err := env.engine(v4).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}

// TestDualstackRefusesAVPCWithoutIPv6 points a dualstack spec at an
// existing VPC that has no IPv6 block: plan and apply refuse before any
// change, naming the commands that fix it.
func TestDualstackRefusesAVPCWithoutIPv6(t *testing.T) {
	env := newTestEnv(t, "dual")
	ctx := testContext(t)
	vpc, err := netEC2(env).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.7.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	id := sdkaws.ToString(vpc.Vpc.VpcId)
	spec := dualSpec(t, env, strings.Replace(dualstackYAML, "vpc: new, azs: 2, nat: single", "vpc: "+id, 1))
	check := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s of a dualstack stack in %s (no IPv6) succeeded", what, id)
		}
		for _, want := range []string{"load_balancer.ip_address_type", id, "aws ec2 associate-vpc-cidr-block --vpc-id " + id + " --amazon-provided-ipv6-cidr-block",
			"aws ec2 associate-subnet-cidr-block", "network.vpc: new"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s's error does not say %q:\n%v", what, want, err)
			}
		}
	}
	_, err = env.engine(spec).Plan(ctx)
	check("plan", err)
	before := env.Mutations()
	check("apply", env.engine(spec).Apply(ctx))
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("apply made %d mutating requests before refusing, want 0", n)
	}
}

// TestDualstackRefusesPublicSubnetsWithoutIPv6 gives the existing VPC an
// IPv6 block but not its subnets: the network step refuses before the
// load balancer is made, naming each subnet and route table to fix.
func TestDualstackRefusesPublicSubnetsWithoutIPv6(t *testing.T) {
	env := newTestEnv(t, "dual")
	ctx := testContext(t)
	c := netEC2(env)
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.7.0.0/16"), AmazonProvidedIpv6CidrBlock: sdkaws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	id := sdkaws.ToString(vpc.Vpc.VpcId)
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &id}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &id})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: sdkaws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId}); err != nil {
		t.Fatal(err)
	}
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &id, CidrBlock: sdkaws.String("10.7." + string(rune('1'+i)) + ".0/24"), AvailabilityZone: sdkaws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, sdkaws.ToString(sn.Subnet.SubnetId))
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: sn.Subnet.SubnetId}); err != nil {
			t.Fatal(err)
		}
	}
	spec := dualSpec(t, env, strings.Replace(dualstackYAML, "vpc: new, azs: 2, nat: single", "vpc: "+id, 1))
	err = env.engine(spec).Apply(ctx)
	if err == nil {
		t.Fatal("apply of a dualstack stack whose subnets have no IPv6 succeeded")
	}
	for _, want := range []string{"load_balancer.ip_address_type", "--subnet-id " + subnets[0], "--subnet-id " + subnets[1],
		"aws ec2 create-route --route-table-id " + sdkaws.ToString(rt.RouteTable.RouteTableId) + " --destination-ipv6-cidr-block ::/0"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("apply's error does not say %q:\n%v", want, err)
		}
	}
	if n := env.inventoryTypes()["elbv2:loadbalancer"]; n != 0 {
		t.Errorf("a load balancer was made before the refusal")
	}
}

func TestIPv6SubnetBlock(t *testing.T) {
	for _, c := range []struct {
		vpc  string
		i    int
		want string
	}{
		{"2600:1f18:4000:100::/56", 0, "2600:1f18:4000:100::/64"},
		{"2600:1f18:4000:100::/56", 2, "2600:1f18:4000:102::/64"},
		{"2600:1f18:4000:100::/56", 255, "2600:1f18:4000:1ff::/64"},
		{"2600:1f18:4000::/48", 258, "2600:1f18:4000:102::/64"},
	} {
		if got, err := ipv6SubnetBlock(c.vpc, c.i); err != nil || got != c.want {
			t.Errorf("ipv6SubnetBlock(%s, %d) = %s, %v; want %s", c.vpc, c.i, got, err, c.want)
		}
	}
	if _, err := ipv6SubnetBlock("2600:1f18:4000:100::/56", 256); err == nil {
		t.Error("a /56 has 256 /64s, but number 256 was given")
	}
}

func TestIPAddressTypeIsValidated(t *testing.T) {
	_, err := spec.Parse([]byte("name: demo\nload_balancer: {ip_address_type: dual-stack}\n"))
	if err == nil || !strings.Contains(err.Error(), "load_balancer.ip_address_type") || !strings.Contains(err.Error(), "dualstack") {
		t.Fatalf("ip_address_type: dual-stack gave %v, want a problem naming the field and suggesting dualstack", err)
	}
	if err := spec.ValidateIPAddressType("dualstack"); err != nil {
		t.Errorf("dualstack: %v", err)
	}
}

// TestDualstackCostsTheSameAndSaysWhy: the estimate of a dualstack stack
// is the ipv4 one's, and its note says why (IPv6 free, IPv4 still billed).
func TestDualstackCostsTheSameAndSaysWhy(t *testing.T) {
	v4, err := spec.Parse([]byte("name: demo\nregion: us-east-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	dual, err := spec.Parse([]byte("name: demo\nregion: us-east-1\nload_balancer: {ip_address_type: dualstack}\n"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := spec.EstimateMonthly(v4), spec.EstimateMonthly(dual)
	if a.Total != b.Total {
		t.Errorf("dualstack costs $%.2f, ipv4 $%.2f: want the same", b.Total, a.Total)
	}
	if strings.Contains(a.Note, "dualstack") || !strings.Contains(b.Note, "dualstack adds nothing") || !strings.Contains(b.Note, "public IPv4") {
		t.Errorf("notes: ipv4 %q, dualstack %q", a.Note, b.Note)
	}
}

// TestDualstackResumesAfterACrashAtEveryMutation kills a dualstack apply
// of the network, security groups, load balancer and DNS after each of its
// mutating requests: the resumed apply ends with the resources of an
// uninterrupted one, the IPv6 blocks, route and rules included, and a
// destroy after the crash leaves nothing.
func TestDualstackResumesAfterACrashAtEveryMutation(t *testing.T) {
	edge := []Step{identityStep{}, networkStep{}, securityStep{}, loadBalancerStep{}, dnsStep{}}
	clean := newTestEnv(t, "dual")
	clean.Options.Steps = edge
	spec := dualSpec(t, clean, dualstackYAML)
	if err := clean.engine(spec).Apply(testContext(t)); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	want, total := inventoryShape(clean), clean.Mutations()
	t.Logf("a clean dualstack apply of the edge makes %d mutating requests and leaves %d resources", total, len(want))
	for k := 1; k <= total; k++ {
		ctx := testContext(t)
		env := newTestEnv(t, "dual")
		env.Options.Steps = edge
		if err := env.engine(spec).Apply(env.crashAfter(ctx, k)); err == nil {
			t.Fatalf("k=%d/%d: apply survived its crash", k, total)
		}
		env.noCrash()
		env.reopen()
		if k%2 == 0 {
			// Every other crash is followed by a destroy instead.
			if err := env.engine(spec).Destroy(ctx); err != nil {
				t.Fatalf("k=%d/%d: destroy after the crash: %v", k, total, err)
			}
			env.mustEmpty()
			continue
		}
		if err := env.engine(spec).Apply(ctx); err != nil {
			t.Fatalf("k=%d/%d: resumed apply: %v", k, total, err)
		}
		if got := inventoryShape(env); !slices.Equal(got, want) {
			t.Fatalf("k=%d/%d: after resume the sandbox holds\n%s\nwant\n%s", k, total, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		checkDualstackNetwork(t, env)
		if got := strings.Join(aliasTypesIn(t, env), ","); got != "A,AAAA" {
			t.Fatalf("k=%d/%d: after resume the name has %q, want A,AAAA", k, total, got)
		}
	}
}

// TestDualstackDriftIsReportedAndRepaired removes the public route
// table's ::/0 route and sets the load balancer back to ipv4 outside
// stackwiz: status names both, and apply puts them back in place.
func TestDualstackDriftIsReportedAndRepaired(t *testing.T) {
	env := newTestEnv(t, "dual")
	spec := dualSpec(t, env, dualstackYAML)
	ctx := testContext(t)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	live := netLive(env, StepNetwork)
	if _, err := netEC2(env).DeleteRoute(ctx, &ec2.DeleteRouteInput{RouteTableId: sdkaws.String(live[keyPublicRouteTab].ID), DestinationIpv6CidrBlock: sdkaws.String("::/0")}); err != nil {
		t.Fatal(err)
	}
	lbARN := netLive(env, StepLoadBalancer)[lbKey].ARN
	if _, err := elbv2.NewFromConfig(env.Cfg).SetIpAddressType(ctx, &elbv2.SetIpAddressTypeInput{LoadBalancerArn: sdkaws.String(lbARN), IpAddressType: "ipv4"}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil || rep.Healthy {
		t.Fatalf("status after the drift: healthy %v, %v", rep != nil && rep.Healthy, err)
	}
	text := describeReport(rep)
	for _, want := range []string{`ipv6: recorded "true", AWS has "false"`, `ip_address_type: recorded "dualstack", AWS has "ipv4"`} {
		if !strings.Contains(text, want) {
			t.Errorf("status does not say %q:\n%s", want, text)
		}
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("repairing apply: %v", err)
	}
	checkDualstackNetwork(t, env)
	if rep, err := env.engine(spec).Status(ctx); err != nil || !rep.Healthy {
		t.Fatalf("status after the repair: %v\n%s", err, describeReport(rep))
	}
}
