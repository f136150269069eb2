package sandbox

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// stackNetwork is what stackwiz builds: a VPC with public and private
// subnets in two AZs, an internet gateway, one NAT gateway, a route table
// for each tier, a load balancer group and an app group that admits only
// the load balancer, and the interfaces of a load balancer and an instance.
type stackNetwork struct {
	vpc, igw, eip, nat, publicRT, privateRT, lbSG, appSG string
	public, private                                      []string
	lbOwner, instance                                    string
}

func buildStackNetwork(t *testing.T, f *netFixture) stackNetwork {
	ctx := testCtx(t)
	var n stackNetwork
	n.vpc = f.vpc("10.0.0.0/16", "stackwiz:stack", "demo")
	n.igw = f.attachedIGW(n.vpc)
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		n.public = append(n.public, f.subnet(n.vpc, fmt.Sprintf("10.0.%d.0/24", i), az))
		n.private = append(n.private, f.subnet(n.vpc, fmt.Sprintf("10.0.%d.0/24", 10+i), az))
	}
	n.eip, _ = f.eip()
	n.nat = aws.ToString(must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(n.public[0]), AllocationId: aws.String(n.eip)})).NatGateway.NatGatewayId)
	f.Advance(2 * time.Minute)
	rt := func(target func(*ec2.CreateRouteInput), subnets []string) string {
		id := aws.ToString(must[*ec2.CreateRouteTableOutput](t)(f.ec2.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: aws.String(n.vpc)})).RouteTable.RouteTableId)
		in := &ec2.CreateRouteInput{RouteTableId: aws.String(id), DestinationCidrBlock: aws.String("0.0.0.0/0")}
		target(in)
		must[*ec2.CreateRouteOutput](t)(f.ec2.CreateRoute(ctx, in))
		for _, s := range subnets {
			must[*ec2.AssociateRouteTableOutput](t)(f.ec2.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: aws.String(id), SubnetId: aws.String(s)}))
		}
		return id
	}
	n.publicRT = rt(func(in *ec2.CreateRouteInput) { in.GatewayId = aws.String(n.igw) }, n.public)
	n.privateRT = rt(func(in *ec2.CreateRouteInput) { in.NatGatewayId = aws.String(n.nat) }, n.private)
	n.lbSG, n.appSG = f.group(n.vpc, "lb"), f.group(n.vpc, "app")
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(n.appSG), IpPermissions: []types.IpPermission{fromGroup(tcp(3000), n.lbSG)}}))
	n.lbOwner = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/demo/0123456789abcdef"
	n.instance = "i-0123456789abcdef0"
	f.withRegion("us-east-1", func(r *Region) {
		for _, s := range n.public {
			if _, err := r.createENI(s, []string{n.lbSG}, n.lbOwner, "interface", "ELB app/demo/0123456789abcdef"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.createENI(n.private[0], []string{n.appSG}, n.instance, "interface", ""); err != nil {
			t.Fatal(err)
		}
	})
	return n
}

// TestNetworkTeardownInTheWrongOrderIsRefused tries each deletion before
// what it depends on is gone.
func TestNetworkTeardownInTheWrongOrderIsRefused(t *testing.T) {
	f := newNetFixture(t, realistic)
	n := buildStackNetwork(t, f)
	ctx := testCtx(t)
	steps := []struct {
		name string
		call func() error
		code string
	}{
		{"VPC with everything in it", func() error {
			_, err := f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(n.vpc)})
			return err
		}, "DependencyViolation"},
		{"Elastic IP of a live NAT gateway", func() error {
			_, err := f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)})
			return err
		}, "InvalidIPAddress.InUse"},
		{"attached internet gateway", func() error {
			_, err := f.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(n.igw)})
			return err
		}, "DependencyViolation"},
		{"subnet holding the NAT gateway", func() error {
			_, err := f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(n.public[0])})
			return err
		}, "DependencyViolation"},
		{"subnet holding an instance", func() error {
			_, err := f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(n.private[0])})
			return err
		}, "DependencyViolation"},
		{"group of the load balancer's interfaces", func() error {
			_, err := f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(n.lbSG)})
			return err
		}, "DependencyViolation"},
		{"route table still associated", func() error {
			_, err := f.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(n.privateRT)})
			return err
		}, "DependencyViolation"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) { wantCode(t, s.call(), s.code) })
	}
	// The NAT gateway is deleting, not gone: its address is still taken.
	must[*ec2.DeleteNatGatewayOutput](t)(f.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(n.nat)}))
	_, err := f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)})
	wantCode(t, err, "InvalidIPAddress.InUse")
	_, err = f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(n.public[0])})
	wantCode(t, err, "DependencyViolation")
	// Even with no interface left, the load balancer group is still referenced by the app group.
	f.withRegion("us-east-1", func(r *Region) { r.deleteENIsOf(n.lbOwner) })
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(n.lbSG)})
	wantCode(t, err, "DependencyViolation")
	if len(f.Inventory()) == 0 {
		t.Fatal("refused deletions removed resources")
	}
}

// TestNetworkTeardownInDomainOrderSucceeds follows DOMAIN.md: NAT gateways
// (wait until deleted) → their Elastic IPs → internet gateway → (load
// balancer interfaces go) → security groups → subnets → route tables → VPC.
func TestNetworkTeardownInDomainOrderSucceeds(t *testing.T) {
	f := newNetFixture(t, realistic)
	n := buildStackNetwork(t, f)
	ctx := testCtx(t)
	if inv := inventoryTypes(f.Inventory()); inv["ec2:vpc"] != 1 || inv["ec2:subnet"] != 4 || inv["ec2:natgateway"] != 1 || inv["ec2:route-table"] != 2 || inv["ec2:security-group"] != 2 {
		t.Fatalf("inventory of the stack = %v", inv)
	}
	// The instance is terminated first (the compute half releases its interface).
	f.withRegion("us-east-1", func(r *Region) { r.deleteENIsOf(n.instance) })

	must[*ec2.DeleteNatGatewayOutput](t)(f.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(n.nat)}))
	f.Advance(time.Minute)
	deleted := ec2.NewNatGatewayDeletedWaiter(f.ec2, func(o *ec2.NatGatewayDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 10*time.Millisecond
	})
	if err := deleted.Wait(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{n.nat}}, 5*time.Second); err != nil {
		t.Fatalf("NAT gateway not deleted: %v", err)
	}
	must[*ec2.ReleaseAddressOutput](t)(f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(n.eip)}))
	must[*ec2.DetachInternetGatewayOutput](t)(f.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(n.igw), VpcId: aws.String(n.vpc)}))
	must[*ec2.DeleteInternetGatewayOutput](t)(f.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(n.igw)}))
	f.withRegion("us-east-1", func(r *Region) { r.deleteENIsOf(n.lbOwner) }) // the load balancer's interfaces go some minutes after it
	for _, sg := range []string{n.appSG, n.lbSG} {
		must[*ec2.DeleteSecurityGroupOutput](t)(f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)}))
	}
	for _, s := range append(n.public, n.private...) {
		must[*ec2.DeleteSubnetOutput](t)(f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(s)}))
	}
	for _, rt := range []string{n.publicRT, n.privateRT} {
		must[*ec2.DeleteRouteTableOutput](t)(f.ec2.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(rt)}))
	}
	must[*ec2.DeleteVpcOutput](t)(f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(n.vpc)}))
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after teardown = %+v", inv)
	}
}
