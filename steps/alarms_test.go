package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// alarmsSpec is a stack outside us-east-1 with every alarm, so that the
// billing alarm and its topic live in another region than the rest.
const alarmsSpec = `name: web
region: eu-west-1
alarms:
  email: ops@example.com
  billing_threshold_usd: 50
  cpu_high_percent: 80
`

// alarmsTest is a stack in eu-west-1 whose load balancer and group exist
// (the group's name is the autoscaling step's output), running identity
// and alarms.
type alarmsTest struct {
	env            *testEnv
	f              *asgFixture
	cw, billingCW  *cloudwatch.Client
	sns, billingSN *sns.Client
}

func newAlarmsTest(t *testing.T) *alarmsTest {
	t.Helper()
	env := newTestEnv(t, "web")
	env.Cfg.Region = "eu-west-1"
	env.AWS = aws.NewClients(env.Cfg)
	f := newASGFixture(t, env, fixtureOptions{})
	if err := env.Store.SetOutputs("autoscaling", map[string]string{"asg_name": "web-asg"}); err != nil {
		t.Fatal(err)
	}
	env.Options.Steps = []Step{identityStep{}, alarmsStep{}}
	billing := env.Cfg.Copy()
	billing.Region = aws.BillingRegion
	return &alarmsTest{env: env, f: f, cw: cloudwatch.NewFromConfig(env.Cfg), billingCW: cloudwatch.NewFromConfig(billing),
		sns: sns.NewFromConfig(env.Cfg), billingSN: sns.NewFromConfig(billing)}
}

func (a *alarmsTest) alarms(t *testing.T, c *cloudwatch.Client) map[string]cwtypes.MetricAlarm {
	t.Helper()
	out, err := c.DescribeAlarms(testContext(t), &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: sdkaws.String("web-")})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]cwtypes.MetricAlarm{}
	for _, al := range out.MetricAlarms {
		m[*al.AlarmName] = al
	}
	return m
}

func (a *alarmsTest) topics(t *testing.T, c *sns.Client) []string {
	t.Helper()
	out, err := c.ListTopics(testContext(t), &sns.ListTopicsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var arns []string
	for _, tp := range out.Topics {
		arns = append(arns, *tp.TopicArn)
	}
	return arns
}

func (a *alarmsTest) subscriptions(t *testing.T, c *sns.Client, topic string) []string {
	t.Helper()
	out, err := c.ListSubscriptionsByTopic(testContext(t), &sns.ListSubscriptionsByTopicInput{TopicArn: &topic})
	if err != nil {
		t.Fatal(err)
	}
	var subs []string
	for _, s := range out.Subscriptions {
		subs = append(subs, *s.Protocol+":"+*s.Endpoint+":"+*s.SubscriptionArn)
	}
	return subs
}

func dims(al cwtypes.MetricAlarm) map[string]string {
	m := map[string]string{}
	for _, d := range al.Dimensions {
		m[*d.Name] = *d.Value
	}
	return m
}

func TestAlarmsCreatesTopicsSubscriptionsAndAlarms(t *testing.T) {
	a := newAlarmsTest(t)
	env, f := a.env, a.f
	mustApply(t, env, env.spec(alarmsSpec))

	topic := "arn:aws:sns:eu-west-1:123456789012:web-alarms"
	billingTopic := "arn:aws:sns:us-east-1:123456789012:web-billing-alarms"
	if got := a.topics(t, a.sns); !slices.Equal(got, []string{topic}) {
		t.Errorf("topics in eu-west-1 = %v, want [%s]", got, topic)
	}
	if got := a.topics(t, a.billingSN); !slices.Equal(got, []string{billingTopic}) {
		t.Errorf("topics in us-east-1 = %v, want [%s]: an alarm's action must be in its region", got, billingTopic)
	}
	for _, tp := range []struct {
		c   *sns.Client
		arn string
	}{{a.sns, topic}, {a.billingSN, billingTopic}} {
		subs := a.subscriptions(t, tp.c, tp.arn)
		if len(subs) != 1 || subs[0] != "email:ops@example.com:PendingConfirmation" {
			t.Errorf("subscriptions of %s = %v, want one pending email to ops@example.com", tp.arn, subs)
		}
		tags, err := tp.c.ListTagsForResource(testContext(t), &sns.ListTagsForResourceInput{ResourceArn: &tp.arn})
		if err != nil {
			t.Fatal(err)
		}
		if len(tags.Tags) != 4 {
			t.Errorf("topic %s tags = %d, want the stack's 4", tp.arn, len(tags.Tags))
		}
	}

	als := a.alarms(t, a.cw)
	want := map[string]struct {
		metric, stat, cmp, missing string
		threshold                  float64
		dims                       map[string]string
	}{
		"web-unhealthy-hosts": {"UnHealthyHostCount", "Maximum", "GreaterThanThreshold", "notBreaching", 0, map[string]string{"LoadBalancer": f.lbDim, "TargetGroup": f.tgDim}},
		"web-elb-5xx":         {"HTTPCode_ELB_5XX_Count", "Sum", "GreaterThanOrEqualToThreshold", "notBreaching", 10, map[string]string{"LoadBalancer": f.lbDim}},
		"web-response-time":   {"TargetResponseTime", "p90", "GreaterThanThreshold", "notBreaching", 1, map[string]string{"LoadBalancer": f.lbDim}},
		"web-cpu-high":        {"CPUUtilization", "Average", "GreaterThanThreshold", "missing", 80, map[string]string{"AutoScalingGroupName": "web-asg"}},
	}
	if len(als) != len(want) {
		t.Errorf("alarms in eu-west-1 = %d, want %d (no billing alarm here)", len(als), len(want))
	}
	for name, w := range want {
		al, ok := als[name]
		if !ok {
			t.Errorf("no alarm %s", name)
			continue
		}
		stat := string(al.Statistic)
		if al.ExtendedStatistic != nil {
			stat = *al.ExtendedStatistic
		}
		if *al.MetricName != w.metric || stat != w.stat || string(al.ComparisonOperator) != w.cmp || *al.Threshold != w.threshold ||
			*al.TreatMissingData != w.missing {
			t.Errorf("alarm %s = %s %s %s %g missing:%s, want %+v", name, *al.MetricName, stat, al.ComparisonOperator, *al.Threshold, *al.TreatMissingData, w)
		}
		if got := dims(al); !mapsEqual(got, w.dims) {
			t.Errorf("alarm %s dimensions = %v, want %v", name, got, w.dims)
		}
		if !slices.Equal(al.AlarmActions, []string{topic}) || !slices.Equal(al.OKActions, []string{topic}) {
			t.Errorf("alarm %s actions = %v ok %v, want the topic", name, al.AlarmActions, al.OKActions)
		}
	}
	bill := a.alarms(t, a.billingCW)
	b, ok := bill["web-billing-us-east-1"]
	if !ok || len(bill) != 1 {
		t.Fatalf("alarms in us-east-1 = %v, want web-billing-us-east-1 alone", bill)
	}
	if *b.Namespace != "AWS/Billing" || *b.MetricName != "EstimatedCharges" || dims(b)["Currency"] != "USD" || *b.Threshold != 50 ||
		!slices.Equal(b.AlarmActions, []string{billingTopic}) {
		t.Errorf("billing alarm = %s/%s %v %g → %v", *b.Namespace, *b.MetricName, dims(b), *b.Threshold, b.AlarmActions)
	}
	tags, err := a.billingCW.ListTagsForResource(testContext(t), &cloudwatch.ListTagsForResourceInput{ResourceARN: b.AlarmArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(tags.Tags) != 4 {
		t.Errorf("billing alarm tags = %v, want the stack's 4", tags.Tags)
	}
	if rec, _ := env.Store.Resource(alarmKeyBilling); rec.Region != aws.BillingRegion {
		t.Errorf("billing alarm recorded in region %q, want %s", rec.Region, aws.BillingRegion)
	}
	if got := env.Store.Snapshot().Steps["alarms"].Outputs["topic_arn"]; got != topic {
		t.Errorf("output topic_arn = %q", got)
	}
	if !hasEvent(env, Warning, "must confirm") || !hasEvent(env, Warning, "billing alerts") {
		t.Error("no warning about confirming the email or enabling billing alerts")
	}

	env.SB.ResetStats()
	mustApply(t, env, env.spec(alarmsSpec))
	if m, n := mutations(env, "monitoring"), mutations(env, "sns"); len(m)+len(n) > 0 {
		t.Errorf("second apply made mutating calls: %v %v", m, n)
	}
}

func TestAlarmsResumeAfterALostCreate(t *testing.T) {
	for _, op := range []string{"CreateTopic", "Subscribe", "PutMetricAlarm"} {
		t.Run(op, func(t *testing.T) {
			a := newAlarmsTest(t)
			env := a.env
			s := env.spec(alarmsSpec)
			ctx, cancel := context.WithCancel(testContext(t))
			if err := New(s, cutAfter(env, op, cancel), env.Store, env.record, env.Options).Apply(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("apply with the %s answer lost: %v", op, err)
			}
			mustApply(t, env, s)
			n := env.inventoryTypes()
			if n["sns:topic"] != 2 || n["sns:subscription"] != 2 || n["cloudwatch:alarm"] != 5 {
				t.Errorf("inventory after resume = %v, want 2 topics, 2 subscriptions, 5 alarms", n)
			}
			for _, r := range env.Store.Snapshot().Resources {
				if r.Step == "alarms" && r.Status != state.ResourceCreated {
					t.Errorf("%s is %s after resume", r.Key, r.Status)
				}
			}
		})
	}
}

func TestAlarmsStatusReportsDriftAndApplyRepairsIt(t *testing.T) {
	a := newAlarmsTest(t)
	env := a.env
	s := env.spec(alarmsSpec)
	mustApply(t, env, s)
	rep, err := env.engine(s).Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	// Healthy but for the e-mails nobody has confirmed yet: alarms that
	// notify nobody are not a healthy stack.
	for _, r := range rep.Resources {
		if !r.Healthy && r.Type != typeSubscription {
			t.Fatalf("status after apply: %+v", r)
		}
	}
	if rep.Healthy || rep.Verdict != VerdictUnhealthy {
		t.Errorf("status after apply with unconfirmed alarm e-mails: healthy %v, verdict %s; want unhealthy", rep.Healthy, rep.Verdict)
	}
	if sub := report(rep, alarmKeySubscription); sub.State != "PendingConfirmation" || sub.Healthy || !strings.Contains(sub.Problem, "confirmed") ||
		!strings.Contains(sub.Problem, "aws sns subscribe --region eu-west-1") {
		t.Errorf("subscription report = %+v, want pending, unhealthy, with the fix", sub)
	}
	// Someone raises the CPU alarm's threshold and deletes another.
	cpu := a.alarms(t, a.cw)["web-cpu-high"]
	if _, err := a.cw.PutMetricAlarm(testContext(t), &cloudwatch.PutMetricAlarmInput{
		AlarmName: cpu.AlarmName, Namespace: cpu.Namespace, MetricName: cpu.MetricName, Dimensions: cpu.Dimensions,
		Statistic: cpu.Statistic, Period: cpu.Period, EvaluationPeriods: cpu.EvaluationPeriods, DatapointsToAlarm: cpu.DatapointsToAlarm,
		Threshold: sdkaws.Float64(95), ComparisonOperator: cpu.ComparisonOperator, TreatMissingData: cpu.TreatMissingData,
		AlarmActions: cpu.AlarmActions, OKActions: cpu.OKActions}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.cw.DeleteAlarms(testContext(t), &cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"web-elb-5xx"}}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(s).Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if d := report(rep, alarmKeyPrefix+"cpu-high").Drift; len(d) != 1 || !strings.Contains(d[0], "threshold") || !strings.Contains(d[0], "95") {
		t.Errorf("cpu alarm drift = %v, want the threshold", d)
	}
	if r := report(rep, alarmKeyPrefix+"elb-5xx"); r.Exists {
		t.Errorf("deleted alarm reported as %+v", r)
	}
	if rep.Healthy {
		t.Error("status healthy after out-of-band changes")
	}
	mustApply(t, env, s)
	if got := a.alarms(t, a.cw); *got["web-cpu-high"].Threshold != 80 || got["web-elb-5xx"].AlarmName == nil {
		t.Errorf("after apply: cpu threshold %g, 5xx alarm present %v", *got["web-cpu-high"].Threshold, got["web-elb-5xx"].AlarmName != nil)
	}
	// The recipient clicks the links.
	env.SB.ConfirmSubscriptions("eu-west-1", "arn:aws:sns:eu-west-1:123456789012:web-alarms")
	env.SB.ConfirmSubscriptions("us-east-1", "arn:aws:sns:us-east-1:123456789012:web-billing-alarms")
	rep, _ = env.engine(s).Status(testContext(t))
	if !rep.Healthy || report(rep, alarmKeySubscription).State != "Confirmed" {
		t.Errorf("status after confirming: healthy %v, subscription %+v", rep.Healthy, report(rep, alarmKeySubscription))
	}
}

func TestAlarmsSpecChangesReplaceAndPrune(t *testing.T) {
	a := newAlarmsTest(t)
	env := a.env
	mustApply(t, env, env.spec(alarmsSpec))
	topic := "arn:aws:sns:eu-west-1:123456789012:web-alarms"
	env.SB.ConfirmSubscriptions("eu-west-1", topic)

	// Another address and no billing alarm.
	s2 := env.spec(strings.NewReplacer("ops@example.com", "oncall@example.com", "billing_threshold_usd: 50", "billing_threshold_usd: 0").Replace(alarmsSpec))
	plan, err := env.engine(s2).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := planChange(plan, alarmKeySubscription); c.Action != ActionReplace {
		t.Errorf("plan for the subscription = %s, want replace", c.Action)
	}
	for _, key := range []string{alarmKeyBilling, alarmKeyBillingTopic, alarmKeyBillingSub} {
		if c := planChange(plan, key); c.Action != ActionDelete {
			t.Errorf("plan for %s = %s, want delete", key, c.Action)
		}
	}
	mustApply(t, env, s2)
	if subs := a.subscriptions(t, a.sns, topic); len(subs) != 1 || !strings.HasPrefix(subs[0], "email:oncall@example.com:") {
		t.Errorf("subscriptions = %v, want the new address alone (the confirmed old one unsubscribed)", subs)
	}
	if got := a.topics(t, a.billingSN); len(got) != 0 {
		t.Errorf("billing topics left in us-east-1: %v", got)
	}
	if got := a.alarms(t, a.billingCW); len(got) != 0 {
		t.Errorf("billing alarms left in us-east-1: %v", got)
	}
}

func TestAlarmsDestroyAndAdopt(t *testing.T) {
	a := newAlarmsTest(t)
	env, f := a.env, a.f
	s := env.spec(alarmsSpec)
	mustApply(t, env, s)
	env.SB.ConfirmSubscriptions("eu-west-1", "arn:aws:sns:eu-west-1:123456789012:web-alarms")

	// Adopt into a fresh record: every alarm, topic and the confirmed
	// subscriptions are found by their tags, in both regions.
	store, err := state.OpenNew(t.TempDir(), "web")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	env.Store = store
	f.seed(env)
	if err := store.SetOutputs("autoscaling", map[string]string{"asg_name": "web-asg"}); err != nil {
		t.Fatal(err)
	}
	n, err := env.engine(s).Adopt(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if n != 10 { // 5 alarms, 2 topics and their 2 keys, the confirmed subscription (the pending one is not listable)
		t.Errorf("adopted %d, want 10", n)
	}
	if rec, _ := store.Resource(alarmKeyBillingKey); rec.Region != aws.BillingRegion {
		t.Errorf("adopted billing topic's key region %q, want %s", rec.Region, aws.BillingRegion)
	}
	if rec, _ := store.Resource(alarmKeyBillingTopic); rec.Region != aws.BillingRegion {
		t.Errorf("adopted billing topic region %q, want %s", rec.Region, aws.BillingRegion)
	}
	env.SB.ResetStats()
	mustApply(t, env, s)
	if m := mutations(env, "monitoring"); len(m) > 0 {
		t.Errorf("apply after adopt put alarms again: %v", m)
	}
	if m := mutations(env, "sns"); m["Subscribe"] != 1 || len(m) != 1 {
		t.Errorf("apply after adopt: sns mutations %v, want only the pending subscription subscribed again (it answers with the same one)", m)
	}

	// Destroy removes both regions' alarms and topics; the pending
	// subscription goes with its topic.
	if err := env.engine(s).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	for typ := range env.inventoryTypes() {
		if strings.HasPrefix(typ, "sns:") || strings.HasPrefix(typ, "cloudwatch:") {
			t.Errorf("inventory still holds %s after destroy", typ)
		}
	}
	deleteFixture(t, f)
	env.mustEmpty()
}

// In us-east-1 the billing resources share the stack's region: listed
// once, recorded with the billing region, deleted once.
func TestAlarmsInUSEast1ListTheBillingResourcesOnce(t *testing.T) {
	env := newTestEnv(t, "web")
	f := newASGFixture(t, env, fixtureOptions{})
	if err := env.Store.SetOutputs("autoscaling", map[string]string{"asg_name": "web-asg"}); err != nil {
		t.Fatal(err)
	}
	env.Options.Steps = []Step{identityStep{}, alarmsStep{}}
	s := env.spec(strings.Replace(alarmsSpec, "eu-west-1", "us-east-1", 1))
	mustApply(t, env, s)
	fs, err := listAlarms(testContext(t), env.AWS, "web")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]int{}
	for _, f := range fs {
		keys[f.Key]++
		if billingKey(f.Key) != (f.Region == aws.BillingRegion) {
			t.Errorf("%s listed with region %q", f.Key, f.Region)
		}
	}
	if len(fs) != 5 || keys[alarmKeyBilling] != 1 {
		t.Errorf("listed alarms %v, want 5 with the billing alarm once", keys)
	}
	if err := env.engine(s).Destroy(testContext(t)); err != nil {
		t.Fatal(err)
	}
	deleteFixture(t, f)
	env.mustEmpty()
}

func TestAlarmsScriptIsValidBash(t *testing.T) {
	script := ExportCLI(mustParse(t, alarmsSpec), []Step{alarmsStep{}})
	for _, want := range []string{
		"aws sns create-topic --name web-alarms",
		"aws sns create-topic --region us-east-1 --name web-billing-alarms",
		"aws sns subscribe --topic-arn \"$TOPIC_ARN\" --protocol email --notification-endpoint ops@example.com",
		"--metric-name UnHealthyHostCount",
		"--dimensions Name=LoadBalancer,Value=\"$LB_DIMENSION\" Name=TargetGroup,Value=\"$TG_DIMENSION\"",
		"--extended-statistic p90",
		"aws cloudwatch put-metric-alarm --region us-east-1 --alarm-name web-billing-us-east-1",
		"--alarm-actions \"$BILLING_TOPIC_ARN\"",
		"Name=AutoScalingGroupName,Value=\"$ASG_NAME\"",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	bashSyntax(t, script)
	if t.Failed() {
		t.Log(script)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
