package sandbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// The whole path the product depends on: a group registers its instances,
// the load balancer finds them healthy, and an instance whose app fails is
// found unhealthy by the load balancer and replaced by the group.
func TestAutoScalingInstancesBecomeHealthyTargetsAndFailingOnesAreReplaced(t *testing.T) {
	w := newASGWorld(t, realistic)
	api := elb.NewFromConfig(w.Cfg)
	// Default security groups admit their own members, so the load balancer
	// and the instances, all in the VPC's default group, can talk.
	lb := must[*elb.CreateLoadBalancerOutput](t)(api.CreateLoadBalancer(w.ctx, &elb.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: w.subnets})).LoadBalancers[0]
	tg := must[*elb.CreateTargetGroupOutput](t)(api.CreateTargetGroup(w.ctx, &elb.CreateTargetGroupInput{Name: aws.String("web"),
		Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(appPort), VpcId: aws.String(w.vpc),
		HealthCheckIntervalSeconds: aws.Int32(10), HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(2)})).TargetGroups[0]
	must[*elb.CreateListenerOutput](t)(api.CreateListener(w.ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp,
		Port: aws.Int32(80), DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroupArn}}}))
	w.createGroup("web", 2, 2, 4, func(in *autoscaling.CreateAutoScalingGroupInput) {
		in.TargetGroupARNs = []string{aws.ToString(tg.TargetGroupArn)}
		in.HealthCheckType = aws.String("ELB")
		in.HealthCheckGracePeriod = aws.Int32(120)
	})

	healthy := func() map[string]bool {
		out := must[*elb.DescribeTargetHealthOutput](t)(api.DescribeTargetHealth(w.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn}))
		ids := map[string]bool{}
		for _, d := range out.TargetHealthDescriptions {
			if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
				ids[aws.ToString(d.Target.Id)] = true
			}
		}
		return ids
	}
	waitFor := func(what string, limit time.Duration, done func() bool) {
		t.Helper()
		for waited := time.Duration(0); !done(); waited += 10 * time.Second {
			if waited > limit {
				t.Fatalf("%s: not after %s", what, limit)
			}
			w.Advance(10 * time.Second)
		}
	}
	// 180 s of provisioning, 80 s of boot, 20 s of checks.
	waitFor("two healthy targets", 6*time.Minute, func() bool { return len(healthy()) == 2 })

	var failing string
	for id := range healthy() {
		failing = id
		break
	}
	if err := w.SetAppHealth(failing, false); err != nil {
		t.Fatal(err)
	}
	waitFor("the failing instance replaced by a healthy one", 10*time.Minute, func() bool {
		h := healthy()
		return len(h) == 2 && !h[failing]
	})
	for _, in := range w.group("web").Instances {
		if aws.ToString(in.InstanceId) == failing && in.LifecycleState == "InService" {
			t.Errorf("the instance that failed its health checks is still in service")
		}
	}
}
