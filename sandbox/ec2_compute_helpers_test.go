package sandbox

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go/middleware"
)

// computeFixture is a sandbox with EC2 and IAM clients.
type computeFixture struct {
	*netFixture
	iam *iam.Client
}

func newComputeFixture(t *testing.T, opts ...func(*Options)) *computeFixture {
	t.Helper()
	f := newNetFixture(t, opts...)
	return &computeFixture{netFixture: f, iam: iam.NewFromConfig(f.Cfg)}
}

// Built-in image ids of us-east-1, the region the test config uses.
var (
	al2023x86 = publicImageID("us-east-1", "al2023-ami-2023.9.20261103.0-kernel-6.1-x86_64")
	al2023arm = publicImageID("us-east-1", "al2023-ami-2023.9.20261103.0-kernel-6.1-arm64")
)

// run launches count instances of al2023 x86 with the given changes to the input.
func (f *computeFixture) run(count int32, mod ...func(*ec2.RunInstancesInput)) *ec2.RunInstancesOutput {
	f.t.Helper()
	in := &ec2.RunInstancesInput{ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(count), MaxCount: aws.Int32(count)}
	for _, m := range mod {
		m(in)
	}
	out, err := f.ec2.RunInstances(testCtx(f.t), in)
	if err != nil {
		f.t.Fatalf("RunInstances: %v", err)
	}
	return out
}

// instance describes one instance.
func (f *computeFixture) instance(id string) types.Instance {
	f.t.Helper()
	out, err := f.ec2.DescribeInstances(testCtx(f.t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		f.t.Fatalf("DescribeInstances %s: %v", id, err)
	}
	if len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
		f.t.Fatalf("DescribeInstances %s: %d reservations", id, len(out.Reservations))
	}
	return out.Reservations[0].Instances[0]
}

// advanceEachPoll makes sandbox time pass by step before every request a
// waiter sends, as the real delay between its polls would, so waiters run
// against the realistic profile in milliseconds.
func advanceEachPoll(ts *testSandbox, step time.Duration) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("SandboxAdvance",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				ts.Advance(step)
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}
