// Package fleet is the console's read model of a running stack: one
// bounded Snapshot of its group, instances, target health, CPU, alarms,
// scaling activity, load balancer and alias record, each part read on its
// own cadence, and the everyday actions on it. It sits beside the thin
// service adapters of package aws, which it uses for errors, retries and
// the policy names; the SDK calls it makes are listed in aws.RequiredActions
// like the adapters' (aws's TestRequiredActionsMatchTheCallsTheAdaptersMake
// reads this package too).
package fleet

import (
	"context"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// Fleet reads a running stack's live state (the console's snapshot) and
// takes the everyday actions on it: capacity, instance refresh, terminate,
// standby, termination policies, and the blue/green alias switch.
//
// A snapshot reads each part on its own cadence (see Cadence) and
// batches what it reads, so its cost does not grow with the group: a
// console refreshing every 5 s averages about 4 requests a refresh at 10,
// 100 or 1,000 instances, far from the throttling limits.
type Fleet struct {
	asg asgAPI
	ec2 ec2API
	elb elbAPI
	cw  cwAPI
	acm acmAPI
	dns dnsAPI
	now func() time.Time
	// readOnly, when not "", is why every action is refused (see
	// WithReadOnly).
	readOnly string
	// retries, when set, is where the owner hears of retries (see
	// WithRetries).
	retries *RetryFeed
}

// asgAPI lists the Auto Scaling methods Fleet calls.
type asgAPI interface {
	DescribeAutoScalingGroups(context.Context, *autoscaling.DescribeAutoScalingGroupsInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeAutoScalingGroupsOutput, error)
	DescribeScalingActivities(context.Context, *autoscaling.DescribeScalingActivitiesInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeScalingActivitiesOutput, error)
	DescribeInstanceRefreshes(context.Context, *autoscaling.DescribeInstanceRefreshesInput, ...func(*autoscaling.Options)) (*autoscaling.DescribeInstanceRefreshesOutput, error)
	UpdateAutoScalingGroup(context.Context, *autoscaling.UpdateAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.UpdateAutoScalingGroupOutput, error)
	StartInstanceRefresh(context.Context, *autoscaling.StartInstanceRefreshInput, ...func(*autoscaling.Options)) (*autoscaling.StartInstanceRefreshOutput, error)
	CancelInstanceRefresh(context.Context, *autoscaling.CancelInstanceRefreshInput, ...func(*autoscaling.Options)) (*autoscaling.CancelInstanceRefreshOutput, error)
	TerminateInstanceInAutoScalingGroup(context.Context, *autoscaling.TerminateInstanceInAutoScalingGroupInput, ...func(*autoscaling.Options)) (*autoscaling.TerminateInstanceInAutoScalingGroupOutput, error)
	EnterStandby(context.Context, *autoscaling.EnterStandbyInput, ...func(*autoscaling.Options)) (*autoscaling.EnterStandbyOutput, error)
	ExitStandby(context.Context, *autoscaling.ExitStandbyInput, ...func(*autoscaling.Options)) (*autoscaling.ExitStandbyOutput, error)
}

// ec2API lists the EC2 methods Fleet calls.
type ec2API interface {
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
}

// elbAPI lists the Elastic Load Balancing methods Fleet calls.
type elbAPI interface {
	DescribeTargetHealth(context.Context, *elasticloadbalancingv2.DescribeTargetHealthInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeTargetHealthOutput, error)
	DescribeLoadBalancers(context.Context, *elasticloadbalancingv2.DescribeLoadBalancersInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeLoadBalancersOutput, error)
	DescribeListeners(context.Context, *elasticloadbalancingv2.DescribeListenersInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeListenersOutput, error)
	DescribeRules(context.Context, *elasticloadbalancingv2.DescribeRulesInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeRulesOutput, error)
	DescribeTargetGroups(context.Context, *elasticloadbalancingv2.DescribeTargetGroupsInput, ...func(*elasticloadbalancingv2.Options)) (*elasticloadbalancingv2.DescribeTargetGroupsOutput, error)
}

// cwAPI lists the CloudWatch methods Fleet calls.
type cwAPI interface {
	GetMetricData(context.Context, *cloudwatch.GetMetricDataInput, ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	DescribeAlarmHistory(context.Context, *cloudwatch.DescribeAlarmHistoryInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmHistoryOutput, error)
}

// acmAPI lists the ACM methods Fleet calls.
type acmAPI interface {
	DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
}

// dnsAPI lists the Route 53 methods Fleet calls.
type dnsAPI interface {
	ListResourceRecordSets(context.Context, *route53.ListResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(context.Context, *route53.ChangeResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
}

// New builds the fleet from the same config as the other adapters
// (aws.Clients.Config).
func New(cfg sdk.Config) *Fleet {
	return &Fleet{
		asg: autoscaling.NewFromConfig(cfg),
		ec2: ec2.NewFromConfig(cfg),
		elb: elasticloadbalancingv2.NewFromConfig(cfg),
		cw:  cloudwatch.NewFromConfig(cfg),
		acm: acm.NewFromConfig(cfg),
		dns: route53.NewFromConfig(cfg),
		now: time.Now,
	}
}

// WithClock returns a copy of f that reads the time from now: the window of
// the CPU sparklines and the snapshot's TakenAt. The sandbox's tests move
// its clock, and the metrics it serves follow that clock, not the wall's.
func (f *Fleet) WithClock(now func() time.Time) *Fleet {
	c := *f
	c.now = now
	return &c
}

// Ref names the pieces of one stack the console watches; the values come
// from the stack's state record (autoscaling asg_name; load_balancer tg_arn,
// lb_arn, lb_dimension, tg_dimension; dns zone_id, record_fqdn).
type Ref struct {
	ASGName         string
	TargetGroupARN  string
	LoadBalancerARN string
	// LBDimension (app/name/id) and TGDimension (targetgroup/name/id) are
	// the CloudWatch dimensions of the load balancer and target group.
	LBDimension string
	TGDimension string
	// AlarmPrefix selects the stack's alarms by name ("<stack>-"). The
	// alarms target tracking creates ("TargetTracking-<group>-...") are read
	// too: they say why the group scaled.
	AlarmPrefix string
	// ZoneID and RecordFQDN name the stack's Route 53 alias record, if any.
	ZoneID     string
	RecordFQDN string
	// Cadence says how often the parts not read on every snapshot are
	// read (see Cadence); the zero value takes the defaults.
	Cadence Cadence
	// CPUPoints is the number of points of each CPU sparkline, CPUPeriod
	// apart; 0 means 12 points of 5 minutes (EC2 basic monitoring's grid:
	// finer periods only have data with detailed monitoring).
	CPUPoints int
	CPUPeriod time.Duration
}

// Bounds of one snapshot. The numbers come from the AWS API references.
const (
	// MetricsPerCall is GetMetricData's limit of MetricDataQueries per
	// request (CloudWatch API reference, GetMetricData).
	MetricsPerCall = 500
	// InstancesPerPage is DescribeInstances' largest MaxResults (EC2 API
	// reference): one call covers a group of up to 1,000 instances.
	InstancesPerPage = 1000
	// activityPage and refreshPage are the single pages of scaling
	// activities and instance refreshes a snapshot reads, newest first.
	activityPage = 20
	refreshPage  = 5
	// alarmPage is DescribeAlarms' largest MaxRecords.
	alarmPage = 100
	// historyPage is the alarm history items read in one call, over
	// historyWindow.
	historyPage   = 100
	historyWindow = 24 * time.Hour
)

// SnapshotOptions tune one snapshot.
type SnapshotOptions struct {
	// Prev is the previous snapshot of the same target, or nil. The parts
	// not due this time (see Cadence), and those that fail for a
	// passing reason (listed in Problems), are carried from it. Prev is
	// only read, never changed.
	Prev *Snapshot
	// All reads every part now, whatever its cadence (a gap still waits
	// for GapRetry unless Recheck): the console's first refresh and r.
	All bool
	// LoadBalancer reads the load balancer part now.
	LoadBalancer bool
	// Changed says the caller has just changed the group (an action): EC2
	// details, scaling activities and instance refreshes are read now.
	Changed bool
	// Recheck asks again now the parts Prev found denied or unsupported,
	// rather than when GapRetry has passed.
	Recheck bool
}
