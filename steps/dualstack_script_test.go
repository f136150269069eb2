package steps

import (
	"net/netip"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestDualstackScriptBuildsTheIPv6Network runs `export cli`'s network and
// security commands for a dualstack spec with the AWS CLI against a
// sandbox: the VPC gets an IPv6 /56, each public subnet a /64 of it, the
// public route table ::/0 to the internet gateway, and the load
// balancer's group admits ::/0.
func TestDualstackScriptBuildsTheIPv6Network(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 20 AWS CLI commands; run without -short")
	}
	// Each AWS CLI command is a Python process: the script tests run
	// beside each other and the rest, not one after another.
	t.Parallel()
	yaml := "name: clitest\nnetwork:\n  azs: 2\n  nat: none\nload_balancer:\n  ip_address_type: dualstack\n"
	env := newTestEnv(t, "clitest")
	script := ExportCLI(env.spec(yaml), []Step{identityStep{}, networkStep{}, securityStep{}})
	for _, must := range []string{"--amazon-provided-ipv6-cidr-block", `--ipv6-cidr-block "$(ipv6_64 1)"`,
		"--destination-ipv6-cidr-block ::/0", "Ipv6Ranges=[{CidrIpv6=::/0}]"} {
		if !strings.Contains(script, must) {
			t.Errorf("the script lacks %q", must)
		}
	}
	runScript(t, env, script)
	ctx := testContext(t)
	c := netEC2(env)
	tagged := []ec2Filter{{"tag:stackwiz:stack", "clitest"}}
	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: dualFilters(tagged)})
	if err != nil || len(vpcs.Vpcs) != 1 || len(vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet) != 1 {
		t.Fatalf("the script's VPC: %v %+v", err, vpcs)
	}
	block := netip.MustParsePrefix(sdkaws.ToString(vpcs.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
	subnets, err := c.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: dualFilters(tagged)})
	if err != nil || len(subnets.Subnets) != 2 {
		t.Fatalf("the script's subnets: %v %+v", err, subnets)
	}
	seen := map[string]bool{}
	for _, s := range subnets.Subnets {
		if len(s.Ipv6CidrBlockAssociationSet) != 1 {
			t.Fatalf("public subnet %s has no IPv6 block", sdkaws.ToString(s.SubnetId))
		}
		p := netip.MustParsePrefix(sdkaws.ToString(s.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock))
		if p.Bits() != 64 || !block.Contains(p.Addr()) || seen[p.String()] {
			t.Errorf("subnet %s has %s, want a /64 of %s of its own", sdkaws.ToString(s.SubnetId), p, block)
		}
		seen[p.String()] = true
	}
	for i := range 2 {
		if want, _ := ipv6SubnetBlock(block.String(), i); !seen[want] {
			t.Errorf("the script gave no subnet %s, the /64 apply gives AZ %d", want, i)
		}
	}
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: dualFilters(tagged)})
	if err != nil || len(rts.RouteTables) != 1 {
		t.Fatalf("the script's route tables: %v", err)
	}
	v6 := false
	for _, r := range rts.RouteTables[0].Routes {
		v6 = v6 || sdkaws.ToString(r.DestinationIpv6CidrBlock) == "::/0" && strings.HasPrefix(sdkaws.ToString(r.GatewayId), "igw-")
	}
	if !v6 {
		t.Errorf("the public route table has no ::/0 to the internet gateway: %+v", rts.RouteTables[0].Routes)
	}
	sgs, err := c.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: dualFilters(append(tagged, ec2Filter{"group-name", "clitest-alb"}))})
	if err != nil || len(sgs.SecurityGroups) != 1 {
		t.Fatalf("the load balancer's group: %v", err)
	}
	n := 0
	for _, p := range sgs.SecurityGroups[0].IpPermissions {
		for _, r := range p.Ipv6Ranges {
			if sdkaws.ToString(r.CidrIpv6) == "::/0" {
				n++
			}
		}
	}
	if n == 0 {
		t.Errorf("the load balancer's group admits nothing from ::/0: %+v", sgs.SecurityGroups[0].IpPermissions)
	}
}

type ec2Filter struct{ name, value string }

func dualFilters(fs []ec2Filter) []ec2types.Filter {
	out := make([]ec2types.Filter, len(fs))
	for i, f := range fs {
		out[i] = ec2types.Filter{Name: sdkaws.String(f.name), Values: []string{f.value}}
	}
	return out
}
