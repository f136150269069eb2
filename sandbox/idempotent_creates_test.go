package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// A create repeated after a lost answer must not make a second resource
// where AWS documents the call as idempotent.

func TestCreateRouteTableHonoursItsClientToken(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	other := f.vpc("10.1.0.0/16")
	create := func(vpc, token string) (*ec2.CreateRouteTableOutput, error) {
		in := &ec2.CreateRouteTableInput{VpcId: aws.String(vpc), TagSpecifications: tagSpec(types.ResourceTypeRouteTable, "Name", "public")}
		if token != "" {
			in.ClientToken = aws.String(token)
		}
		return f.ec2.CreateRouteTable(ctx, in)
	}
	first := must[*ec2.CreateRouteTableOutput](t)(create(vpcID, "tok-1"))
	again := must[*ec2.CreateRouteTableOutput](t)(create(vpcID, "tok-1"))
	id := aws.ToString(first.RouteTable.RouteTableId)
	if got := aws.ToString(again.RouteTable.RouteTableId); got != id || aws.ToString(again.ClientToken) != "tok-1" {
		t.Fatalf("repeat with the same token answered %s (token %q), want %s", got, aws.ToString(again.ClientToken), id)
	}
	_, err := create(other, "tok-1")
	wantCode(t, err, "IdempotentParameterMismatch")
	fresh := must[*ec2.CreateRouteTableOutput](t)(create(vpcID, "tok-2"))
	if aws.ToString(fresh.RouteTable.RouteTableId) == id {
		t.Fatalf("a new token answered the first table %s", id)
	}
	tables := must[*ec2.DescribeRouteTablesOutput](t)(f.ec2.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{
		Filters: []types.Filter{filter("vpc-id", vpcID), filter("tag:Name", "public")}}))
	if n := len(tables.RouteTables); n != 2 {
		t.Fatalf("VPC %s holds %d tagged route tables after two tokens and a repeat, want 2", vpcID, n)
	}
}

func TestCreateListenerWithTheSameSettingsAnswersTheExistingListener(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app")
	first := f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	again := f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	if aws.ToString(again.ListenerArn) != aws.ToString(first.ListenerArn) {
		t.Fatalf("an identical CreateListener answered %s, want the existing %s", aws.ToString(again.ListenerArn), aws.ToString(first.ListenerArn))
	}
	ls := must[*elb.DescribeListenersOutput](t)(f.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if len(ls.Listeners) != 1 {
		t.Fatalf("load balancer has %d listeners after an identical repeat, want 1", len(ls.Listeners))
	}
	_, err := f.elb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("503")}}}})
	wantCode(t, err, "DuplicateListener")
}
