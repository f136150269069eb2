package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// TestDenyAnswersEachProtocolsAccessDenied denies one action per service
// and calls it through the real SDK client: each must come back as that
// service's own access-denied error (code and HTTP status as AWS sends
// them), name the IAM action, and be sent once (no retry). CloudWatch's
// body says AccessDeniedException, but the client is AWS query
// compatible and reports the X-Amzn-Query-Error code, AccessDenied, as
// it would from AWS.
func TestDenyAnswersEachProtocolsAccessDenied(t *testing.T) {
	cases := []struct {
		name, deny, service, op string
		code                    string
		status                  int
		action                  string // as the message names it
		call                    func(context.Context, sdk.Config) error
	}{
		{"ec2 query", "ec2:RunInstances", "ec2", "RunInstances", "UnauthorizedOperation", 403, "ec2:RunInstances",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdk.String("ami-1"), MinCount: sdk.Int32(1), MaxCount: sdk.Int32(1), InstanceType: ec2types.InstanceTypeT3Micro})
				return err
			}},
		{"iam query", "iam:List*", "iam", "ListRoles", "AccessDenied", 403, "iam:ListRoles",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := iam.NewFromConfig(cfg).ListRoles(ctx, &iam.ListRolesInput{})
				return err
			}},
		{"sts query", "sts:GetCallerIdentity", "sts", "GetCallerIdentity", "AccessDenied", 403, "sts:GetCallerIdentity",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
				return err
			}},
		{"elbv2 query", "elasticloadbalancing:*", "elasticloadbalancing", "DescribeLoadBalancers", "AccessDenied", 403, "elasticloadbalancing:DescribeLoadBalancers",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := elb.NewFromConfig(cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
				return err
			}},
		{"autoscaling query", "autoscaling:Describe*", "autoscaling", "DescribeAutoScalingGroups", "AccessDenied", 403, "autoscaling:DescribeAutoScalingGroups",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
				return err
			}},
		{"sns query", "sns:ListTopics", "sns", "ListTopics", "AuthorizationError", 403, "SNS:ListTopics",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
				return err
			}},
		{"acm json", "acm:*", "acm", "ListCertificates", "AccessDeniedException", 400, "acm:ListCertificates",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := acm.NewFromConfig(cfg).ListCertificates(ctx, &acm.ListCertificatesInput{})
				return err
			}},
		{"ssm json", "ssm:GetParameter", "ssm", "GetParameter", "AccessDeniedException", 400, "ssm:GetParameter",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: sdk.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
				return err
			}},
		{"cloudwatch cbor", "monitoring:*", "monitoring", "DescribeAlarms", "AccessDenied", 403, "cloudwatch:DescribeAlarms",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
				return err
			}},
		{"cloudwatch by its IAM prefix", "cloudwatch:DescribeAlarms", "monitoring", "DescribeAlarms", "AccessDenied", 403, "cloudwatch:DescribeAlarms",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := cloudwatch.NewFromConfig(cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
				return err
			}},
		{"route53 rest-xml", "route53:ListHostedZones", "route53", "ListHostedZones", "AccessDenied", 403, "route53:ListHostedZones",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := route53.NewFromConfig(cfg).ListHostedZones(ctx, &route53.ListHostedZonesInput{})
				return err
			}},
		{"case-insensitive like IAM", "EC2:runinstances", "ec2", "RunInstances", "UnauthorizedOperation", 403, "ec2:RunInstances",
			func(ctx context.Context, cfg sdk.Config) error {
				_, err := ec2.NewFromConfig(cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdk.String("ami-1"), MinCount: sdk.Int32(1), MaxCount: sdk.Int32(1)})
				return err
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb := newTestSandbox(t)
			if err := sb.SetFaults(Faults{Deny: []string{tc.deny}}); err != nil {
				t.Fatalf("SetFaults: %v", err)
			}
			err := tc.call(testCtx(t), sb.Cfg)
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("want an API error, got %v", err)
			}
			if ae.ErrorCode() != tc.code {
				t.Errorf("ErrorCode() = %q, want %q (%v)", ae.ErrorCode(), tc.code, err)
			}
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Errorf("HTTP status: want %d, got %v", tc.status, err)
			}
			want := "User: " + CallerARN + " is not authorized to perform: " + tc.action + " on resource: "
			if !strings.Contains(ae.ErrorMessage(), want) {
				t.Errorf("message %q does not contain %q", ae.ErrorMessage(), want)
			}
			if tc.service == "ec2" && !strings.HasPrefix(ae.ErrorMessage(), "You are not authorized to perform this operation. ") ||
				tc.service == "ec2" && !strings.Contains(ae.ErrorMessage(), "Encoded authorization failure message: ") {
				t.Errorf("EC2 message %q lacks AWS's framing", ae.ErrorMessage())
			}
			if n := sb.Stats().ByService[tc.service][tc.op]; n != 1 {
				t.Errorf("%s:%s served %d times; access denied must not be retried", tc.service, tc.op, n)
			}
		})
	}
}

// TestDenyLeavesOtherActionsAlone: a pattern refuses what it matches and
// nothing else.
func TestDenyLeavesOtherActionsAlone(t *testing.T) {
	sb := newTestSandbox(t)
	if err := sb.SetFaults(Faults{Deny: []string{"ec2:RunInstances", "ec2:Create?pc"}}); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	ec := ec2.NewFromConfig(sb.Cfg)
	if _, err := ec.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs is not denied, got %v", err)
	}
	if _, err := ec.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdk.String("10.0.0.0/16")}); !isCode(err, "UnauthorizedOperation") {
		t.Errorf("CreateVpc under ec2:Create?pc: want UnauthorizedOperation, got %v", err)
	}
	if _, err := ec.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: sdk.String("vpc-1"), CidrBlock: sdk.String("10.0.0.0/24")}); isCode(err, "UnauthorizedOperation") {
		t.Errorf("CreateSubnet is not denied, got %v", err)
	}
	if _, err := sts.NewFromConfig(sb.Cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("another service is not denied, got %v", err)
	}
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// TestDenyThroughTheControlEndpoint: deny is set, shown and cleared over
// HTTP, and a bad pattern is refused with the reason.
func TestDenyThroughTheControlEndpoint(t *testing.T) {
	sb := newTestSandbox(t)
	post := func(path, body string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(sb.URL+path, "application/json", bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	getDeny := func() []any {
		t.Helper()
		resp, err := http.Get(sb.URL + "/_sandbox/faults")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET /_sandbox/faults: %d", resp.StatusCode)
		}
		var out struct {
			Faults map[string]any `json:"faults"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
		d, _ := out.Faults["deny"].([]any)
		return d
	}
	if code, out := post("/_sandbox/faults", `{"deny": ["ec2:RunInstances", "monitoring:*"]}`); code != 200 {
		t.Fatalf("POST faults: %d %v", code, out)
	}
	if d := getDeny(); len(d) != 2 || d[0] != "ec2:RunInstances" || d[1] != "monitoring:*" {
		t.Errorf("GET faults deny = %v", d)
	}
	_, err := cloudwatch.NewFromConfig(sb.Cfg).DescribeAlarms(testCtx(t), &cloudwatch.DescribeAlarmsInput{})
	if !isCode(err, "AccessDenied") {
		t.Errorf("monitoring:* set over HTTP: want AccessDenied, got %v", err)
	}
	for _, bad := range []string{`"ec2"`, `"dynamodb:GetItem"`, `"ec2:Run Instances"`, `":*"`} {
		code, out := post("/_sandbox/faults", `{"deny": [`+bad+`]}`)
		if code != 400 || !strings.Contains(out["error"].(string), "deny") {
			t.Errorf("deny %s: want 400 naming deny, got %d %v", bad, code, out)
		}
	}
	if d := getDeny(); len(d) != 2 {
		t.Errorf("a refused body must leave the faults in force, got deny %v", d)
	}
	if code, _ := post("/_sandbox/reset", `{}`); code != 200 {
		t.Fatal("reset failed")
	}
	if d := getDeny(); len(d) != 0 {
		t.Errorf("reset must clear deny, got %v", d)
	}
	if _, err := cloudwatch.NewFromConfig(sb.Cfg).DescribeAlarms(testCtx(t), &cloudwatch.DescribeAlarmsInput{}); err != nil {
		t.Errorf("after reset DescribeAlarms must work, got %v", err)
	}
}
