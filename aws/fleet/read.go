package fleet

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
)

// group reads the group with its instances: one DescribeAutoScalingGroups.
func (rd *reader) group(ctx context.Context) (Group, []Instance, error) {
	rd.call()
	out, err := rd.f.asg.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{
		AutoScalingGroupNames: []string{rd.t.ASGName},
	})
	if err != nil {
		return Group{}, nil, fmt.Errorf("describe Auto Scaling group %s: %w", rd.t.ASGName, err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return Group{}, nil, fmt.Errorf("describe Auto Scaling group %s: not found (deleted outside stackwiz? `stackwiz status` shows what is missing; `stackwiz apply` recreates it)", rd.t.ASGName)
	}
	g := out.AutoScalingGroups[0]
	grp := Group{
		Name: sdk.ToString(g.AutoScalingGroupName), ARN: sdk.ToString(g.AutoScalingGroupARN),
		Min: int(sdk.ToInt32(g.MinSize)), Desired: int(sdk.ToInt32(g.DesiredCapacity)), Max: int(sdk.ToInt32(g.MaxSize)),
		TerminationPolicies: g.TerminationPolicies,
		HealthCheckType:     sdk.ToString(g.HealthCheckType),
		HealthCheckGrace:    time.Duration(sdk.ToInt32(g.HealthCheckGracePeriod)) * time.Second,
		TargetGroupARNs:     g.TargetGroupARNs,
		Status:              sdk.ToString(g.Status),
		Created:             sdk.ToTime(g.CreatedTime),
	}
	if lt := g.LaunchTemplate; lt != nil {
		grp.LaunchTemplateID, grp.LaunchTemplateName, grp.LaunchTemplateVersion = sdk.ToString(lt.LaunchTemplateId), sdk.ToString(lt.LaunchTemplateName), sdk.ToString(lt.Version)
	} else if mp := g.MixedInstancesPolicy; mp != nil && mp.LaunchTemplate != nil && mp.LaunchTemplate.LaunchTemplateSpecification != nil {
		lt := mp.LaunchTemplate.LaunchTemplateSpecification
		grp.LaunchTemplateID, grp.LaunchTemplateName, grp.LaunchTemplateVersion = sdk.ToString(lt.LaunchTemplateId), sdk.ToString(lt.LaunchTemplateName), sdk.ToString(lt.Version)
	}
	members := make([]Instance, 0, len(g.Instances))
	for _, in := range g.Instances {
		m := Instance{
			ID: sdk.ToString(in.InstanceId), AZ: sdk.ToString(in.AvailabilityZone),
			Lifecycle: string(in.LifecycleState), Health: sdk.ToString(in.HealthStatus),
			Protected: sdk.ToBool(in.ProtectedFromScaleIn), InstanceType: sdk.ToString(in.InstanceType),
		}
		if lt := in.LaunchTemplate; lt != nil {
			m.LaunchTemplateID, m.LaunchTemplateVersion = sdk.ToString(lt.LaunchTemplateId), sdk.ToString(lt.Version)
		}
		members = append(members, m)
	}
	sortInstances(members)
	return grp, members, nil
}

// ec2Instance is what a snapshot takes from EC2.
type ec2Instance struct {
	State, PrivateIP, ImageID, InstanceType string
	LaunchTime                              time.Time
}

// instances reads the group's instances from EC2 by the tag Auto Scaling
// puts on them, InstancesPerPage at a time (one call up to 1,000).
// Terminated instances are left out: they linger for an hour after they
// leave the group.
func (rd *reader) instances(ctx context.Context) (map[string]ec2Instance, error) {
	in := &ec2.DescribeInstancesInput{
		MaxResults: sdk.Int32(InstancesPerPage),
		Filters: []ec2types.Filter{
			{Name: sdk.String("tag:aws:autoscaling:groupName"), Values: []string{rd.t.ASGName}},
			{Name: sdk.String("instance-state-name"), Values: []string{"pending", "running", "shutting-down", "stopping", "stopped"}},
		},
	}
	got := map[string]ec2Instance{}
	p := ec2.NewDescribeInstancesPaginator(rd.f.ec2, in)
	for p.HasMorePages() {
		rd.call()
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe the instances of group %s: %w", rd.t.ASGName, err)
		}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				e := ec2Instance{PrivateIP: sdk.ToString(i.PrivateIpAddress), ImageID: sdk.ToString(i.ImageId),
					InstanceType: string(i.InstanceType), LaunchTime: sdk.ToTime(i.LaunchTime)}
				if i.State != nil {
					e.State = string(i.State.Name)
				}
				got[sdk.ToString(i.InstanceId)] = e
			}
		}
	}
	return got, nil
}

// targets reads the target group's targets: one DescribeTargetHealth.
func (rd *reader) targets(ctx context.Context) ([]Target, error) {
	rd.call()
	out, err := rd.f.elb.DescribeTargetHealth(ctx, &elasticloadbalancingv2.DescribeTargetHealthInput{TargetGroupArn: sdk.String(rd.t.TargetGroupARN)})
	if err != nil {
		return nil, fmt.Errorf("describe target health of %s: %w", rd.t.TargetGroupARN, err)
	}
	ts := make([]Target, 0, len(out.TargetHealthDescriptions))
	for _, d := range out.TargetHealthDescriptions {
		th := Target{}
		if d.Target != nil {
			th.ID, th.Port, th.AZ = sdk.ToString(d.Target.Id), int(sdk.ToInt32(d.Target.Port)), sdk.ToString(d.Target.AvailabilityZone)
		}
		if h := d.TargetHealth; h != nil {
			th.State, th.Reason, th.Description = string(h.State), string(h.Reason), sdk.ToString(h.Description)
		}
		ts = append(ts, th)
	}
	sortTargets(ts)
	return ts, nil
}

// cpu reads the CPU sparklines of ids (at most MetricsPerCall) in one
// GetMetricData. A response is paged only past 100,800 data points, which
// 500 sparklines of 12 points never reach; the paginator follows
// NextToken all the same rather than drop data.
func (rd *reader) cpu(ctx context.Context, ids []string) (map[string][]float64, error) {
	start, period, points := rd.cpuWindow()
	queries := make([]cwtypes.MetricDataQuery, len(ids))
	for i, id := range ids {
		queries[i] = cwtypes.MetricDataQuery{
			Id:    sdk.String("i" + strconv.Itoa(i)),
			Label: sdk.String(id),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: sdk.String("AWS/EC2"), MetricName: sdk.String("CPUUtilization"),
					Dimensions: []cwtypes.Dimension{{Name: sdk.String("InstanceId"), Value: sdk.String(id)}}},
				Period: sdk.Int32(int32(period / time.Second)),
				Stat:   sdk.String("Average"),
			},
		}
	}
	in := &cloudwatch.GetMetricDataInput{
		MetricDataQueries: queries,
		StartTime:         sdk.Time(start),
		EndTime:           sdk.Time(start.Add(time.Duration(points) * period)),
		ScanBy:            cwtypes.ScanByTimestampAscending,
	}
	ts := map[string][]time.Time{}
	vals := map[string][]float64{}
	p := cloudwatch.NewGetMetricDataPaginator(rd.f.cw, in)
	for p.HasMorePages() {
		rd.call()
		out, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("get CPU metrics of %d instances: %w", len(ids), err)
		}
		for _, r := range out.MetricDataResults {
			k, err := strconv.Atoi(sdk.ToString(r.Id)[1:])
			if err != nil || k < 0 || k >= len(ids) {
				continue
			}
			ts[ids[k]] = append(ts[ids[k]], r.Timestamps...)
			vals[ids[k]] = append(vals[ids[k]], r.Values...)
		}
	}
	cpu := make(map[string][]float64, len(ids))
	for _, id := range ids {
		cpu[id] = series(start, period, points, ts[id], vals[id])
	}
	return cpu, nil
}

// alarms reads the stack's alarms and the group's target tracking alarms.
// A scan looks for them by name prefix: one DescribeAlarms page of up to
// 100 per prefix. Otherwise the alarms known from the last scan are read by
// name: one call per 100 names (an alarm deleted since is simply not
// answered; one created is found by the next scan).
func (rd *reader) alarms(ctx context.Context, scan bool, known []string) ([]Alarm, error) {
	var inputs []*cloudwatch.DescribeAlarmsInput
	if scan {
		for _, prefix := range []string{rd.t.AlarmPrefix, ttPrefix(rd.t.ASGName)} {
			if prefix != "" {
				inputs = append(inputs, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: sdk.String(prefix), MaxRecords: sdk.Int32(alarmPage)})
			}
		}
	} else {
		for names := range slices.Chunk(known, alarmNamesPerCall) {
			inputs = append(inputs, &cloudwatch.DescribeAlarmsInput{AlarmNames: names, MaxRecords: sdk.Int32(alarmPage)})
		}
	}
	var lists [][]Alarm
	for _, in := range inputs {
		in.AlarmTypes = []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm}
		rd.call()
		out, err := rd.f.cw.DescribeAlarms(ctx, in)
		if err != nil {
			if in.AlarmNamePrefix != nil {
				return nil, fmt.Errorf("describe alarms %s*: %w", *in.AlarmNamePrefix, err)
			}
			return nil, fmt.Errorf("describe %d alarms by name: %w", len(in.AlarmNames), err)
		}
		l := make([]Alarm, 0, len(out.MetricAlarms))
		for _, a := range out.MetricAlarms {
			l = append(l, Alarm{
				Name: sdk.ToString(a.AlarmName), State: string(a.StateValue), Reason: sdk.ToString(a.StateReason),
				Namespace: sdk.ToString(a.Namespace), Metric: sdk.ToString(a.MetricName), Statistic: string(a.Statistic),
				Comparison: string(a.ComparisonOperator), Threshold: sdk.ToFloat64(a.Threshold),
				Updated: sdk.ToTime(a.StateUpdatedTimestamp), Actions: sdk.ToBool(a.ActionsEnabled),
			})
		}
		lists = append(lists, l)
	}
	return mergeFleetAlarms(lists...), nil
}

// history reads the state changes of the last 24 hours of every alarm in
// the region, newest first, in one DescribeAlarmHistory call, and keeps the
// target's: one call instead of one per alarm.
func (rd *reader) history(ctx context.Context) ([]AlarmEvent, error) {
	rd.call()
	out, err := rd.f.cw.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{
		HistoryItemType: cwtypes.HistoryItemTypeStateUpdate,
		StartDate:       sdk.Time(rd.now.Add(-historyWindow)),
		EndDate:         sdk.Time(rd.now.Add(time.Minute)),
		MaxRecords:      sdk.Int32(historyPage),
		ScanBy:          cwtypes.ScanByTimestampDescending,
	})
	if err != nil {
		return nil, fmt.Errorf("describe alarm history: %w", err)
	}
	var evs []AlarmEvent
	for _, h := range out.AlarmHistoryItems {
		name := sdk.ToString(h.AlarmName)
		if !rd.ownAlarm(name) {
			continue
		}
		evs = append(evs, AlarmEvent{Alarm: name, Time: sdk.ToTime(h.Timestamp), Type: string(h.HistoryItemType), Summary: sdk.ToString(h.HistorySummary)})
	}
	return evs, nil
}

// activities reads the group's newest scaling activities: one page.
func (rd *reader) activities(ctx context.Context) ([]Activity, error) {
	rd.call()
	out, err := rd.f.asg.DescribeScalingActivities(ctx, &autoscaling.DescribeScalingActivitiesInput{
		AutoScalingGroupName: sdk.String(rd.t.ASGName),
		MaxRecords:           sdk.Int32(activityPage),
	})
	if err != nil {
		return nil, fmt.Errorf("describe scaling activities of %s: %w", rd.t.ASGName, err)
	}
	acts := make([]Activity, 0, len(out.Activities))
	for _, a := range out.Activities {
		acts = append(acts, activityOf(a))
	}
	return acts, nil
}

func activityOf(a astypes.Activity) Activity {
	return Activity{
		ID: sdk.ToString(a.ActivityId), Status: string(a.StatusCode), Description: sdk.ToString(a.Description),
		Cause: sdk.ToString(a.Cause), Message: sdk.ToString(a.StatusMessage), Progress: int(sdk.ToInt32(a.Progress)),
		Start: sdk.ToTime(a.StartTime), End: sdk.ToTime(a.EndTime),
	}
}

// refreshes reads the group's newest instance refreshes: one page.
func (rd *reader) refreshes(ctx context.Context) ([]Refresh, error) {
	rd.call()
	out, err := rd.f.asg.DescribeInstanceRefreshes(ctx, &autoscaling.DescribeInstanceRefreshesInput{
		AutoScalingGroupName: sdk.String(rd.t.ASGName),
		MaxRecords:           sdk.Int32(refreshPage),
	})
	if err != nil {
		return nil, fmt.Errorf("describe instance refreshes of %s: %w", rd.t.ASGName, err)
	}
	rs := make([]Refresh, 0, len(out.InstanceRefreshes))
	for _, r := range out.InstanceRefreshes {
		ref := Refresh{
			ID: sdk.ToString(r.InstanceRefreshId), Status: string(r.Status), Reason: sdk.ToString(r.StatusReason),
			Percent: int(sdk.ToInt32(r.PercentageComplete)), ToUpdate: int(sdk.ToInt32(r.InstancesToUpdate)),
			Start: sdk.ToTime(r.StartTime), End: sdk.ToTime(r.EndTime),
		}
		if p := r.Preferences; p != nil {
			ref.MinHealthy = int(sdk.ToInt32(p.MinHealthyPercentage))
		}
		rs = append(rs, ref)
	}
	return rs, nil
}
