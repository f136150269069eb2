package main

import (
	"context"
	"os"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// TestMotoDualstackApplyStatusDestroy builds an ipv4 stack in a new VPC
// on moto, an AWS emulator we did not write, then switches it to
// dualstack: the VPC's IPv6 block, the public subnets' /64s, the ::/0
// route, the load balancer's type (in place) and the AAAA alias are made
// by calls moto answers as EC2, ELBv2 and Route 53 do; status finds no drift (only the alarms step, which moto
// cannot serve, is not done), and destroy leaves nothing.
func TestMotoDualstackApplyStatusDestroy(t *testing.T) {
	m := startMoto(t)
	dir := t.TempDir()
	b, err := os.ReadFile("examples/start.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/start.sh", b, 0o600); err != nil {
		t.Fatal(err)
	}
	spec := dir + "/stack.yaml"
	text := "name: dual\nnetwork:\n  vpc: new\n  azs: 2\n  nat: single\nload_balancer:\n  ip_address_type: dualstack\n" +
		"instance:\n  user_data: start.sh\ndns:\n  zone: example.com\n  record: www.example.com\n"
	if err := os.WriteFile(spec, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	// First as ipv4, then switched: the VPC's block, the subnets' /64s
	// and the load balancer's type are added in place (AssociateVpcCidrBlock,
	// AssociateSubnetCidrBlock, SetIpAddressType).
	v4 := dir + "/v4.yaml"
	if err := os.WriteFile(v4, []byte(strings.Replace(text, "dualstack", "ipv4", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if first := m.stackwiz(t, dir, "apply", "-f", v4, "--yes"); first.code != 1 || strings.Count(first.stderr, "✗") != 1 {
		t.Fatalf("ipv4 apply exit = %d, want 1 with only the alarms step failed\n%s", first.code, tail(first.stderr, 3000))
	}
	lbBefore := loadBalancerARN(t, m)
	apply := m.stackwiz(t, dir, "apply", "-f", spec, "--yes")
	if after := loadBalancerARN(t, m); after != lbBefore {
		t.Errorf("the switch to dualstack replaced the load balancer on moto (%s → %s)", lbBefore, after)
	}
	if apply.code != 1 || !strings.Contains(apply.stderr, "alarms: ") || strings.Count(apply.stderr, "✗") != 1 {
		t.Fatalf("apply exit = %d, want 1 with only the alarms step failed (moto lacks CloudWatch alarms)\n%s", apply.code, tail(apply.stderr, 3000))
	}

	ctx := context.Background()
	cfg := sdk.Config{Region: "us-east-1", BaseEndpoint: sdk.String(m.url), Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	e := ec2.NewFromConfig(cfg)
	tagged := []ec2types.Filter{{Name: sdk.String("tag:stackwiz:stack"), Values: []string{"dual"}}}
	subnets, err := e.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	public := 0
	for _, s := range subnets.Subnets {
		switch n := len(s.Ipv6CidrBlockAssociationSet); {
		case n == 1 && sdk.ToBool(s.MapPublicIpOnLaunch):
			public++
		case n != 0:
			t.Errorf("subnet %s has %d IPv6 blocks: a public subnet gets one, a private one none", sdk.ToString(s.SubnetId), n)
		}
	}
	if public != 2 {
		t.Errorf("%d public subnets have an IPv6 /64, want 2", public)
	}
	rts, err := e.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: tagged})
	if err != nil {
		t.Fatal(err)
	}
	v6 := 0
	for _, rt := range rts.RouteTables {
		for _, r := range rt.Routes {
			if sdk.ToString(r.DestinationIpv6CidrBlock) == "::/0" && strings.HasPrefix(sdk.ToString(r.GatewayId), "igw-") {
				v6++
			}
		}
	}
	if v6 != 1 {
		t.Errorf("%d route tables send ::/0 to the internet gateway, want the public one", v6)
	}
	lbs, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"dual-alb"}})
	if err != nil || len(lbs.LoadBalancers) != 1 || lbs.LoadBalancers[0].IpAddressType != "dualstack" {
		t.Errorf("the load balancer on moto: %v %+v, want dualstack", err, lbs)
	}
	r53 := route53.NewFromConfig(cfg)
	zones, err := r53.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: sdk.String("example.com.")})
	if err != nil || len(zones.HostedZones) == 0 {
		t.Fatalf("the zone on moto: %v", err)
	}
	sets, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zones.HostedZones[0].Id})
	if err != nil {
		t.Fatal(err)
	}
	var aliases []string
	for _, rs := range sets.ResourceRecordSets {
		if sdk.ToString(rs.Name) == "www.example.com." && rs.AliasTarget != nil {
			aliases = append(aliases, string(rs.Type))
		}
	}
	if strings.Join(aliases, ",") != "A,AAAA" {
		t.Errorf("www.example.com has aliases %v on moto, want A and AAAA", aliases)
	}

	status := m.stackwiz(t, dir, "status")
	if strings.Contains(status.stdout, "drift") || strings.Contains(status.stdout, "deleted outside stackwiz") {
		t.Errorf("status on moto reports drift or missing resources:\n%s", status.stdout)
	}
	if again := m.stackwiz(t, dir, "plan", "-f", spec); !strings.Contains(again.stdout, "0 to update, 0 to replace, 0 to delete") {
		t.Errorf("plan after apply on moto wants changes beyond the alarms:\n%s", again.stdout)
	}

	destroy := m.stackwiz(t, dir, "destroy", "--yes")
	if left := m.stack(t, "dual"); len(left) > 0 {
		t.Errorf("after destroy moto still holds:\n  %s\ndestroy's stderr:\n%s", strings.Join(left, "\n  "), destroy.stderr)
	}
	if destroy.code != 0 {
		t.Errorf("destroy exit = %d, want 0\n%s", destroy.code, destroy.stderr)
	}
}

// loadBalancerARN is the ARN of the dual stack's load balancer on moto.
func loadBalancerARN(t *testing.T, m *moto) string {
	t.Helper()
	cfg := sdk.Config{Region: "us-east-1", BaseEndpoint: sdk.String(m.url), Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	out, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(context.Background(), &elb.DescribeLoadBalancersInput{Names: []string{"dual-alb"}})
	if err != nil || len(out.LoadBalancers) != 1 {
		t.Fatalf("the load balancer on moto: %v", err)
	}
	return sdk.ToString(out.LoadBalancers[0].LoadBalancerArn)
}
