package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// LoadBalancing wraps the elasticloadbalancingv2 calls stackwiz makes: one
// internet-facing Application Load Balancer, its target group and its
// listeners. Listener and target-group calls are in loadbalancing_listeners.go.
type LoadBalancing struct{ api loadBalancingAPI }

// loadBalancingAPI lists only the SDK methods LoadBalancing calls.
type loadBalancingAPI interface {
	CreateLoadBalancer(context.Context, *elb.CreateLoadBalancerInput, ...func(*elb.Options)) (*elb.CreateLoadBalancerOutput, error)
	DescribeLoadBalancers(context.Context, *elb.DescribeLoadBalancersInput, ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
	DeleteLoadBalancer(context.Context, *elb.DeleteLoadBalancerInput, ...func(*elb.Options)) (*elb.DeleteLoadBalancerOutput, error)
	DescribeLoadBalancerAttributes(context.Context, *elb.DescribeLoadBalancerAttributesInput, ...func(*elb.Options)) (*elb.DescribeLoadBalancerAttributesOutput, error)
	ModifyLoadBalancerAttributes(context.Context, *elb.ModifyLoadBalancerAttributesInput, ...func(*elb.Options)) (*elb.ModifyLoadBalancerAttributesOutput, error)
	CreateTargetGroup(context.Context, *elb.CreateTargetGroupInput, ...func(*elb.Options)) (*elb.CreateTargetGroupOutput, error)
	DescribeTargetGroups(context.Context, *elb.DescribeTargetGroupsInput, ...func(*elb.Options)) (*elb.DescribeTargetGroupsOutput, error)
	ModifyTargetGroup(context.Context, *elb.ModifyTargetGroupInput, ...func(*elb.Options)) (*elb.ModifyTargetGroupOutput, error)
	DescribeTargetGroupAttributes(context.Context, *elb.DescribeTargetGroupAttributesInput, ...func(*elb.Options)) (*elb.DescribeTargetGroupAttributesOutput, error)
	ModifyTargetGroupAttributes(context.Context, *elb.ModifyTargetGroupAttributesInput, ...func(*elb.Options)) (*elb.ModifyTargetGroupAttributesOutput, error)
	DeleteTargetGroup(context.Context, *elb.DeleteTargetGroupInput, ...func(*elb.Options)) (*elb.DeleteTargetGroupOutput, error)
	DescribeTargetHealth(context.Context, *elb.DescribeTargetHealthInput, ...func(*elb.Options)) (*elb.DescribeTargetHealthOutput, error)
	CreateListener(context.Context, *elb.CreateListenerInput, ...func(*elb.Options)) (*elb.CreateListenerOutput, error)
	DescribeListeners(context.Context, *elb.DescribeListenersInput, ...func(*elb.Options)) (*elb.DescribeListenersOutput, error)
	ModifyListener(context.Context, *elb.ModifyListenerInput, ...func(*elb.Options)) (*elb.ModifyListenerOutput, error)
	DeleteListener(context.Context, *elb.DeleteListenerInput, ...func(*elb.Options)) (*elb.DeleteListenerOutput, error)
	DescribeTags(context.Context, *elb.DescribeTagsInput, ...func(*elb.Options)) (*elb.DescribeTagsOutput, error)
	AddTags(context.Context, *elb.AddTagsInput, ...func(*elb.Options)) (*elb.AddTagsOutput, error)
	RemoveTags(context.Context, *elb.RemoveTagsInput, ...func(*elb.Options)) (*elb.RemoveTagsOutput, error)
	DescribeSSLPolicies(context.Context, *elb.DescribeSSLPoliciesInput, ...func(*elb.Options)) (*elb.DescribeSSLPoliciesOutput, error)
	SetIpAddressType(context.Context, *elb.SetIpAddressTypeInput, ...func(*elb.Options)) (*elb.SetIpAddressTypeOutput, error)
}

// LoadBalancer is an Application Load Balancer as DescribeLoadBalancers
// reports it.
type LoadBalancer struct {
	ARN     string
	Name    string
	DNSName string
	// CanonicalZoneID is the Route 53 zone AWS serves the DNS name from:
	// an alias record to the load balancer must name it.
	CanonicalZoneID string
	State           string // provisioning, active, active_impaired, failed
	StateReason     string
	Scheme          string
	IPAddressType   string // ipv4, dualstack, dualstack-without-public-ipv4
	VPCID           string
	Subnets         []string
	AZs             []string
	SecurityGroups  []string
}

// LoadBalancerInput is what CreateLoadBalancer is given.
type LoadBalancerInput struct {
	Name           string
	Subnets        []string
	SecurityGroups []string
	// IPAddressType is ipv4 (when empty) or dualstack, which needs subnets
	// with IPv6 blocks.
	IPAddressType string
	Tags          map[string]string
}

func elbTags(tags map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	return out
}

func loadBalancerFrom(lb types.LoadBalancer) LoadBalancer {
	out := LoadBalancer{
		ARN: deref(lb.LoadBalancerArn), Name: deref(lb.LoadBalancerName), DNSName: deref(lb.DNSName),
		CanonicalZoneID: deref(lb.CanonicalHostedZoneId), Scheme: string(lb.Scheme),
		IPAddressType: string(lb.IpAddressType), VPCID: deref(lb.VpcId), SecurityGroups: lb.SecurityGroups,
	}
	if lb.State != nil {
		out.State, out.StateReason = string(lb.State.Code), deref(lb.State.Reason)
	}
	for _, az := range lb.AvailabilityZones {
		out.Subnets = append(out.Subnets, deref(az.SubnetId))
		out.AZs = append(out.AZs, deref(az.ZoneName))
	}
	return out
}

// CreateLoadBalancer creates an internet-facing Application Load
// Balancer (IPv4, or dualstack), tagged at creation. AWS answers a repeated call with the same
// name and settings with the existing load balancer.
func (l *LoadBalancing) CreateLoadBalancer(ctx context.Context, in LoadBalancerInput) (LoadBalancer, error) {
	out, err := l.api.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{
		Name:           sdk.String(in.Name),
		Type:           types.LoadBalancerTypeEnumApplication,
		Scheme:         types.LoadBalancerSchemeEnumInternetFacing,
		IpAddressType:  types.IpAddressType(netFirst(in.IPAddressType, string(types.IpAddressTypeIpv4))),
		Subnets:        in.Subnets,
		SecurityGroups: in.SecurityGroups,
		Tags:           elbTags(in.Tags),
	})
	if err != nil {
		return LoadBalancer{}, fmt.Errorf("create load balancer %s: %w", in.Name, err)
	}
	if len(out.LoadBalancers) == 0 {
		return LoadBalancer{}, fmt.Errorf("create load balancer %s: AWS returned no load balancer", in.Name)
	}
	return loadBalancerFrom(out.LoadBalancers[0]), nil
}

// LoadBalancer returns the load balancer with arn; found is false when it
// does not exist.
func (l *LoadBalancing) LoadBalancer(ctx context.Context, arn string) (LoadBalancer, bool, error) {
	out, err := l.api.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if IsNotFound(err) {
		return LoadBalancer{}, false, nil
	}
	if err != nil {
		return LoadBalancer{}, false, fmt.Errorf("describe load balancer %s: %w", arn, err)
	}
	if len(out.LoadBalancers) == 0 {
		return LoadBalancer{}, false, nil
	}
	return loadBalancerFrom(out.LoadBalancers[0]), true, nil
}

// LoadBalancerNamed returns the load balancer called name, if any.
func (l *LoadBalancing) LoadBalancerNamed(ctx context.Context, name string) (LoadBalancer, bool, error) {
	out, err := l.api.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{name}})
	if IsNotFound(err) {
		return LoadBalancer{}, false, nil
	}
	if err != nil {
		return LoadBalancer{}, false, fmt.Errorf("describe load balancer %s: %w", name, err)
	}
	if len(out.LoadBalancers) == 0 {
		return LoadBalancer{}, false, nil
	}
	return loadBalancerFrom(out.LoadBalancers[0]), true, nil
}

// LoadBalancers returns every load balancer of the region.
func (l *LoadBalancing) LoadBalancers(ctx context.Context) ([]LoadBalancer, error) {
	var out []LoadBalancer
	p := elb.NewDescribeLoadBalancersPaginator(l.api, &elb.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe load balancers: %w", err)
		}
		for _, lb := range page.LoadBalancers {
			out = append(out, loadBalancerFrom(lb))
		}
	}
	return out, nil
}

// DeleteLoadBalancer deletes the load balancer and its listeners. Its
// network interfaces linger for a few minutes after.
func (l *LoadBalancing) DeleteLoadBalancer(ctx context.Context, arn string) error {
	if _, err := l.api.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: sdk.String(arn)}); err != nil {
		return fmt.Errorf("delete load balancer %s: %w", arn, err)
	}
	return nil
}

// Tags returns the tags of each resource in arns, twenty ARNs a request
// (the most DescribeTags takes). A resource deleted meanwhile is left out.
func (l *LoadBalancing) Tags(ctx context.Context, arns []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(arns))
	for start := 0; start < len(arns); start += 20 {
		batch := arns[start:min(start+20, len(arns))]
		page, err := l.api.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: batch})
		if IsNotFound(err) && len(batch) > 1 {
			// One of them went away between the listing and now: ask one by one.
			for _, arn := range batch {
				one, err := l.Tags(ctx, []string{arn})
				if err != nil {
					return nil, err
				}
				maps.Copy(out, one)
			}
			continue
		}
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("describe tags: %w", err)
		}
		for _, d := range page.TagDescriptions {
			tags := map[string]string{}
			for _, t := range d.Tags {
				tags[deref(t.Key)] = deref(t.Value)
			}
			out[deref(d.ResourceArn)] = tags
		}
	}
	return out, nil
}

// AddTags adds or replaces tags on a load balancer, target group or listener.
func (l *LoadBalancing) AddTags(ctx context.Context, arn string, tags map[string]string) error {
	if _, err := l.api.AddTags(ctx, &elb.AddTagsInput{ResourceArns: []string{arn}, Tags: elbTags(tags)}); err != nil {
		return fmt.Errorf("tag %s: %w", arn, err)
	}
	return nil
}

// RemoveTags removes the tags with keys.
func (l *LoadBalancing) RemoveTags(ctx context.Context, arn string, keys ...string) error {
	if _, err := l.api.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: []string{arn}, TagKeys: keys}); err != nil {
		return fmt.Errorf("untag %s: %w", arn, err)
	}
	return nil
}

// SSLPolicyExists reports whether the region offers the TLS security policy.
func (l *LoadBalancing) SSLPolicyExists(ctx context.Context, name string) (bool, error) {
	out, err := l.api.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{Names: []string{name}})
	if IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("describe TLS policy %s: %w", name, err)
	}
	return len(out.SslPolicies) > 0, nil
}

// SetIPAddressType changes a load balancer between ipv4 and dualstack in
// place (SetIpAddressType: "You can set the IP address type when you create
// the load balancer and update it at any time").
func (l *LoadBalancing) SetIPAddressType(ctx context.Context, arn, ipType string) error {
	_, err := l.api.SetIpAddressType(ctx, &elb.SetIpAddressTypeInput{LoadBalancerArn: sdk.String(arn), IpAddressType: types.IpAddressType(ipType)})
	if err != nil {
		return fmt.Errorf("set the IP address type of %s to %s: %w", arn, ipType, err)
	}
	return nil
}
