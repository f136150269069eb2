package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// LoadBalancing wraps the elasticloadbalancingv2 calls stackwiz makes.
type LoadBalancing struct{ api loadBalancingAPI }

// loadBalancingAPI lists only the SDK methods LoadBalancing calls.
type loadBalancingAPI interface {
	DescribeLoadBalancers(context.Context, *elasticloadbalancingv2.DescribeLoadBalancersInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeLoadBalancersOutput, error)
}
