package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	ec2 "github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// cpuAlarm is a PutMetricAlarm input on one instance's CPU.
func cpuAlarm(name, instanceID string, threshold float64) *cloudwatch.PutMetricAlarmInput {
	return &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String(name), Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
		Dimensions: []types.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(instanceID)}},
		Statistic:  types.StatisticAverage, Period: aws.Int32(300), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(threshold), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
	}
}

func describeAlarm(t *testing.T, api *cloudwatch.Client, name string) types.MetricAlarm {
	t.Helper()
	out, err := api.DescribeAlarms(testCtx(t), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricAlarms) != 1 {
		t.Fatalf("DescribeAlarms %s: %d alarms", name, len(out.MetricAlarms))
	}
	return out.MetricAlarms[0]
}

func TestPutMetricAlarmValidatesAsCloudWatch(t *testing.T) {
	ts := newTestSandbox(t)
	api := cloudwatch.NewFromConfig(ts.Cfg)
	cases := []struct {
		name string
		mod  func(*cloudwatch.PutMetricAlarmInput)
		code string
	}{
		{"period not a multiple of 60", func(in *cloudwatch.PutMetricAlarmInput) { in.Period = aws.Int32(45) }, "InvalidParameterValue"},
		{"no evaluation periods", func(in *cloudwatch.PutMetricAlarmInput) { in.EvaluationPeriods = aws.Int32(0) }, "InvalidParameterValue"},
		{"statistic and extended statistic", func(in *cloudwatch.PutMetricAlarmInput) { in.ExtendedStatistic = aws.String("p99") }, "InvalidParameterCombination"},
		{"neither statistic", func(in *cloudwatch.PutMetricAlarmInput) { in.Statistic = "" }, "InvalidParameterCombination"},
		{"bad percentile", func(in *cloudwatch.PutMetricAlarmInput) { in.Statistic, in.ExtendedStatistic = "", aws.String("p1000") }, "InvalidParameterValue"},
		{"more datapoints than periods", func(in *cloudwatch.PutMetricAlarmInput) { in.DatapointsToAlarm = aws.Int32(2) }, "InvalidParameterValue"},
		{"unknown operator", func(in *cloudwatch.PutMetricAlarmInput) { in.ComparisonOperator = "Bigger" }, "InvalidParameterValue"},
		{"bad action ARN", func(in *cloudwatch.PutMetricAlarmInput) { in.AlarmActions = []string{"mailto:ops@example.com"} }, "InvalidParameterValue"},
		{"dimension without a value", func(in *cloudwatch.PutMetricAlarmInput) { in.Dimensions[0].Value = aws.String("") }, "InvalidParameterValue"},
		{"bad treat missing data", func(in *cloudwatch.PutMetricAlarmInput) { in.TreatMissingData = aws.String("sometimes") }, "InvalidParameterValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := cpuAlarm("a", "i-0123456789abcdef0", 50)
			tc.mod(in)
			_, err := api.PutMetricAlarm(testCtx(t), in)
			if errorCode(err) != tc.code {
				t.Fatalf("err = %v, want %s", err, tc.code)
			}
		})
	}
	// The SDK reports CloudWatch's query error code (sent in X-Amzn-Query-Error,
	// as CloudWatch does) on the typed error of the CBOR error shape.
	in := cpuAlarm("a", "i-0123456789abcdef0", 50)
	in.Period = aws.Int32(45)
	_, err := api.PutMetricAlarm(testCtx(t), in)
	var typed *types.InvalidParameterValueException
	if !errors.As(err, &typed) || typed.ErrorCode() != "InvalidParameterValue" {
		t.Fatalf("err = %#v", err)
	}
	// High-resolution periods are allowed.
	in = cpuAlarm("hires", "i-0123456789abcdef0", 50)
	in.Period = aws.Int32(10)
	if _, err := api.PutMetricAlarm(testCtx(t), in); err != nil {
		t.Fatalf("10 s period: %v", err)
	}
}

func TestDescribeAlarmsFiltersPagesAndRoundTripsTimestamps(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	ts := newTestSandbox(t, func(o *Options) { o.Now = func() time.Time { return start } })
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(ts.Cfg)
	for i := range 7 {
		in := cpuAlarm(fmt.Sprintf("web-cpu-%d", i), "i-0123456789abcdef0", 50)
		if i == 0 {
			in.Tags = []types.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("web")}}
			in.AlarmDescription = aws.String("CPU high")
		}
		if _, err := api.PutMetricAlarm(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := api.PutMetricAlarm(ctx, cpuAlarm("db-cpu", "i-0123456789abcdef0", 50)); err != nil {
		t.Fatal(err)
	}
	a := describeAlarm(t, api, "web-cpu-0")
	if *a.AlarmArn != "arn:aws:cloudwatch:us-east-1:"+AccountID+":alarm:web-cpu-0" || *a.AlarmDescription != "CPU high" {
		t.Errorf("alarm = %s %s", *a.AlarmArn, aws.ToString(a.AlarmDescription))
	}
	if a.StateValue != types.StateValueInsufficientData || *a.StateReason != "Unchecked: Initial alarm creation" {
		t.Errorf("initial state = %s %q", a.StateValue, aws.ToString(a.StateReason))
	}
	if !a.StateUpdatedTimestamp.Equal(start) || !a.AlarmConfigurationUpdatedTimestamp.Equal(start) {
		t.Errorf("timestamps = %v %v, want %v", a.StateUpdatedTimestamp, a.AlarmConfigurationUpdatedTimestamp, start)
	}
	if *a.Period != 300 || *a.Threshold != 50 || a.Statistic != types.StatisticAverage || *a.Dimensions[0].Value != "i-0123456789abcdef0" || !*a.ActionsEnabled {
		t.Errorf("alarm config = %+v", a)
	}
	pages, names := 0, 0
	p := cloudwatch.NewDescribeAlarmsPaginator(api, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("web-"), MaxRecords: aws.Int32(3)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		names += len(out.MetricAlarms)
	}
	if pages != 3 || names != 7 {
		t.Errorf("prefix pages = %d, alarms = %d", pages, names)
	}
	ok, err := api.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{StateValue: types.StateValueOk})
	if err != nil || len(ok.MetricAlarms) != 0 {
		t.Errorf("StateValue OK = %d, %v", len(ok.MetricAlarms), err)
	}
	_, err = api.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{NextToken: aws.String("garbage")})
	var bad *types.InvalidNextToken
	if !errors.As(err, &bad) {
		t.Errorf("bad token: %v", err)
	}
	tags, err := api.ListTagsForResource(ctx, &cloudwatch.ListTagsForResourceInput{ResourceARN: a.AlarmArn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Value != "web" {
		t.Errorf("tags = %+v, %v", tags, err)
	}
	hist, err := api.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("db-cpu"), HistoryItemType: types.HistoryItemTypeConfigurationUpdate})
	if err != nil {
		t.Fatal(err)
	}
	if len(hist.AlarmHistoryItems) != 1 || *hist.AlarmHistoryItems[0].HistorySummary != `Alarm "db-cpu" created` || !hist.AlarmHistoryItems[0].Timestamp.Equal(start) {
		t.Errorf("history = %+v", hist.AlarmHistoryItems)
	}
	if inv := ts.Inventory(); len(inv) != 8 || inv[0].Type != "cloudwatch:alarm" {
		t.Errorf("inventory has %d items", len(inv))
	}
}

func TestDeleteAlarmsOfAnUnknownAlarmIsResourceNotFound(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(ts.Cfg)
	if _, err := api.PutMetricAlarm(ctx, cpuAlarm("keep", "i-0123456789abcdef0", 50)); err != nil {
		t.Fatal(err)
	}
	_, err := api.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"keep", "nope"}})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want ResourceNotFound", err)
	}
	describeAlarm(t, api, "keep") // nothing was deleted
	if _, err := api.DeleteAlarms(ctx, &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"keep"}}); err != nil {
		t.Fatal(err)
	}
	if out, _ := api.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{}); len(out.MetricAlarms) != 0 {
		t.Fatalf("alarms left: %d", len(out.MetricAlarms))
	}
}

var reasonRE = regexp.MustCompile(`^Threshold Crossed: 1 datapoint \[([0-9.]+) \((\d\d/\d\d/\d\d \d\d:\d\d:\d\d)\)\] was (not )?greater than the threshold \(([0-9.]+)\)\.$`)

func TestCPUAlarmMovesThroughItsStatesWithHistoryAndNotifications(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f := newComputeFixture(t, func(o *Options) { o.Now = func() time.Time { return start } })
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	topics := sns.NewFromConfig(f.Cfg)
	topic, err := topics.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	if err != nil {
		t.Fatal(err)
	}
	id := *f.run(1).Instances[0].InstanceId
	in := cpuAlarm("cpu", id, 1)
	in.AlarmActions, in.OKActions = []string{*topic.TopicArn}, []string{*topic.TopicArn}
	if _, err := api.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	f.Advance(11 * time.Minute)
	a := describeAlarm(t, api, "cpu")
	m := reasonRE.FindStringSubmatch(aws.ToString(a.StateReason))
	if a.StateValue != types.StateValueAlarm || m == nil || m[3] != "" || m[4] != "1.0" {
		t.Fatalf("after 11 min: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}
	// The datapoint in the reason is the last complete 5-minute period, and
	// GetMetricStatistics reports the same value for it.
	periodStart := start.Add(11 * time.Minute).Truncate(5 * time.Minute).Add(-5 * time.Minute)
	if m[2] != periodStart.Format("02/01/06 15:04:05") {
		t.Errorf("reason datapoint time %s, want %s", m[2], periodStart.Format("02/01/06 15:04:05"))
	}
	stats, err := api.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
		Dimensions: in.Dimensions, StartTime: aws.Time(periodStart), EndTime: aws.Time(periodStart.Add(5 * time.Minute)), Period: aws.Int32(300), Statistics: []types.Statistic{types.StatisticAverage}})
	if err != nil {
		t.Fatal(err)
	}
	if len(stats.Datapoints) != 1 || javaDouble(*stats.Datapoints[0].Average) != m[1] || !stats.Datapoints[0].Timestamp.Equal(periodStart) || stats.Datapoints[0].Unit != types.StandardUnitPercent {
		t.Fatalf("statistics = %+v, reason value %s", stats.Datapoints, m[1])
	}
	var data struct {
		Period           int       `json:"period"`
		RecentDatapoints []float64 `json:"recentDatapoints"`
	}
	if err := json.Unmarshal([]byte(*a.StateReasonData), &data); err != nil || data.Period != 300 || len(data.RecentDatapoints) != 1 {
		t.Fatalf("StateReasonData = %s (%v)", *a.StateReasonData, err)
	}

	// Raising the threshold far above the CPU turns it OK at the next evaluation.
	in.Threshold = aws.Float64(99.5)
	if _, err := api.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Minute)
	a = describeAlarm(t, api, "cpu")
	if m := reasonRE.FindStringSubmatch(aws.ToString(a.StateReason)); a.StateValue != types.StateValueOk || m == nil || m[3] != "not " {
		t.Fatalf("after raising the threshold: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}

	// A terminated instance stops reporting: the alarm runs out of data.
	if _, err := f.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	f.Advance(15 * time.Minute)
	a = describeAlarm(t, api, "cpu")
	if a.StateValue != types.StateValueInsufficientData || *a.StateReason != "Insufficient Data: 1 datapoint was unknown." {
		t.Fatalf("after termination: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}

	hist, err := api.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("cpu"), HistoryItemType: types.HistoryItemTypeStateUpdate})
	if err != nil {
		t.Fatal(err)
	}
	var summaries []string
	for _, h := range hist.AlarmHistoryItems {
		summaries = append(summaries, *h.HistorySummary)
	}
	want := "Alarm updated from OK to INSUFFICIENT_DATA|Alarm updated from ALARM to OK|Alarm updated from INSUFFICIENT_DATA to ALARM"
	if strings.Join(summaries, "|") != want {
		t.Fatalf("history (newest first) = %q", summaries)
	}
	var hd struct {
		OldState struct{ StateValue string } `json:"oldState"`
		NewState struct{ StateValue string } `json:"newState"`
	}
	if err := json.Unmarshal([]byte(*hist.AlarmHistoryItems[2].HistoryData), &hd); err != nil || hd.OldState.StateValue != "INSUFFICIENT_DATA" || hd.NewState.StateValue != "ALARM" {
		t.Fatalf("HistoryData = %s (%v)", *hist.AlarmHistoryItems[2].HistoryData, err)
	}
	msgs := f.TopicMessages("us-east-1", *topic.TopicArn)
	if len(msgs) != 2 || msgs[0].Subject != `ALARM: "cpu" in US East (N. Virginia)` || msgs[1].Subject != `OK: "cpu" in US East (N. Virginia)` {
		t.Fatalf("notifications = %+v", msgs)
	}
	var note map[string]any
	if err := json.Unmarshal([]byte(msgs[0].Message), &note); err != nil || note["NewStateValue"] != "ALARM" || note["OldStateValue"] != "INSUFFICIENT_DATA" || note["AlarmArn"] != *a.AlarmArn {
		t.Fatalf("notification body = %s", msgs[0].Message)
	}
}

func TestAlarmWithAUnitTheMetricIsNotPublishedInHasNoData(t *testing.T) {
	f := newComputeFixture(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	id := *f.run(1).Instances[0].InstanceId
	for _, unit := range []types.StandardUnit{types.StandardUnitPercent, types.StandardUnitSeconds} {
		in := cpuAlarm("cpu-"+string(unit), id, 1)
		in.Unit = unit
		if _, err := api.PutMetricAlarm(testCtx(t), in); err != nil {
			t.Fatal(err)
		}
	}
	f.Advance(11 * time.Minute)
	if a := describeAlarm(t, api, "cpu-Percent"); a.StateValue != types.StateValueAlarm {
		t.Errorf("alarm in Percent: %s %q", a.StateValue, *a.StateReason)
	}
	if a := describeAlarm(t, api, "cpu-Seconds"); a.StateValue != types.StateValueInsufficientData {
		t.Errorf("alarm in Seconds: %s %q", a.StateValue, *a.StateReason)
	}
}

func TestTreatMissingDataDecidesTheStateOfAnAlarmWithoutData(t *testing.T) {
	ts := newTestSandbox(t)
	api := cloudwatch.NewFromConfig(ts.Cfg)
	cases := []struct {
		treat, state, reason string
	}{
		{"missing", "INSUFFICIENT_DATA", "Insufficient Data: 1 datapoint was unknown."},
		{"breaching", "ALARM", "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching]."},
		{"notBreaching", "OK", "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching]."},
		{"ignore", "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"},
	}
	for _, tc := range cases {
		in := cpuAlarm("no-data-"+tc.treat, "i-0000000000000dead", 50)
		in.TreatMissingData = aws.String(tc.treat)
		if _, err := api.PutMetricAlarm(testCtx(t), in); err != nil {
			t.Fatal(err)
		}
		// Forced away from its state first, so that every evaluation that decides shows.
		if tc.treat != "ignore" {
			other := types.StateValueOk
			if tc.state == "OK" {
				other = types.StateValueAlarm
			}
			if _, err := api.SetAlarmState(testCtx(t), &cloudwatch.SetAlarmStateInput{AlarmName: in.AlarmName, StateValue: other, StateReason: aws.String("forced")}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ts.Advance(10 * time.Minute)
	for _, tc := range cases {
		a := describeAlarm(t, api, "no-data-"+tc.treat)
		if string(a.StateValue) != tc.state || tc.reason != "" && *a.StateReason != tc.reason {
			t.Errorf("TreatMissingData %s: %s %q, want %s %q", tc.treat, a.StateValue, *a.StateReason, tc.state, tc.reason)
		}
	}
}

func TestAlarmWithTheEC2TerminateActionTerminatesItsInstance(t *testing.T) {
	f := newComputeFixture(t)
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	id := *f.run(1).Instances[0].InstanceId
	in := cpuAlarm("kill", id, 1)
	in.AlarmActions = []string{"arn:aws:automate:us-east-1:ec2:terminate"}
	if _, err := api.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	f.Advance(11 * time.Minute)
	if st := f.instance(id).State.Name; st != "shutting-down" && st != "terminated" {
		t.Fatalf("instance after the alarm = %s", st)
	}
	hist, err := api.DescribeAlarmHistory(ctx, &cloudwatch.DescribeAlarmHistoryInput{AlarmName: aws.String("kill"), HistoryItemType: types.HistoryItemTypeAction})
	if err != nil || len(hist.AlarmHistoryItems) != 1 || *hist.AlarmHistoryItems[0].HistorySummary != "Successfully executed action arn:aws:automate:us-east-1:ec2:terminate" {
		t.Fatalf("action history = %+v, %v", hist, err)
	}
}

func TestSetAlarmStateWithActionsDisabledNotifiesNobody(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(ts.Cfg)
	topic, _ := sns.NewFromConfig(ts.Cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	in := cpuAlarm("cpu", "i-0123456789abcdef0", 50)
	in.AlarmActions = []string{*topic.TopicArn}
	if _, err := api.PutMetricAlarm(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, err := api.DisableAlarmActions(ctx, &cloudwatch.DisableAlarmActionsInput{AlarmNames: []string{"cpu"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("cpu"), StateValue: types.StateValueAlarm, StateReason: aws.String("testing")}); err != nil {
		t.Fatal(err)
	}
	if a := describeAlarm(t, api, "cpu"); a.StateValue != types.StateValueAlarm || *a.StateReason != "testing" || *a.ActionsEnabled {
		t.Fatalf("alarm = %s %q enabled=%v", a.StateValue, *a.StateReason, *a.ActionsEnabled)
	}
	if msgs := ts.TopicMessages("us-east-1", *topic.TopicArn); len(msgs) != 0 {
		t.Fatalf("disabled actions published %d messages", len(msgs))
	}
	if _, err := api.EnableAlarmActions(ctx, &cloudwatch.EnableAlarmActionsInput{AlarmNames: []string{"cpu"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("cpu"), StateValue: types.StateValueOk, StateReason: aws.String("x")}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("cpu"), StateValue: types.StateValueAlarm, StateReason: aws.String("again")}); err != nil {
		t.Fatal(err)
	}
	if msgs := ts.TopicMessages("us-east-1", *topic.TopicArn); len(msgs) != 1 {
		t.Fatalf("enabled actions published %d messages, want 1", len(msgs))
	}
	_, err := api.SetAlarmState(ctx, &cloudwatch.SetAlarmStateInput{AlarmName: aws.String("nope"), StateValue: types.StateValueOk, StateReason: aws.String("x")})
	var nf *types.ResourceNotFound
	if !errors.As(err, &nf) {
		t.Fatalf("unknown alarm: %v", err)
	}
}

func TestGetMetricDataServesManyInstancesInOneCallNewestFirst(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 2, 0, 0, time.UTC)
	f := newComputeFixture(t, func(o *Options) { o.Now = func() time.Time { return start } })
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	var ids []string
	for _, in := range f.run(40).Instances {
		ids = append(ids, *in.InstanceId)
	}
	f.Advance(time.Hour)
	now := start.Add(time.Hour)
	var queries []types.MetricDataQuery
	for i, id := range ids {
		queries = append(queries, types.MetricDataQuery{Id: aws.String(fmt.Sprintf("cpu%d", i)), MetricStat: &types.MetricStat{
			Metric: &types.Metric{Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"), Dimensions: []types.Dimension{{Name: aws.String("InstanceId"), Value: aws.String(id)}}},
			Period: aws.Int32(300), Stat: aws.String("Average")}})
	}
	in := &cloudwatch.GetMetricDataInput{MetricDataQueries: queries, StartTime: aws.Time(now.Add(-3 * time.Hour)), EndTime: aws.Time(now)}
	out, err := api.GetMetricData(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.MetricDataResults) != 40 {
		t.Fatalf("%d results", len(out.MetricDataResults))
	}
	// The instances ran from 10:02: 5-minute samples from 10:05 to 11:00, one per period.
	first := out.MetricDataResults[0]
	if first.StatusCode != types.StatusCodeComplete || len(first.Timestamps) != 12 || len(first.Values) != 12 || *first.Label != "CPUUtilization" {
		t.Fatalf("result = %s, %d timestamps", first.StatusCode, len(first.Timestamps))
	}
	if !first.Timestamps[0].Equal(time.Date(2026, 11, 23, 11, 0, 0, 0, time.UTC)) || !first.Timestamps[11].Equal(time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)) {
		t.Fatalf("timestamps = %v … %v, want newest first", first.Timestamps[0], first.Timestamps[11])
	}
	distinct := map[float64]bool{}
	for _, r := range out.MetricDataResults {
		for _, v := range r.Values {
			if v < 0.5 || v > 45 {
				t.Fatalf("%s value %v outside a plausible idle CPU", *r.Id, v)
			}
		}
		distinct[r.Values[0]] = true
	}
	if len(distinct) < 30 {
		t.Errorf("only %d distinct values across 40 instances", len(distinct))
	}
	again, err := api.GetMetricData(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again.MetricDataResults[7].Values) != fmt.Sprint(out.MetricDataResults[7].Values) {
		t.Error("metric values are not repeatable")
	}
	_, err = api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{MetricDataQueries: queries[:1], StartTime: aws.Time(now), EndTime: aws.Time(now.Add(-time.Hour))})
	if errorCode(err) != "InvalidParameterValue" {
		t.Errorf("reversed window: %v", err)
	}
}

func TestListMetricsShowsTheMetricsOfLiveResources(t *testing.T) {
	f := newComputeFixture(t)
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	id := *f.run(1).Instances[0].InstanceId
	f.Advance(time.Minute)
	out, err := api.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/EC2"), Dimensions: []types.DimensionFilter{{Name: aws.String("InstanceId")}}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range out.Metrics {
		if *m.Dimensions[0].Value != id {
			t.Fatalf("metric of another instance: %s", *m.Dimensions[0].Value)
		}
		names = append(names, *m.MetricName)
	}
	if strings.Join(names, ",") != "CPUUtilization,NetworkIn,NetworkOut" {
		t.Fatalf("metrics = %v", names)
	}
	billing, err := api.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/Billing")})
	if err != nil || len(billing.Metrics) != 1 || *billing.Metrics[0].Dimensions[0].Value != "USD" {
		t.Fatalf("billing metrics = %+v, %v", billing, err)
	}
	west := cloudwatch.NewFromConfig(f.Cfg, func(o *cloudwatch.Options) { o.Region = "eu-west-1" })
	if out, err := west.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/Billing")}); err != nil || len(out.Metrics) != 0 {
		t.Fatalf("billing outside us-east-1 = %+v, %v", out, err)
	}
}

func TestBillingAlarmFiresAsChargesGrow(t *testing.T) {
	start := time.Date(2026, 11, 23, 0, 30, 0, 0, time.UTC)
	f := newComputeFixture(t, func(o *Options) { o.Now = func() time.Time { return start } })
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	f.run(20, func(in *ec2.RunInstancesInput) { in.InstanceType = "m5.large" })
	if _, err := api.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("billing"), Namespace: aws.String("AWS/Billing"), MetricName: aws.String("EstimatedCharges"),
		Dimensions: []types.Dimension{{Name: aws.String("Currency"), Value: aws.String("USD")}},
		Statistic:  types.StatisticMaximum, Period: aws.Int32(21600), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(20), ComparisonOperator: types.ComparisonOperatorGreaterThanOrEqualToThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	f.Advance(6 * time.Hour) // 20 × $0.096 × ~5.5 h ≈ $10.6 at the 06:00 sample
	if a := describeAlarm(t, api, "billing"); a.StateValue != types.StateValueOk {
		t.Fatalf("after 6 h: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}
	// At 12:30 the last complete period, 06:00–12:00, holds the 06:00 figure.
	f.Advance(6 * time.Hour)
	if a := describeAlarm(t, api, "billing"); a.StateValue != types.StateValueOk {
		t.Fatalf("after 12 h: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}
	f.Advance(6 * time.Hour) // the 12:00 figure: 20 × $0.096 × 11.5 h ≈ $22
	a := describeAlarm(t, api, "billing")
	if a.StateValue != types.StateValueAlarm || !strings.Contains(*a.StateReason, "[22.08 (23/11/26 12:00:00)] was greater than or equal to the threshold (20.0)") {
		t.Fatalf("after 18 h: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}
	now := start.Add(18 * time.Hour)
	stats, err := api.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/Billing"), MetricName: aws.String("EstimatedCharges"),
		Dimensions: []types.Dimension{{Name: aws.String("Currency"), Value: aws.String("USD")}}, StartTime: aws.Time(now.Add(-24 * time.Hour)), EndTime: aws.Time(now),
		Period: aws.Int32(21600), Statistics: []types.Statistic{types.StatisticMaximum}})
	if err != nil {
		t.Fatal(err)
	}
	var vals []float64
	for _, dp := range stats.Datapoints {
		vals = append(vals, *dp.Maximum)
	}
	// 18:00 the day before (nothing yet), then 00:00, 06:00, 12:00 and 18:00.
	if fmt.Sprint(vals) != "[0 0 10.56 22.08 33.6]" {
		t.Fatalf("charges = %v", vals)
	}
}

func TestManagedAlarmsAreEvaluatedButNotInTheInventory(t *testing.T) {
	ts := newTestSandbox(t)
	api := cloudwatch.NewFromConfig(ts.Cfg)
	ts.mu.Lock()
	r := ts.world.region("us-east-1")
	r.putManagedAlarm(ts.clock.Now(), ManagedAlarm{Name: "TargetTracking-web-AlarmHigh-1234", Namespace: "AWS/EC2", MetricName: "CPUUtilization",
		Dimensions: map[string]string{"AutoScalingGroupName": "web"}, Statistic: "Average", Period: 60, EvaluationPeriods: 3,
		Threshold: 50, ComparisonOperator: "GreaterThanThreshold", AlarmActions: []string{"arn:aws:autoscaling:us-east-1:" + AccountID + ":scalingPolicy:x"}})
	ts.mu.Unlock()
	a := describeAlarm(t, api, "TargetTracking-web-AlarmHigh-1234")
	if *a.Dimensions[0].Name != "AutoScalingGroupName" || *a.EvaluationPeriods != 3 || a.AlarmActions[0] == "" {
		t.Fatalf("managed alarm = %+v", a)
	}
	// Forced to OK, the next evaluation finds no instances in the group.
	if _, err := api.SetAlarmState(testCtx(t), &cloudwatch.SetAlarmStateInput{AlarmName: a.AlarmName, StateValue: types.StateValueOk, StateReason: aws.String("forced")}); err != nil {
		t.Fatal(err)
	}
	ts.Advance(2 * time.Minute)
	if a := describeAlarm(t, api, "TargetTracking-web-AlarmHigh-1234"); a.StateValue != types.StateValueInsufficientData || !strings.HasPrefix(*a.StateReason, "Insufficient Data: 3 datapoints were unknown.") {
		t.Fatalf("group without instances: %s %q", a.StateValue, *a.StateReason)
	}
	if inv := ts.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory = %+v", inv)
	}
	ts.mu.Lock()
	r.deleteAlarms("TargetTracking-web-AlarmHigh-1234")
	ts.mu.Unlock()
	if out, _ := api.DescribeAlarms(testCtx(t), &cloudwatch.DescribeAlarmsInput{}); len(out.MetricAlarms) != 0 {
		t.Fatal("deleteAlarms left the alarm")
	}
}
