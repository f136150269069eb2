package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Network wraps the ec2 calls stackwiz makes.
type Network struct{ api networkAPI }

// networkAPI lists only the SDK methods Network calls.
type networkAPI interface {
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
}
