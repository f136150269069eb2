package sandbox

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// targetGroup creates an internet-facing load balancer over the default
// subnets with an HTTP listener forwarding to a new target group.
func (w *asgWorld) targetGroup(name string, change ...func(*elbv2.CreateTargetGroupInput)) string {
	w.t.Helper()
	elb := elbv2.NewFromConfig(w.Cfg)
	lb, err := elb.CreateLoadBalancer(w.ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(name), Subnets: w.subnets})
	if err != nil {
		w.t.Fatalf("CreateLoadBalancer: %v", err)
	}
	in := &elbv2.CreateTargetGroupInput{Name: aws.String(name), Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp, VpcId: aws.String(w.vpc)}
	for _, f := range change {
		f(in)
	}
	tg, err := elb.CreateTargetGroup(w.ctx, in)
	if err != nil {
		w.t.Fatalf("CreateTargetGroup: %v", err)
	}
	arn := *tg.TargetGroups[0].TargetGroupArn
	if _, err := elb.CreateListener(w.ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(arn)}}}); err != nil {
		w.t.Fatalf("CreateListener: %v", err)
	}
	return arn
}

// targets returns the target group's targets and their states.
func (w *asgWorld) targets(arn string) map[string]string {
	w.t.Helper()
	out, err := elbv2.NewFromConfig(w.Cfg).DescribeTargetHealth(w.ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(arn)})
	if err != nil {
		w.t.Fatalf("DescribeTargetHealth: %v", err)
	}
	m := map[string]string{}
	for _, d := range out.TargetHealthDescriptions {
		m[*d.Target.Id] = string(d.TargetHealth.State)
	}
	return m
}

// TestFailingTargetIsReplacedOnlyWithELBChecksAndAfterTheGracePeriod makes
// an instance's app fail its health checks: a group with ELB checks and a
// 300 s grace period keeps it until the grace period has passed since it
// came into service, then replaces it; a group with EC2 checks never does.
func TestFailingTargetIsReplacedOnlyWithELBChecksAndAfterTheGracePeriod(t *testing.T) {
	tests := []struct {
		checkType string
		replaced  bool
	}{{"ELB", true}, {"EC2", false}}
	for _, tt := range tests {
		t.Run(tt.checkType, func(t *testing.T) {
			w := newASGWorld(t)
			tg := w.targetGroup("web")
			w.createGroup("web", 1, 1, 1, func(in *autoscaling.CreateAutoScalingGroupInput) {
				in.TargetGroupARNs, in.HealthCheckType, in.HealthCheckGracePeriod = []string{tg}, aws.String(tt.checkType), aws.Int32(300)
			})
			g := w.settle("web")
			id := *g.Instances[0].InstanceId
			if _, ok := w.targets(tg)[id]; !ok {
				t.Fatalf("instance %s not registered in its target group: %v", id, w.targets(tg))
			}
			if err := w.SetAppHealth(id, false); err != nil {
				t.Fatal(err)
			}
			sawUnhealthy := false
			for elapsed := time.Duration(0); elapsed < 250*time.Second; elapsed += 10 * time.Second {
				w.Advance(10 * time.Second)
				sawUnhealthy = sawUnhealthy || w.targets(tg)[id] == "unhealthy"
				if g := w.group("web"); !slices.Contains(instanceIDs(g), id) || *g.Instances[0].HealthStatus != "Healthy" {
					t.Fatalf("replaced inside the grace period (%s after coming into service): %s", elapsed, groupString(g))
				}
			}
			if !sawUnhealthy {
				t.Fatalf("the target never became unhealthy: %v", w.targets(tg))
			}
			for range 10 {
				w.Advance(10 * time.Second)
			}
			g = w.settle("web")
			if replaced := !slices.Contains(instanceIDs(g), id); replaced != tt.replaced {
				t.Fatalf("%s checks: replaced = %v after the grace period, want %v (%s)", tt.checkType, replaced, tt.replaced, groupString(g))
			}
			if !tt.replaced {
				return
			}
			found := false
			for _, a := range w.activities("web") {
				found = found || (*a.Description == "Terminating EC2 instance: "+id && strings.Contains(*a.Cause, "in response to an ELB system health check failure."))
			}
			if !found {
				t.Fatalf("no termination activity citing the ELB health check for %s", id)
			}
			if _, ok := w.targets(tg)[*g.Instances[0].InstanceId]; !ok {
				t.Fatalf("replacement %s not registered", *g.Instances[0].InstanceId)
			}
		})
	}
}

// TestBootingInstancesDieWithELBChecksAndNoGracePeriod is DOMAIN.md's trap:
// with realistic boot times (the app answers 40 s after the instance runs),
// health checks every 10 s, ELB checks and the API's default grace period
// of 0, the group kills instances whose app has not started yet; a grace
// period spares them.
func TestBootingInstancesDieWithELBChecksAndNoGracePeriod(t *testing.T) {
	for _, grace := range []int32{0, 300} {
		w := newASGWorld(t, func(o *Options) { o.Latency, o.Speed = LatencyRealistic, 1 })
		tg := w.targetGroup("web", func(in *elbv2.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds, in.UnhealthyThresholdCount = aws.Int32(10), aws.Int32(2)
		})
		w.Advance(181 * time.Second) // the load balancer becomes active
		w.createGroup("web", 1, 1, 1, func(in *autoscaling.CreateAutoScalingGroupInput) {
			in.TargetGroupARNs, in.HealthCheckType, in.HealthCheckGracePeriod = []string{tg}, aws.String("ELB"), aws.Int32(grace)
		})
		var first string
		for range 30 {
			w.Advance(5 * time.Second)
			if g := w.group("web"); first == "" && len(g.Instances) > 0 {
				first = *g.Instances[0].InstanceId
			}
		}
		g := w.group("web")
		killed := !slices.Contains(instanceIDs(g), first)
		if killed != (grace == 0) {
			t.Fatalf("grace %d: first instance killed = %v (%s)", grace, killed, groupString(g))
		}
	}
}

func TestTrafficSourcesAttachDetachDescribe(t *testing.T) {
	w := newASGWorld(t)
	tg := w.targetGroup("web")
	w.createGroup("web", 2, 2, 2)
	ids := instanceIDs(w.settle("web"))
	if _, err := w.as.AttachTrafficSources(w.ctx, &autoscaling.AttachTrafficSourcesInput{AutoScalingGroupName: aws.String("web"),
		TrafficSources: []astypes.TrafficSourceIdentifier{{Identifier: aws.String(tg), Type: aws.String("elbv2")}}}); err != nil {
		t.Fatal(err)
	}
	if got := w.targets(tg); len(got) != 2 || got[ids[0]] == "" || got[ids[1]] == "" {
		t.Fatalf("targets after attach = %v, want %v", got, ids)
	}
	var state string
	for range 10 {
		out, err := w.as.DescribeTrafficSources(w.ctx, &autoscaling.DescribeTrafficSourcesInput{AutoScalingGroupName: aws.String("web")})
		if err != nil || len(out.TrafficSources) != 1 || *out.TrafficSources[0].Identifier != tg {
			t.Fatalf("DescribeTrafficSources: %v, %v", out, err)
		}
		if state = *out.TrafficSources[0].State; state == "InService" {
			break
		}
		w.Advance(30 * time.Second)
	}
	if state != "InService" {
		t.Fatalf("traffic source state = %s, want InService once targets are healthy", state)
	}
	lbtg, err := w.as.DescribeLoadBalancerTargetGroups(w.ctx, &autoscaling.DescribeLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || len(lbtg.LoadBalancerTargetGroups) != 1 || *lbtg.LoadBalancerTargetGroups[0].State != "InService" {
		t.Fatalf("DescribeLoadBalancerTargetGroups: %+v, %v", lbtg, err)
	}
	if g := w.group("web"); !slices.Equal(g.TargetGroupARNs, []string{tg}) {
		t.Fatalf("TargetGroupARNs = %v", g.TargetGroupARNs)
	}
	if _, err := w.as.DetachLoadBalancerTargetGroups(w.ctx, &autoscaling.DetachLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String("web"), TargetGroupARNs: []string{tg}}); err != nil {
		t.Fatal(err)
	}
	for id, st := range w.targets(tg) {
		if st != "draining" {
			t.Fatalf("target %s is %s after detach, want draining", id, st)
		}
	}
	if _, err := w.as.AttachLoadBalancerTargetGroups(w.ctx, &autoscaling.AttachLoadBalancerTargetGroupsInput{AutoScalingGroupName: aws.String("web"), TargetGroupARNs: []string{tg}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.DetachTrafficSources(w.ctx, &autoscaling.DetachTrafficSourcesInput{AutoScalingGroupName: aws.String("web"),
		TrafficSources: []astypes.TrafficSourceIdentifier{{Identifier: aws.String(tg), Type: aws.String("elbv2")}}}); err != nil {
		t.Fatal(err)
	}
	if g := w.group("web"); len(g.TargetGroupARNs) != 0 {
		t.Fatalf("TargetGroupARNs after detach = %v", g.TargetGroupARNs)
	}
}
