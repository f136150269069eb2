package aws

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

	"github.com/stackwiz/stackwiz/sandbox"
)

// fleetBase is the fixed start of the sandbox clock in fleet tests.
var fleetBase = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// fleetWorld is a sandbox served over HTTP holding one stack's running
// pieces, built through the real SDK as the steps build them: the default
// VPC's subnets, a security group, a launch template, an ALB with a target
// group and an HTTP listener, an Auto Scaling group in the target group
// with ELB health checks, two alarms and an alias record.
type fleetWorld struct {
	t     testing.TB
	ctx   context.Context
	SB    *sandbox.Sandbox
	URL   string // the sandbox's address
	Cfg   sdk.Config
	Fleet *Fleet

	mu     sync.Mutex
	offset time.Duration

	as  *autoscaling.Client
	ec2 *ec2.Client
	elb *elb.Client
	r53 *route53.Client

	subnets  []string
	vpc      string
	sg       string
	albSG    string
	template string
	Target   FleetRef
	LBDNS    string
	LBZone   string
}

// now is the sandbox's clock: the fixed base plus every Advance.
func (w *fleetWorld) now() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return fleetBase.Add(w.offset)
}

// advance moves the sandbox clock and the fleet's with it.
func (w *fleetWorld) advance(d time.Duration) {
	w.mu.Lock()
	w.offset += d
	w.mu.Unlock()
	w.SB.Advance(d)
}

func newFleetWorld(t testing.TB, size int) *fleetWorld {
	t.Helper()
	w := &fleetWorld{t: t}
	sb, err := sandbox.New(sandbox.Options{Now: func() time.Time { return fleetBase }})
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	w.ctx, w.SB, w.URL = ctx, sb, srv.URL
	w.Cfg = WithRetryer(sandbox.Config(srv.URL, "us-east-1"), Options{MaxAttempts: 2, MaxBackoff: time.Millisecond})
	w.Fleet = NewClients(w.Cfg).Fleet.WithClock(w.now)
	w.as, w.ec2, w.elb, w.r53 = autoscaling.NewFromConfig(w.Cfg), ec2.NewFromConfig(w.Cfg), elb.NewFromConfig(w.Cfg), route53.NewFromConfig(w.Cfg)
	w.network()
	w.launchTemplate()
	lbARN, tgARN := w.loadBalancer("demo")
	w.group("demo-asg", size, tgARN)
	w.alarms(lbARN, tgARN)
	zone := w.zone("example.com")
	w.Target = FleetRef{
		ASGName: "demo-asg", TargetGroupARN: tgARN, LoadBalancerARN: lbARN,
		LBDimension: fleetARNSuffix(lbARN, ":loadbalancer/"), TGDimension: "targetgroup/" + fleetARNSuffix(tgARN, ":targetgroup/"),
		AlarmPrefix: "demo-", ZoneID: zone, RecordFQDN: "api.example.com",
	}
	w.alias(zone, "api.example.com", w.LBDNS, w.LBZone)
	w.settle()
	return w
}

func fleetARNSuffix(arn, marker string) string {
	if i := strings.Index(arn, marker); i >= 0 {
		return arn[i+len(marker):]
	}
	return arn
}

func (w *fleetWorld) must(err error, what string) {
	w.t.Helper()
	if err != nil {
		w.t.Fatalf("%s: %v", what, err)
	}
}

func (w *fleetWorld) network() {
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
	alb, err := w.ec2.CreateSecurityGroup(w.ctx, &ec2.CreateSecurityGroupInput{GroupName: sdk.String("demo-alb"), Description: sdk.String("demo load balancer"), VpcId: sdk.String(w.vpc)})
	w.must(err, "CreateSecurityGroup alb")
	w.albSG = *alb.GroupId
	_, err = w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: alb.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(80), ToPort: sdk.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: sdk.String("0.0.0.0/0")}},
	}}})
	w.must(err, "AuthorizeSecurityGroupIngress alb")
	sg, err := w.ec2.CreateSecurityGroup(w.ctx, &ec2.CreateSecurityGroupInput{GroupName: sdk.String("demo-app"), Description: sdk.String("demo app"), VpcId: sdk.String(w.vpc)})
	w.must(err, "CreateSecurityGroup app")
	w.sg = *sg.GroupId
	_, err = w.ec2.AuthorizeSecurityGroupIngress(w.ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(3000), ToPort: sdk.Int32(3000), UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: alb.GroupId}},
	}}})
	w.must(err, "AuthorizeSecurityGroupIngress app")
}

func (w *fleetWorld) imageID() string {
	out, err := ssm.NewFromConfig(w.Cfg).GetParameter(w.ctx, &ssm.GetParameterInput{Name: sdk.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	w.must(err, "GetParameter")
	return *out.Parameter.Value
}

func (w *fleetWorld) launchTemplate() {
	out, err := w.ec2.CreateLaunchTemplate(w.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdk.String("demo-lt"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdk.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{w.sg}, UserData: sdk.String(fleetAppUserData)}})
	w.must(err, "CreateLaunchTemplate")
	w.template = *out.LaunchTemplate.LaunchTemplateId
}

// newTemplateVersion adds a t3.small version of the launch template.
func (w *fleetWorld) newTemplateVersion() {
	_, err := w.ec2.CreateLaunchTemplateVersion(w.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: sdk.String(w.template),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: sdk.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Small, SecurityGroupIds: []string{w.sg}, UserData: sdk.String(fleetAppUserData)}})
	w.must(err, "CreateLaunchTemplateVersion")
}

// loadBalancer creates name-alb with name-tg behind an HTTP:80 listener.
func (w *fleetWorld) loadBalancer(name string) (lbARN, tgARN string) {
	lb, err := w.elb.CreateLoadBalancer(w.ctx, &elb.CreateLoadBalancerInput{Name: sdk.String(name + "-alb"), Subnets: w.subnets, SecurityGroups: []string{w.albSG}})
	w.must(err, "CreateLoadBalancer")
	l := lb.LoadBalancers[0]
	lbARN = *l.LoadBalancerArn
	if name == "demo" {
		w.LBDNS, w.LBZone = *l.DNSName, *l.CanonicalHostedZoneId
	}
	tg, err := w.elb.CreateTargetGroup(w.ctx, &elb.CreateTargetGroupInput{Name: sdk.String(name + "-tg"), Port: sdk.Int32(3000), Protocol: elbtypes.ProtocolEnumHttp,
		VpcId: sdk.String(w.vpc), HealthCheckPath: sdk.String("/"), HealthCheckIntervalSeconds: sdk.Int32(30), HealthyThresholdCount: sdk.Int32(3), UnhealthyThresholdCount: sdk.Int32(2)})
	w.must(err, "CreateTargetGroup")
	tgARN = *tg.TargetGroups[0].TargetGroupArn
	_, err = w.elb.CreateListener(w.ctx, &elb.CreateListenerInput{LoadBalancerArn: sdk.String(lbARN), Port: sdk.Int32(80), Protocol: elbtypes.ProtocolEnumHttp,
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: sdk.String(tgARN)}}})
	w.must(err, "CreateListener")
	return lbARN, tgARN
}

func (w *fleetWorld) group(name string, size int, tgARN string) {
	_, err := w.as.CreateAutoScalingGroup(w.ctx, &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(name),
		LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: sdk.String(w.template), Version: sdk.String("$Latest")},
		MinSize:              sdk.Int32(int32(size)), DesiredCapacity: sdk.Int32(int32(size)), MaxSize: sdk.Int32(int32(2 * size)),
		VPCZoneIdentifier:      sdk.String(strings.Join(w.subnets, ",")),
		TargetGroupARNs:        []string{tgARN},
		HealthCheckType:        sdk.String("ELB"),
		HealthCheckGracePeriod: sdk.Int32(120),
		TerminationPolicies:    []string{"Default"},
	})
	w.must(err, "CreateAutoScalingGroup")
}

func (w *fleetWorld) alarms(lbARN, tgARN string) {
	cw := cloudwatch.NewFromConfig(w.Cfg)
	_, err := cw.PutMetricAlarm(w.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String("demo-unhealthy-hosts"), Namespace: sdk.String("AWS/ApplicationELB"), MetricName: sdk.String("UnHealthyHostCount"),
		Dimensions: []cwtypes.Dimension{
			{Name: sdk.String("TargetGroup"), Value: sdk.String("targetgroup/" + fleetARNSuffix(tgARN, ":targetgroup/"))},
			{Name: sdk.String("LoadBalancer"), Value: sdk.String(fleetARNSuffix(lbARN, ":loadbalancer/"))},
		},
		Statistic: cwtypes.StatisticMaximum, Period: sdk.Int32(60), EvaluationPeriods: sdk.Int32(2), Threshold: sdk.Float64(0),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	w.must(err, "PutMetricAlarm unhealthy")
	_, err = cw.PutMetricAlarm(w.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String("demo-cpu-high"), Namespace: sdk.String("AWS/EC2"), MetricName: sdk.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: sdk.String("AutoScalingGroupName"), Value: sdk.String("demo-asg")}},
		Statistic:  cwtypes.StatisticAverage, Period: sdk.Int32(300), EvaluationPeriods: sdk.Int32(1), Threshold: sdk.Float64(80),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	w.must(err, "PutMetricAlarm cpu")
	// Another stack's alarm, which the snapshot must leave out.
	_, err = cw.PutMetricAlarm(w.ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String("other-cpu-high"), Namespace: sdk.String("AWS/EC2"), MetricName: sdk.String("CPUUtilization"),
		Dimensions: []cwtypes.Dimension{{Name: sdk.String("AutoScalingGroupName"), Value: sdk.String("other-asg")}},
		Statistic:  cwtypes.StatisticAverage, Period: sdk.Int32(300), EvaluationPeriods: sdk.Int32(1), Threshold: sdk.Float64(80),
		ComparisonOperator: cwtypes.ComparisonOperatorGreaterThanThreshold,
	})
	w.must(err, "PutMetricAlarm other")
}

func (w *fleetWorld) zone(name string) string {
	out, err := w.r53.CreateHostedZone(w.ctx, &route53.CreateHostedZoneInput{Name: sdk.String(name), CallerReference: sdk.String("fleet-test-" + name)})
	w.must(err, "CreateHostedZone")
	return strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone/")
}

func (w *fleetWorld) alias(zone, name, dns, lbZone string) {
	_, err := w.r53.ChangeResourceRecordSets(w.ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: sdk.String(zone), ChangeBatch: &r53types.ChangeBatch{
		Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: sdk.String(name), Type: r53types.RRTypeA,
			AliasTarget: &r53types.AliasTarget{DNSName: sdk.String(dns), HostedZoneId: sdk.String(lbZone), EvaluateTargetHealth: true},
		}}},
	}})
	w.must(err, "ChangeResourceRecordSets")
}

// describeGroup reads the group as AWS reports it.
func (w *fleetWorld) describeGroup() astypes.AutoScalingGroup {
	w.t.Helper()
	out, err := w.as.DescribeAutoScalingGroups(w.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{w.Target.ASGName}})
	w.must(err, "DescribeAutoScalingGroups")
	return out.AutoScalingGroups[0]
}

// settle lets time pass until the group holds desired InService instances
// and every target is healthy, then past the health check grace period.
func (w *fleetWorld) settle() astypes.AutoScalingGroup {
	w.t.Helper()
	for range 120 {
		g := w.describeGroup()
		if len(g.Instances) == int(*g.DesiredCapacity) && w.allInService(g) && w.healthyTargets() == int(*g.DesiredCapacity) {
			return g
		}
		w.advance(10 * time.Second)
	}
	g := w.describeGroup()
	w.t.Fatalf("group did not settle: desired %d, %d instances, %d healthy targets", *g.DesiredCapacity, len(g.Instances), w.healthyTargets())
	return g
}

func (w *fleetWorld) allInService(g astypes.AutoScalingGroup) bool {
	for _, in := range g.Instances {
		if in.LifecycleState != astypes.LifecycleStateInService {
			return false
		}
	}
	return true
}

func (w *fleetWorld) healthyTargets() int {
	out, err := w.elb.DescribeTargetHealth(w.ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: sdk.String(w.Target.TargetGroupARN)})
	w.must(err, "DescribeTargetHealth")
	n := 0
	for _, d := range out.TargetHealthDescriptions {
		if d.TargetHealth.State == elbtypes.TargetHealthStateEnumHealthy {
			n++
		}
	}
	return n
}

// requests is the number of requests the sandbox served since its last
// ResetStats.
func (w *fleetWorld) requests() int {
	return w.SB.Stats().Total
}

// fleetAppUserData starts the app on boot: without it nothing listens on the port
// and the sandbox, as AWS would, keeps every target unhealthy.
var fleetAppUserData = base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\nnode /opt/app/server.js &\n"))
