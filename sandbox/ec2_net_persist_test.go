package sandbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestNetworkSurvivesARestartAndPendingNatGatewayCompletes(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { realistic(o); o.DataDir = dir }
	f := newNetFixture(t, withData)
	ctx := testCtx(t)
	vpcID, subnetID := f.publicVpc()
	sg := f.group(vpcID, "app")
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg), IpPermissions: []types.IpPermission{fromCIDR(tcp(22), "203.0.113.0/24")}}))
	alloc, ip := f.eip()
	nat := aws.ToString(must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: aws.String(alloc)})).NatGateway.NatGatewayId)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	g := newNetFixture(t, withData)
	in := &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}}
	if got := must[*ec2.DescribeNatGatewaysOutput](t)(g.ec2.DescribeNatGateways(ctx, in)).NatGateways[0]; got.State != types.NatGatewayStatePending {
		t.Fatalf("NAT gateway after restart = %s, want still pending", got.State)
	}
	g.Advance(2 * time.Minute)
	got := must[*ec2.DescribeNatGatewaysOutput](t)(g.ec2.DescribeNatGateways(ctx, in)).NatGateways[0]
	if got.State != types.NatGatewayStateAvailable || aws.ToString(got.NatGatewayAddresses[0].PublicIp) != ip {
		t.Fatalf("NAT gateway after restart and 2 min = %+v", got)
	}
	if rules := g.describeGroup(sg).IpPermissions; len(rules) != 1 || aws.ToString(rules[0].IpRanges[0].CidrIp) != "203.0.113.0/24" {
		t.Fatalf("rules after restart = %+v", rules)
	}
	// A new address after the restart is not one handed out before it.
	_, ip2 := g.eip()
	if ip2 == ip {
		t.Fatalf("public IP %s handed out twice across a restart", ip)
	}
	_, err := g.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	wantCode(t, err, "InvalidIPAddress.InUse")
}

func TestDryRunChangesNothing(t *testing.T) {
	f := newNetFixture(t)
	_, err := f.ec2.CreateVpc(testCtx(t), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("a dry run created %+v", inv)
	}
}
