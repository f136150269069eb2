package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// alarmsStep is the stack's alarms and where they notify: an SNS topic
// (with an email subscription when the spec names one), alarms on the load
// balancer and the group, and a billing alarm in us-east-1 with a topic of
// its own there.
type alarmsStep struct{}

func (alarmsStep) ID() StepID    { return StepAlarms }
func (alarmsStep) Title() string { return "Alarms" }
func (alarmsStep) Why() string {
	return "Alarms last: they watch the load balancer and the group, and the bill."
}
func (alarmsStep) Enabled(s *spec.Spec) bool { return true }
func (alarmsStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepLoadBalancer, StepAutoscaling}
}

func (alarmsStep) Desired(s *spec.Spec) []Desired {
	ds := alarmTopicDesired(s, false)
	for _, d := range alarmDefs(s) {
		ds = append(ds, Desired{Key: d.key, Type: typeAlarm, Name: d.alarmName(s), Region: d.region(), Attrs: d.specAttrs()})
	}
	if s.Alarms.BillingThresholdUSD > 0 {
		ds = append(ds, alarmTopicDesired(s, true)...)
	}
	return ds
}

// alarmTopicDesired is a topic and, with alarms.email, its subscription.
func alarmTopicDesired(s *spec.Spec, billing bool) []Desired {
	topicKey, subKey, region := alarmKeyTopic, alarmKeySubscription, ""
	if billing {
		topicKey, subKey, region = alarmKeyBillingTopic, alarmKeyBillingSub, aws.BillingRegion
	}
	name := alarmTopicName(s, billing)
	var ds []Desired
	if s.Alarms.EncryptTopic {
		ds = append(ds, alarmKeyDesired(s, billing))
	}
	ds = append(ds, Desired{Key: topicKey, Type: typeTopic, Name: name, Region: region,
		Attrs: map[string]string{"name": name, "encrypted": topicEncrypted(s)}, Replace: []string{"name"}})
	if s.Alarms.Email != "" {
		ds = append(ds, Desired{Key: subKey, Type: typeSubscription, Name: s.Alarms.Email, Region: region,
			Attrs: map[string]string{"protocol": "email", "endpoint": s.Alarms.Email},
			// A subscription is its endpoint on its topic: nothing changes in place.
			Replace: []string{"protocol", "endpoint", "topic_arn"}})
	}
	return ds
}

// alarmsClient returns the alarms adapter of a resource's region.
func alarmsClient(c *aws.Clients, region string) *aws.Alarms {
	if region == aws.BillingRegion {
		return c.Billing
	}
	return c.Alarms
}

func (st alarmsStep) Apply(ctx context.Context, r *Run) error {
	s := r.Spec
	outputs := map[string]string{}
	var missing []string
	for _, def := range alarmDefs(s) {
		for _, dim := range def.dims {
			if dim.step != "" && r.Output(dim.step, dim.output) == "" {
				missing = append(missing, string(dim.step)+"."+dim.output)
			}
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the alarms need outputs the earlier steps have not recorded: %s; run apply so those steps finish first",
			strings.Join(slices.Compact(missing), ", "))
	}
	topic, err := st.ensureTopic(ctx, r, false)
	if err != nil {
		return err
	}
	outputs["topic_arn"] = topic
	var billingTopic string
	if s.Alarms.BillingThresholdUSD > 0 {
		if billingTopic, err = st.ensureTopic(ctx, r, true); err != nil {
			return err
		}
		outputs["billing_topic_arn"] = billingTopic
	}
	for _, def := range alarmDefs(s) {
		action := topic
		if def.billing {
			action = billingTopic
		}
		if err := st.ensureAlarm(ctx, r, def, action); err != nil {
			return err
		}
	}
	return r.SetOutputs(outputs)
}

// ensureTopic keeps a topic, its key and its email subscription, and
// returns the topic's ARN.
func (alarmsStep) ensureTopic(ctx context.Context, r *Run, billing bool) (string, error) {
	keyARN, err := ensureTopicKey(ctx, r, billing)
	if err != nil {
		return "", err
	}
	ds := alarmTopicDesired(r.Spec, billing)
	if r.Spec.Alarms.EncryptTopic {
		ds = ds[1:] // the key, kept above
	}
	c := alarmsClient(r.AWS, ds[0].Region)
	name := ds[0].Name
	tags := r.Tags(ds[0].Key, name)
	rec, err := r.Ensure(ctx, ds[0], Ops{
		// CreateTopic answers with the existing topic for the same name,
		// attributes and tags: a resumed create needs no lookup.
		Create: func(ctx context.Context, _ string) (Found, error) {
			arn, err := c.CreateTopic(ctx, name, keyARN, tags)
			if aws.IsCode(err, "InvalidParameter") && strings.Contains(aws.Message(err), "already exists") {
				return Found{}, fmt.Errorf("%w: an SNS topic named %s exists without this stack's tags or with other settings; delete it or rename the stack", err, name)
			}
			return Found{ID: arn, ARN: arn}, err
		},
		// Encrypted or not is set below; the topic stays.
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			return Found{ID: cur.ID, ARN: cur.ARN}, nil
		},
	})
	if err != nil {
		return "", err
	}
	if err := convergeTopicKey(ctx, c, rec.ARN, keyARN); err != nil {
		return "", err
	}
	if len(ds) < 2 {
		return rec.ARN, nil
	}
	sub := ds[1]
	sub.Attrs["topic_arn"] = rec.ARN
	if _, err := r.Ensure(ctx, sub, Ops{
		// Subscribe answers with the existing subscription of the endpoint.
		Create: func(ctx context.Context, _ string) (Found, error) {
			arn, err := c.Subscribe(ctx, rec.ARN, "email", r.Spec.Alarms.Email)
			return Found{ID: arn, ARN: arn}, err
		},
	}); err != nil {
		return "", err
	}
	subs, _, err := c.Subscriptions(ctx, rec.ARN)
	if err != nil {
		return "", err
	}
	for _, s := range subs {
		if s.Protocol == "email" && s.Endpoint == r.Spec.Alarms.Email && s.Pending {
			r.Warn("%s must confirm the subscription to %s: AWS emailed a link to click. Until then the alarms notify nobody; "+
				"SNS drops an unconfirmed subscription after 48 hours (apply subscribes again)", r.Spec.Alarms.Email, name)
		}
	}
	return rec.ARN, nil
}

// ensureAlarm keeps one alarm with the topic as its action.
func (alarmsStep) ensureAlarm(ctx context.Context, r *Run, def alarmDef, topic string) error {
	s := r.Spec
	al := def.alarm
	al.Name = def.alarmName(s)
	al.Dimensions = map[string]string{}
	for _, dim := range def.dims {
		v := dim.value
		if dim.step != "" {
			v = r.Output(dim.step, dim.output)
		}
		al.Dimensions[dim.name] = v
	}
	al.AlarmActions = []string{topic}
	if !def.billing {
		// Say when it is over, too: an alarm that recovers by itself is news.
		al.OKActions = []string{topic}
	}
	al.Tags = r.Tags(def.key, al.Name)
	c := alarmsClient(r.AWS, def.region())
	d := Desired{Key: def.key, Type: typeAlarm, Name: al.Name, Region: def.region(), Attrs: def.specAttrs()}
	maps.Copy(d.Attrs, map[string]string{"dimensions": formatDims(al.Dimensions), "topic_arn": topic})
	written := false
	put := func(ctx context.Context) (Found, error) {
		written = true
		if err := c.PutAlarm(ctx, al); err != nil {
			return Found{}, err
		}
		got, ok, err := c.Alarm(ctx, al.Name)
		if err != nil || !ok {
			return Found{ID: al.Name}, err
		}
		return Found{ID: al.Name, ARN: got.ARN}, nil
	}
	if _, err := r.Ensure(ctx, d, Ops{
		// PutMetricAlarm is an upsert by name.
		Create: func(ctx context.Context, _ string) (Found, error) { return put(ctx) },
		Update: func(ctx context.Context, _ state.Resource) (Found, error) { return put(ctx) },
	}); err != nil {
		return err
	}
	got, ok, err := c.Alarm(ctx, al.Name)
	if err != nil {
		return err
	}
	// The record says the alarm is as the spec wants; put back what was
	// changed in the console since.
	if obs := alarmAttrs(got); ok {
		var drift []string
		for _, k := range slices.Sorted(maps.Keys(d.Attrs)) {
			if obs[k] != d.Attrs[k] {
				drift = append(drift, fmt.Sprintf("%s %q (spec: %q)", k, obs[k], d.Attrs[k]))
			}
		}
		if len(drift) > 0 {
			r.Warn("alarm %s was changed outside stackwiz: %s; restoring it", al.Name, strings.Join(drift, ", "))
			if _, err := put(ctx); err != nil {
				return err
			}
		}
	}
	// Said when the alarm is written and for as long as it has no data.
	if def.billing && (written || ok && got.State == "INSUFFICIENT_DATA") {
		r.Warn("billing alarm %s (us-east-1) needs billing data: AWS publishes estimated charges only once billing alerts "+
			"are enabled for the account (Billing and Cost Management console → Billing preferences → Alert preferences → "+
			"Receive CloudWatch billing alerts, as the root user or an admin); until then it stays INSUFFICIENT_DATA. "+
			"Data arrives about every 6 hours", al.Name)
	}
	return nil
}
