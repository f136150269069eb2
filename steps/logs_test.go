package steps

import (
	"maps"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const logsSpec = `name: logs
network:
  vpc: new
  nat: none
  flow_logs:
    enabled: true
    retention_days: 30
load_balancer:
  access_logs:
    enabled: true
`

// logsRead reads a stack's log delivery back with the SDK's own clients:
// what AWS would tell a Security Hub check.
type logsRead struct {
	lbAttrs      map[string]string
	flowStatus   []string
	policy       map[string]string // bucket → policy
	expiry       map[string]int32  // bucket → lifecycle days
	objects      map[string]int    // bucket → objects
	blocksPublic map[string]bool
}

func readLogs(t *testing.T, env *testEnv) logsRead {
	t.Helper()
	ctx := testContext(t)
	out := logsRead{lbAttrs: map[string]string{}, policy: map[string]string{}, expiry: map[string]int32{},
		objects: map[string]int{}, blocksPublic: map[string]bool{}}
	lbs, err := elb.NewFromConfig(env.Cfg).DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, lb := range lbs.LoadBalancers {
		attrs, err := elb.NewFromConfig(env.Cfg).DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: lb.LoadBalancerArn})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range attrs.Attributes {
			out.lbAttrs[sdk.ToString(a.Key)] = sdk.ToString(a.Value)
		}
	}
	fls, err := ec2.NewFromConfig(env.Cfg).DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fls.FlowLogs {
		out.flowStatus = append(out.flowStatus, string(f.TrafficType)+" "+sdk.ToString(f.DeliverLogsStatus)+" "+sdk.ToString(f.LogDestination))
	}
	c := s3.NewFromConfig(env.Cfg, func(o *s3.Options) { o.UsePathStyle = true })
	bs, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs.Buckets {
		name := sdk.ToString(b.Name)
		pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: b.Name})
		if err != nil {
			t.Fatalf("policy of %s: %v", name, err)
		}
		out.policy[name] = sdk.ToString(pol.Policy)
		lc, err := c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: b.Name})
		if err != nil {
			t.Fatalf("lifecycle of %s: %v", name, err)
		}
		for _, r := range lc.Rules {
			out.expiry[name] = sdk.ToInt32(r.Expiration.Days)
		}
		objs, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: b.Name})
		if err != nil {
			t.Fatal(err)
		}
		out.objects[name] = len(objs.Contents)
	}
	return out
}

// TestLogsAreDeliveredKeptAndDestroyedWithTheStack turns on both log
// options and reads the stack back: the load balancer writes access logs
// to a bucket whose policy lets Elastic Load Balancing of the region in,
// the VPC's flow log delivers (AWS reports SUCCESS, which it does only
// when the bucket's policy lets the delivery service write), each bucket
// expires its objects as the spec says; status is clean. After logs have
// been delivered for a while, destroy empties both buckets and leaves
// nothing.
func TestLogsAreDeliveredKeptAndDestroyedWithTheStack(t *testing.T) {
	env := newTestEnv(t, "logs")
	spec := env.spec(logsSpec)
	netApply(t, env, spec, networkStep{}, securityStep{}, loadBalancerStep{})

	got := readLogs(t, env)
	albBucket := "logs-alb-logs-123456789012-us-east-1"
	flowBucket := "logs-flow-logs-123456789012-us-east-1"
	if got.lbAttrs[lbAccessLogs] != "true" || got.lbAttrs[lbAccessLogsBucket] != albBucket {
		t.Errorf("load balancer access logs = %s to %q, want true to %s", got.lbAttrs[lbAccessLogs], got.lbAttrs[lbAccessLogsBucket], albBucket)
	}
	if want := "ALL SUCCESS arn:aws:s3:::" + flowBucket; len(got.flowStatus) != 1 || got.flowStatus[0] != want {
		t.Errorf("flow logs = %q, want [%s]", got.flowStatus, want)
	}
	if p := got.policy[albBucket]; !strings.Contains(p, "arn:aws:iam::127311923021:root") || !strings.Contains(p, "AWSLogs/123456789012/*") {
		t.Errorf("access log bucket's policy does not let us-east-1's Elastic Load Balancing write under AWSLogs/<account>/: %s", p)
	}
	if p := got.policy[flowBucket]; !strings.Contains(p, flowLogPrincipal) || !strings.Contains(p, `"aws:SourceAccount":"123456789012"`) {
		t.Errorf("flow log bucket's policy does not let this account's log delivery write: %s", p)
	}
	for b, p := range got.policy {
		if !strings.Contains(p, `"aws:SecureTransport":"false"`) {
			t.Errorf("bucket %s takes plain HTTP: %s", b, p)
		}
	}
	if got.expiry[albBucket] != 90 || got.expiry[flowBucket] != 30 {
		t.Errorf("expiry = %v, want the access logs 90 days (the default) and the flow logs 30", got.expiry)
	}
	rep, err := env.engine(spec).Status(testContext(t))
	if err != nil || rep.Verdict != VerdictHealthy {
		t.Fatalf("status = %s, %v: %+v", rep.Verdict, err, rep.Resources)
	}

	// Twenty minutes of deliveries, then destroy.
	if err := env.SB.Advance(20 * time.Minute); err != nil {
		t.Fatal(err)
	}
	got = readLogs(t, env)
	if got.objects[albBucket] == 0 || got.objects[flowBucket] == 0 {
		t.Fatalf("after 20 minutes the buckets hold %v objects: nothing was delivered", got.objects)
	}
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}

// TestLogsTurnedOffStopBeforeTheirBucketGoes applies with both options,
// then without: the load balancer stops writing before its bucket is
// deleted, the flow log goes before its bucket, and plan is then clean.
func TestLogsTurnedOffStopBeforeTheirBucketGoes(t *testing.T) {
	env := newTestEnv(t, "logs")
	spec := env.spec(logsSpec)
	netApply(t, env, spec, networkStep{}, securityStep{}, loadBalancerStep{})
	if err := env.SB.Advance(10 * time.Minute); err != nil {
		t.Fatal(err)
	}

	off := env.spec(strings.ReplaceAll(logsSpec, "enabled: true", "enabled: false"))
	netApply(t, env, off, networkStep{}, securityStep{}, loadBalancerStep{})
	got := readLogs(t, env)
	if got.lbAttrs[lbAccessLogs] != "false" || len(got.flowStatus) != 0 || len(got.policy) != 0 {
		t.Errorf("after turning the logs off: access logs %s, flow logs %v, buckets %v", got.lbAttrs[lbAccessLogs], got.flowStatus, got.policy)
	}
	for _, it := range env.SB.Inventory() {
		if it.Type == "s3:bucket" || it.Type == "ec2:flow-log" {
			t.Errorf("%s %s is still there", it.Type, it.ID)
		}
	}
}

// TestALogBucketPolicyChangedByHandIsReportedAndRewritten replaces the
// flow log bucket's policy with one that lets nobody deliver: status says
// the logs cannot be delivered, and apply writes the policy again.
func TestALogBucketPolicyChangedByHandIsReportedAndRewritten(t *testing.T) {
	env := newTestEnv(t, "logs")
	spec := env.spec(logsSpec)
	netApply(t, env, spec, networkStep{}, securityStep{}, loadBalancerStep{})
	flowBucket := "logs-flow-logs-123456789012-us-east-1"
	c := s3.NewFromConfig(env.Cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := testContext(t)
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: sdk.String(flowBucket),
		Policy: sdk.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::` + flowBucket + `"}]}`)}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rep.Resources {
		if r.Key == keyFlowLogBucket {
			found = true
			if r.Healthy || !strings.Contains(r.Problem, "no longer lets the logs be delivered") {
				t.Errorf("status of the bucket = healthy %v, %q", r.Healthy, r.Problem)
			}
		}
	}
	if !found || rep.Verdict != VerdictUnhealthy {
		t.Errorf("status = %s, bucket reported %v", rep.Verdict, found)
	}
	netApply(t, env, spec, networkStep{}, securityStep{}, loadBalancerStep{})
	if p := readLogs(t, env).policy[flowBucket]; !strings.Contains(p, flowLogPrincipal) {
		t.Errorf("apply did not write the policy again: %s", p)
	}
}

// TestLogsScriptBuildsWhatApplyBuilds runs `export cli`'s commands for a
// stack with both log options with the AWS CLI against a sandbox: the
// same resources as apply, found again by adopt.
func TestLogsScriptBuildsWhatApplyBuilds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 40 AWS CLI commands; run without -short")
	}
	// Each AWS CLI command is a Python process: the script tests run
	// beside each other and the rest, not one after another.
	t.Parallel()
	// The default VPC: the script's commands are the logs', not a VPC's.
	yaml := strings.Replace(logsSpec, "vpc: new\n  nat: none", "vpc: default", 1)
	ref := newTestEnv(t, "logs")
	netApply(t, ref, ref.spec(yaml), networkStep{}, securityStep{}, loadBalancerStep{})
	want := ref.inventoryTypes()

	env := newTestEnv(t, "logs")
	steps := []Step{identityStep{}, networkStep{}, securityStep{}, loadBalancerStep{}}
	runScript(t, env, ExportCLI(env.spec(yaml), steps))
	if got := env.inventoryTypes(); !maps.Equal(got, want) {
		t.Errorf("the script made %v, apply makes %v", got, want)
	}
	got := readLogs(t, env)
	if got.lbAttrs[lbAccessLogs] != "true" || len(got.flowStatus) != 1 || !strings.Contains(got.flowStatus[0], "SUCCESS") {
		t.Errorf("the script's logs: access logs %s, flow logs %v", got.lbAttrs[lbAccessLogs], got.flowStatus)
	}
	env.Options.Steps = steps
	n, err := env.engine(env.spec(yaml)).Adopt(testContext(t))
	if total := len(env.SB.Inventory()); err != nil || n != total {
		t.Errorf("adopt found %d of the script's %d resources (%v)", n, total, err)
	}
}
