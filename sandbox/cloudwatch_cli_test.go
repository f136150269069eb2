package sandbox

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// The AWS CLI (v1, botocore) speaks RPC v2 CBOR to CloudWatch with
// X-Amzn-Query-Mode, REST-XML to Route 53 and the query protocol to SNS.
func TestAWSCLIDescribesAlarmsZonesAndTopics(t *testing.T) {
	f := newComputeFixture(t)
	ctx := testCtx(t)
	if _, err := cloudwatch.NewFromConfig(f.Cfg).PutMetricAlarm(ctx, cpuAlarm("cpu-high", "i-0123456789abcdef0", 80)); err != nil {
		t.Fatal(err)
	}
	zone := createZone(t, ctx, route53.NewFromConfig(f.Cfg), "example.com")
	topic, err := sns.NewFromConfig(f.Cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	if err != nil {
		t.Fatal(err)
	}

	var alarms struct {
		MetricAlarms []struct {
			AlarmName             string
			StateValue            string
			Threshold             float64
			StateUpdatedTimestamp string
			Dimensions            []struct{ Name, Value string }
		}
	}
	awsCLI(t, f.netFixture, &alarms, "cloudwatch", "describe-alarms", "--alarm-name-prefix", "cpu")
	if len(alarms.MetricAlarms) != 1 || alarms.MetricAlarms[0].AlarmName != "cpu-high" || alarms.MetricAlarms[0].Threshold != 80 ||
		alarms.MetricAlarms[0].StateValue != "INSUFFICIENT_DATA" || alarms.MetricAlarms[0].StateUpdatedTimestamp == "" || len(alarms.MetricAlarms[0].Dimensions) != 1 {
		t.Fatalf("describe-alarms = %+v", alarms)
	}
	var failure cliFailure
	awsCLI(t, f.netFixture, &failure, "cloudwatch", "delete-alarms", "--alarm-names", "nope")
	if !containsAll(failure.Stderr, "ResourceNotFound", "nope") {
		t.Fatalf("delete-alarms of an unknown alarm: %s", failure.Stderr)
	}

	var stats struct {
		Label      string
		Datapoints []struct{ Timestamp string }
	}
	awsCLI(t, f.netFixture, &stats, "cloudwatch", "get-metric-statistics", "--namespace", "AWS/Billing", "--metric-name", "EstimatedCharges",
		"--dimensions", "Name=Currency,Value=USD", "--start-time", "2020-01-01T00:00:00Z", "--end-time", "2020-01-02T00:00:00Z", "--period", "21600", "--statistics", "Maximum")
	if stats.Label != "EstimatedCharges" || len(stats.Datapoints) != 4 {
		t.Fatalf("get-metric-statistics = %+v", stats)
	}

	awsCLI(t, f.netFixture, &failure, "cloudwatch", "put-metric-alarm", "--alarm-name", "bad", "--namespace", "AWS/EC2", "--metric-name", "CPUUtilization",
		"--statistic", "Average", "--period", "45", "--evaluation-periods", "1", "--threshold", "1", "--comparison-operator", "GreaterThanThreshold")
	if !containsAll(failure.Stderr, "(InvalidParameterValue)", "Period") {
		t.Fatalf("put-metric-alarm with a 45 s period: %s", failure.Stderr)
	}

	var zones struct {
		HostedZones []struct{ ID, Name string }
	}
	awsCLI(t, f.netFixture, &zones, "route53", "list-hosted-zones")
	if len(zones.HostedZones) != 1 || zones.HostedZones[0].Name != "example.com." {
		t.Fatalf("list-hosted-zones = %+v", zones)
	}
	var records struct {
		ResourceRecordSets []struct{ Name, Type string }
	}
	awsCLI(t, f.netFixture, &records, "route53", "list-resource-record-sets", "--hosted-zone-id", *zone.HostedZone.Id)
	if len(records.ResourceRecordSets) != 2 {
		t.Fatalf("list-resource-record-sets = %+v", records)
	}
	var topics struct {
		Topics []struct{ TopicArn string }
	}
	awsCLI(t, f.netFixture, &topics, "sns", "list-topics")
	if len(topics.Topics) != 1 || topics.Topics[0].TopicArn != *topic.TopicArn {
		t.Fatalf("list-topics = %+v", topics)
	}
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
