package console

import (
	"context"
	"encoding/base64"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

// fixtureBase is the sandbox clock's fixed start in console tests, so that
// ages, metrics and goldens are the same on every run.
var fixtureBase = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// stackWorld is one stack's running pieces in a sandbox, built through the
// real SDK as stackwiz's steps build them (default VPC subnets, security
// groups that let only the load balancer reach the app port, a launch
// template, an ALB with a target group and an HTTP listener, an Auto
// Scaling group with ELB health checks, alarms, a Route 53 alias), and the
// stack's state record with the outputs the console reads.
type stackWorld struct {
	t     testing.TB
	ctx   context.Context
	SB    *sandbox.Sandbox
	Cfg   sdk.Config
	Fleet *aws.Fleet
	Stack state.Stack

	// close stops the sandbox's server and saves its world, once.
	close func()

	mu     sync.Mutex
	base   time.Time
	offset time.Duration
	fixed  bool

	as  *autoscaling.Client
	ec2 *ec2.Client
	elb *elb.Client
	r53 *route53.Client

	name           string
	subnets        []string
	vpc, sg, albSG string
	template       string
	lbARN, tgARN   string
	lbDNS, lbZone  string
	zone, record   string
	outputs        map[string]map[string]string
}

// worldOptions shape a stackWorld.
type worldOptions struct {
	name string // "demo" unless set
	size int
	// wallClock runs the sandbox on the real clock (the built binary's
	// sandbox does); otherwise it starts at fixtureBase and moves only
	// with advance.
	wallClock bool
	dataDir   string
	// realistic makes AWS processes take AWS's time (speed 1) on the
	// fixed clock: boots, health checks and draining show in between.
	realistic bool
	// cpuAlarm is the threshold of the CPU alarm; 0 means 80.
	cpuAlarm float64
	// sb reuses a sandbox (a second stack for blue/green).
	sb  *sandbox.Sandbox
	cfg *sdk.Config
}

func newStackWorld(t testing.TB, o worldOptions) *stackWorld {
	t.Helper()
	if o.name == "" {
		o.name = "demo"
	}
	w := &stackWorld{t: t, name: o.name, base: fixtureBase, fixed: !o.wallClock, outputs: map[string]map[string]string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	w.ctx = ctx
	switch {
	case o.sb != nil:
		w.SB, w.Cfg = o.sb, *o.cfg
	default:
		opts := sandbox.Options{DataDir: o.dataDir}
		if o.realistic {
			opts.Latency, opts.Speed = sandbox.LatencyRealistic, 1
		}
		if w.fixed {
			opts.Now = func() time.Time { return fixtureBase }
		}
		sb, err := sandbox.New(opts)
		if err != nil {
			t.Fatalf("sandbox.New: %v", err)
		}
		// httptest closes the connections the SDK dialled but never used
		// at once; http.Server.Shutdown would wait 5 s for them.
		srv := httptest.NewServer(sb)
		var once sync.Once
		w.close = func() { once.Do(func() { srv.Close(); sb.Close() }) }
		t.Cleanup(w.close)
		w.SB = sb
		w.Cfg = aws.WithRetryer(sandbox.Config(srv.URL, "us-east-1"), aws.Options{MaxAttempts: 2, MaxBackoff: time.Millisecond})
	}
	w.Fleet = aws.NewClients(w.Cfg).Fleet
	if w.fixed {
		w.Fleet = w.Fleet.WithClock(w.now)
	}
	// The fixture's own calls build the world and are not what a test
	// measures: they get the usual retries, so a connection the loopback
	// drops under load (seen once: "use of closed network connection")
	// does not fail the setup. The Fleet under test keeps w.Cfg.
	setup := aws.WithRetryer(w.Cfg, aws.Options{MaxBackoff: 10 * time.Millisecond})
	w.as, w.ec2, w.elb, w.r53 = autoscaling.NewFromConfig(setup), ec2.NewFromConfig(setup), elb.NewFromConfig(setup), route53.NewFromConfig(setup)
	w.network()
	w.launchTemplate()
	w.loadBalancer()
	w.group(o.size)
	w.alarms(o.cpuAlarm)
	if o.sb == nil {
		w.zone = w.createZone("example.com")
	} else {
		w.zone = ""
	}
	w.record = "api.example.com"
	if w.zone != "" {
		w.alias(w.lbDNS, w.lbZone)
	}
	w.settle()
	w.Stack = w.record0()
	return w
}

// now is the sandbox's clock.
func (w *stackWorld) now() time.Time {
	if !w.fixed {
		return time.Now()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.base.Add(w.offset)
}

// advance lets d pass in the sandbox (and on the fixed clock).
func (w *stackWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.offset += d
	w.mu.Unlock()
	w.SB.Advance(d)
}

func (w *stackWorld) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *stackWorld) network() {
	out, err := w.ec2.DescribeSubnets(w.ctx, &ec2.DescribeSubnetsInput{})
	w.must(err, "DescribeSubnets")
	var subnets []ec2types.Subnet
	for _, s := range out.Subnets {
		if sdk.ToBool(s.DefaultForAz) {
			subnets = append(subnets, s)
		}
	}
	sort.Slice(subnets, func(i, j int) bool { return *subnets[i].AvailabilityZone < *subnets[j].AvailabilityZone })
	for _, s := range subnets[:2] {
		w.subnets = append(w.subnets, *s.SubnetId)
		w.vpc = *s.VpcId
	}
	alb, err := w.ec2.CreateSecurityGroup(w.ctx, &ec2.CreateSecurityGroupInput{GroupName: sdk.String(w.name + "-alb"), Description: sdk.String("load balancer"), VpcId: sdk.String(w.vpc)})
	w.must(err, "CreateSecurityGroup alb")
	w.albSG = *alb.GroupId
	_, err = w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: alb.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(80), ToPort: sdk.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: sdk.String("0.0.0.0/0")}},
	}}})
	w.must(err, "AuthorizeSecurityGroupIngress alb")
	sg, err := w.ec2.CreateSecurityGroup(w.ctx, &ec2.CreateSecurityGroupInput{GroupName: sdk.String(w.name + "-app"), Description: sdk.String("app"), VpcId: sdk.String(w.vpc)})
	w.must(err, "CreateSecurityGroup app")
	w.sg = *sg.GroupId
	_, err = w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(3000), ToPort: sdk.Int32(3000), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: alb.GroupId}},
	}}})
	w.must(err, "AuthorizeSecurityGroupIngress app")
}

func (w *stackWorld) imageID() string {
	out, err := ssm.NewFromConfig(w.Cfg).GetParameter(w.ctx, &ssm.GetParameterInput{Name: sdk.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	w.must(err, "GetParameter")
	return *out.Parameter.Value
}

func (w *stackWorld) launchTemplate() {
	out, err := w.ec2.CreateLaunchTemplate(w.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdk.String(w.name + "-lt"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdk.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{w.sg}, UserData: sdk.String(appUserData)}})
	w.must(err, "CreateLaunchTemplate")
	w.template = *out.LaunchTemplate.LaunchTemplateId
}

// newTemplateVersion adds a t3.small version, what a deploy would do.
func (w *stackWorld) newTemplateVersion() {
	_, err := w.ec2.CreateLaunchTemplateVersion(w.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: sdk.String(w.template),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdk.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Small, SecurityGroupIds: []string{w.sg}, UserData: sdk.String(appUserData)}})
	w.must(err, "CreateLaunchTemplateVersion")
}

func (w *stackWorld) loadBalancer() {
	lb, err := w.elb.CreateLoadBalancer(w.ctx, &elb.CreateLoadBalancerInput{Name: sdk.String(w.name + "-alb"), Subnets: w.subnets, SecurityGroups: []string{w.albSG}})
	w.must(err, "CreateLoadBalancer")
	l := lb.LoadBalancers[0]
	w.lbARN, w.lbDNS, w.lbZone = *l.LoadBalancerArn, *l.DNSName, *l.CanonicalHostedZoneId
	tg, err := w.elb.CreateTargetGroup(w.ctx, &elb.CreateTargetGroupInput{Name: sdk.String(w.name + "-tg"), Port: sdk.Int32(3000), Protocol: elbtypes.ProtocolEnumHttp,
		VpcId: sdk.String(w.vpc), HealthCheckPath: sdk.String("/"), HealthCheckIntervalSeconds: sdk.Int32(30), HealthyThresholdCount: sdk.Int32(3), UnhealthyThresholdCount: sdk.Int32(2)})
	w.must(err, "CreateTargetGroup")
	w.tgARN = *tg.TargetGroups[0].TargetGroupArn
	_, err = w.elb.CreateListener(w.ctx, &elb.CreateListenerInput{LoadBalancerArn: sdk.String(w.lbARN), Port: sdk.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: sdk.String(w.tgARN)}}})
	w.must(err, "CreateListener")
}

func (w *stackWorld) group(size int) {
	_, err := w.as.CreateAutoScalingGroup(w.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(w.name + "-asg"),
		LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: sdk.String(w.template), Version: sdk.String("$Latest")},
		MinSize:              sdk.Int32(int32(max(1, size/2))), DesiredCapacity: sdk.Int32(int32(size)), MaxSize: sdk.Int32(int32(2 * size)),
		VPCZoneIdentifier:      sdk.String(strings.Join(w.subnets, ",")),
		TargetGroupARNs:        []string{w.tgARN},
		HealthCheckType:        sdk.String("ELB"),
		HealthCheckGracePeriod: sdk.Int32(120),
		TerminationPolicies:    []string{"Default"},
	})
	w.must(err, "CreateAutoScalingGroup")
}

func (w *stackWorld) lbDimension() string { return suffix(w.lbARN, ":loadbalancer/") }
func (w *stackWorld) tgDimension() string { return "targetgroup/" + suffix(w.tgARN, ":targetgroup/") }

func suffix(arn, marker string) string {
	if i := strings.Index(arn, marker); i >= 0 {
		return arn[i+len(marker):]
	}
	return arn
}

func (w *stackWorld) alarms(cpu float64) {
	if cpu == 0 {
		cpu = 80
	}
	cw := cloudwatch.NewFromConfig(w.Cfg)
	_, err := cw.PutMetricAlarm(w.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String(w.name + "-unhealthy-hosts"), Namespace: sdk.String("AWS/ApplicationELB"), MetricName: sdk.String("UnHealthyHostCount"),
		Dimensions: []cwtypes.Dimension{{Name: sdk.String("TargetGroup"), Value: sdk.String(w.tgDimension())}, {Name: sdk.String("LoadBalancer"), Value: sdk.String(w.lbDimension())}},
		Statistic:  cwtypes.StatisticMaximum, Period: sdk.Int32(60), EvaluationPeriods: sdk.Int32(2), Threshold: sdk.Float64(0),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold, TreatMissingData: sdk.String("notBreaching"),
	})
	w.must(err, "PutMetricAlarm unhealthy")
	_, err = cw.PutMetricAlarm(w.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String(w.name + "-cpu-high"), Namespace: sdk.String("AWS/EC2"), MetricName: sdk.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: sdk.String("AutoScalingGroupName"), Value: sdk.String(w.name + "-asg")}},
		Statistic:  cwtypes.StatisticAverage, Period: sdk.Int32(300), EvaluationPeriods: sdk.Int32(1), Threshold: sdk.Float64(cpu),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	w.must(err, "PutMetricAlarm cpu")
}

func (w *stackWorld) createZone(name string) string {
	out, err := w.r53.CreateHostedZone(w.ctx, &route53.CreateHostedZoneInput{Name: sdk.String(name), CallerReference: sdk.String("console-test-" + name)})
	w.must(err, "CreateHostedZone")
	return strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone/")
}

func (w *stackWorld) alias(dns, lbZone string) {
	_, err := w.r53.ChangeResourceRecordSets(w.ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: sdk.String(w.zone), ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: sdk.String(w.record), Type: r53types.RRTypeA,
			AliasTarget: &r53types.AliasTarget{DNSName: sdk.String(dns), HostedZoneId: sdk.String(lbZone), EvaluateTargetHealth: true},
		}}},
	}})
	w.must(err, "ChangeResourceRecordSets")
}

// describeGroup reads the group as AWS reports it.
func (w *stackWorld) describeGroup() astypes.AutoScalingGroup {
	w.t.Helper()
	out, err := w.as.DescribeAutoScalingGroups(w.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{w.name + "-asg"}})
	w.must(err, "DescribeAutoScalingGroups")
	return out.AutoScalingGroups[0]
}

// settle lets time pass until desired instances are in service and every
// target is healthy.
func (w *stackWorld) settle() astypes.AutoScalingGroup {
	w.t.Helper()
	for range 120 {
		g := w.describeGroup()
		if len(g.Instances) == int(*g.DesiredCapacity) && inService(g) && w.healthyTargets() == int(*g.DesiredCapacity) {
			return g
		}
		if w.fixed {
			w.advance(10 * time.Second)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	g := w.describeGroup()
	w.t.Fatalf("group did not settle: desired %d, %d instances, %d healthy targets", *g.DesiredCapacity, len(g.Instances), w.healthyTargets())
	return g
}

func inService(g astypes.AutoScalingGroup) bool {
	for _, in := range g.Instances {
		if in.LifecycleState != astypes.LifecycleStateInService {
			return false
		}
	}
	return true
}

func (w *stackWorld) healthyTargets() int {
	out, err := w.elb.DescribeTargetHealth(w.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: sdk.String(w.tgARN)})
	w.must(err, "DescribeTargetHealth")
	n := 0
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

// record0 is the stack's state record as the steps leave it.
func (w *stackWorld) record0() state.Stack {
	w.outputs = map[string]map[string]string{
		"identity":      {"account": "123456789012", "region": "us-east-1"},
		"autoscaling":   {"asg_name": w.name + "-asg"},
		"load_balancer": {"lb_arn": w.lbARN, "lb_dns": w.lbDNS, "lb_zone_id": w.lbZone, "tg_arn": w.tgARN, "lb_dimension": w.lbDimension(), "tg_dimension": w.tgDimension()},
	}
	if w.zone != "" {
		w.outputs["dns"] = map[string]string{"zone_id": w.zone, "record_fqdn": w.record}
	}
	st := state.Stack{Name: w.name, Region: "us-east-1", AccountID: "123456789012", Steps: map[string]*state.StepRecord{}}
	for step, out := range w.outputs {
		st.Steps[step] = &state.StepRecord{Status: state.StepDone, Outputs: out}
	}
	return st
}

// save writes the stack's record into dir, as apply leaves it.
func (w *stackWorld) save(dir string) {
	w.t.Helper()
	st, err := state.OpenNew(dir, w.name)
	w.must(err, "state.OpenNew")
	unlock, err := st.Lock(w.ctx, "test")
	w.must(err, "lock")
	defer unlock()
	w.must(st.SetIdentity("us-east-1", "123456789012"), "SetIdentity")
	for step, out := range w.outputs {
		w.must(st.SetOutputs(step, out), "SetOutputs "+step)
		w.must(st.SetStep(step, state.StepDone, nil), "SetStep "+step)
	}
	if w.zone != "" {
		// The alias record, as the dns step records it: the blue/green
		// switch records itself on it.
		name := w.record + "."
		attrs := map[string]string{"zone_id": w.zone, "name": name, "type": "A", "target": strings.ToLower(w.lbDNS) + ".", "alias_zone": w.lbZone, "evaluate_target_health": "true"}
		_, err := st.RecordIntent(state.Intent{Key: "dns/record/A", Step: "dns", Type: "route53:record", Attrs: attrs})
		w.must(err, "RecordIntent dns/record/A")
		w.must(st.RecordCreated("dns/record/A", w.zone+"/"+name+"/A", "", attrs), "RecordCreated dns/record/A")
	}
}

// appUserData starts the app on boot: without it nothing listens on the port
// and the sandbox, as AWS would, keeps every target unhealthy.
var appUserData = base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\nnode /opt/app/server.js &\n"))
