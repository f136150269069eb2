package sandbox

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/gofrs/flock"
)

// vpcIDs lists the VPCs in an inventory, sorted.
func vpcIDs(items []InventoryItem) []string {
	var ids []string
	for _, it := range items {
		if it.Type == "ec2:vpc" {
			ids = append(ids, it.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// TestSandboxesOnOneDataDirServeOneWorld runs two sandboxes on one data
// dir, as two stackwiz processes on one state dir do, and creates VPCs
// through both at once: each sees every VPC the other made, at once, and
// no id is handed out twice. A third started afterwards finds them all.
func TestSandboxesOnOneDataDirServeOneWorld(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { o.DataDir = dir }
	a, b := newTestSandbox(t, withData), newTestSandbox(t, withData)
	ctx := testCtx(t)

	const each = 12
	var (
		mu      sync.Mutex
		created []string
		wg      sync.WaitGroup
	)
	for i := range 2 * each {
		sb := a
		if i%2 == 1 {
			sb = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := ec2.NewFromConfig(sb.Cfg).CreateVpc(ctx, &ec2.CreateVpcInput{
				CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", i)),
				TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeVpc,
					Tags: []types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(i))}}}},
			})
			if err != nil {
				t.Errorf("CreateVpc %d: %v", i, err)
				return
			}
			mu.Lock()
			created = append(created, aws.ToString(out.Vpc.VpcId))
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Strings(created)
	if len(created) != 2*each {
		t.Fatalf("created %d VPCs, want %d", len(created), 2*each)
	}
	for i := 1; i < len(created); i++ {
		if created[i] == created[i-1] {
			t.Fatalf("VPC id %s handed out twice by two sandboxes on one data dir", created[i])
		}
	}
	for name, sb := range map[string]*testSandbox{"a": a, "b": b} {
		if got := vpcIDs(sb.Inventory()); fmt.Sprint(got) != fmt.Sprint(created) {
			t.Errorf("sandbox %s lists VPCs %v, want every one created through either: %v", name, got, created)
		}
	}

	// Read after write across the two: a change answered by one is what
	// the other answers next.
	vpc := created[0]
	if _, err := ec2.NewFromConfig(a.Cfg).DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(vpc)}); err != nil {
		t.Fatalf("DeleteVpc through a: %v", err)
	}
	_, err := ec2.NewFromConfig(b.Cfg).DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	wantCode(t, err, "InvalidVpcID.NotFound")

	// A sandbox started later, with the others abandoned mid-life (never
	// closed, as a killed process), loads the same world.
	c := newTestSandbox(t, withData)
	if got, want := vpcIDs(c.Inventory()), created[1:]; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("a sandbox started later lists %v, want %v", got, want)
	}
}

// TestResetThroughOneSandboxEmptiesTheSharedWorld: a reset is a change
// like any other, seen by every sandbox on the data dir.
func TestResetThroughOneSandboxEmptiesTheSharedWorld(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { o.DataDir = dir }
	a, b := newTestSandbox(t, withData), newTestSandbox(t, withData)
	ctx := testCtx(t)
	if _, err := ec2.NewFromConfig(a.Cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	if n := len(vpcIDs(b.Inventory())); n != 1 {
		t.Fatalf("b lists %d VPCs after a created one, want 1", n)
	}
	if err := b.Reset(); err != nil {
		t.Fatal(err)
	}
	if inv := a.Inventory(); len(inv) != 0 {
		t.Fatalf("a lists %+v after b's reset, want nothing", inv)
	}
}

// TestTimeMovedThroughOneSandboxIsTheSharedWorldsTime: after one sandbox
// on a data dir lets ten minutes pass, a NAT gateway created through the
// other starts its two minutes then, not ten minutes in the past.
func TestTimeMovedThroughOneSandboxIsTheSharedWorldsTime(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { realistic(o); o.DataDir = dir }
	a, b := newNetFixture(t, withData), newNetFixture(t, withData)
	ctx := testCtx(t)
	_, subnet := a.publicVpc()
	alloc, _ := a.eip()
	if err := b.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}
	nat := aws.ToString(must[*ec2.CreateNatGatewayOutput](t)(a.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnet), AllocationId: aws.String(alloc)})).NatGateway.NatGatewayId)
	in := &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}}
	if got := must[*ec2.DescribeNatGatewaysOutput](t)(b.ec2.DescribeNatGateways(ctx, in)).NatGateways[0].State; got != types.NatGatewayStatePending {
		t.Fatalf("NAT gateway created after the clock moved = %s through the other sandbox, want pending", got)
	}
	if err := a.Advance(2 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := must[*ec2.DescribeNatGatewaysOutput](t)(b.ec2.DescribeNatGateways(ctx, in)).NatGateways[0].State; got != types.NatGatewayStateAvailable {
		t.Fatalf("NAT gateway two minutes later = %s, want available", got)
	}
}

// TestAWorldHeldTooLongFailsTheRequestNamingIt: a process that stops
// while holding the world (Ctrl-Z mid-request) costs the others an error
// that says so, not a request that never ends; once it lets go, they go on.
func TestAWorldHeldTooLongFailsTheRequestNamingIt(t *testing.T) {
	dir := t.TempDir()
	f := newNetFixture(t, func(o *Options) { o.DataDir = dir })
	f.file.wait = 300 * time.Millisecond
	ctx := testCtx(t)
	other := flock.New(filepath.Join(dir, "world.lock"))
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}, func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
	if err == nil || !strings.Contains(err.Error(), "held by another process") || !strings.Contains(err.Error(), dir) {
		t.Fatalf("CreateVpc while another process holds the world: %v; want an error naming the held world %s", err, dir)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the request waited %s for the world, want about %s", waited, f.file.wait)
	}
	if err := other.Unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")}); err != nil {
		t.Fatalf("CreateVpc once the world is free: %v", err)
	}
	if n := len(vpcIDs(f.Inventory())); n != 1 {
		t.Fatalf("%d VPCs after one CreateVpc that failed and one that succeeded, want 1", n)
	}
}

// BenchmarkRequestOnASharedWorld measures what sharing a world costs a
// request: the lock, the read of world.json and, for a change, the write.
func BenchmarkRequestOnASharedWorld(b *testing.B) {
	for _, c := range []struct {
		name string
		opts func(*Options)
	}{
		{"memory", func(*Options) {}},
		{"datadir", func(o *Options) { o.DataDir = b.TempDir() }},
	} {
		ts := newTestSandbox(b, c.opts)
		client := ec2.NewFromConfig(ts.Cfg)
		ctx := testCtx(b)
		var vpc string
		for i := range 40 { // about a few stacks' worth of world.json
			out, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String(fmt.Sprintf("10.%d.0.0/16", i))})
			if err != nil {
				b.Fatal(err)
			}
			vpc = aws.ToString(out.Vpc.VpcId)
		}
		b.Run(c.name+"/read", func(b *testing.B) {
			for b.Loop() {
				if _, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{VpcIds: []string{vpc}}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(c.name+"/change", func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				tags := []types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(n))}}
				if _, err := client.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{vpc}, Tags: tags}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
