package sandbox

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// netFixture is a sandbox with an EC2 client pointed at it.
type netFixture struct {
	*testSandbox
	t   *testing.T
	ec2 *ec2.Client
}

func newNetFixture(t *testing.T, opts ...func(*Options)) *netFixture {
	t.Helper()
	ts := newTestSandbox(t, opts...)
	return &netFixture{testSandbox: ts, t: t, ec2: ec2.NewFromConfig(ts.Cfg)}
}

// realistic selects AWS-like durations at 1x, for tests that move time with Advance.
func realistic(o *Options) { o.Latency = LatencyRealistic; o.Speed = 1; o.IAMPropagation = -1 }

// errCode returns the AWS error code of err, or "" when err is nil.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "not an API error: " + err.Error()
}

// wantCode fails the test unless err carries the AWS error code want.
func wantCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := errCode(err); got != want {
		t.Fatalf("error = %v (code %q), want code %q", err, got, want)
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	var tags []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		tags = append(tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if aws.ToString(t.Key) == key {
			return aws.ToString(t.Value)
		}
	}
	return ""
}

func (f *netFixture) vpc(cidr string, kv ...string) string {
	f.t.Helper()
	out, err := f.ec2.CreateVpc(testCtx(f.t), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr), TagSpecifications: tagSpec(types.ResourceTypeVpc, kv...)})
	if err != nil {
		f.t.Fatalf("CreateVpc %s: %v", cidr, err)
	}
	return aws.ToString(out.Vpc.VpcId)
}

func (f *netFixture) subnet(vpcID, cidr, az string, kv ...string) string {
	f.t.Helper()
	out, err := f.ec2.CreateSubnet(testCtx(f.t), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr),
		AvailabilityZone: aws.String(az), TagSpecifications: tagSpec(types.ResourceTypeSubnet, kv...)})
	if err != nil {
		f.t.Fatalf("CreateSubnet %s: %v", cidr, err)
	}
	return aws.ToString(out.Subnet.SubnetId)
}

func (f *netFixture) attachedIGW(vpcID string) string {
	f.t.Helper()
	ctx := testCtx(f.t)
	out := must[*ec2.CreateInternetGatewayOutput](f.t)(f.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{}))
	id := aws.ToString(out.InternetGateway.InternetGatewayId)
	must[*ec2.AttachInternetGatewayOutput](f.t)(f.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpcID)}))
	return id
}

func (f *netFixture) eip() (allocID, publicIP string) {
	f.t.Helper()
	out := must[*ec2.AllocateAddressOutput](f.t)(f.ec2.AllocateAddress(testCtx(f.t), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))
	return aws.ToString(out.AllocationId), aws.ToString(out.PublicIp)
}

func (f *netFixture) group(vpcID, name string) string {
	f.t.Helper()
	out, err := f.ec2.CreateSecurityGroup(testCtx(f.t), &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpcID), GroupName: aws.String(name), Description: aws.String(name + " group")})
	if err != nil {
		f.t.Fatalf("CreateSecurityGroup %s: %v", name, err)
	}
	return aws.ToString(out.GroupId)
}

// withRegion runs f on the sandbox's world under its lock, for the
// cross-service functions other services call (createENI, admits, ...).
func (f *netFixture) withRegion(region string, fn func(r *Region)) {
	f.Sandbox.mu.Lock()
	defer f.Sandbox.mu.Unlock()
	fn(f.Sandbox.world.region(region))
}

func inventoryTypes(items []InventoryItem) map[string]int {
	out := map[string]int{}
	for _, it := range items {
		out[it.Type]++
	}
	return out
}
