package steps

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// The alarms the stack keeps, defined once for apply, plan, status and the
// CLI export. Thresholds, periods and the handling of missing data are
// chosen per alarm; each definition says why.

// The resources of the alarms step.
const (
	alarmKeyTopic          = "alarms/topic"
	alarmKeySubscription   = "alarms/subscription/email"
	alarmKeyBillingTopic   = "alarms/billing-topic"
	alarmKeyBillingSub     = "alarms/billing-subscription/email"
	alarmKeyPrefix         = "alarms/alarm/"
	alarmKeyBilling        = alarmKeyPrefix + "billing"
	typeAlarm              = "cloudwatch:alarm"
	typeTopic              = "sns:topic"
	typeSubscription       = "sns:subscription"
	alarmResponseTimeLimit = 1.0 // seconds at p90
	alarmELB5XXPerPeriod   = 10  // load balancer 5XXs in five minutes
)

// billingKey reports whether key is one of the resources that live in
// aws.BillingRegion whatever the stack's region.
func billingKey(key string) bool {
	return key == alarmKeyBillingTopic || key == alarmKeyBillingSub || key == alarmKeyBilling || key == alarmKeyBillingKey
}

// alarmDim is one dimension of an alarm: a fixed value, or an output of an
// earlier step.
type alarmDim struct {
	name   string
	value  string
	step   StepID
	output string
}

// alarmDef is one alarm of the stack.
type alarmDef struct {
	key, suffix string
	billing     bool
	alarm       aws.MetricAlarm // without name, dimensions, actions, tags
	dims        []alarmDim
	// why explains the choice of statistic, period and missing data.
	why string
}

// alarmDefs returns the alarms spec asks for.
func alarmDefs(s *spec.Spec) []alarmDef {
	lb := alarmDim{name: "LoadBalancer", step: StepLoadBalancer, output: "lb_dimension"}
	tg := alarmDim{name: "TargetGroup", step: StepLoadBalancer, output: "tg_dimension"}
	defs := []alarmDef{
		{
			key: alarmKeyPrefix + "unhealthy-hosts", suffix: "unhealthy-hosts", dims: []alarmDim{lb, tg},
			alarm: aws.MetricAlarm{
				Description: "An instance of the group fails the load balancer's health checks for 3 minutes: " +
					"look at the target health reason (stackwiz status, or the target group in the console).",
				Namespace: "AWS/ApplicationELB", Metric: "UnHealthyHostCount", Statistic: "Maximum",
				Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 3, Threshold: 0, Comparison: "GreaterThanThreshold",
				TreatMissingData: "notBreaching",
			},
			why: "three 1-minute periods in a row: longer than the group takes to replace an unhealthy instance, so a " +
				"replacement alone does not page; missing data is not breaching: no datapoint counts no unhealthy host",
		},
		{
			key: alarmKeyPrefix + "elb-5xx", suffix: "elb-5xx", dims: []alarmDim{lb},
			alarm: aws.MetricAlarm{
				Description: fmt.Sprintf("The load balancer answered %d or more requests with 5XX in 5 minutes (502/503/504: "+
					"no healthy target, the app crashed or timed out).", alarmELB5XXPerPeriod),
				Namespace: "AWS/ApplicationELB", Metric: "HTTPCode_ELB_5XX_Count", Statistic: "Sum",
				Period: 300, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: alarmELB5XXPerPeriod,
				Comparison: "GreaterThanOrEqualToThreshold", TreatMissingData: "notBreaching",
			},
			why: "a count of the errors users see from the load balancer itself, not a rate: a rate needs metric math and " +
				"swings wildly on a quiet stack, where a handful of 503s already matters; missing data is not breaching: " +
				"the ALB publishes the count only for minutes that had 5XXs",
		},
		{
			key: alarmKeyPrefix + "response-time", suffix: "response-time", dims: []alarmDim{lb},
			alarm: aws.MetricAlarm{
				Description: fmt.Sprintf("One request in ten takes over %g s at the targets, in 3 of 5 minutes.", alarmResponseTimeLimit),
				Namespace:   "AWS/ApplicationELB", Metric: "TargetResponseTime", Statistic: "p90",
				Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 3, Threshold: alarmResponseTimeLimit,
				Comparison: "GreaterThanThreshold", TreatMissingData: "notBreaching", LowSampleCountPercentile: "ignore",
			},
			why: "p90 rather than the average, behind which many fast requests hide the slow pages users notice; 3 of 5 minutes " +
				"rides out one slow minute; missing data is not breaching (no requests, no latency), and a minute with " +
				"too few requests for a p90 is ignored",
		},
	}
	if p := s.Alarms.CPUHighPercent; p > 0 {
		defs = append(defs, alarmDef{
			key: alarmKeyPrefix + "cpu-high", suffix: "cpu-high",
			dims: []alarmDim{{name: "AutoScalingGroupName", step: StepAutoscaling, output: "asg_name"}},
			alarm: aws.MetricAlarm{
				Description: fmt.Sprintf("The group's average CPU is over %d%% for 10 minutes: it is at its max size or "+
					"cannot scale fast enough.", p),
				Namespace: "AWS/EC2", Metric: "CPUUtilization", Statistic: "Average",
				Period: 300, EvaluationPeriods: 2, DatapointsToAlarm: 2, Threshold: float64(p),
				Comparison: "GreaterThanThreshold", TreatMissingData: "missing",
			},
			why: "5-minute periods match EC2's free basic monitoring; missing data stays missing: EC2 reports every " +
				"running instance, so a gap means the group has none, which shows as INSUFFICIENT_DATA without paging",
		})
	}
	if usd := s.Alarms.BillingThresholdUSD; usd > 0 {
		defs = append(defs, alarmDef{
			// The name says where it lives: the console of the stack's own
			// region does not list it (billing metrics exist only in us-east-1).
			key: alarmKeyBilling, suffix: "billing-" + aws.BillingRegion, billing: true,
			dims: []alarmDim{{name: "Currency", value: "USD"}},
			alarm: aws.MetricAlarm{
				Description: fmt.Sprintf("This month's estimated AWS charges (the whole account) reached $%s. "+
					"This alarm lives in %s, the only region with billing metrics, whatever the stack's region.", formatNumber(usd), aws.BillingRegion),
				Namespace: "AWS/Billing", Metric: "EstimatedCharges", Statistic: "Maximum",
				Period: 21600, EvaluationPeriods: 1, DatapointsToAlarm: 1, Threshold: usd,
				Comparison: "GreaterThanOrEqualToThreshold", TreatMissingData: "ignore",
			},
			why: "AWS publishes estimated charges about every 6 hours, in us-east-1 only, so the period is 6 hours; " +
				"missing data is ignored: a period without a datapoint keeps the alarm's state",
		})
	}
	return defs
}

// alarmName is the alarm's name in CloudWatch.
func (d alarmDef) alarmName(s *spec.Spec) string { return s.Name + "-" + d.suffix }

// region is where the alarm lives when it is not the stack's region.
func (d alarmDef) region() string {
	if d.billing {
		return aws.BillingRegion
	}
	return ""
}

// specAttrs are the alarm's attrs the spec decides.
func (d alarmDef) specAttrs() map[string]string { return alarmSpecAttrs(d.alarm) }

func alarmSpecAttrs(a aws.MetricAlarm) map[string]string {
	return map[string]string{
		"metric":              a.Namespace + "/" + a.Metric,
		"statistic":           a.Statistic,
		"period":              strconv.Itoa(a.Period),
		"evaluation_periods":  strconv.Itoa(a.EvaluationPeriods),
		"datapoints_to_alarm": strconv.Itoa(a.DatapointsToAlarm),
		"threshold":           formatNumber(a.Threshold),
		"comparison":          a.Comparison,
		"treat_missing_data":  a.TreatMissingData,
	}
}

// alarmAttrs are every attr the record keeps for an alarm as AWS has it.
func alarmAttrs(a aws.MetricAlarm) map[string]string {
	attrs := alarmSpecAttrs(a)
	attrs["dimensions"] = formatDims(a.Dimensions)
	attrs["topic_arn"] = strings.Join(a.AlarmActions, ",")
	return attrs
}

func formatDims(dims map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(dims)) {
		parts = append(parts, k+"="+dims[k])
	}
	return strings.Join(parts, ",")
}

func formatNumber(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// alarmTopicName is the topic's name; the billing alarm has its own topic
// in us-east-1, since an alarm's actions must be in the alarm's region.
func alarmTopicName(s *spec.Spec, billing bool) string {
	if billing {
		return s.Name + "-billing-alarms"
	}
	return s.Name + "-alarms"
}
