package aws

import (
	"context"
	"fmt"
	"strconv"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

type quotaEC2API interface {
	DescribeAccountAttributes(context.Context, *ec2.DescribeAccountAttributesInput, ...func(*ec2.Options)) (*ec2.DescribeAccountAttributesOutput, error)
	DescribeAddresses(context.Context, *ec2.DescribeAddressesInput, ...func(*ec2.Options)) (*ec2.DescribeAddressesOutput, error)
	DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
}

type quotaELBAPI interface {
	DescribeLoadBalancers(context.Context, *elb.DescribeLoadBalancersInput, ...func(*elb.Options)) (*elb.DescribeLoadBalancersOutput, error)
}

type billingAPI interface {
	ListMetrics(context.Context, *cloudwatch.ListMetricsInput, ...func(*cloudwatch.Options)) (*cloudwatch.ListMetricsOutput, error)
}

// Default per-region quotas of a new account. Service Quotas (which knows
// the account's real values) is not among the SDK modules stackwiz uses,
// so these defaults are compared with what is in use, and the detail
// says they are defaults.
//   - Elastic IP addresses: 5 per region (EC2 User Guide, "Elastic IP
//     address quota"); EC2's DescribeAccountAttributes vpc-max-elastic-ips
//     gives the account's real value and is preferred.
//   - VPCs: 5 per region (Amazon VPC quotas).
//   - Application Load Balancers: 50 per region (ELB quotas).
const (
	defaultEIPQuota = 5
	defaultVPCQuota = 5
	defaultALBQuota = 50
	// vcpuQuotaURL is the Service Quotas page of "Running On-Demand
	// Standard (A, C, D, H, I, M, R, T, Z) instances" (L-1216C47A).
	vcpuQuotaURL = "https://console.aws.amazon.com/servicequotas/home/services/ec2/quotas/L-1216C47A"
)

// quotas compares what the region has in use with the quotas a stack
// commonly runs into: Elastic IPs (one per NAT gateway), VPCs, load
// balancers, and On-Demand vCPUs.
func (d *doctor) quotas(ctx context.Context) []Check {
	ec := ec2.NewFromConfig(d.cfg)
	return []Check{
		d.eipQuota(ctx, ec),
		d.vpcQuota(ctx, ec),
		d.albQuota(ctx, elb.NewFromConfig(d.cfg)),
		{Name: "quota On-Demand vCPUs", Status: StatusWarn,
			Detail: "unknown: the vCPU quota is only in Service Quotas, which stackwiz does not query; new accounts may start low",
			Fix:    "check \"Running On-Demand Standard instances\" at " + vcpuQuotaURL + " (min × vCPUs of instance.type must fit)"},
	}
}

// usage grades used against limit: fail when nothing is left for the
// stack's next resource, warn when fewer than want are left.
func usage(name string, used, limit, want int, limitFrom, fix string) Check {
	c := Check{Name: name, Detail: fmt.Sprintf("%d of %d in use (%s)", used, limit, limitFrom)}
	switch free := limit - used; {
	case free <= 0:
		c.Status, c.Fix = StatusFail, fix
	case free < want:
		c.Status, c.Fix = StatusWarn, fix
	default:
		c.Status = StatusOK
	}
	return c
}

// quotaUnknown is the check for a count that could not be read.
func quotaUnknown(name, action string, err error) Check {
	if IsAccessDenied(err) {
		return Check{Name: name, Status: StatusWarn, Detail: "unknown: " + action + " denied", Fix: "allow " + action + " (" + policyFixRef + ")"}
	}
	return Check{Name: name, Status: StatusWarn, Detail: "unknown: " + action + " failed: " + shortReason(err), Fix: "see the endpoint checks below"}
}

func (d *doctor) eipQuota(ctx context.Context, api quotaEC2API) Check {
	const name = "quota Elastic IPs"
	limit, from := defaultEIPQuota, "default quota"
	cctx, cancel := d.call(ctx)
	attrs, err := api.DescribeAccountAttributes(cctx, &ec2.DescribeAccountAttributesInput{}) // all: the name filter accepts only two names
	cancel()
	if err == nil {
		for _, a := range attrs.AccountAttributes {
			if sdk.ToString(a.AttributeName) == "vpc-max-elastic-ips" && len(a.AttributeValues) > 0 {
				if n, perr := strconv.Atoi(sdk.ToString(a.AttributeValues[0].AttributeValue)); perr == nil {
					limit, from = n, "the account's quota"
				}
			}
		}
	}
	cctx, cancel = d.call(ctx)
	defer cancel()
	out, err := api.DescribeAddresses(cctx, &ec2.DescribeAddressesInput{})
	if err != nil {
		return quotaUnknown(name, "ec2:DescribeAddresses", err)
	}
	// A single NAT gateway needs one address; nat: per-az one per AZ (up to 3).
	return usage(name, len(out.Addresses), limit, 3, from,
		"release Elastic IPs you no longer use, use nat: single, or request more in Service Quotas")
}

func (d *doctor) vpcQuota(ctx context.Context, api quotaEC2API) Check {
	const name = "quota VPCs"
	used := 0
	p := ec2.NewDescribeVpcsPaginator(api, &ec2.DescribeVpcsInput{})
	for p.HasMorePages() {
		cctx, cancel := d.call(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return quotaUnknown(name, "ec2:DescribeVpcs", err)
		}
		used += len(page.Vpcs)
	}
	return usage(name, used, defaultVPCQuota, 1, "default quota; yours may be higher",
		"delete an unused VPC, set network.vpc to default or an existing vpc-…, or request more in Service Quotas")
}

func (d *doctor) albQuota(ctx context.Context, api quotaELBAPI) Check {
	const name = "quota load balancers"
	used := 0
	p := elb.NewDescribeLoadBalancersPaginator(api, &elb.DescribeLoadBalancersInput{})
	for p.HasMorePages() {
		cctx, cancel := d.call(ctx)
		page, err := p.NextPage(cctx)
		cancel()
		if err != nil {
			return quotaUnknown(name, "elasticloadbalancing:DescribeLoadBalancers", err)
		}
		for _, lb := range page.LoadBalancers {
			if lb.Type == elbtypes.LoadBalancerTypeEnumApplication {
				used++
			}
		}
	}
	return usage(name, used, defaultALBQuota, 1, "Application Load Balancers, default quota",
		"delete unused load balancers or request more in Service Quotas")
}

// billing checks that AWS publishes the billing metric the billing alarm
// watches: AWS/Billing EstimatedCharges exists in us-east-1 only once
// "Receive CloudWatch billing alerts" is turned on.
func (d *doctor) billing(ctx context.Context) Check {
	const name = "billing alerts"
	cfg := d.cfg.Copy()
	cfg.Region = BillingRegion
	var api billingAPI = cloudwatch.NewFromConfig(cfg)
	cctx, cancel := d.call(ctx)
	defer cancel()
	out, err := api.ListMetrics(cctx, &cloudwatch.ListMetricsInput{
		Namespace: sdk.String("AWS/Billing"), MetricName: sdk.String("EstimatedCharges"),
	})
	switch {
	case IsAccessDenied(err):
		return Check{Name: name, Status: StatusWarn, Detail: "unknown: cloudwatch:ListMetrics denied in " + BillingRegion,
			Fix: "allow cloudwatch:ListMetrics (" + policyFixRef + ")"}
	case err != nil:
		return Check{Name: name, Status: StatusWarn, Detail: "unknown: CloudWatch ListMetrics in " + BillingRegion + " failed: " + shortReason(err),
			Fix: "see the CloudWatch endpoint check below"}
	case len(out.Metrics) == 0:
		return Check{Name: name, Status: StatusWarn, Detail: "AWS/Billing EstimatedCharges is not published in " + BillingRegion + ": a billing alarm would never fire",
			Fix: "enable billing alerts in Billing preferences (Billing and Cost Management → Billing preferences → Alert preferences → CloudWatch billing alerts)"}
	}
	return Check{Name: name, Status: StatusOK, Detail: "AWS/Billing EstimatedCharges is published in " + BillingRegion}
}
