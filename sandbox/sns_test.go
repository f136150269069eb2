package sandbox

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"
)

func TestCreateTopicIsIdempotentByNameAndValidatesIt(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := sns.NewFromConfig(ts.Cfg)
	in := &sns.CreateTopicInput{Name: aws.String("alarms"), Attributes: map[string]string{"DisplayName": "Alarms"},
		Tags: []types.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("web")}}}
	first, err := api.CreateTopic(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if *first.TopicArn != "arn:aws:sns:us-east-1:"+AccountID+":alarms" {
		t.Fatalf("arn = %s", *first.TopicArn)
	}
	again, err := api.CreateTopic(ctx, in)
	if err != nil || *again.TopicArn != *first.TopicArn {
		t.Fatalf("second CreateTopic = %v, %v", again, err)
	}
	_, err = api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms"), Attributes: map[string]string{"DisplayName": "Other"}})
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("different attributes: %v", err)
	}
	_, err = api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("bad name")})
	if !errors.As(err, &invalid) {
		t.Fatalf("bad name: %v", err)
	}
	attrs, err := api.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: first.TopicArn})
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Attributes["DisplayName"] != "Alarms" || attrs.Attributes["TopicArn"] != *first.TopicArn || attrs.Attributes["Owner"] != AccountID {
		t.Fatalf("attributes = %v", attrs.Attributes)
	}
	tags, err := api.ListTagsForResource(ctx, &sns.ListTagsForResourceInput{ResourceArn: first.TopicArn})
	if err != nil || len(tags.Tags) != 1 || *tags.Tags[0].Value != "web" {
		t.Fatalf("tags = %+v, %v", tags, err)
	}
}

func TestListTopicsPagesWithNextToken(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := sns.NewFromConfig(ts.Cfg)
	for i := range 105 {
		if _, err := api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String(fmt.Sprintf("t%03d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	p := sns.NewListTopicsPaginator(api, &sns.ListTopicsInput{})
	pages, n := 0, 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		n += len(out.Topics)
	}
	if pages != 2 || n != 105 {
		t.Fatalf("pages = %d, topics = %d", pages, n)
	}
}

func TestEmailSubscriptionStaysPendingUntilConfirmed(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := sns.NewFromConfig(ts.Cfg)
	topic, err := api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := api.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if *sub.SubscriptionArn != "pending confirmation" {
		t.Fatalf("SubscriptionArn = %s", *sub.SubscriptionArn)
	}
	list, err := api.ListSubscriptionsByTopic(ctx, &sns.ListSubscriptionsByTopicInput{TopicArn: topic.TopicArn})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Subscriptions) != 1 || *list.Subscriptions[0].SubscriptionArn != "PendingConfirmation" || *list.Subscriptions[0].Endpoint != "ops@example.com" {
		t.Fatalf("subscriptions = %+v", list.Subscriptions)
	}
	attrs, _ := api.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	if attrs.Attributes["SubscriptionsPending"] != "1" || attrs.Attributes["SubscriptionsConfirmed"] != "0" {
		t.Fatalf("counts = %v", attrs.Attributes)
	}
	if n := ts.ConfirmSubscriptions("us-east-1", *topic.TopicArn); n != 1 {
		t.Fatalf("confirmed %d", n)
	}
	all, err := api.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	arn := *all.Subscriptions[0].SubscriptionArn
	if arn != *topic.TopicArn+":"+arn[len(*topic.TopicArn)+1:] || len(arn) != len(*topic.TopicArn)+37 {
		t.Fatalf("confirmed ARN = %s", arn)
	}
	if _, err := api.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)}); err != nil {
		t.Fatal(err)
	}
	_, err = api.Unsubscribe(ctx, &sns.UnsubscribeInput{SubscriptionArn: aws.String(arn)})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("second Unsubscribe: %v", err)
	}
	_, err = api.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("not-an-address")})
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("bad email: %v", err)
	}
}

func TestPublishRecordsMessagesAndDeleteTopicRemovesSubscriptions(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := sns.NewFromConfig(ts.Cfg)
	topic, _ := api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	if _, err := api.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String("arn:aws:sqs:us-east-1:" + AccountID + ":q")}); err != nil {
		t.Fatal(err)
	}
	out, err := api.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Subject: aws.String("hi"), Message: aws.String("hello")})
	if err != nil {
		t.Fatal(err)
	}
	msgs := ts.TopicMessages("us-east-1", *topic.TopicArn)
	if len(msgs) != 1 || msgs[0].MessageID != *out.MessageId || msgs[0].Message != "hello" || msgs[0].Subject != "hi" {
		t.Fatalf("messages = %+v", msgs)
	}
	if _, err := api.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.DeleteTopic(ctx, &sns.DeleteTopicInput{TopicArn: topic.TopicArn}); err != nil {
		t.Fatalf("DeleteTopic is idempotent on AWS: %v", err)
	}
	_, err = api.Publish(ctx, &sns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("x")})
	var nf *types.NotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("publish to a deleted topic: %v", err)
	}
	if inv := ts.Inventory(); len(inv) != 0 {
		t.Fatalf("inventory after delete = %+v", inv)
	}
}

func TestConfirmSubscriptionWithTheEmailedTokenConfirmsIt(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := sns.NewFromConfig(ts.Cfg)
	topic, _ := api.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("alarms")})
	sub, err := api.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("email"), Endpoint: aws.String("ops@example.com"), ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(*sub.SubscriptionArn, *topic.TopicArn+":") {
		t.Fatalf("ReturnSubscriptionArn gave %s", *sub.SubscriptionArn)
	}
	_, err = api.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String("wrong")})
	var invalid *types.InvalidParameterException
	if !errors.As(err, &invalid) {
		t.Fatalf("wrong token: %v", err)
	}
	ts.mu.Lock()
	token := ts.world.Regions["us-east-1"].SNS.Subscriptions[*sub.SubscriptionArn].Token // what the email would carry
	ts.mu.Unlock()
	out, err := api.ConfirmSubscription(ctx, &sns.ConfirmSubscriptionInput{TopicArn: topic.TopicArn, Token: aws.String(token)})
	if err != nil || *out.SubscriptionArn != *sub.SubscriptionArn {
		t.Fatalf("ConfirmSubscription = %v, %v", out, err)
	}
	attrs, _ := api.GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: topic.TopicArn})
	if attrs.Attributes["SubscriptionsConfirmed"] != "1" || attrs.Attributes["SubscriptionsPending"] != "0" {
		t.Fatalf("counts after confirming = %v", attrs.Attributes)
	}
}
