package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"syscall"
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
	w.Advance(121 * time.Second) // past the grace period: every tick now checks ELB health
	return w, tgARN
}

// consoleMix is what a console watching a 1,000-instance group asks, one
// call each: the group, a page of its instances by tag and state, its
// target health, a page of instance status, the caller identity.
func consoleMix(w *asgWorld, cfg aws.Config, tgARN string) []func() error {
	ctx := w.ctx
	as, ec, elb, st := autoscaling.NewFromConfig(cfg), ec2.NewFromConfig(cfg), elbv2.NewFromConfig(cfg), sts.NewFromConfig(cfg)
	return []func() error{
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
}

// recordedRequest is an HTTP request as an SDK client sent it.
type recordedRequest struct {
	method, url string
	header      http.Header
	body        []byte
}

// recorder is an http.RoundTripper that keeps a copy of every request.
type recorder struct {
	next http.RoundTripper
	got  []recordedRequest
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
	}
	r.got = append(r.got, recordedRequest{req.Method, req.URL.String(), req.Header.Clone(), body})
	return r.next.RoundTrip(req)
}

// BenchmarkSandboxThroughputWithAThousandInstances measures what the
// sandbox serves: the console mix, as the real SDK clients built and
// signed it, replayed by parallel plain HTTP clients that read every
// response but do not parse it. The bar is 500 requests/s on two
// cores; the SDK's own parsing of the large responses is measured below,
// since on a two-core machine it competes with the server for the CPU.
func BenchmarkSandboxThroughputWithAThousandInstances(b *testing.B) {
	w, tgARN := benchWorld(b)
	rec := &recorder{next: http.DefaultTransport}
	cfg := w.Cfg.Copy()
	cfg.HTTPClient = &http.Client{Transport: rec}
	for _, call := range consoleMix(w, cfg, tgARN) {
		if err := call(); err != nil {
			b.Fatal(err)
		}
	}
	reqs := rec.got
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next atomic.Uint64
	b.SetParallelism(4) // 4 × GOMAXPROCS clients
	b.ResetTimer()
	start, cpuStart := time.Now(), processCPU(b)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := reqs[next.Add(1)%uint64(len(reqs))]
			req, err := http.NewRequestWithContext(w.ctx, r.method, r.url, bytes.NewReader(r.body))
			if err != nil {
				b.Error(err)
				return
			}
			req.Header = r.header.Clone()
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || n == 0 {
				b.Errorf("%s: status %d, %d bytes", r.url, resp.StatusCode, n)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	// On a shared machine req/s moves with everyone else's load; the CPU
	// each request costs (server and replaying client together) does not,
	// and says what two idle cores would serve.
	perReq := (processCPU(b) - cpuStart) / time.Duration(b.N)
	b.ReportMetric(float64(perReq.Microseconds())/1000, "cpu-ms/req")
	b.ReportMetric(2*float64(time.Second)/float64(perReq), "req/s-on-2-idle-cores")
	b.StopTimer()
	w.checkBenchGroup(b)
}

// processCPU is the CPU time this process has used, user and system.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSDKClientsAgainstAThousandInstances runs the console mix end to
// end with parallel real SDK clients: signing, the sandbox, and the SDK
// parsing responses of up to 1,000 instances, all on the same cores.
func BenchmarkSDKClientsAgainstAThousandInstances(b *testing.B) {
	w, tgARN := benchWorld(b)
	calls := consoleMix(w, w.Cfg, tgARN)
	var next atomic.Uint64
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := calls[next.Add(1)%uint64(len(calls))](); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
	b.StopTimer()
	w.checkBenchGroup(b)
}

// checkBenchGroup fails when the group drifted while it was measured.
func (w *asgWorld) checkBenchGroup(b *testing.B) {
	if g := w.group("web"); len(g.Instances) != benchGroupSize || countState(g, "InService") != benchGroupSize {
		b.Fatalf("the group drifted during the benchmark: %d instances, %d in service", len(g.Instances), countState(g, "InService"))
	}
}

// BenchmarkWorldMemoryWithAThousandInstances reports the heap a sandbox
// holds with a 1,000-instance group behind a load balancer (the world plus
// the test server and clients, which are small beside it) and the size of
// the world as persisted.
func BenchmarkWorldMemoryWithAThousandInstances(b *testing.B) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w, _ := benchWorld(b)
	runtime.GC()
	runtime.ReadMemStats(&after)
	w.mu.Lock()
	raw, err := json.Marshal(w.world)
	w.mu.Unlock()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		// Nothing to time: the figures are the heap and the saved size.
	}
	b.ReportMetric(float64(after.HeapAlloc)-float64(before.HeapAlloc), "heap-bytes")
	b.ReportMetric(float64(len(raw)), "json-bytes")
	runtime.KeepAlive(w)
}

// BenchmarkASGTickWithAThousandInstances measures the reconciliation every
// request pays for: one settled group of 1,000 instances.
func BenchmarkASGTickWithAThousandInstances(b *testing.B) {
	w := newWorld()
	r := w.region("us-east-1")
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	lt := &LaunchTemplate{ID: "lt-0bench", Name: "bench", DefaultVersion: 1, LatestVersion: 1, Versions: []*LaunchTemplateVersion{{Number: 1}}}
	r.EC2.Compute.LaunchTemplates[lt.ID] = lt
	g := &AutoScalingGroup{Name: "web", LaunchTemplateID: lt.ID, LaunchTemplateVersion: "$Latest", MinSize: benchGroupSize, MaxSize: benchGroupSize,
		DesiredCapacity: benchGroupSize, HealthCheckType: "EC2", TerminationPolicies: []string{policyDefault}}
	for _, sn := range r.EC2.Network.Subnets {
		if sn.IsDefault {
			g.Subnets = append(g.Subnets, sn.ID)
			g.AvailabilityZones = append(g.AvailabilityZones, sn.AZ)
		}
	}
	for i := range benchGroupSize {
		sn := r.subnet(g.Subnets[i%len(g.Subnets)])
		id := w.newID("i")
		r.EC2.Compute.Instances[id] = &Instance{ID: id, SubnetID: sn.ID, AZ: sn.AZ, State: "running", LaunchTime: now}
		g.Instances = append(g.Instances, &GroupInstance{ID: id, AZ: sn.AZ, SubnetID: sn.ID, LaunchTemplateID: lt.ID, LaunchTemplateVersion: 1,
			Lifecycle: lifecycleInService, Health: healthHealthy, LaunchTime: now, InServiceAt: now})
		r.ASG.Members[id] = g.Name
	}
	r.ASG.Groups[g.Name] = g
	d := durations{}
	b.ResetTimer()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		r.ASG.tick(r, now, d)
	}
	if len(g.Instances) != benchGroupSize || g.capacity() != benchGroupSize {
		b.Fatalf("the group changed: %d instances", len(g.Instances))
	}
}
