package steps

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// Script writes the topic, the subscription and the alarms as AWS CLI
// commands. It reads ALB_ARN, TG_ARN and ASG_NAME and sets TOPIC_ARN (and
// BILLING_TOPIC_ARN).
func (alarmsStep) Script(s *spec.Spec, w *Script) {
	w.Comment("CloudWatch names the load balancer and target group by the tail of their ARNs.")
	w.Line(`LB_DIMENSION="${ALB_ARN#*:loadbalancer/}"`)
	w.Line(`TG_DIMENSION="${TG_ARN##*:}"`)
	if s.Alarms.EncryptTopic {
		w.Comment("Each topic is encrypted with a key of its own whose policy lets CloudWatch use it: with the AWS")
		w.Comment("managed key (alias/aws/sns) CloudWatch cannot publish, and the alarms would notify nobody.")
		w.Capture("ACCOUNT_ID", "aws sts get-caller-identity", "Account")
		w.Line(`PARTITION=$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)`)
	}
	scriptTopic(s, w, false)
	if s.Alarms.BillingThresholdUSD > 0 {
		w.Comment("Billing data lives in us-east-1 only, and an alarm's action must be in its region: a second topic there.")
		w.Comment("Enable billing alerts first (Billing preferences → Alert preferences), or the alarm stays INSUFFICIENT_DATA.")
		scriptTopic(s, w, true)
	}
	dimVars := map[string]string{"lb_dimension": "$LB_DIMENSION", "tg_dimension": "$TG_DIMENSION", "asg_name": "$ASG_NAME"}
	for _, d := range alarmDefs(s) {
		a := d.alarm
		w.Comment("%s: %s", d.alarmName(s), d.why)
		region, topic := "", "$TOPIC_ARN"
		if d.billing {
			region, topic = " --region "+aws.BillingRegion, "$BILLING_TOPIC_ARN"
		}
		w.Line("aws cloudwatch put-metric-alarm%s --alarm-name %s \\", region, shellQuote(d.alarmName(s)))
		w.Line("  --alarm-description %s \\", shellQuote(a.Description))
		w.Line("  --namespace %s --metric-name %s \\", a.Namespace, a.Metric)
		var dims []string
		for _, dim := range d.dims {
			v := shellQuote(dim.value)
			if dim.step != "" {
				v = `"` + dimVars[dim.output] + `"`
			}
			dims = append(dims, "Name="+dim.name+",Value="+v)
		}
		w.Line("  --dimensions %s \\", strings.Join(dims, " "))
		if a.Percentile() {
			w.Line("  --extended-statistic %s --evaluate-low-sample-count-percentile %s \\", a.Statistic, a.LowSampleCountPercentile)
		} else {
			w.Line("  --statistic %s \\", a.Statistic)
		}
		w.Line("  --period %d --evaluation-periods %d --datapoints-to-alarm %d \\", a.Period, a.EvaluationPeriods, a.DatapointsToAlarm)
		w.Line("  --threshold %s --comparison-operator %s --treat-missing-data %s \\", formatNumber(a.Threshold), a.Comparison, a.TreatMissingData)
		actions := fmt.Sprintf("  --alarm-actions \"%s\"", topic)
		if !d.billing {
			actions += fmt.Sprintf(" --ok-actions \"%s\"", topic)
		}
		w.Line("%s \\", actions)
		w.Line("  --tags %s", scriptTags(s, d.key, d.alarmName(s)))
	}
}

// scriptTopic writes a topic and its email subscription.
func scriptTopic(s *spec.Spec, w *Script, billing bool) {
	key, variable, region := alarmKeyTopic, "TOPIC_ARN", ""
	if billing {
		key, variable, region = alarmKeyBillingTopic, "BILLING_TOPIC_ARN", " --region "+aws.BillingRegion
	}
	name := alarmTopicName(s, billing)
	attrs := ""
	if s.Alarms.EncryptTopic {
		kd := alarmKeyDesired(s, billing)
		regionVar := `${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}`
		if billing {
			regionVar = aws.BillingRegion
		}
		policy := strings.NewReplacer(`"`, `\"`, "@ACCOUNT@", "$ACCOUNT_ID", "@PARTITION@", "$PARTITION", "@REGION@", regionVar).
			Replace(alarmKeyPolicy(s, "@PARTITION@", "@ACCOUNT@", "@REGION@"))
		var tags []string
		for k, v := range StackTags(s.Name, StepAlarms, kd.Key, kd.Name) {
			tags = append(tags, "TagKey="+k+",TagValue="+shellQuote(v))
		}
		slices.Sort(tags)
		w.Capture(variable+"_KEY", fmt.Sprintf("aws kms create-key%s --description %s \\\n  --policy \"%s\" \\\n  --tags %s",
			region, shellQuote(alarmKeyDescription(s, billing)), policy, strings.Join(tags, " ")), "KeyMetadata.Arn")
		attrs = fmt.Sprintf(" --attributes KmsMasterKeyId=\"$%s_KEY\"", variable)
	}
	w.Capture(variable, fmt.Sprintf("aws sns create-topic%s --name %s%s \\\n  --tags %s", region, shellQuote(name), attrs, scriptTags(s, key, name)), "TopicArn")
	if s.Alarms.Email != "" {
		w.Comment("%s must click the link in AWS's email: until then the subscription is pending and notifies nobody.", s.Alarms.Email)
		w.Line("aws sns subscribe%s --topic-arn \"$%s\" --protocol email --notification-endpoint %s", region, variable, shellQuote(s.Alarms.Email))
	}
}

// scriptTags is the CLI's --tags value for CloudWatch and SNS
// (Key=...,Value=... pairs).
func scriptTags(s *spec.Spec, key, name string) string {
	tags := StackTags(s.Name, StepAlarms, key, name)
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		parts = append(parts, "Key="+k+",Value="+shellQuote(tags[k]))
	}
	return strings.Join(parts, " ")
}
