package sandbox

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// wantAPIError fails unless err is an AWS error with code (and, when given,
// a message containing msg).
func wantAPIError(t testing.TB, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("err = %v, want %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("err = %s: %s, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func TestAutoScalingGroupLifecycleWithTheSDKWaiters(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 1, 2, 4, func(in *autoscaling.CreateAutoScalingGroupInput) {
		in.Tags = []astypes.Tag{
			{Key: aws.String("Name"), Value: aws.String("web"), PropagateAtLaunch: aws.Bool(true)},
			{Key: aws.String("team"), Value: aws.String("infra"), PropagateAtLaunch: aws.Bool(false)},
		}
	})
	names := &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}}
	if err := autoscaling.NewGroupExistsWaiter(w.as, func(o *autoscaling.GroupExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).Wait(w.ctx, names, 10*time.Second); err != nil {
		t.Fatalf("GroupExists waiter: %v", err)
	}
	if err := autoscaling.NewGroupInServiceWaiter(w.as, func(o *autoscaling.GroupInServiceWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).Wait(w.ctx, names, 10*time.Second); err != nil {
		t.Fatalf("GroupInService waiter: %v", err)
	}
	g := w.settle("web")
	if *g.HealthCheckGracePeriod != 0 || *g.HealthCheckType != "EC2" || *g.DefaultCooldown != 300 {
		t.Errorf("defaults: grace %d (the API default is 0), type %s, cooldown %d", *g.HealthCheckGracePeriod, *g.HealthCheckType, *g.DefaultCooldown)
	}
	if !slices.Equal(g.TerminationPolicies, []string{"Default"}) || *g.VPCZoneIdentifier != strings.Join(w.subnets, ",") || len(g.AvailabilityZones) != 3 {
		t.Errorf("group = policies %v, subnets %s, zones %v", g.TerminationPolicies, *g.VPCZoneIdentifier, g.AvailabilityZones)
	}
	if lt := g.LaunchTemplate; *lt.LaunchTemplateId != w.template || *lt.LaunchTemplateName != "web" || *lt.Version != "$Latest" {
		t.Errorf("launch template = %+v", *lt)
	}
	if !strings.HasPrefix(*g.AutoScalingGroupARN, "arn:aws:autoscaling:us-east-1:"+AccountID+":autoScalingGroup:") || !strings.HasSuffix(*g.AutoScalingGroupARN, ":autoScalingGroupName/web") {
		t.Errorf("ARN = %s", *g.AutoScalingGroupARN)
	}
	for _, in := range g.Instances {
		if *in.LaunchTemplate.Version != "1" || *in.HealthStatus != "Healthy" || *in.InstanceType != "t3.micro" {
			t.Errorf("instance %s: version %s, health %s, type %s", *in.InstanceId, *in.LaunchTemplate.Version, *in.HealthStatus, *in.InstanceType)
		}
	}

	// The instances are real EC2 instances carrying the propagated tags.
	out, err := w.ec2.DescribeInstances(w.ctx, &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:aws:autoscaling:groupName"), Values: []string{"web"}}}})
	if err != nil {
		t.Fatal(err)
	}
	var running []string
	for _, res := range out.Reservations {
		for _, in := range res.Instances {
			tags := map[string]string{}
			for _, tg := range in.Tags {
				tags[*tg.Key] = *tg.Value
			}
			if tags["Name"] != "web" || tags["team"] != "" {
				t.Errorf("instance %s tags = %v: want Name propagated, team not", *in.InstanceId, tags)
			}
			if in.State.Name == ec2types.InstanceStateNameRunning {
				running = append(running, *in.InstanceId)
			}
		}
	}
	slices.Sort(running)
	if ids := instanceIDs(g); !slices.Equal(running, slices.Sorted(slices.Values(ids))) {
		t.Errorf("running EC2 instances %v, group instances %v", running, ids)
	}

	// A group with instances cannot be deleted without ForceDelete.
	_, err = w.as.DeleteAutoScalingGroup(w.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web")})
	wantAPIError(t, err, "ResourceInUse", "You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group")
	// Nor while its instances are terminating.
	if _, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(0), DesiredCapacity: aws.Int32(0)}); err != nil {
		t.Fatal(err)
	}
	_, err = w.as.DeleteAutoScalingGroup(w.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web")})
	wantAPIError(t, err, "ScalingActivityInProgress", "scaling activities in progress")
	w.settle("web")
	if _, err := w.as.DeleteAutoScalingGroup(w.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web")}); err != nil {
		t.Fatalf("delete an empty group: %v", err)
	}
	if err := autoscaling.NewGroupNotExistsWaiter(w.as, func(o *autoscaling.GroupNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).Wait(w.ctx, names, 10*time.Second); err != nil {
		t.Fatalf("GroupNotExists waiter: %v", err)
	}
}

func TestForceDeleteShowsDeleteInProgressUntilInstancesTerminate(t *testing.T) {
	w := newASGWorld(t, func(o *Options) { o.Latency, o.Speed = LatencyRealistic, 1 })
	w.createGroup("web", 2, 2, 2)
	w.settle("web")
	if _, err := w.as.DeleteAutoScalingGroup(w.ctx, &autoscaling.DeleteAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), ForceDelete: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	g := w.group("web")
	if aws.ToString(g.Status) != "Delete in progress" || countState(g, "Terminating") != 2 {
		t.Fatalf("after ForceDelete: status %q, instances %s", aws.ToString(g.Status), groupString(g))
	}
	_, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MaxSize: aws.Int32(3)})
	wantAPIError(t, err, "ValidationError", "pending delete")
	w.Advance(31 * time.Second) // instance shutdown at 1x
	names := &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"web"}}
	if err := autoscaling.NewGroupNotExistsWaiter(w.as, func(o *autoscaling.GroupNotExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
	}).Wait(w.ctx, names, 10*time.Second); err != nil {
		t.Fatalf("GroupNotExists waiter: %v", err)
	}
	for _, it := range w.Inventory() {
		if strings.HasPrefix(it.Type, "autoscaling:") {
			t.Errorf("inventory still lists %+v", it)
		}
	}
}

func TestCreateAutoScalingGroupRejectsWhatAWSRejects(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("taken", 0, 0, 1)
	tests := []struct {
		name   string
		change func(*autoscaling.CreateAutoScalingGroupInput)
		code   string
		msg    string
	}{
		{"desired above max", func(in *autoscaling.CreateAutoScalingGroupInput) { in.DesiredCapacity = aws.Int32(5) }, "ValidationError", "Desired capacity:5 must be between the specified min size:1 and max size:3"},
		{"desired below min", func(in *autoscaling.CreateAutoScalingGroupInput) { in.DesiredCapacity = aws.Int32(0) }, "ValidationError", "Desired capacity:0 must be between"},
		{"min above max", func(in *autoscaling.CreateAutoScalingGroupInput) { in.MinSize = aws.Int32(4) }, "ValidationError", "Max bound, 3, must be greater than or equal to min bound, 4"},
		{"name taken", func(in *autoscaling.CreateAutoScalingGroupInput) { in.AutoScalingGroupName = aws.String("taken") }, "AlreadyExists", "already exists"},
		{"unknown template", func(in *autoscaling.CreateAutoScalingGroupInput) {
			in.LaunchTemplate = &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String("lt-0123456789abcdef0")}
		}, "ValidationError", "lt-0123456789abcdef0"},
		{"unknown template version", func(in *autoscaling.CreateAutoScalingGroupInput) { in.LaunchTemplate.Version = aws.String("7") }, "ValidationError", "version '7'"},
		{"no launch template", func(in *autoscaling.CreateAutoScalingGroupInput) { in.LaunchTemplate = nil }, "ValidationError", "Valid requests must contain either LaunchTemplate"},
		{"unknown subnet", func(in *autoscaling.CreateAutoScalingGroupInput) {
			in.VPCZoneIdentifier = aws.String("subnet-0123456789abcdef0")
		}, "ValidationError", "subnet-0123456789abcdef0"},
		{"no subnets or zones", func(in *autoscaling.CreateAutoScalingGroupInput) { in.VPCZoneIdentifier = nil }, "ValidationError", "At least one Availability Zone or VPC Subnet is required."},
		{"bad health check type", func(in *autoscaling.CreateAutoScalingGroupInput) { in.HealthCheckType = aws.String("HTTP") }, "ValidationError", "healthCheckType"},
		{"unknown target group", func(in *autoscaling.CreateAutoScalingGroupInput) {
			in.TargetGroupARNs = []string{"arn:aws:elasticloadbalancing:us-east-1:" + AccountID + ":targetgroup/none/0123456789abcdef"}
		}, "ValidationError", "Provided Target Groups may not be valid"},
		{"unknown termination policy", func(in *autoscaling.CreateAutoScalingGroupInput) { in.TerminationPolicies = []string{"Youngest"} }, "ValidationError", "Youngest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := &autoscaling.CreateAutoScalingGroupInput{
				AutoScalingGroupName: aws.String("new"),
				LaunchTemplate:       &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(w.template)},
				MinSize:              aws.Int32(1), MaxSize: aws.Int32(3), DesiredCapacity: aws.Int32(2),
				VPCZoneIdentifier: aws.String(w.subnets[0]),
			}
			tt.change(in)
			_, err := w.as.CreateAutoScalingGroup(w.ctx, in)
			wantAPIError(t, err, tt.code, tt.msg)
		})
	}
	if g := w.group("taken"); len(g.Instances) != 0 {
		t.Fatalf("rejected creates touched the existing group: %s", groupString(g))
	}
}

func TestUpdateAutoScalingGroupMovesDesiredIntoNewBounds(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 1, 2, 4)
	if _, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	if g := w.group("web"); *g.DesiredCapacity != 3 {
		t.Fatalf("desired after raising min to 3 = %d", *g.DesiredCapacity)
	}
	if _, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), MinSize: aws.Int32(0), MaxSize: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if g := w.group("web"); *g.DesiredCapacity != 1 {
		t.Fatalf("desired after lowering max to 1 = %d", *g.DesiredCapacity)
	}
	_, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(2)})
	wantAPIError(t, err, "ValidationError", "Desired capacity:2 must be between the specified min size:0 and max size:1")
	_, err = w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(5)})
	wantAPIError(t, err, "ValidationError", "New SetDesiredCapacity value 5 is above max value 1 for the AutoScalingGroup.")
	_, err = w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("nope"), MaxSize: aws.Int32(1)})
	wantAPIError(t, err, "ValidationError", "AutoScalingGroup name not found")
	if _, err := w.as.UpdateAutoScalingGroup(w.ctx, &autoscaling.UpdateAutoScalingGroupInput{AutoScalingGroupName: aws.String("web"),
		HealthCheckType: aws.String("ELB"), HealthCheckGracePeriod: aws.Int32(120), TerminationPolicies: []string{"OldestInstance", "Default"},
		NewInstancesProtectedFromScaleIn: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	g := w.group("web")
	if *g.HealthCheckType != "ELB" || *g.HealthCheckGracePeriod != 120 || !slices.Equal(g.TerminationPolicies, []string{"OldestInstance", "Default"}) || !*g.NewInstancesProtectedFromScaleIn {
		t.Fatalf("after update: %s %d %v %v", *g.HealthCheckType, *g.HealthCheckGracePeriod, g.TerminationPolicies, *g.NewInstancesProtectedFromScaleIn)
	}
}

func TestSetDesiredCapacityHonorsCooldownWhenAsked(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 1, 4, func(in *autoscaling.CreateAutoScalingGroupInput) { in.DefaultCooldown = aws.Int32(120) })
	w.settle("web")
	_, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(2), HonorCooldown: aws.Bool(true)})
	wantAPIError(t, err, "ScalingActivityInProgress", "cooldown")
	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(2)}); err != nil {
		t.Fatalf("without HonorCooldown: %v", err)
	}
	w.settle("web")
	w.Advance(121 * time.Second)
	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(3), HonorCooldown: aws.Bool(true)}); err != nil {
		t.Fatalf("after the cooldown: %v", err)
	}
}

func TestDescribeAutoScalingGroupsPagesAndFiltersByTag(t *testing.T) {
	w := newASGWorld(t)
	for _, name := range []string{"c", "a", "b"} {
		w.createGroup(name, 0, 0, 1, func(in *autoscaling.CreateAutoScalingGroupInput) {
			in.Tags = []astypes.Tag{{Key: aws.String("env"), Value: aws.String(map[string]string{"a": "prod", "b": "dev", "c": "prod"}[name])}}
		})
	}
	var got []string
	p := autoscaling.NewDescribeAutoScalingGroupsPaginator(w.as, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(1)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, g := range out.AutoScalingGroups {
			got = append(got, *g.AutoScalingGroupName)
		}
	}
	if pages != 3 || !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("pages %d, groups %v", pages, got)
	}
	out, err := w.as.DescribeAutoScalingGroups(w.ctx, &autoscaling.DescribeAutoScalingGroupsInput{Filters: []astypes.Filter{{Name: aws.String("tag:env"), Values: []string{"prod"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.AutoScalingGroups) != 2 || *out.AutoScalingGroups[0].AutoScalingGroupName != "a" {
		t.Fatalf("tag:env=prod → %d groups", len(out.AutoScalingGroups))
	}
	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("a"), DesiredCapacity: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	w.settle("a")
	for _, include := range []bool{true, false} {
		out, err := w.as.DescribeAutoScalingGroups(w.ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"a"}, IncludeInstances: aws.Bool(include)})
		if err != nil {
			t.Fatal(err)
		}
		if got := len(out.AutoScalingGroups[0].Instances); (got == 1) != include {
			t.Fatalf("IncludeInstances %v: %d instances", include, got)
		}
	}
	_, err = w.as.DescribeAutoScalingGroups(w.ctx, &autoscaling.DescribeAutoScalingGroupsInput{NextToken: aws.String("bogus")})
	wantAPIError(t, err, "InvalidNextToken", "")
}

func TestAutoScalingTagsCreateDescribeDelete(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 0, 1)
	w.createGroup("api", 0, 0, 1)
	tag := func(group, k, v string, propagate bool) astypes.Tag {
		return astypes.Tag{ResourceId: aws.String(group), ResourceType: aws.String("auto-scaling-group"), Key: aws.String(k), Value: aws.String(v), PropagateAtLaunch: aws.Bool(propagate)}
	}
	if _, err := w.as.CreateOrUpdateTags(w.ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []astypes.Tag{tag("web", "env", "prod", true), tag("web", "owner", "ops", false), tag("api", "env", "dev", true)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.CreateOrUpdateTags(w.ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []astypes.Tag{tag("web", "env", "staging", true)}}); err != nil {
		t.Fatal(err)
	}
	describe := func(filters ...astypes.Filter) []string {
		out, err := w.as.DescribeTags(w.ctx, &autoscaling.DescribeTagsInput{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, tg := range out.Tags {
			got = append(got, *tg.ResourceId+":"+*tg.Key+"="+*tg.Value)
		}
		return got
	}
	if got := describe(astypes.Filter{Name: aws.String("auto-scaling-group"), Values: []string{"web"}}); !slices.Equal(got, []string{"web:env=staging", "web:owner=ops"}) {
		t.Fatalf("web tags = %v", got)
	}
	if got := describe(astypes.Filter{Name: aws.String("key"), Values: []string{"env"}}, astypes.Filter{Name: aws.String("value"), Values: []string{"dev"}}); !slices.Equal(got, []string{"api:env=dev"}) {
		t.Fatalf("env=dev tags = %v", got)
	}
	if _, err := w.as.DeleteTags(w.ctx, &autoscaling.DeleteTagsInput{Tags: []astypes.Tag{{ResourceId: aws.String("web"), ResourceType: aws.String("auto-scaling-group"), Key: aws.String("owner")}}}); err != nil {
		t.Fatal(err)
	}
	if got := describe(astypes.Filter{Name: aws.String("auto-scaling-group"), Values: []string{"web"}}); !slices.Equal(got, []string{"web:env=staging"}) {
		t.Fatalf("web tags after delete = %v", got)
	}
	_, err := w.as.CreateOrUpdateTags(w.ctx, &autoscaling.CreateOrUpdateTagsInput{Tags: []astypes.Tag{tag("nope", "a", "b", false)}})
	wantAPIError(t, err, "ValidationError", "not found")
}

func TestDescribeTerminationPolicyTypesAndLifecycleHooks(t *testing.T) {
	w := newASGWorld(t)
	out, err := w.as.DescribeTerminationPolicyTypes(w.ctx, &autoscaling.DescribeTerminationPolicyTypesInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"AllocationStrategy", "ClosestToNextInstanceHour", "Default", "NewestInstance", "OldestInstance", "OldestLaunchConfiguration", "OldestLaunchTemplate"}
	if !slices.Equal(out.TerminationPolicyTypes, want) {
		t.Fatalf("policy types = %v", out.TerminationPolicyTypes)
	}
	w.createGroup("web", 0, 0, 1)
	hooks, err := w.as.DescribeLifecycleHooks(w.ctx, &autoscaling.DescribeLifecycleHooksInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || len(hooks.LifecycleHooks) != 0 {
		t.Fatalf("lifecycle hooks = %v, %v", hooks, err)
	}
}
