// Package fleettest builds one running stack in a sandbox for the tests of
// the console's read model (aws/fleet) and of the console (ui/console):
// the pieces the steps build, through the real SDK over HTTP, on a clock
// the test moves. It imports the adapters (aws), the sandbox and the test
// kit only, so the fleet package's own tests can use it.
package fleettest

import (
	"context"
	"encoding/base64"
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
	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
)

// Base is the sandbox clock's fixed start, so that ages, metrics and
// goldens are the same on every run: the test kit's one fixed clock.
var Base = testkit.Now

// World is a sandbox holding one stack's running pieces, built through the
// real SDK as stackwiz's steps build them: the default VPC's first two subnets,
// security groups that let only the load balancer reach the app port, a
// launch template whose instances start the app, an ALB with a target
// group and an HTTP listener, an Auto Scaling group in the target group
// with ELB health checks, two alarms, and a Route 53 alias record.
type World struct {
	T   testing.TB
	Ctx context.Context
	SB  *sandbox.Sandbox
	URL string // the sandbox's address ("" for a stack in another's sandbox)
	// Cfg is the config the code under test uses: two attempts and no
	// waiting between them.
	Cfg sdk.Config
	// Fixed is true when the sandbox runs on the fixed clock (Now).
	Fixed bool
	// Close stops the sandbox's server and saves its world, once (nil for
	// a stack in another's sandbox).
	Close func()

	// AS, EC2, ELB and R53 are the fixture's own clients. They retry as
	// usual: a connection the loopback drops under load (seen once: "use
	// of closed network connection") does not fail the setup.
	AS  *autoscaling.Client
	EC2 *ec2.Client
	ELB *elb.Client
	R53 *route53.Client

	// Name is the stack's name: its resources are Name-alb, Name-tg,
	// Name-asg, Name-lt, and its alarms start with "Name-".
	Name              string
	Subnets           []string
	VPC, AppSG, ALBSG string
	Template          string // the launch template's id
	LBARN, TGARN      string
	LBDNS, LBZone     string
	Zone, Record      string // the hosted zone ("" when none) and the alias's name

	mu     sync.Mutex
	offset time.Duration
	// unhealthyMissing is the unhealthy-hosts alarm's TreatMissingData.
	unhealthyMissing string
}

// Options shape a World.
type Options struct {
	Name string // "demo" unless set
	Size int    // the group's desired capacity; its max is twice that
	// MinSize is the group's minimum; 0 means half of Size, at least 1.
	MinSize int
	// WallClock runs the sandbox on the real clock (the built binary's
	// sandbox does); otherwise it starts at Base and moves only with
	// Advance.
	WallClock bool
	DataDir   string
	// Realistic makes AWS processes take AWS's time (speed 1) on the
	// fixed clock: boots, health checks and draining show in between.
	Realistic bool
	// CPUAlarm is the threshold of the CPU alarm; 0 means 80.
	CPUAlarm float64
	// TreatMissingData is the unhealthy-hosts alarm's; "" leaves AWS's
	// default (missing).
	TreatMissingData string
	// ForeignAlarm adds another stack's alarm (other-cpu-high), which a
	// snapshot must leave out.
	ForeignAlarm bool
	// Sandbox and Cfg put the stack in another World's sandbox (a second
	// stack for blue/green): it gets no hosted zone of its own.
	Sandbox *sandbox.Sandbox
	Cfg     *sdk.Config
}

// New builds the stack and lets it settle: every instance in service and
// every target healthy.
func New(t testing.TB, o Options) *World {
	t.Helper()
	if o.Name == "" {
		o.Name = "demo"
	}
	w := &World{T: t, Name: o.Name, Fixed: !o.WallClock, unhealthyMissing: o.TreatMissingData}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	w.Ctx = ctx
	switch {
	case o.Sandbox != nil:
		w.SB, w.Cfg = o.Sandbox, *o.Cfg
	default:
		opts := sandbox.Options{DataDir: o.DataDir}
		if o.Realistic {
			opts.Latency, opts.Speed = sandbox.LatencyRealistic, 1
		}
		if w.Fixed {
			opts.Now = func() time.Time { return Base }
		}
		// Three attempts are a margin for a loaded machine; the cadence
		// tests count retries apart.
		srv := testkit.NewServer(t, testkit.ServerOptions{Sandbox: opts,
			Retry: aws.Options{MaxAttempts: 3, MaxBackoff: time.Millisecond}})
		w.SB, w.URL, w.Cfg, w.Close = srv.SB, srv.URL, srv.Cfg, srv.Close
	}
	setup := aws.WithRetryer(w.Cfg, aws.Options{MaxBackoff: 10 * time.Millisecond})
	w.AS, w.EC2, w.ELB, w.R53 = autoscaling.NewFromConfig(setup), ec2.NewFromConfig(setup), elb.NewFromConfig(setup), route53.NewFromConfig(setup)
	w.network()
	w.launchTemplate()
	w.LBARN, w.TGARN, w.LBDNS, w.LBZone = w.LoadBalancer(w.Name)
	minSize := o.MinSize
	if minSize == 0 {
		minSize = max(1, o.Size/2)
	}
	w.group(minSize, o.Size)
	w.alarms(o.CPUAlarm, o.ForeignAlarm)
	w.Record = "api.example.com"
	if o.Sandbox == nil {
		w.Zone = w.CreateZone("example.com")
		w.Alias(w.Zone, w.Record, w.LBDNS, w.LBZone)
	}
	w.Settle()
	return w
}

// Now is the sandbox's clock: Base plus every Advance, or the wall's.
func (w *World) Now() time.Time {
	if !w.Fixed {
		return time.Now()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return Base.Add(w.offset)
}

// Advance lets d pass in the sandbox (and on the fixed clock).
func (w *World) Advance(d time.Duration) {
	w.mu.Lock()
	w.offset += d
	w.mu.Unlock()
	w.SB.Advance(d)
}

// Must fails the test when err is not nil.
func (w *World) Must(err error, what string) {
	w.T.Helper()
	if err != nil {
		w.T.Fatalf("%s: %v", what, err)
	}
}

// Requests is the number of requests the sandbox served since its last
// ResetStats.
func (w *World) Requests() int { return w.SB.Stats().Total }

// ASGName is the group's name.
func (w *World) ASGName() string { return w.Name + "-asg" }

// LBDimension and TGDimension are the CloudWatch dimensions of the load
// balancer (app/name/id) and the target group (targetgroup/name/id), read
// from the ARNs as steps does.
func (w *World) LBDimension() string { return aws.ARNResourceAfter(w.LBARN, "loadbalancer/") }
func (w *World) TGDimension() string { return aws.ARNResource(w.TGARN) }

func (w *World) network() {
	out, err := w.EC2.DescribeSubnets(w.Ctx, &ec2.DescribeSubnetsInput{})
	w.Must(err, "DescribeSubnets")
	var subnets []ec2types.Subnet
	for _, s := range out.Subnets {
		if sdk.ToBool(s.DefaultForAz) {
			subnets = append(subnets, s)
		}
	}
	sort.Slice(subnets, func(i, j int) bool { return *subnets[i].AvailabilityZone < *subnets[j].AvailabilityZone })
	for _, s := range subnets[:2] {
		w.Subnets = append(w.Subnets, *s.SubnetId)
		w.VPC = *s.VpcId
	}
	alb, err := w.EC2.CreateSecurityGroup(w.Ctx, &ec2.CreateSecurityGroupInput{GroupName: sdk.String(w.Name + "-alb"), Description: sdk.String("load balancer"), VpcId: sdk.String(w.VPC)})
	w.Must(err, "CreateSecurityGroup alb")
	w.ALBSG = *alb.GroupId
	_, err = w.EC2.AuthorizeSecurityGroupIngress(w.Ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: alb.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(80), ToPort: sdk.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: sdk.String("0.0.0.0/0")}},
	}}})
	w.Must(err, "AuthorizeSecurityGroupIngress alb")
	sg, err := w.EC2.CreateSecurityGroup(w.Ctx, &ec2.CreateSecurityGroupInput{GroupName: sdk.String(w.Name + "-app"), Description: sdk.String("app"), VpcId: sdk.String(w.VPC)})
	w.Must(err, "CreateSecurityGroup app")
	w.AppSG = *sg.GroupId
	_, err = w.EC2.AuthorizeSecurityGroupIngress(w.Ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(3000), ToPort: sdk.Int32(3000), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: alb.GroupId}},
	}}})
	w.Must(err, "AuthorizeSecurityGroupIngress app")
}

// ImageID is the Amazon Linux 2023 image the sandbox's SSM parameter names.
func (w *World) ImageID() string {
	out, err := ssm.NewFromConfig(w.Cfg).GetParameter(w.Ctx, &ssm.GetParameterInput{Name: sdk.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	w.Must(err, "GetParameter")
	return *out.Parameter.Value
}

func (w *World) launchTemplate() {
	out, err := w.EC2.CreateLaunchTemplate(w.Ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdk.String(w.Name + "-lt"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdk.String(w.ImageID()), InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{w.AppSG}, UserData: sdk.String(AppUserData)}})
	w.Must(err, "CreateLaunchTemplate")
	w.Template = *out.LaunchTemplate.LaunchTemplateId
}

// NewTemplateVersion adds a t3.small version of the launch template, what
// a deploy would do.
func (w *World) NewTemplateVersion() {
	_, err := w.EC2.CreateLaunchTemplateVersion(w.Ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: sdk.String(w.Template),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdk.String(w.ImageID()), InstanceType: ec2types.InstanceTypeT3Small, SecurityGroupIds: []string{w.AppSG}, UserData: sdk.String(AppUserData)}})
	w.Must(err, "CreateLaunchTemplateVersion")
}

// LoadBalancer creates name-alb in the stack's subnets with name-tg behind
// an HTTP:80 listener.
func (w *World) LoadBalancer(name string) (lbARN, tgARN, dns, zone string) {
	lb, err := w.ELB.CreateLoadBalancer(w.Ctx, &elb.CreateLoadBalancerInput{Name: sdk.String(name + "-alb"), Subnets: w.Subnets, SecurityGroups: []string{w.ALBSG}})
	w.Must(err, "CreateLoadBalancer")
	l := lb.LoadBalancers[0]
	tg, err := w.ELB.CreateTargetGroup(w.Ctx, &elb.CreateTargetGroupInput{Name: sdk.String(name + "-tg"), Port: sdk.Int32(3000), Protocol: elbtypes.ProtocolEnumHttp,
		VpcId: sdk.String(w.VPC), HealthCheckPath: sdk.String("/"), HealthCheckIntervalSeconds: sdk.Int32(30), HealthyThresholdCount: sdk.Int32(3), UnhealthyThresholdCount: sdk.Int32(2)})
	w.Must(err, "CreateTargetGroup")
	tgARN = *tg.TargetGroups[0].TargetGroupArn
	_, err = w.ELB.CreateListener(w.Ctx, &elb.CreateListenerInput{LoadBalancerArn: l.LoadBalancerArn, Port: sdk.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: sdk.String(tgARN)}}})
	w.Must(err, "CreateListener")
	return *l.LoadBalancerArn, tgARN, *l.DNSName, *l.CanonicalHostedZoneId
}

func (w *World) group(minSize, size int) {
	_, err := w.AS.CreateAutoScalingGroup(w.Ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(w.ASGName()),
		LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: sdk.String(w.Template), Version: sdk.String("$Latest")},
		MinSize:              sdk.Int32(int32(minSize)), DesiredCapacity: sdk.Int32(int32(size)), MaxSize: sdk.Int32(int32(2 * size)),
		VPCZoneIdentifier:      sdk.String(strings.Join(w.Subnets, ",")),
		TargetGroupARNs:        []string{w.TGARN},
		HealthCheckType:        sdk.String("ELB"),
		HealthCheckGracePeriod: sdk.Int32(120),
		TerminationPolicies:    []string{"Default"},
	})
	w.Must(err, "CreateAutoScalingGroup")
}

func (w *World) alarms(cpu float64, foreign bool) {
	if cpu == 0 {
		cpu = 80
	}
	cw := cloudwatch.NewFromConfig(w.Cfg)
	unhealthy := &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String(w.Name + "-unhealthy-hosts"), Namespace: sdk.String("AWS/ApplicationELB"), MetricName: sdk.String("UnHealthyHostCount"),
		Dimensions: []cwtypes.Dimension{{Name: sdk.String("TargetGroup"), Value: sdk.String(w.TGDimension())}, {Name: sdk.String("LoadBalancer"), Value: sdk.String(w.LBDimension())}},
		Statistic:  cwtypes.StatisticMaximum, Period: sdk.Int32(60), EvaluationPeriods: sdk.Int32(2), Threshold: sdk.Float64(0),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	}
	if w.unhealthyMissing != "" {
		unhealthy.TreatMissingData = sdk.String(w.unhealthyMissing)
	}
	_, err := cw.PutMetricAlarm(w.Ctx, unhealthy)
	w.Must(err, "PutMetricAlarm unhealthy")
	cpuAlarm := func(stack string, threshold float64) {
		_, err := cw.PutMetricAlarm(w.Ctx, &cloudwatch.PutMetricAlarmInput{
			AlarmName: sdk.String(stack + "-cpu-high"), Namespace: sdk.String("AWS/EC2"), MetricName: sdk.String("CPUUtilization"),
			Dimensions: []cwtypes.Dimension{{Name: sdk.String("AutoScalingGroupName"), Value: sdk.String(stack + "-asg")}},
			Statistic:  cwtypes.StatisticAverage, Period: sdk.Int32(300), EvaluationPeriods: sdk.Int32(1), Threshold: sdk.Float64(threshold),
			ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
		})
		w.Must(err, "PutMetricAlarm "+stack+"-cpu-high")
	}
	cpuAlarm(w.Name, cpu)
	if foreign {
		cpuAlarm("other", 80)
	}
}

// CreateZone creates a public hosted zone and returns its id.
func (w *World) CreateZone(name string) string {
	out, err := w.R53.CreateHostedZone(w.Ctx, &route53.CreateHostedZoneInput{Name: sdk.String(name), CallerReference: sdk.String("fixture-" + name)})
	w.Must(err, "CreateHostedZone")
	return strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone/")
}

// Alias points the A record name in zone at a load balancer.
func (w *World) Alias(zone, name, dns, lbZone string) {
	_, err := w.R53.ChangeResourceRecordSets(w.Ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: sdk.String(zone), ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: sdk.String(name), Type: r53types.RRTypeA,
			AliasTarget: &r53types.AliasTarget{DNSName: sdk.String(dns), HostedZoneId: sdk.String(lbZone), EvaluateTargetHealth: true},
		}}},
	}})
	w.Must(err, "ChangeResourceRecordSets")
}

// DescribeGroup reads the group as AWS reports it.
func (w *World) DescribeGroup() astypes.AutoScalingGroup {
	w.T.Helper()
	out, err := w.AS.DescribeAutoScalingGroups(w.Ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{w.ASGName()}})
	w.Must(err, "DescribeAutoScalingGroups")
	return out.AutoScalingGroups[0]
}

// Settle lets time pass until the group holds desired InService instances
// and every target is healthy.
func (w *World) Settle() astypes.AutoScalingGroup {
	w.T.Helper()
	for range 120 {
		g := w.DescribeGroup()
		if len(g.Instances) == int(*g.DesiredCapacity) && InService(g) && w.HealthyTargets() == int(*g.DesiredCapacity) {
			return g
		}
		if w.Fixed {
			w.Advance(10 * time.Second)
		} else {
			time.Sleep(20 * time.Millisecond)
		}
	}
	g := w.DescribeGroup()
	w.T.Fatalf("group did not settle: desired %d, %d instances, %d healthy targets", *g.DesiredCapacity, len(g.Instances), w.HealthyTargets())
	return g
}

// InService reports whether every instance of g is InService.
func InService(g astypes.AutoScalingGroup) bool {
	for _, in := range g.Instances {
		if in.LifecycleState != astypes.LifecycleStateInService {
			return false
		}
	}
	return true
}

// HealthyTargets is the number of healthy targets in the target group.
func (w *World) HealthyTargets() int {
	out, err := w.ELB.DescribeTargetHealth(w.Ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: sdk.String(w.TGARN)})
	w.Must(err, "DescribeTargetHealth")
	n := 0
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

// AppUserData starts the app on boot: without it nothing listens on the
// port and the sandbox, as AWS would, keeps every target unhealthy.
var AppUserData = base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\nnode /opt/app/server.js &\n"))
