package sandbox

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// asgWorld is a test sandbox with the clients and fixtures Auto Scaling
// tests need: a launch template from a public AMI and the default subnets.
type asgWorld struct {
	*testSandbox
	t        testing.TB
	ctx      context.Context
	as       *autoscaling.Client
	ec2      *ec2.Client
	template string            // launch template id
	subnets  []string          // default subnets, one per zone, in zone order
	zoneOf   map[string]string // subnet → zone
	vpc      string            // default VPC
}

func newASGWorld(t testing.TB, opts ...func(*Options)) *asgWorld {
	t.Helper()
	ts := newTestSandbox(t, opts...)
	w := &asgWorld{testSandbox: ts, t: t, ctx: testCtx(t), as: autoscaling.NewFromConfig(ts.Cfg), ec2: ec2.NewFromConfig(ts.Cfg), zoneOf: map[string]string{}}
	w.template = w.createTemplate("web", "")
	out, err := w.ec2.DescribeSubnets(w.ctx, &ec2.DescribeSubnetsInput{})
	if err != nil {
		t.Fatalf("DescribeSubnets: %v", err)
	}
	var subnets []ec2types.Subnet
	for _, s := range out.Subnets {
		if aws.ToBool(s.DefaultForAz) {
			subnets = append(subnets, s)
		}
	}
	sort.Slice(subnets, func(i, j int) bool { return *subnets[i].AvailabilityZone < *subnets[j].AvailabilityZone })
	for _, s := range subnets {
		w.subnets = append(w.subnets, *s.SubnetId)
		w.zoneOf[*s.SubnetId] = *s.AvailabilityZone
		w.vpc = *s.VpcId
	}
	if len(w.subnets) != 3 {
		t.Fatalf("default subnets = %v, want one per zone", w.subnets)
	}
	return w
}

// imageID returns the public Amazon Linux 2023 AMI behind its SSM alias.
func (w *asgWorld) imageID() string {
	w.t.Helper()
	out, err := ssm.NewFromConfig(w.Cfg).GetParameter(w.ctx, &ssm.GetParameterInput{Name: aws.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	if err != nil {
		w.t.Fatalf("GetParameter: %v", err)
	}
	return *out.Parameter.Value
}

// createTemplate creates a launch template whose user data starts the app
// (optionally with an instance profile).
func (w *asgWorld) createTemplate(name, profile string) string {
	w.t.Helper()
	data := &ec2types.RequestLaunchTemplateData{ImageId: aws.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Micro, UserData: aws.String(appUserData)}
	if profile != "" {
		data.IamInstanceProfile = &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(profile)}
	}
	out, err := w.ec2.CreateLaunchTemplate(w.ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String(name), LaunchTemplateData: data})
	if err != nil {
		w.t.Fatalf("CreateLaunchTemplate: %v", err)
	}
	return *out.LaunchTemplate.LaunchTemplateId
}

// newVersion adds a launch template version (t3.small, the same app,
// optionally with an instance profile) and returns its number.
func (w *asgWorld) newVersion(template string, profile ...string) string {
	w.t.Helper()
	data := &ec2types.RequestLaunchTemplateData{ImageId: aws.String(w.imageID()), InstanceType: ec2types.InstanceTypeT3Small, UserData: aws.String(appUserData)}
	if len(profile) > 0 {
		data.IamInstanceProfile = &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(profile[0])}
	}
	out, err := w.ec2.CreateLaunchTemplateVersion(w.ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: aws.String(template), LaunchTemplateData: data})
	if err != nil {
		w.t.Fatalf("CreateLaunchTemplateVersion: %v", err)
	}
	return strconv.FormatInt(*out.LaunchTemplateVersion.VersionNumber, 10)
}

// createGroup creates a group over the default subnets with the given
// sizes; change adjusts the input first.
func (w *asgWorld) createGroup(name string, min, desired, max int32, change ...func(*autoscaling.CreateAutoScalingGroupInput)) {
	w.t.Helper()
	in := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String(name),
		LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(w.template), Version: aws.String("$Latest")},
		MinSize:              aws.Int32(min), MaxSize: aws.Int32(max), DesiredCapacity: aws.Int32(desired),
		VPCZoneIdentifier: aws.String(strings.Join(w.subnets, ",")),
	}
	for _, f := range change {
		f(in)
	}
	if _, err := w.as.CreateAutoScalingGroup(w.ctx, in); err != nil {
		w.t.Fatalf("CreateAutoScalingGroup: %v", err)
	}
}

// group describes one group.
func (w *asgWorld) group(name string) astypes.AutoScalingGroup {
	w.t.Helper()
	out, err := w.as.DescribeAutoScalingGroups(w.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		w.t.Fatalf("DescribeAutoScalingGroups: %v", err)
	}
	if len(out.AutoScalingGroups) != 1 {
		w.t.Fatalf("group %s: found %d", name, len(out.AutoScalingGroups))
	}
	return out.AutoScalingGroups[0]
}

// settle lets time pass in steps until the group's instances are all in
// service and match desired capacity, or fails.
func (w *asgWorld) settle(name string) astypes.AutoScalingGroup {
	w.t.Helper()
	var g astypes.AutoScalingGroup
	for range 60 {
		g = w.group(name)
		if len(g.Instances) == int(*g.DesiredCapacity) && countState(g, "InService") == len(g.Instances) {
			return g
		}
		w.Advance(10 * time.Second)
	}
	w.t.Fatalf("group %s did not settle: %d instances, %s", name, len(g.Instances), groupString(g))
	return g
}

func countState(g astypes.AutoScalingGroup, state string) int {
	n := 0
	for _, in := range g.Instances {
		if string(in.LifecycleState) == state {
			n++
		}
	}
	return n
}

// zones counts the group's in-service and pending instances per zone.
func zones(g astypes.AutoScalingGroup) map[string]int {
	m := map[string]int{}
	for _, in := range g.Instances {
		if s := in.LifecycleState; s == astypes.LifecycleStateInService || s == astypes.LifecycleStatePending {
			m[*in.AvailabilityZone]++
		}
	}
	return m
}

func groupString(g astypes.AutoScalingGroup) string {
	var parts []string
	for _, in := range g.Instances {
		parts = append(parts, *in.InstanceId+"@"+*in.AvailabilityZone+":"+string(in.LifecycleState)+"/"+*in.HealthStatus)
	}
	return strings.Join(parts, " ")
}

func instanceIDs(g astypes.AutoScalingGroup) []string {
	var ids []string
	for _, in := range g.Instances {
		ids = append(ids, *in.InstanceId)
	}
	return ids
}

// activities returns all of a group's activities, newest first, through the paginator.
func (w *asgWorld) activities(name string) []astypes.Activity {
	w.t.Helper()
	var all []astypes.Activity
	p := autoscaling.NewDescribeScalingActivitiesPaginator(w.as, &autoscaling.DescribeScalingActivitiesInput{AutoScalingGroupName: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(w.ctx)
		if err != nil {
			w.t.Fatalf("DescribeScalingActivities: %v", err)
		}
		all = append(all, out.Activities...)
	}
	return all
}
