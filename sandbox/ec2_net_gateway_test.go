package sandbox

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestInternetGatewayAttachDetachDelete(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcA, vpcB := f.vpc("10.0.0.0/16"), f.vpc("10.1.0.0/16")
	created := must[*ec2.CreateInternetGatewayOutput](t)(f.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: tagSpec(types.ResourceTypeInternetGateway, "Name", "gw")}))
	igw := aws.ToString(created.InternetGateway.InternetGatewayId)
	if !validID(igw, "igw") || tagValue(created.InternetGateway.Tags, "Name") != "gw" || len(created.InternetGateway.Attachments) != 0 {
		t.Fatalf("CreateInternetGateway = %+v", created.InternetGateway)
	}
	attach := func(gw, vpc string) error {
		_, err := f.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(gw), VpcId: aws.String(vpc)})
		return err
	}
	detach := func(gw, vpc string) error {
		_, err := f.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(gw), VpcId: aws.String(vpc)})
		return err
	}
	wantCode(t, detach(igw, vpcA), "Gateway.NotAttached")
	wantCode(t, attach(igw, vpcA), "")
	wantCode(t, attach(igw, vpcB), "Resource.AlreadyAssociated")
	second := aws.ToString(must[*ec2.CreateInternetGatewayOutput](t)(f.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId)
	wantCode(t, attach(second, vpcA), "Resource.AlreadyAssociated")
	wantCode(t, attach("igw-0123456789abcdef0", vpcA), "InvalidInternetGatewayID.NotFound")
	wantCode(t, detach(igw, vpcB), "Gateway.NotAttached")

	out := must[*ec2.DescribeInternetGatewaysOutput](t)(f.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: []types.Filter{filter("attachment.vpc-id", vpcA)}}))
	if len(out.InternetGateways) != 1 || aws.ToString(out.InternetGateways[0].InternetGatewayId) != igw {
		t.Fatalf("gateways of %s = %+v", vpcA, out.InternetGateways)
	}
	_, err := f.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)})
	wantCode(t, err, "DependencyViolation")
	_, err = f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcA)})
	wantCode(t, err, "DependencyViolation")
	wantCode(t, detach(igw, vpcA), "")
	must[*ec2.DeleteInternetGatewayOutput](t)(f.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)}))
	_, err = f.ec2.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{igw}})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
	must[*ec2.DeleteVpcOutput](t)(f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpcA)}))
}

func TestElasticIPAllocateDescribeRelease(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	out := must[*ec2.AllocateAddressOutput](t)(f.ec2.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc, TagSpecifications: tagSpec(types.ResourceTypeElasticIp, "Name", "nat-a")}))
	alloc, ip := aws.ToString(out.AllocationId), aws.ToString(out.PublicIp)
	if out.Domain != types.DomainTypeVpc || !validID(alloc, "eipalloc") || ip == "" {
		t.Fatalf("AllocateAddress = %+v", out)
	}
	byIP := must[*ec2.DescribeAddressesOutput](t)(f.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{PublicIps: []string{ip}}))
	if len(byIP.Addresses) != 1 || aws.ToString(byIP.Addresses[0].AllocationId) != alloc || tagValue(byIP.Addresses[0].Tags, "Name") != "nat-a" {
		t.Fatalf("DescribeAddresses by IP = %+v", byIP.Addresses)
	}
	byTag := must[*ec2.DescribeAddressesOutput](t)(f.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: []types.Filter{filter("tag:Name", "nat-a"), filter("domain", "vpc")}}))
	if len(byTag.Addresses) != 1 {
		t.Fatalf("DescribeAddresses by tag = %+v", byTag.Addresses)
	}
	if inv := inventoryTypes(f.Inventory()); inv["ec2:elastic-ip"] != 1 {
		t.Fatalf("inventory = %v", inv)
	}
	must[*ec2.ReleaseAddressOutput](t)(f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)}))
	_, err := f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = f.ec2.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{AllocationIds: []string{alloc}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
}

func TestElasticIPQuotaIsFivePerRegion(t *testing.T) {
	f := newNetFixture(t)
	for range maxAddresses {
		f.eip()
	}
	_, err := f.ec2.AllocateAddress(testCtx(t), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc})
	wantCode(t, err, "AddressLimitExceeded")
}

// publicVpc is a VPC with an attached internet gateway and one subnet.
func (f *netFixture) publicVpc() (vpcID, subnetID string) {
	vpcID = f.vpc("10.0.0.0/16")
	f.attachedIGW(vpcID)
	return vpcID, f.subnet(vpcID, "10.0.0.0/24", "us-east-1a")
}

func TestNatGatewayBecomesAvailableForTheSDKWaiter(t *testing.T) {
	// The sandbox clock is frozen so that only Advance moves it: the checks
	// at 119 s and 121 s must not depend on how long this test takes in
	// wall time on a loaded machine.
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f := newNetFixture(t, realistic, func(o *Options) { o.Now = func() time.Time { return start } })
	ctx := testCtx(t)
	_, subnetID := f.publicVpc()
	alloc, ip := f.eip()
	out := must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: aws.String(alloc),
		TagSpecifications: tagSpec(types.ResourceTypeNatgateway, "Name", "nat-a")}))
	nat := out.NatGateway
	natID := aws.ToString(nat.NatGatewayId)
	if nat.State != types.NatGatewayStatePending || !validID(natID, "nat") || tagValue(nat.Tags, "Name") != "nat-a" || nat.ConnectivityType != types.ConnectivityTypePublic {
		t.Fatalf("CreateNatGateway = %+v", nat)
	}
	fast := func(o *ec2.NatGatewayAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 10*time.Millisecond
	}
	waiter := ec2.NewNatGatewayAvailableWaiter(f.ec2, fast)
	in := &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{natID}}
	// The waiter gives up when its budget runs out. Depending on where the
	// budget ends (between polls, while sleeping, or during a request), the
	// SDK reports "exceeded max wait time" or a context deadline; either is
	// a timeout. At least two polls prove the waiter read "pending" and kept
	// waiting rather than failing on its first request.
	f.ResetStats()
	err := waiter.Wait(ctx, in, time.Second)
	if err == nil || !(errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "exceeded max wait time")) {
		t.Fatalf("waiter on a pending NAT gateway: %v, want a timeout", err)
	}
	if n := f.Stats().Count("ec2", "DescribeNatGateways"); n < 2 {
		t.Fatalf("waiter polled DescribeNatGateways %d times in 1 s, want at least 2 (it must see pending and poll again)", n)
	}
	f.Advance(119 * time.Second)
	if got := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, in)).NatGateways[0].State; got != types.NatGatewayStatePending {
		t.Fatalf("state after 119 s = %s, want pending (NAT takes ~2 min)", got)
	}
	f.Advance(2 * time.Second)
	if err := waiter.Wait(ctx, in, 5*time.Second); err != nil {
		t.Fatalf("waiter after 2 min: %v", err)
	}
	desc := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, in)).NatGateways[0]
	addr := desc.NatGatewayAddresses[0]
	if aws.ToString(addr.PublicIp) != ip || aws.ToString(addr.AllocationId) != alloc || aws.ToString(addr.NetworkInterfaceId) == "" || aws.ToString(addr.PrivateIp) != "10.0.0.4" {
		t.Fatalf("NAT address = %+v", addr)
	}
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(f.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{aws.ToString(addr.NetworkInterfaceId)}}))
	// EC2 reports "nat_gateway" although the SDK's enum spells it "natGateway".
	if e := enis.NetworkInterfaces[0]; e.InterfaceType != "nat_gateway" || aws.ToString(e.Association.PublicIp) != ip {
		t.Fatalf("NAT interface = %+v", e)
	}

	// The Elastic IP cannot go while the gateway holds it, nor while it is deleting.
	_, err = f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	wantCode(t, err, "InvalidIPAddress.InUse")
	del := must[*ec2.DeleteNatGatewayOutput](t)(f.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(natID)}))
	if aws.ToString(del.NatGatewayId) != natID {
		t.Fatalf("DeleteNatGateway = %+v", del)
	}
	if got := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, in)).NatGateways[0]; got.State != types.NatGatewayStateDeleting || got.DeleteTime == nil {
		t.Fatalf("after delete = %+v, want deleting with a delete time", got)
	}
	_, err = f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	wantCode(t, err, "InvalidIPAddress.InUse")
	if inv := inventoryTypes(f.Inventory()); inv["ec2:natgateway"] != 1 {
		t.Fatalf("a deleting NAT gateway still exists: inventory = %v", inv)
	}

	f.Advance(61 * time.Second)
	deletedWaiter := ec2.NewNatGatewayDeletedWaiter(f.ec2, func(o *ec2.NatGatewayDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 10*time.Millisecond
	})
	if err := deletedWaiter.Wait(ctx, in, 5*time.Second); err != nil {
		t.Fatalf("NatGatewayDeleted waiter: %v", err)
	}
	if inv := inventoryTypes(f.Inventory()); inv["ec2:natgateway"] != 0 {
		t.Fatalf("a deleted NAT gateway is not in the inventory: %v", inv)
	}
	must[*ec2.ReleaseAddressOutput](t)(f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)}))

	// Deleted gateways stay visible for about an hour, then vanish.
	f.Advance(59 * time.Minute)
	if got := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, in)).NatGateways[0].State; got != types.NatGatewayStateDeleted {
		t.Fatalf("state 59 min after deletion = %s, want deleted", got)
	}
	f.Advance(2 * time.Minute)
	_, err = f.ec2.DescribeNatGateways(ctx, in)
	wantCode(t, err, "NatGatewayNotFound")
}

func TestNatGatewayClientTokenIsIdempotent(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	_, subnetID := f.publicVpc()
	alloc, _ := f.eip()
	in := &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: aws.String(alloc), ClientToken: aws.String("stackwiz-nat-a")}
	first := must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, in))
	again := must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, in))
	if aws.ToString(first.NatGateway.NatGatewayId) != aws.ToString(again.NatGateway.NatGatewayId) || aws.ToString(again.ClientToken) != "stackwiz-nat-a" {
		t.Fatalf("retry with the same token made another gateway: %s vs %s", aws.ToString(first.NatGateway.NatGatewayId), aws.ToString(again.NatGateway.NatGatewayId))
	}
	all := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: []types.Filter{filter("subnet-id", subnetID)}}))
	if len(all.NatGateways) != 1 || all.NatGateways[0].State != types.NatGatewayStateAvailable {
		t.Fatalf("NAT gateways = %+v, want one, available (instant profile)", all.NatGateways)
	}
}

func TestNatGatewayFailures(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	subnetID := f.subnet(vpcID, "10.0.0.0/24", "us-east-1a")
	alloc, _ := f.eip()

	_, err := f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: aws.String("eipalloc-0123456789abcdef0")})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String("subnet-0123456789abcdef0"), AllocationId: aws.String(alloc)})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = f.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String("nat-0123456789abcdef0")})
	wantCode(t, err, "NatGatewayNotFound")

	// Without an internet gateway the NAT gateway is accepted, then fails,
	// and the SDK waiter reports the failure instead of waiting forever.
	out := must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), AllocationId: aws.String(alloc)}))
	in := &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{aws.ToString(out.NatGateway.NatGatewayId)}}
	err = ec2.NewNatGatewayAvailableWaiter(f.ec2, func(o *ec2.NatGatewayAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 5*time.Millisecond, 10*time.Millisecond
	}).Wait(ctx, in, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "transitioned to Failure") {
		t.Fatalf("waiter on a NAT gateway without IGW: %v, want a failure", err)
	}
	got := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, in)).NatGateways[0]
	if got.State != types.NatGatewayStateFailed || aws.ToString(got.FailureCode) != "Gateway.NotAttached" {
		t.Fatalf("NAT gateway without IGW = %+v", got)
	}
	// A failed gateway holds nothing: its address can be released.
	must[*ec2.ReleaseAddressOutput](t)(f.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)}))
	if inv := inventoryTypes(f.Inventory()); inv["ec2:natgateway"] != 0 {
		t.Fatalf("failed NAT gateway in inventory: %v", inv)
	}
}

func TestNatGatewayDescribePagesAndFilters(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID, subnetID := f.publicVpc()
	var ids []string
	for i := range 7 {
		in := &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID), ConnectivityType: types.ConnectivityTypePrivate}
		if i < 4 {
			alloc, _ := f.eip()
			in.AllocationId, in.ConnectivityType = aws.String(alloc), types.ConnectivityTypePublic
		}
		out := must[*ec2.CreateNatGatewayOutput](t)(f.ec2.CreateNatGateway(ctx, in))
		ids = append(ids, aws.ToString(out.NatGateway.NatGatewayId))
	}
	must[*ec2.DeleteNatGatewayOutput](t)(f.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(ids[0])}))
	var seen int
	p := ec2.NewDescribeNatGatewaysPaginator(f.ec2, &ec2.DescribeNatGatewaysInput{MaxResults: aws.Int32(5), Filter: []types.Filter{filter("vpc-id", vpcID)}})
	pages := 0
	for p.HasMorePages() {
		seen += len(must[*ec2.DescribeNatGatewaysOutput](t)(p.NextPage(ctx)).NatGateways)
		pages++
	}
	if seen != 7 || pages != 2 {
		t.Fatalf("paged NAT gateways = %d in %d pages, want 7 in 2", seen, pages)
	}
	avail := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{Filter: []types.Filter{filter("state", "available"), filter("nat-gateway-id", ids...)}}))
	if len(avail.NatGateways) != 6 {
		t.Fatalf("available NAT gateways = %d, want 6", len(avail.NatGateways))
	}
	private := must[*ec2.DescribeNatGatewaysOutput](t)(f.ec2.DescribeNatGateways(ctx, &ec2.DescribeNatGatewaysInput{NatGatewayIds: ids[4:]}))
	for _, n := range private.NatGateways {
		if n.ConnectivityType != types.ConnectivityTypePrivate || aws.ToString(n.NatGatewayAddresses[0].PublicIp) != "" {
			t.Fatalf("private NAT gateway = %+v", n)
		}
	}
}
