package sandbox

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func cpuQuery(id, dimName, dimValue string) types.MetricDataQuery {
	return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{Period: aws.Int32(300), Stat: aws.String("Average"),
		Metric: &types.Metric{Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
			Dimensions: []types.Dimension{{Name: aws.String(dimName), Value: aws.String(dimValue)}}}}}
}

func TestGroupCPUIsTheAverageOfItsInstancesAndDrivesTargetTrackingAlarms(t *testing.T) {
	w := newASGWorld(t)
	w.createGroup("web", 3, 3, 3) // at its maximum: the alarms cannot change the membership
	g := w.settle("web")
	api := cloudwatch.NewFromConfig(w.Cfg)
	queries := []types.MetricDataQuery{cpuQuery("group", "AutoScalingGroupName", "web")}
	for i, id := range instanceIDs(g) {
		queries = append(queries, cpuQuery(fmt.Sprintf("i%d", i), "InstanceId", id))
	}
	// A target of 1 % is always exceeded: AlarmHigh fires, AlarmLow (below 0.9 %) is OK.
	pol, err := w.as.PutScalingPolicy(w.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("web"), PolicyName: aws.String("cpu"),
		PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{TargetValue: aws.Float64(1),
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}}})
	if err != nil {
		t.Fatal(err)
	}
	w.Advance(30 * time.Minute)

	now := w.clock.Now()
	out, err := api.GetMetricData(w.ctx, &cloudwatch.GetMetricDataInput{MetricDataQueries: queries, StartTime: aws.Time(now.Add(-time.Hour)), EndTime: aws.Time(now)})
	if err != nil {
		t.Fatal(err)
	}
	group := out.MetricDataResults[0]
	if len(group.Values) < 5 {
		t.Fatalf("group CPU has %d datapoints after 30 minutes", len(group.Values))
	}
	for k, ts := range group.Timestamps {
		sum := 0.0
		for _, r := range out.MetricDataResults[1:] {
			if len(r.Timestamps) != len(group.Timestamps) || !r.Timestamps[k].Equal(ts) {
				t.Fatalf("instance %s timestamps differ from the group's", *r.Id)
			}
			sum += r.Values[k]
		}
		if avg := sum / 3; math.Abs(avg-group.Values[k]) > 1e-9 {
			t.Fatalf("group CPU at %v = %v, want the instances' average %v", ts, group.Values[k], avg)
		}
	}
	states := map[string]types.StateValue{}
	alarms, err := api.DescribeAlarms(w.ctx, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("TargetTracking-web-")})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range alarms.MetricAlarms {
		kind := "low"
		if strings.Contains(*a.AlarmName, "-AlarmHigh-") {
			kind = "high"
		}
		states[kind] = a.StateValue
	}
	if len(pol.Alarms) != 2 || states["high"] != types.StateValueAlarm || states["low"] != types.StateValueOk {
		t.Fatalf("target tracking alarm states = %v", states)
	}
}
