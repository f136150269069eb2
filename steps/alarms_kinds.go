package steps

import (
	"context"
	"fmt"
	"strconv"

	"github.com/stackwiz/stackwiz/aws"
)

func alarmsKinds() []Kind {
	return []Kind{
		{Type: typeAlarm, Order: 10, Manual: manualByID("aws cloudwatch delete-alarms --alarm-names"), Describe: describeAlarm, Delete: deleteAlarm, List: listAlarms},
		{Type: typeSubscription, Order: 12, Manual: manualByID("aws sns unsubscribe --subscription-arn"), Describe: describeSubscription, Delete: deleteSubscription, List: listSubscriptions},
		{Type: typeTopic, Order: 14, Manual: manualByARN("aws sns delete-topic --topic-arn"), Describe: describeTopic, Delete: deleteTopic, List: listTopics},
	}
}

// alarmRegions are the alarms adapters a List looks in, with the region it
// records for what it finds there: the stack's region, and us-east-1 for
// the billing resources (once, when the stack is in us-east-1).
type alarmRegion struct {
	c      *aws.Alarms
	region string
	// billingOnly: only the billing resources are this stack's here; a
	// stack of the same name in us-east-1 owns the rest.
	billingOnly bool
}

func alarmRegions(c *aws.Clients) []alarmRegion {
	if c.Region == aws.BillingRegion {
		return []alarmRegion{{c: c.Alarms}}
	}
	return []alarmRegion{{c: c.Alarms}, {c: c.Billing, region: aws.BillingRegion, billingOnly: true}}
}

// found fills a Found from a resource's tags; ok is false unless the
// resource is the stack's and belongs in this region's listing.
func (ar alarmRegion) found(stack string, tags map[string]string, f Found) (Found, bool) {
	if tags[TagStack] != stack || tags[TagKey] == "" || ar.billingOnly && !billingKey(tags[TagKey]) {
		return Found{}, false
	}
	f.Key, f.Step = tags[TagKey], StepID(tags[TagStep])
	if billingKey(f.Key) {
		f.Region = aws.BillingRegion
	}
	return f, true
}

func describeAlarm(ctx context.Context, t Target) (Observed, error) {
	c := alarmsClient(t.AWS, t.Resource.Region)
	al, ok, err := c.Alarm(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: al.State, Healthy: al.State != "ALARM", Attrs: alarmAttrs(al)}
	switch {
	case al.State == "ALARM":
		obs.Problem = "in ALARM: " + al.StateReason
	case al.State == "INSUFFICIENT_DATA" && al.Namespace == "AWS/Billing":
		obs.Problem = "no billing data: enable billing alerts in the account's Billing preferences"
	}
	return obs, nil
}

func deleteAlarm(ctx context.Context, t Target) error {
	return alarmsClient(t.AWS, t.Resource.Region).DeleteAlarm(ctx, t.Resource.ID)
}

// listAlarms finds the stack's alarms by name prefix, then by tag.
func listAlarms(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	var out []Found
	for _, ar := range alarmRegions(c) {
		als, err := ar.c.AlarmsWithPrefix(ctx, stack+"-")
		if err != nil {
			return nil, err
		}
		for _, al := range als {
			tags, err := ar.c.AlarmTags(ctx, al.ARN)
			if aws.IsNotFound(err) {
				continue // deleted since the listing
			}
			if err != nil {
				return nil, err
			}
			if f, ok := ar.found(stack, tags, Found{ID: al.Name, ARN: al.ARN, Type: typeAlarm, Attrs: alarmAttrs(al)}); ok {
				out = append(out, f)
			}
		}
	}
	return out, nil
}

func describeTopic(ctx context.Context, t Target) (Observed, error) {
	key, err := alarmsClient(t.AWS, t.Resource.Region).TopicKey(ctx, t.Resource.ARN)
	if aws.IsNotFound(err) {
		return Observed{}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	return Observed{Exists: true, Healthy: true, Attrs: topicAttrs(t.Resource.ARN, key)}, nil
}

// topicAttrs are a topic's attrs: its name and whether it is encrypted.
func topicAttrs(arn, key string) map[string]string {
	return map[string]string{"name": aws.TopicName(arn), "encrypted": strconv.FormatBool(key != "")}
}

// deleteTopic deletes the topic and with it its subscriptions, including
// any still pending confirmation, which no one can unsubscribe.
func deleteTopic(ctx context.Context, t Target) error {
	return alarmsClient(t.AWS, t.Resource.Region).DeleteTopic(ctx, t.Resource.ARN)
}

// listTopics finds the stack's topics among those named for it.
func listTopics(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	var out []Found
	for _, ar := range alarmRegions(c) {
		fs, err := ar.topics(ctx, stack)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

func (ar alarmRegion) topics(ctx context.Context, stack string) ([]Found, error) {
	arns, err := ar.c.TopicsNamed(ctx, stack+"-")
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, arn := range arns {
		tags, err := ar.c.TopicTags(ctx, arn)
		if aws.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		f, ok := ar.found(stack, tags, Found{ID: arn, ARN: arn, Type: typeTopic})
		if !ok {
			continue
		}
		key, err := ar.c.TopicKey(ctx, arn)
		if err != nil && !aws.IsNotFound(err) {
			return nil, err
		}
		f.Attrs = topicAttrs(arn, key)
		out = append(out, f)
	}
	return out, nil
}

// subscriptionTopic is the topic of a recorded subscription.
func subscriptionTopic(t Target) string {
	if arn := t.Resource.Attrs["topic_arn"]; arn != "" {
		return arn
	}
	return aws.SubscriptionTopicARN(t.Resource.ID) // a subscription's ARN is its topic's ARN and an id
}

// findSubscription looks for the recorded subscription on its topic: by
// ARN once confirmed, by endpoint while SNS lists it as pending.
func findSubscription(ctx context.Context, t Target) (aws.Subscription, bool, error) {
	subs, _, err := alarmsClient(t.AWS, t.Resource.Region).Subscriptions(ctx, subscriptionTopic(t))
	if err != nil {
		return aws.Subscription{}, false, err
	}
	for _, s := range subs {
		if s.ARN == t.Resource.ID || s.Pending && s.Protocol == t.Resource.Attrs["protocol"] && s.Endpoint == t.Resource.Attrs["endpoint"] {
			return s, true, nil
		}
	}
	return aws.Subscription{}, false, nil
}

func describeSubscription(ctx context.Context, t Target) (Observed, error) {
	s, ok, err := findSubscription(ctx, t)
	if err != nil || !ok {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: "Confirmed", Healthy: true,
		Attrs: map[string]string{"protocol": s.Protocol, "endpoint": s.Endpoint, "topic_arn": s.TopicARN}}
	if s.Pending {
		// Not a fault of the stack, so not unhealthy; but nobody is told
		// about alarms until the recipient clicks the link.
		obs.State = "PendingConfirmation"
		obs.Problem = fmt.Sprintf("%s has not confirmed the subscription yet: alarms notify nobody until the link in AWS's email is clicked", s.Endpoint)
	}
	return obs, nil
}

// deleteSubscription unsubscribes a confirmed subscription. A pending one
// cannot be unsubscribed: deleting its topic (next in destroy order)
// removes it, and SNS drops it after 48 hours anyway.
func deleteSubscription(ctx context.Context, t Target) error {
	s, ok, err := findSubscription(ctx, t)
	if err != nil || !ok || s.Pending {
		return err
	}
	return alarmsClient(t.AWS, t.Resource.Region).Unsubscribe(ctx, s.ARN)
}

// listSubscriptions finds the confirmed subscriptions of the stack's
// topics. Pending ones are left out: they cannot be deleted and go with
// their topic; a later apply's Subscribe answers with them.
func listSubscriptions(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	var out []Found
	for _, ar := range alarmRegions(c) {
		topics, err := ar.topics(ctx, stack)
		if err != nil {
			return nil, err
		}
		for _, topic := range topics {
			subs, _, err := ar.c.Subscriptions(ctx, topic.ARN)
			if err != nil {
				return nil, err
			}
			for _, s := range subs {
				if s.Pending {
					continue
				}
				key := "alarms/subscription/" + s.Protocol
				if topic.Key == alarmKeyBillingTopic {
					key = "alarms/billing-subscription/" + s.Protocol
				}
				out = append(out, Found{ID: s.ARN, ARN: s.ARN, Type: typeSubscription, Key: key, Step: topic.Step, Region: topic.Region,
					Attrs: map[string]string{"protocol": s.Protocol, "endpoint": s.Endpoint, "topic_arn": s.TopicARN}})
			}
		}
	}
	return out, nil
}
