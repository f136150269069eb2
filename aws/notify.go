package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
)

// The SNS half of Alarms: the topic alarms notify and its subscriptions.

// pendingConfirmation is how SNS lists a subscription whose recipient has
// not clicked the confirmation link yet, in place of its ARN.
const pendingConfirmation = "PendingConfirmation"

// topicKeyAttr is the topic attribute naming the KMS key SNS encrypts
// its messages with at rest.
const topicKeyAttr = "KmsMasterKeyId"

// CreateTopic creates the topic name with tags, encrypted with the KMS key
// keyARN unless it is empty, and returns its ARN. CreateTopic is idempotent
// for the same name, attributes and tags: it answers with the existing
// topic.
func (a *Alarms) CreateTopic(ctx context.Context, name, keyARN string, tags map[string]string) (string, error) {
	in := &sns.CreateTopicInput{Name: sdk.String(name)}
	if keyARN != "" {
		in.Attributes = map[string]string{topicKeyAttr: keyARN}
	}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		in.Tags = append(in.Tags, snstypes.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	out, err := a.sns.CreateTopic(ctx, in)
	if err != nil {
		return "", fmt.Errorf("create SNS topic %s: %w", name, err)
	}
	return deref(out.TopicArn), nil
}

// TopicKey returns the KMS key the topic is encrypted with ("" for none).
func (a *Alarms) TopicKey(ctx context.Context, arn string) (string, error) {
	out, err := a.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: sdk.String(arn)})
	if err != nil {
		return "", fmt.Errorf("get attributes of SNS topic %s: %w", arn, err)
	}
	return out.Attributes[topicKeyAttr], nil
}

// SetTopicKey encrypts the topic with the KMS key keyARN ("" stops
// encrypting it).
func (a *Alarms) SetTopicKey(ctx context.Context, arn, keyARN string) error {
	_, err := a.sns.SetTopicAttributes(ctx, &sns.SetTopicAttributesInput{TopicArn: sdk.String(arn),
		AttributeName: sdk.String(topicKeyAttr), AttributeValue: sdk.String(keyARN)})
	if err != nil {
		return fmt.Errorf("set the KMS key of SNS topic %s: %w", arn, err)
	}
	return nil
}

// TopicExists reports whether the topic arn exists.
func (a *Alarms) TopicExists(ctx context.Context, arn string) (bool, error) {
	_, err := a.sns.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: sdk.String(arn)})
	switch {
	case IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("get attributes of SNS topic %s: %w", arn, err)
	}
	return true, nil
}

// TopicsNamed returns the ARNs of the topics whose names start with prefix.
func (a *Alarms) TopicsNamed(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	p := sns.NewListTopicsPaginator(a.sns, &sns.ListTopicsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list SNS topics: %w", err)
		}
		for _, t := range page.Topics {
			arn := deref(t.TopicArn)
			if strings.HasPrefix(TopicName(arn), prefix) {
				out = append(out, arn)
			}
		}
	}
	return out, nil
}

// TopicName returns the name part of a topic ARN.
func TopicName(arn string) string { return ARNResource(arn) }

// TopicTags returns a topic's tags.
func (a *Alarms) TopicTags(ctx context.Context, arn string) (map[string]string, error) {
	out, err := a.sns.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: sdk.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("list tags of SNS topic %s: %w", arn, err)
	}
	tags := make(map[string]string, len(out.Tags))
	for _, t := range out.Tags {
		tags[deref(t.Key)] = deref(t.Value)
	}
	return tags, nil
}

// DeleteTopic deletes a topic and, with it, every subscription, including
// those still pending confirmation (which cannot be unsubscribed).
// DeleteTopic is idempotent.
func (a *Alarms) DeleteTopic(ctx context.Context, arn string) error {
	if _, err := a.sns.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: sdk.String(arn)}); err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete SNS topic %s: %w", arn, err)
	}
	return nil
}

// Subscription is one subscription of a topic.
type Subscription struct {
	// ARN is empty while the subscription is pending: SNS lists it as
	// "PendingConfirmation" until the recipient confirms.
	ARN, TopicARN, Protocol, Endpoint string
	Pending                           bool
}

// Subscribe subscribes endpoint to the topic and returns the subscription's
// ARN, also while it waits for confirmation (ReturnSubscriptionArn).
// Subscribing the same endpoint again answers with the existing one.
func (a *Alarms) Subscribe(ctx context.Context, topicARN, protocol, endpoint string) (string, error) {
	out, err := a.sns.Subscribe(ctx, &sns.SubscribeInput{
		TopicArn: sdk.String(topicARN), Protocol: sdk.String(protocol), Endpoint: sdk.String(endpoint),
		ReturnSubscriptionArn: true,
	})
	if err != nil {
		return "", fmt.Errorf("subscribe %s to %s: %w", endpoint, topicARN, err)
	}
	return deref(out.SubscriptionArn), nil
}

// Subscriptions lists the topic's subscriptions; found is false when the
// topic does not exist.
func (a *Alarms) Subscriptions(ctx context.Context, topicARN string) (subs []Subscription, found bool, err error) {
	p := sns.NewListSubscriptionsByTopicPaginator(a.sns, &sns.ListSubscriptionsByTopicInput{TopicArn: sdk.String(topicARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if IsNotFound(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("list subscriptions of %s: %w", topicARN, err)
		}
		for _, s := range page.Subscriptions {
			sub := Subscription{ARN: deref(s.SubscriptionArn), TopicARN: deref(s.TopicArn), Protocol: deref(s.Protocol), Endpoint: deref(s.Endpoint)}
			if sub.ARN == pendingConfirmation || strings.EqualFold(sub.ARN, "pending confirmation") {
				sub.ARN, sub.Pending = "", true
			}
			subs = append(subs, sub)
		}
	}
	return subs, true, nil
}

// Unsubscribe deletes a confirmed subscription; a missing one is not an
// error. A pending one cannot be deleted: SNS removes it with its topic or
// after 48 hours.
func (a *Alarms) Unsubscribe(ctx context.Context, arn string) error {
	if _, err := a.sns.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: sdk.String(arn)}); err != nil && !IsNotFound(err) {
		return fmt.Errorf("unsubscribe %s: %w", arn, err)
	}
	return nil
}
