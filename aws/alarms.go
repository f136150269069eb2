package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Alarms wraps the CloudWatch and SNS calls stackwiz makes for alarms and
// their notifications (the SNS half is in notify.go).
type Alarms struct {
	cw  alarmsAPI
	sns notifyAPI
	kms keysAPI
}

// alarmsAPI lists only the CloudWatch methods Alarms calls.
type alarmsAPI interface {
	PutMetricAlarm(context.Context, *cloudwatch.PutMetricAlarmInput, ...func(*cloudwatch.Options)) (*cloudwatch.PutMetricAlarmOutput, error)
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	DeleteAlarms(context.Context, *cloudwatch.DeleteAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DeleteAlarmsOutput, error)
	ListTagsForResource(context.Context, *cloudwatch.ListTagsForResourceInput, ...func(*cloudwatch.Options)) (*cloudwatch.ListTagsForResourceOutput, error)
}

// notifyAPI lists only the SNS methods Alarms calls.
type notifyAPI interface {
	CreateTopic(context.Context, *sns.CreateTopicInput, ...func(*sns.Options)) (*sns.CreateTopicOutput, error)
	GetTopicAttributes(context.Context, *sns.GetTopicAttributesInput, ...func(*sns.Options)) (*sns.GetTopicAttributesOutput, error)
	SetTopicAttributes(context.Context, *sns.SetTopicAttributesInput, ...func(*sns.Options)) (*sns.SetTopicAttributesOutput, error)
	DeleteTopic(context.Context, *sns.DeleteTopicInput, ...func(*sns.Options)) (*sns.DeleteTopicOutput, error)
	ListTopics(context.Context, *sns.ListTopicsInput, ...func(*sns.Options)) (*sns.ListTopicsOutput, error)
	ListTagsForResource(context.Context, *sns.ListTagsForResourceInput, ...func(*sns.Options)) (*sns.ListTagsForResourceOutput, error)
	Subscribe(context.Context, *sns.SubscribeInput, ...func(*sns.Options)) (*sns.SubscribeOutput, error)
	Unsubscribe(context.Context, *sns.UnsubscribeInput, ...func(*sns.Options)) (*sns.UnsubscribeOutput, error)
	ListSubscriptionsByTopic(context.Context, *sns.ListSubscriptionsByTopicInput, ...func(*sns.Options)) (*sns.ListSubscriptionsByTopicOutput, error)
}

// MetricAlarm is a CloudWatch alarm on one metric.
type MetricAlarm struct {
	Name, ARN, Description string
	Namespace, Metric      string
	Dimensions             map[string]string
	// Statistic is Average, Sum, Minimum, Maximum or SampleCount, or a
	// percentile such as p90 (sent as ExtendedStatistic).
	Statistic string
	// Period is in seconds; the alarm fires when DatapointsToAlarm of the
	// last EvaluationPeriods periods breach (0 means all of them).
	Period, EvaluationPeriods, DatapointsToAlarm int
	Threshold                                    float64
	// Comparison is GreaterThanThreshold, GreaterThanOrEqualToThreshold, ...
	Comparison string
	// TreatMissingData is missing, ignore, breaching or notBreaching.
	TreatMissingData string
	// LowSampleCountPercentile is "evaluate" or "ignore" for a percentile
	// alarm with few samples; empty otherwise.
	LowSampleCountPercentile string
	AlarmActions, OKActions  []string
	// Tags are set when the alarm is created (AWS ignores them on update).
	Tags map[string]string
	// State and StateReason are described, never sent.
	State, StateReason string
}

// Percentile reports whether the statistic is a percentile (p90).
func (a MetricAlarm) Percentile() bool { return strings.HasPrefix(a.Statistic, "p") }

// PutAlarm creates or updates an alarm: PutMetricAlarm is an upsert by name.
func (a *Alarms) PutAlarm(ctx context.Context, al MetricAlarm) error {
	in := &cloudwatch.PutMetricAlarmInput{
		AlarmName: sdk.String(al.Name), AlarmDescription: sdk.String(al.Description),
		Namespace: sdk.String(al.Namespace), MetricName: sdk.String(al.Metric),
		Period: sdk.Int32(int32(al.Period)), EvaluationPeriods: sdk.Int32(int32(al.EvaluationPeriods)),
		Threshold: sdk.Float64(al.Threshold), ComparisonOperator: cwtypes.ComparisonOperator(al.Comparison),
		TreatMissingData: sdk.String(al.TreatMissingData),
		ActionsEnabled:   sdk.Bool(true), AlarmActions: al.AlarmActions, OKActions: al.OKActions,
	}
	if al.Percentile() {
		in.ExtendedStatistic = sdk.String(al.Statistic)
		if al.LowSampleCountPercentile != "" {
			in.EvaluateLowSampleCountPercentile = sdk.String(al.LowSampleCountPercentile)
		}
	} else {
		in.Statistic = cwtypes.Statistic(al.Statistic)
	}
	if al.DatapointsToAlarm > 0 {
		in.DatapointsToAlarm = sdk.Int32(int32(al.DatapointsToAlarm))
	}
	for _, k := range slices.Sorted(maps.Keys(al.Dimensions)) {
		in.Dimensions = append(in.Dimensions, cwtypes.Dimension{Name: sdk.String(k), Value: sdk.String(al.Dimensions[k])})
	}
	for _, k := range slices.Sorted(maps.Keys(al.Tags)) {
		in.Tags = append(in.Tags, cwtypes.Tag{Key: sdk.String(k), Value: sdk.String(al.Tags[k])})
	}
	if _, err := a.cw.PutMetricAlarm(ctx, in); err != nil {
		return fmt.Errorf("put metric alarm %s: %w", al.Name, err)
	}
	return nil
}

// Alarm describes one metric alarm by name; ok is false when there is none.
func (a *Alarms) Alarm(ctx context.Context, name string) (MetricAlarm, bool, error) {
	out, err := a.cw.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{
		AlarmNames: []string{name}, AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm},
	})
	if err != nil {
		return MetricAlarm{}, false, fmt.Errorf("describe alarm %s: %w", name, err)
	}
	if len(out.MetricAlarms) == 0 {
		return MetricAlarm{}, false, nil
	}
	return alarmFrom(out.MetricAlarms[0]), true, nil
}

// AlarmsWithPrefix returns the metric alarms whose names start with prefix.
func (a *Alarms) AlarmsWithPrefix(ctx context.Context, prefix string) ([]MetricAlarm, error) {
	var out []MetricAlarm
	p := cloudwatch.NewDescribeAlarmsPaginator(a.cw, &cloudwatch.DescribeAlarmsInput{
		AlarmNamePrefix: sdk.String(prefix), AlarmTypes: []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe alarms %s*: %w", prefix, err)
		}
		for _, m := range page.MetricAlarms {
			out = append(out, alarmFrom(m))
		}
	}
	return out, nil
}

func alarmFrom(m cwtypes.MetricAlarm) MetricAlarm {
	al := MetricAlarm{
		Name: deref(m.AlarmName), ARN: deref(m.AlarmArn), Description: deref(m.AlarmDescription),
		Namespace: deref(m.Namespace), Metric: deref(m.MetricName), Dimensions: map[string]string{},
		Statistic: string(m.Statistic), Period: int(deref32(m.Period)), EvaluationPeriods: int(deref32(m.EvaluationPeriods)),
		DatapointsToAlarm: int(deref32(m.DatapointsToAlarm)), Threshold: sdk.ToFloat64(m.Threshold),
		Comparison: string(m.ComparisonOperator), TreatMissingData: deref(m.TreatMissingData),
		LowSampleCountPercentile: deref(m.EvaluateLowSampleCountPercentile),
		AlarmActions:             m.AlarmActions, OKActions: m.OKActions,
		State: string(m.StateValue), StateReason: deref(m.StateReason),
	}
	if m.ExtendedStatistic != nil {
		al.Statistic = *m.ExtendedStatistic
	}
	for _, d := range m.Dimensions {
		al.Dimensions[deref(d.Name)] = deref(d.Value)
	}
	return al
}

// AlarmTags returns an alarm's tags.
func (a *Alarms) AlarmTags(ctx context.Context, arn string) (map[string]string, error) {
	out, err := a.cw.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: sdk.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("list tags of alarm %s: %w", arn, err)
	}
	tags := make(map[string]string, len(out.Tags))
	for _, t := range out.Tags {
		tags[deref(t.Key)] = deref(t.Value)
	}
	return tags, nil
}

// DeleteAlarm deletes an alarm; a missing one is not an error.
func (a *Alarms) DeleteAlarm(ctx context.Context, name string) error {
	if _, err := a.cw.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{name}}); err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete alarm %s: %w", name, err)
	}
	return nil
}
