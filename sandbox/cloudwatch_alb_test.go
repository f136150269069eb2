package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func TestUnHealthyHostCountAlarmFiresWhenATargetFailsItsHealthChecks(t *testing.T) {
	f := newServingFixture(t)
	ctx := testCtx(t)
	api := cloudwatch.NewFromConfig(f.Cfg)
	good, bad := f.bootedInstance(f.appSG), f.bootedInstance(f.appSG)
	f.register(good)
	f.register(bad)
	f.Advance(150 * time.Second) // five passing checks: both healthy

	lbDim := f.lbARN[strings.Index(f.lbARN, ":loadbalancer/")+len(":loadbalancer/"):]
	tgDim := f.tgARN[strings.Index(f.tgARN, "targetgroup/"):]
	if !strings.HasPrefix(lbDim, "app/web/") || !strings.HasPrefix(tgDim, "targetgroup/app/") {
		t.Fatalf("dimensions %q %q", lbDim, tgDim)
	}
	dims := []types.Dimension{{Name: aws.String("TargetGroup"), Value: aws.String(tgDim)}, {Name: aws.String("LoadBalancer"), Value: aws.String(lbDim)}}
	listed, err := api.ListMetrics(ctx, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("UnHealthyHostCount")})
	if err != nil || len(listed.Metrics) != 1 || len(listed.Metrics[0].Dimensions) != 2 {
		t.Fatalf("ListMetrics = %+v, %v", listed, err)
	}
	if _, err := api.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{
		AlarmName: aws.String("unhealthy-hosts"), Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("UnHealthyHostCount"),
		Dimensions: dims, Statistic: types.StatisticMaximum, Period: aws.Int32(60), EvaluationPeriods: aws.Int32(1),
		Threshold: aws.Float64(0), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold,
	}); err != nil {
		t.Fatal(err)
	}
	f.Advance(2 * time.Minute)
	if a := describeAlarm(t, api, "unhealthy-hosts"); a.StateValue != types.StateValueOk {
		t.Fatalf("with both targets healthy: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}

	if err := f.SetAppHealth(bad, false); err != nil {
		t.Fatal(err)
	}
	f.Advance(time.Minute) // two failed checks 30 s apart: unhealthy
	f.Advance(2 * time.Minute)
	a := describeAlarm(t, api, "unhealthy-hosts")
	m := reasonRE.FindStringSubmatch(aws.ToString(a.StateReason))
	if a.StateValue != types.StateValueAlarm || m == nil || m[1] != "1.0" || m[4] != "0.0" {
		t.Fatalf("with one target unhealthy: %s %q", a.StateValue, aws.ToString(a.StateReason))
	}

	now := time.Now().Add(24 * time.Hour) // beyond the sandbox clock: the window ends at "now"
	metric := func(id, name string, d []types.Dimension, stat string) types.MetricDataQuery {
		return types.MetricDataQuery{Id: aws.String(id), MetricStat: &types.MetricStat{Period: aws.Int32(60), Stat: aws.String(stat),
			Metric: &types.Metric{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String(name), Dimensions: d}}}
	}
	lbOnly := dims[1:]
	out, err := api.GetMetricData(ctx, &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-48 * time.Hour)), EndTime: aws.Time(now),
		MetricDataQueries: []types.MetricDataQuery{
			metric("healthy", "HealthyHostCount", dims, "Minimum"),
			metric("unhealthy", "UnHealthyHostCount", dims, "Maximum"),
			metric("requests", "RequestCount", lbOnly, "Sum"),
			metric("latency", "TargetResponseTime", lbOnly, "Average"),
		}})
	if err != nil {
		t.Fatal(err)
	}
	res := map[string]types.MetricDataResult{}
	for _, r := range out.MetricDataResults {
		res[*r.Id] = r
	}
	if h := res["healthy"].Values; len(h) < 3 || h[0] != 1 || h[len(h)-1] != 0 {
		t.Errorf("HealthyHostCount newest first = %v, want 1 now and 0 before the targets registered", h)
	}
	if u := res["unhealthy"].Values; len(u) < 3 || u[0] != 1 || u[3] != 0 {
		t.Errorf("UnHealthyHostCount newest first = %v", u)
	}
	if r := res["requests"].Values; len(r) == 0 || r[0] < 60 || r[0] > 60*20 {
		t.Errorf("RequestCount per minute = %v", r)
	}
	perTarget, err := api.GetMetricStatistics(ctx, &cloudwatch.GetMetricStatisticsInput{Namespace: aws.String("AWS/ApplicationELB"), MetricName: aws.String("RequestCountPerTarget"),
		Dimensions: dims[:1], StartTime: aws.Time(now.Add(-24 * time.Hour)), EndTime: aws.Time(now), Period: aws.Int32(60), Statistics: []types.Statistic{types.StatisticSum}})
	if err != nil || len(perTarget.Datapoints) == 0 {
		t.Errorf("RequestCountPerTarget by TargetGroup = %+v, %v", perTarget, err)
	}
	if l := res["latency"].Values; len(l) == 0 || l[0] < 0.01 || l[0] > 0.5 {
		t.Errorf("TargetResponseTime = %v", l)
	}
}
