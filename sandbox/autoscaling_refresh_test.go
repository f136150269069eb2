package sandbox

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func (w *asgWorld) refresh(name, id string) astypes.InstanceRefresh {
	w.t.Helper()
	out, err := w.as.DescribeInstanceRefreshes(w.ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: aws.String(name), InstanceRefreshIds: []string{id}})
	if err != nil || len(out.InstanceRefreshes) != 1 {
		w.t.Fatalf("DescribeInstanceRefreshes: %v, %v", out, err)
	}
	return out.InstanceRefreshes[0]
}

// TestInstanceRefreshKeepsMinHealthyPercentageInService rolls a new
// template version through ten instances at MinHealthyPercentage 80: two at
// a time, never fewer than eight healthy instances in service.
func TestInstanceRefreshKeepsMinHealthyPercentageInService(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 10, 12)
	w.settle("web")
	version := w.newVersion(w.template)
	out, err := w.as.StartInstanceRefresh(w.ctx, &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: aws.String("web"),
		Preferences:          &astypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(80), InstanceWarmup: aws.Int32(60)},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := *out.InstanceRefreshId
	_, err = w.as.StartInstanceRefresh(w.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	wantAPIError(t, err, "InstanceRefreshInProgress", "already in progress")

	lastPercent := -1
	var rf astypes.InstanceRefresh
	for step := 0; step < 100; step++ {
		g := w.group("web")
		healthyInService := 0
		for _, in := range g.Instances {
			if in.LifecycleState == astypes.LifecycleStateInService && *in.HealthStatus == "Healthy" {
				healthyInService++
			}
		}
		if healthyInService < 8 {
			t.Fatalf("step %d: %d healthy in service, below 80%% of 10: %s", step, healthyInService, groupString(g))
		}
		rf = w.refresh("web", id)
		if p := int(*rf.PercentageComplete); p < lastPercent {
			t.Fatalf("percentage went back from %d to %d", lastPercent, p)
		} else {
			lastPercent = p
		}
		if rf.Status == astypes.InstanceRefreshStatusSuccessful {
			break
		}
		w.Advance(15 * time.Second)
	}
	if rf.Status != astypes.InstanceRefreshStatusSuccessful || *rf.PercentageComplete != 100 || *rf.InstancesToUpdate != 0 || rf.EndTime == nil {
		t.Fatalf("refresh = %s, %d%%, %d to update", rf.Status, *rf.PercentageComplete, *rf.InstancesToUpdate)
	}
	if *rf.Preferences.MinHealthyPercentage != 80 || *rf.Preferences.InstanceWarmup != 60 {
		t.Errorf("preferences = %+v", *rf.Preferences)
	}
	g := w.settle("web")
	for _, in := range g.Instances {
		if *in.LaunchTemplate.Version != version {
			t.Errorf("%s still on version %s after the refresh", *in.InstanceId, *in.LaunchTemplate.Version)
		}
	}
	batches := map[time.Time]int{}
	refreshTerminations := 0
	for _, a := range w.activities("web") {
		if strings.Contains(*a.Cause, "in response to an instance refresh") {
			refreshTerminations++
			batches[*a.StartTime]++
		}
	}
	if refreshTerminations != 10 || len(batches) != 5 {
		t.Errorf("%d terminations caused by the refresh in %d batches, want 10 in 5 batches of 2 (80%% of 10 stay healthy): %v", refreshTerminations, len(batches), batches)
	}
}

func TestInstanceRefreshDefaultsAndCancellation(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 2, 2)
	w.settle("web")
	_, err := w.as.CancelInstanceRefresh(w.ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	wantAPIError(t, err, "ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group web")
	out, err := w.as.StartInstanceRefresh(w.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	rf := w.refresh("web", *out.InstanceRefreshId)
	if *rf.Preferences.MinHealthyPercentage != 90 || rf.Strategy != astypes.RefreshStrategyRolling {
		t.Fatalf("defaults: min healthy %d, strategy %s", *rf.Preferences.MinHealthyPercentage, rf.Strategy)
	}
	cancel, err := w.as.CancelInstanceRefresh(w.ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || *cancel.InstanceRefreshId != *out.InstanceRefreshId {
		t.Fatalf("CancelInstanceRefresh: %v, %v", cancel, err)
	}
	w.Advance(time.Second)
	if rf := w.refresh("web", *out.InstanceRefreshId); rf.Status != astypes.InstanceRefreshStatusCancelled {
		t.Fatalf("after cancel: %s", rf.Status)
	}
	// A new refresh may start once the last one ended.
	if _, err := w.as.StartInstanceRefresh(w.ctx, &autoscaling.StartInstanceRefreshInput{AutoScalingGroupName: aws.String("web"),
		Preferences: &astypes.RefreshPreferences{MinHealthyPercentage: aws.Int32(101)}}); err == nil {
		t.Fatal("MinHealthyPercentage 101 accepted")
	}
}

func TestTargetTrackingPolicyOwnsItsCloudWatchAlarms(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 0, 0, 2)
	out, err := w.as.PutScalingPolicy(w.ctx, &autoscaling.PutScalingPolicyInput{
		AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("cpu50"), PolicyType: aws.String("TargetTrackingScaling"),
		TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization},
			TargetValue:                   aws.Float64(50),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*out.PolicyARN, "arn:aws:autoscaling:us-east-1:"+AccountID+":scalingPolicy:") || !strings.HasSuffix(*out.PolicyARN, ":autoScalingGroupName/web:policyName/cpu50") {
		t.Fatalf("policy ARN = %s", *out.PolicyARN)
	}
	if len(out.Alarms) != 2 || !strings.HasPrefix(*out.Alarms[0].AlarmName, "TargetTracking-web-AlarmHigh-") || !strings.HasPrefix(*out.Alarms[1].AlarmName, "TargetTracking-web-AlarmLow-") {
		t.Fatalf("alarms = %+v", out.Alarms)
	}
	cw := cloudwatch.NewFromConfig(w.Cfg)
	alarms := func() map[string]cwtypes.MetricAlarm {
		out, err := cw.DescribeAlarms(w.ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("TargetTracking-web-")})
		if err != nil {
			t.Fatalf("DescribeAlarms: %v", err)
		}
		m := map[string]cwtypes.MetricAlarm{}
		for _, a := range out.MetricAlarms {
			m[*a.AlarmName] = a
		}
		return m
	}
	inCW := alarms()
	high, low := inCW[*out.Alarms[0].AlarmName], inCW[*out.Alarms[1].AlarmName]
	if len(inCW) != 2 || *high.MetricName != "CPUUtilization" || *high.Threshold != 50 || high.ComparisonOperator != cwtypes.ComparisonOperatorGreaterThanThreshold ||
		*low.Threshold != 45 || low.ComparisonOperator != cwtypes.ComparisonOperatorLessThanThreshold || !slices.Equal(high.AlarmActions, []string{*out.PolicyARN}) {
		t.Fatalf("CloudWatch alarms of the policy = %+v", inCW)
	}
	desc, err := w.as.DescribePolicies(w.ctx, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("web")})
	if err != nil || len(desc.ScalingPolicies) != 1 {
		t.Fatalf("DescribePolicies: %v, %v", desc, err)
	}
	p := desc.ScalingPolicies[0]
	if *p.PolicyType != "TargetTrackingScaling" || *p.TargetTrackingConfiguration.TargetValue != 50 ||
		p.TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType != astypes.MetricTypeASGAverageCPUUtilization || len(p.Alarms) != 2 {
		t.Fatalf("policy = %+v", p)
	}
	_, err = w.as.PutScalingPolicy(w.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("bad"), PolicyType: aws.String("TargetTrackingScaling")})
	wantAPIError(t, err, "ValidationError", "TargetTrackingConfiguration")
	if _, err := w.as.DeletePolicy(w.ctx, &autoscaling.DeletePolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("cpu50")}); err != nil {
		t.Fatal(err)
	}
	if desc, _ := w.as.DescribePolicies(w.ctx, &autoscaling.DescribePoliciesInput{AutoScalingGroupName: aws.String("web")}); len(desc.ScalingPolicies) != 0 {
		t.Fatalf("policies after delete: %d", len(desc.ScalingPolicies))
	}
	if left := alarms(); len(left) != 0 {
		t.Fatalf("alarms left after deleting the policy: %v", left)
	}
}
