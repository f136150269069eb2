package sandbox

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/smithy-go/middleware"
)

// elbFixture is a sandbox with a VPC of three subnets (one per AZ), a load
// balancer security group open on 80/443, an app group that admits the
// load balancer's group on the app port, and ELBv2 and ACM clients.
type elbFixture struct {
	*computeFixture
	elb     *elb.Client
	acm     *acm.Client
	vpcID   string
	subnets []string // us-east-1a, b, c
	lbSG    string
	appSG   string
}

const appPort = 3000

func newELBFixture(t *testing.T, opts ...func(*Options)) *elbFixture {
	t.Helper()
	f := &elbFixture{computeFixture: newComputeFixture(t, opts...)}
	f.elb = elb.NewFromConfig(f.Cfg)
	f.acm = acm.NewFromConfig(f.Cfg)
	f.vpcID = f.vpc("10.0.0.0/16")
	for i, az := range AZs("us-east-1") {
		f.subnets = append(f.subnets, f.subnet(f.vpcID, "10.0."+string(rune('1'+i))+".0/24", az))
	}
	f.lbSG = f.group(f.vpcID, "lb")
	f.appSG = f.group(f.vpcID, "app")
	ctx := testCtx(t)
	must[*ec2.AuthorizeSecurityGroupIngressOutput](t)(f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(f.lbSG),
		IpPermissions: []ec2types.IpPermission{
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
			{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}},
		},
	}))
	f.allowFromLB(f.appSG, appPort)
	return f
}

// allowFromLB lets the load balancer's group reach group on port.
func (f *elbFixture) allowFromLB(group string, port int32) {
	f.t.Helper()
	must[*ec2.AuthorizeSecurityGroupIngressOutput](f.t)(f.ec2.AuthorizeSecurityGroupIngress(testCtx(f.t), &ec2.AuthorizeSecurityGroupIngressInput{
		GroupId: aws.String(group),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(f.lbSG)}}}},
	}))
}

// loadBalancer creates an internet-facing ALB in the first two subnets.
func (f *elbFixture) loadBalancer(name string, mod ...func(*elb.CreateLoadBalancerInput)) elbtypes.LoadBalancer {
	f.t.Helper()
	in := &elb.CreateLoadBalancerInput{Name: aws.String(name), Subnets: f.subnets[:2], SecurityGroups: []string{f.lbSG}}
	for _, m := range mod {
		m(in)
	}
	out, err := f.elb.CreateLoadBalancer(testCtx(f.t), in)
	if err != nil {
		f.t.Fatalf("CreateLoadBalancer %s: %v", name, err)
	}
	return out.LoadBalancers[0]
}

// targetGroup creates an HTTP target group on the app port.
func (f *elbFixture) targetGroup(name string, mod ...func(*elb.CreateTargetGroupInput)) elbtypes.TargetGroup {
	f.t.Helper()
	in := &elb.CreateTargetGroupInput{Name: aws.String(name), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(appPort), VpcId: aws.String(f.vpcID)}
	for _, m := range mod {
		m(in)
	}
	out, err := f.elb.CreateTargetGroup(testCtx(f.t), in)
	if err != nil {
		f.t.Fatalf("CreateTargetGroup %s: %v", name, err)
	}
	return out.TargetGroups[0]
}

// forwardListener creates an HTTP listener on port that forwards to tg.
func (f *elbFixture) forwardListener(lbARN, tgARN string, port int32) elbtypes.Listener {
	f.t.Helper()
	out, err := f.elb.CreateListener(testCtx(f.t), &elb.CreateListenerInput{
		LoadBalancerArn: aws.String(lbARN), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(port),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}},
	})
	if err != nil {
		f.t.Fatalf("CreateListener: %v", err)
	}
	return out.Listeners[0]
}

// appInstance launches one instance in the first subnet with the given
// groups, and user data that starts the app.
func (f *elbFixture) appInstance(groups ...string) string {
	f.t.Helper()
	out := f.run(1, func(in *ec2.RunInstancesInput) {
		in.SubnetId = aws.String(f.subnets[0])
		in.SecurityGroupIds = groups
		in.UserData = aws.String(appUserData)
	})
	return aws.ToString(out.Instances[0].InstanceId)
}

// health returns the single target description of instance id in tg.
func (f *elbFixture) health(tgARN, id string) elbtypes.TargetHealth {
	f.t.Helper()
	out, err := f.elb.DescribeTargetHealth(testCtx(f.t), &elb.DescribeTargetHealthInput{
		TargetGroupArn: aws.String(tgARN), Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}},
	})
	if err != nil {
		f.t.Fatalf("DescribeTargetHealth: %v", err)
	}
	if len(out.TargetHealthDescriptions) != 1 {
		f.t.Fatalf("DescribeTargetHealth: %d descriptions, want 1", len(out.TargetHealthDescriptions))
	}
	return *out.TargetHealthDescriptions[0].TargetHealth
}

// wantHealth fails unless the target's state and reason are as given.
func (f *elbFixture) wantHealth(tgARN, id string, state elbtypes.TargetHealthStateEnum, reason elbtypes.TargetHealthReasonEnum, desc string) {
	f.t.Helper()
	h := f.health(tgARN, id)
	if h.State != state || h.Reason != reason || (desc != "" && aws.ToString(h.Description) != desc) {
		f.t.Fatalf("target health = %s/%s %q, want %s/%s %q", h.State, h.Reason, aws.ToString(h.Description), state, reason, desc)
	}
}

// countRequests counts the requests a client sends (a waiter's polls).
func countRequests(n *int) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("CountRequests",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				*n++
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}
}
