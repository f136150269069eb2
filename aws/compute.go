package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Compute wraps the ec2 calls stackwiz makes.
type Compute struct{ api computeAPI }

// computeAPI lists only the SDK methods Compute calls.
type computeAPI interface {
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
}
