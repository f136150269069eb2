package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// probe is one cheap read that shows whether the endpoint speaks a
// service's wire protocol.
type probe struct {
	service  string // as people know it
	action   string // the IAM action, which names the operation
	protocol string
	call     func(context.Context) error
}

// probes are one read per service stackwiz uses, each answered by an
// empty account too.
func (d *doctor) probes() []probe {
	cfg := d.cfg
	return []probe{
		{"EC2", "ec2:DescribeAvailabilityZones", "EC2 query", func(ctx context.Context) error {
			_, err := ec2.NewFromConfig(cfg).DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
			return err
		}},
		{"Elastic Load Balancing", "elasticloadbalancing:DescribeLoadBalancers", "AWS query", func(ctx context.Context) error {
			_, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{PageSize: sdk.Int32(1)})
			return err
		}},
		{"Auto Scaling", "autoscaling:DescribeAutoScalingGroups", "AWS query", func(ctx context.Context) error {
			_, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: sdk.Int32(1)})
			return err
		}},
		{"IAM", "iam:ListRoles", "AWS query", func(ctx context.Context) error {
			_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{MaxItems: sdk.Int32(1)})
			return err
		}},
		{"Route 53", "route53:ListHostedZones", "REST-XML", func(ctx context.Context) error {
			_, err := route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{MaxItems: sdk.Int32(1)})
			return err
		}},
		{"ACM", "acm:ListCertificates", "JSON 1.1", func(ctx context.Context) error {
			_, err := acm.NewFromConfig(cfg).ListCertificates(ctx, &acm.ListCertificatesInput{MaxItems: sdk.Int32(1)})
			return err
		}},
		{"CloudWatch", "cloudwatch:DescribeAlarms", "Smithy RPC v2 CBOR", func(ctx context.Context) error {
			_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{MaxRecords: sdk.Int32(1)})
			return err
		}},
		{"SNS", "sns:ListTopics", "AWS query", func(ctx context.Context) error {
			_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
			return err
		}},
		{"SSM", "ssm:GetParameter", "JSON 1.1", func(ctx context.Context) error {
			// The public parameter stackwiz reads for the latest image;
			// ParameterNotFound still proves the protocol.
			_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: sdk.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
			return err
		}},
		{"KMS", "kms:ListKeys", "JSON 1.1", func(ctx context.Context) error {
			_, err := kms.NewFromConfig(cfg).ListKeys(ctx, &kms.ListKeysInput{Limit: sdk.Int32(1)})
			return err
		}},
		{"STS", "sts:GetCallerIdentity", "AWS query", func(ctx context.Context) error {
			_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		}},
	}
}

// protocols runs every probe at once and grades each answer.
func (d *doctor) protocols(ctx context.Context) []Check {
	ps := d.probes()
	checks := make([]Check, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := d.call(ctx)
			defer cancel()
			checks[i] = d.gradeProbe(p, p.call(cctx))
		}()
	}
	wg.Wait()
	return checks
}

// isUnknownOperation reports whether err is an endpoint saying it lacks
// the operation.
func isUnknownOperation(err error) bool {
	return IsCode(err, "InvalidAction", "UnknownOperationException", "UnknownOperation", "NotImplemented",
		"NotImplementedException", "UnsupportedOperation")
}

// gradeProbe turns a probe's outcome into a check. The endpoint speaks
// the protocol when it answers with data or with an error in the
// service's own shape (ParameterNotFound is a fine answer); it does not
// when the answer cannot be read, names the operation unknown, or is a
// 404 or a 5xx. Access denied is reported apart: the protocol is there,
// the permission is not.
func (d *doctor) gradeProbe(p probe, err error) Check {
	c := Check{Name: "endpoint " + p.service}
	status := 0
	var re *awshttp.ResponseError
	if answered(err) && errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	notServed := fmt.Sprintf("stackwiz's %s steps cannot run against %s; use AWS or an endpoint that implements %s", p.service, d.where(), p.action)
	switch {
	case err == nil:
		c.Status, c.Detail = StatusOK, fmt.Sprintf("answers %s (%s)", opName(p.action), p.protocol)
	case IsAccessDenied(err):
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s speaks %s but refuses %s: access denied", p.service, p.protocol, p.action)
		c.Fix = fmt.Sprintf("%s denied — allow it in your IAM policy (%s)", p.action, policyFixRef)
	case IsAuthFailure(err):
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s refuses the credentials for %s: %s", p.service, p.action, Code(err))
		c.Fix = "renew the credentials (`aws sso login`, `aws configure`) and check the clock"
	case isUnknownOperation(err):
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s does not implement %s %s (%s): %s", d.where(), p.service, opName(p.action), p.protocol, Code(err))
		c.Fix = notServed
	case Code(err) != "" && status != 404 && status < 500:
		c.Status, c.Detail = StatusOK, fmt.Sprintf("answers %s (%s), with %s", opName(p.action), p.protocol, Code(err))
	case Code(err) != "":
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s answers %s %s with HTTP %d %s", d.where(), p.service, opName(p.action), status, Code(err))
		c.Fix = notServed
	case status != 0:
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("%s answers %s %s with HTTP %d in a form that is not %s (%s)", d.where(), p.service, opName(p.action), status, p.protocol, shortReason(err))
		c.Fix = notServed
	default:
		c.Status = StatusFail
		c.Detail = fmt.Sprintf("no answer from %s to %s %s: %s", d.where(), p.service, opName(p.action), firstLine(err.Error()))
		c.Fix = "check the network and --endpoint-url"
	}
	return c
}

// shortReason is the tail of an SDK error that says what went wrong,
// without the operation and request id the SDK puts in front.
func shortReason(err error) string {
	msg := firstLine(err.Error())
	if i := strings.LastIndex(msg, "deserialization failed"); i >= 0 {
		return msg[i:]
	}
	if i := strings.LastIndex(msg, "api error "); i >= 0 {
		return msg[i+len("api error "):]
	}
	return msg
}

// opName is the operation of an IAM action: "DescribeAlarms".
func opName(action string) string {
	_, op, _ := strings.Cut(action, ":")
	return op
}
