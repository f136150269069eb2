package sandbox

import (
	"encoding/json"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// benchGroupSize is the fleet the issue asks the sandbox to hold.
const benchGroupSize = 1000

// benchWorld builds a sandbox served over HTTP with one group of 1,000
// instances behind a load balancer's target group, all in service.
func benchWorld(b *testing.B) (*asgWorld, string) {
	b.Helper()
	w := newASGWorld(b)
	elb := elbv2.NewFromConfig(w.Cfg)
	lb, err := elb.CreateLoadBalancer(w.ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String("web"), Subnets: w.subnets})
	if err != nil {
		b.Fatalf("CreateLoadBalancer: %v", err)
	}
	tg, err := elb.CreateTargetGroup(w.ctx, &elbv2.CreateTargetGroupInput{Name: aws.String("web"), Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp, VpcId: aws.String(w.vpc)})
	if err != nil {
		b.Fatalf("CreateTargetGroup: %v", err)
	}
	tgARN := *tg.TargetGroups[0].TargetGroupArn
	if _, err := elb.CreateListener(w.ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Port: aws.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String(tgARN)}}}); err != nil {
		b.Fatalf("CreateListener: %v", err)
	}
	w.createGroup("web", benchGroupSize, benchGroupSize, benchGroupSize, func(in *autoscaling.CreateAutoScalingGroupInput) {
		in.TargetGroupARNs = []string{tgARN}
		in.HealthCheckType = aws.String("ELB")
		in.HealthCheckGracePeriod = aws.Int32(120)
	})
	w.settle("web")
	return w, tgARN
}

// BenchmarkSandboxThroughputWithAThousandInstances measures what a console
// watching a 1,000-instance group costs: parallel real SDK clients polling
// the group, a page of its instances, their target health, a page of
// instance status and the caller identity, over HTTP. The bar is
// 500 requests/s on two cores.
func BenchmarkSandboxThroughputWithAThousandInstances(b *testing.B) {
	w, tgARN := benchWorld(b)
	as, ec, elb, st := w.as, w.ec2, elbv2.NewFromConfig(w.Cfg), sts.NewFromConfig(w.Cfg)
	ctx := w.ctx
	var failures atomic.Int64
	var next atomic.Uint64
	calls := []func() error{
		func() error {
			_, err := as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}})
			return err
		},
		func() error {
			_, err := ec.DescribeInstances(ctx, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(100), Filters: []ec2types.Filter{
				{Name: aws.String("tag:aws:autoscaling:groupName"), Values: []string{"web"}},
				{Name: aws.String("instance-state-name"), Values: []string{"running"}},
			}})
			return err
		},
		func() error {
			_, err := elb.DescribeTargetHealth(ctx, &elbv2.DescribeTargetHealthInput{TargetGroupArn: aws.String(tgARN)})
			return err
		},
		func() error {
			_, err := ec.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{MaxResults: aws.Int32(100)})
			return err
		},
		func() error {
			_, err := st.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			return err
		},
	}
	b.SetParallelism(4) // 4 × GOMAXPROCS clients, as several consoles and scripts would be
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := calls[next.Add(1)%uint64(len(calls))](); err != nil {
				failures.Add(1)
				if !strings.Contains(err.Error(), "context") {
					b.Error(err)
				}
			}
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	if g := w.group("web"); len(g.Instances) != benchGroupSize || countState(g, "InService") != benchGroupSize {
		b.Fatalf("the group drifted during the benchmark: %d instances, %d in service", len(g.Instances), countState(g, "InService"))
	}
	if failures.Load() > 0 {
		b.Fatalf("%d requests failed", failures.Load())
	}
}

// BenchmarkWorldMemoryWithAThousandInstances reports the heap a sandbox
// holds with a 1,000-instance group behind a load balancer (the world plus
// the test server and clients, which are small beside it) and the size of
// the world as persisted.
func BenchmarkWorldMemoryWithAThousandInstances(b *testing.B) {
	for range b.N {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		w, _ := benchWorld(b)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "heap-bytes")
		w.mu.Lock()
		raw, err := json.Marshal(w.world)
		w.mu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(raw)), "json-bytes")
	}
}
