package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// AutoScaling wraps the autoscaling calls stackwiz makes.
type AutoScaling struct{ api autoScalingAPI }

// autoScalingAPI lists only the SDK methods AutoScaling calls.
type autoScalingAPI interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
}
