package sandbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

func TestZonesAlarmsAndTopicsSurviveARestart(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { realistic(o); o.DataDir = dir }
	ts := newTestSandbox(t, withData)
	ctx := testCtx(t)
	zone := createZone(t, ctx, route53.NewFromConfig(ts.Cfg), "example.com")
	change, err := changeRecords(ctx, route53.NewFromConfig(ts.Cfg), *zone.HostedZone.Id, change(r53types.ChangeActionCreate, aRecord("www.example.com", 60, "192.0.2.1")))
	if err != nil {
		t.Fatal(err)
	}
	topic, err := sns.NewFromConfig(ts.Cfg).CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sns.NewFromConfig(ts.Cfg).Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cloudwatch.NewFromConfig(ts.Cfg).PutMetricAlarm(ctx, cpuAlarm("cpu", "i-0123456789abcdef0", 50)); err != nil {
		t.Fatal(err)
	}
	if err := ts.Close(); err != nil {
		t.Fatal(err)
	}

	again := newTestSandbox(t, withData)
	r53 := route53.NewFromConfig(again.Cfg)
	got, err := r53.GetChange(ctx, &route53.GetChangeInput{Id: change.ChangeInfo.Id})
	if err != nil || got.ChangeInfo.Status != r53types.ChangeStatusPending {
		t.Fatalf("change after restart = %+v, %v; want still PENDING", got, err)
	}
	again.Advance(30 * time.Second)
	if got, _ := r53.GetChange(ctx, &route53.GetChangeInput{Id: change.ChangeInfo.Id}); got.ChangeInfo.Status != r53types.ChangeStatusInsync {
		t.Fatalf("change after restart and 30 s = %s", got.ChangeInfo.Status)
	}
	recs, err := r53.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: zone.HostedZone.Id})
	if err != nil || len(recs.ResourceRecordSets) != 3 {
		t.Fatalf("records after restart = %+v, %v", recs, err)
	}
	subs, err := sns.NewFromConfig(again.Cfg).ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil || len(subs.Subscriptions) != 1 || *subs.Subscriptions[0].SubscriptionArn != "PendingConfirmation" {
		t.Fatalf("subscriptions after restart = %+v, %v", subs, err)
	}
	alarms, err := cloudwatch.NewFromConfig(again.Cfg).DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{})
	if err != nil || len(alarms.MetricAlarms) != 1 || alarms.MetricAlarms[0].StateValue != cwtypes.StateValueInsufficientData {
		t.Fatalf("alarms after restart = %+v, %v", alarms, err)
	}
}
