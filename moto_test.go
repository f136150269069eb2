package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// These tests run the built binary against moto's server: an AWS emulator
// we did not write, so what passes here does not pass only because the
// sandbox and the client were written together. CI machines have moto
// (python3 -m moto.server); elsewhere the tests say so and skip.

// moto is one moto server on a free loopback port, for one test.
type moto struct {
	url string
}

// startMoto starts moto's server for t and stops it when t ends.
func startMoto(t *testing.T) *moto {
	t.Helper()
	if err := exec.Command("python3", "-c", "import moto.server").Run(); err != nil {
		if os.Getenv("STACKWIZ_REQUIRE_MOTO") != "" {
			t.Fatalf("moto is not installed (python3 -c 'import moto.server': %v) and STACKWIZ_REQUIRE_MOTO is set: CI tests against a second AWS implementation", err)
		}
		t.Skipf("moto is not installed (python3 -c 'import moto.server': %v): install it with pip install 'moto[server]' to run the tests against a second AWS implementation", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var logs bytes.Buffer
	cmd := exec.Command("python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("moto's log (last 4 KB):\n%s", tail(logs.String(), 4096))
		}
	})
	m := &moto{url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(m.url + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("moto did not answer on %s within 60 s: %v", m.url, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// stackwiz runs the binary against moto with stateDir.
func (m *moto) stackwiz(t *testing.T, stateDir string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	full := append([]string{"--endpoint-url", m.url, "--region", "us-east-1", "--state-dir", stateDir}, args...)
	cmd := exec.CommandContext(ctx, binary, full...)
	cmd.Env = endpointEnv("")
	r := runCommand(t, cmd)
	if ctx.Err() != nil {
		t.Fatalf("stackwiz %s did not end within 4 minutes:\n%s", strings.Join(args, " "), r.stderr)
	}
	return r
}

// stack lists what moto holds of stack name, asked of moto itself with
// plain SDK calls: not stackwiz's record, not stackwiz's adapters.
func (m *moto) stack(t *testing.T, name string) []string {
	t.Helper()
	ctx := context.Background()
	cfg := sdk.Config{
		Region: "us-east-1", BaseEndpoint: sdk.String(m.url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
	}
	var out []string
	fail := func(what string, err error) {
		t.Fatalf("list %s on moto: %v", what, err)
	}
	tagged := []ec2types.Filter{{Name: sdk.String("tag:stackwiz:stack"), Values: []string{name}}}
	e := ec2.NewFromConfig(cfg)
	vpcs, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: tagged})
	if err != nil {
		fail("VPCs", err)
	}
	for _, v := range vpcs.Vpcs {
		out = append(out, "vpc "+sdk.ToString(v.VpcId))
	}
	sgs, err := e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: tagged})
	if err != nil {
		fail("security groups", err)
	}
	for _, g := range sgs.SecurityGroups {
		out = append(out, "security-group "+sdk.ToString(g.GroupName))
	}
	insts, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: tagged})
	if err != nil {
		fail("instances", err)
	}
	for _, r := range insts.Reservations {
		for _, i := range r.Instances {
			if st := i.State; st != nil && st.Name != ec2types.InstanceStateNameTerminated {
				out = append(out, "instance "+sdk.ToString(i.InstanceId)+" "+string(st.Name))
			}
		}
	}
	lts, err := e.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{})
	if err != nil {
		fail("launch templates", err)
	}
	for _, lt := range lts.LaunchTemplates {
		if strings.HasPrefix(sdk.ToString(lt.LaunchTemplateName), name+"-") {
			out = append(out, "launch-template "+sdk.ToString(lt.LaunchTemplateName))
		}
	}
	lb := elbv2.NewFromConfig(cfg)
	lbs, err := lb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{})
	if err != nil {
		fail("load balancers", err)
	}
	for _, l := range lbs.LoadBalancers {
		if strings.HasPrefix(sdk.ToString(l.LoadBalancerName), name+"-") {
			out = append(out, "load-balancer "+sdk.ToString(l.LoadBalancerName))
		}
	}
	tgs, err := lb.DescribeTargetGroups(ctx, &elbv2.DescribeTargetGroupsInput{})
	if err != nil {
		fail("target groups", err)
	}
	for _, g := range tgs.TargetGroups {
		if strings.HasPrefix(sdk.ToString(g.TargetGroupName), name+"-") {
			out = append(out, "target-group "+sdk.ToString(g.TargetGroupName))
		}
	}
	asgs, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{})
	if err != nil {
		fail("auto scaling groups", err)
	}
	for _, g := range asgs.AutoScalingGroups {
		if strings.HasPrefix(sdk.ToString(g.AutoScalingGroupName), name+"-") {
			out = append(out, "auto-scaling-group "+sdk.ToString(g.AutoScalingGroupName))
		}
	}
	im := iam.NewFromConfig(cfg)
	roles, err := im.ListRoles(ctx, &iam.ListRolesInput{})
	if err != nil {
		fail("roles", err)
	}
	for _, r := range roles.Roles {
		if strings.HasPrefix(sdk.ToString(r.RoleName), name+"-") {
			out = append(out, "role "+sdk.ToString(r.RoleName))
		}
	}
	profiles, err := im.ListInstanceProfiles(ctx, &iam.ListInstanceProfilesInput{})
	if err != nil {
		fail("instance profiles", err)
	}
	for _, p := range profiles.InstanceProfiles {
		if strings.HasPrefix(sdk.ToString(p.InstanceProfileName), name+"-") {
			out = append(out, "instance-profile "+sdk.ToString(p.InstanceProfileName))
		}
	}
	topics, err := sns.NewFromConfig(cfg).ListTopics(ctx, &sns.ListTopicsInput{})
	if err != nil {
		fail("topics", err)
	}
	for _, tp := range topics.Topics {
		if arn := sdk.ToString(tp.TopicArn); strings.Contains(arn, ":"+name+"-") {
			out = append(out, "topic "+arn)
		}
	}
	fls, err := e.DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{Filter: tagged})
	if err != nil {
		fail("flow logs", err)
	}
	for _, f := range fls.FlowLogs {
		out = append(out, "flow-log "+sdk.ToString(f.FlowLogId))
	}
	buckets, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).ListBuckets(ctx, &s3.ListBucketsInput{})
	if err != nil {
		fail("buckets", err)
	}
	for _, b := range buckets.Buckets {
		if strings.HasPrefix(sdk.ToString(b.Name), name+"-") {
			out = append(out, "bucket "+sdk.ToString(b.Name))
		}
	}
	slices.Sort(out)
	return out
}

// hasPrefixed reports whether items has one starting with prefix.
func hasPrefixed(items []string, prefix string) bool {
	return slices.ContainsFunc(items, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

// TestMotoMinimalApplyStatusDestroy is the first contact: the
// smallest stack on an AWS implementation we did not write. Every step
// moto can serve is built; the one it cannot (CloudWatch alarms: moto's
// server does not answer the RPC v2 CBOR protocol the SDK speaks) fails
// with one line naming the operation and the endpoint; destroy removes
// everything of the stack that exists, as moto itself lists it.
func TestMotoMinimalApplyStatusDestroy(t *testing.T) {
	m := startMoto(t)
	dir := t.TempDir()

	start := time.Now()
	apply := m.stackwiz(t, dir, "apply", "-f", examplePath(t, "minimal"), "--yes")
	took := time.Since(start)
	t.Logf("apply on moto: exit %d in %s", apply.code, took.Round(time.Millisecond))
	built := m.stack(t, "demo")
	t.Logf("moto holds: %s", strings.Join(built, "\n  "))
	for _, want := range []string{"security-group demo-alb", "security-group demo-app", "launch-template demo-lt",
		"load-balancer demo-alb", "target-group demo-tg", "auto-scaling-group demo-asg", "role demo-app", "instance-profile demo-app"} {
		if !slices.Contains(built, want) {
			t.Errorf("after apply moto has no %q\napply's stderr:\n%s", want, apply.stderr)
		}
	}
	if !hasPrefixed(built, "instance ") {
		t.Errorf("after apply the group has no running instance on moto\napply's stderr:\n%s", apply.stderr)
	}
	if apply.code != 1 {
		t.Fatalf("apply exit = %d, want 1 (alarms cannot be made on moto)\n%s", apply.code, apply.stderr)
	}
	// One line, naming the operation and the endpoint, within seconds.
	if !strings.Contains(apply.stderr, "alarms: ") || !strings.Contains(apply.stderr, "CloudWatch") || !strings.Contains(apply.stderr, m.url) {
		t.Errorf("apply did not say which CloudWatch operation %s lacks:\n%s", m.url, apply.stderr)
	}
	if took > 90*time.Second {
		t.Errorf("apply took %s: an operation the endpoint lacks must fail within seconds, not minutes", took)
	}

	status := m.stackwiz(t, dir, "status")
	if status.code != 1 {
		t.Errorf("status exit = %d, want 1 (the alarms step is not done)\n%s%s", status.code, status.stdout, status.stderr)
	}
	if strings.Contains(status.stdout, "deleted outside stackwiz") {
		t.Errorf("status calls live resources deleted:\n%s", status.stdout)
	}

	destroy := m.stackwiz(t, dir, "destroy", "--yes")
	left := m.stack(t, "demo")
	if len(left) > 0 {
		t.Errorf("after destroy moto still holds:\n  %s\ndestroy's stderr:\n%s", strings.Join(left, "\n  "), destroy.stderr)
	}
	if destroy.code != 0 {
		t.Errorf("destroy exit = %d with nothing left, want 0\n%s", destroy.code, destroy.stderr)
	}
}

// TestMotoLogBucketsAndFlowLogs turns both log options on over the
// minimal example on moto: the buckets, their policies and the flow log
// are made by calls moto answers as S3 and EC2 do (they are not ours to
// agree with), and destroy empties and deletes the buckets and the flow
// log with the rest of the stack.
func TestMotoLogBucketsAndFlowLogs(t *testing.T) {
	m := startMoto(t)
	dir := t.TempDir()
	src, err := os.ReadFile(examplePath(t, "minimal"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(src), "network:\n  vpc: default\n",
		"network:\n  vpc: default\n  flow_logs:\n    enabled: true\nload_balancer:\n  access_logs:\n    enabled: true\n    retention_days: 14\n", 1)
	spec := dir + "/stack.yaml"
	if err := os.WriteFile(spec, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("examples/start.sh")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/start.sh", b, 0o600); err != nil {
		t.Fatal(err)
	}
	apply := m.stackwiz(t, dir, "apply", "-f", spec, "--yes")
	t.Logf("apply on moto (exit %d):\n%s", apply.code, tail(apply.stderr, 3000))
	built := m.stack(t, "demo")
	for _, want := range []string{"bucket demo-alb-logs-123456789012-us-east-1", "bucket demo-flow-logs-123456789012-us-east-1"} {
		if !slices.Contains(built, want) {
			t.Errorf("after apply moto has no %q\napply's stderr:\n%s", want, apply.stderr)
		}
	}
	if !hasPrefixed(built, "flow-log ") {
		t.Errorf("after apply moto has no flow log of the stack\napply's stderr:\n%s", apply.stderr)
	}
	if strings.Contains(apply.stderr, "logs") && strings.Contains(apply.stderr, "✗") && !strings.Contains(apply.stderr, "alarms: ") {
		t.Errorf("a log step failed on moto:\n%s", apply.stderr)
	}
	destroy := m.stackwiz(t, dir, "destroy", "--yes")
	// Said before anything is deleted: the logs go with the buckets.
	for _, b := range []string{"demo-alb-logs-123456789012-us-east-1", "demo-flow-logs-123456789012-us-east-1"} {
		if !strings.Contains(destroy.stderr, "aws s3 sync s3://"+b+" ") {
			t.Errorf("destroy did not say that bucket %s's logs go with it, and how to keep them:\n%s", b, destroy.stderr)
		}
	}
	if left := m.stack(t, "demo"); len(left) > 0 {
		t.Errorf("after destroy moto still holds:\n  %s\ndestroy's stderr:\n%s", strings.Join(left, "\n  "), destroy.stderr)
	}
	if destroy.code != 0 {
		t.Errorf("destroy exit = %d, want 0\n%s", destroy.code, destroy.stderr)
	}
}
