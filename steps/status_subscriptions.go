package steps

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/arn"

	"github.com/stackwiz/stackwiz/aws"
)

// subscriptionPending is the state describeSubscription gives an e-mail
// subscription whose recipient has not clicked the confirmation link:
// SNS lists it as "PendingConfirmation" in place of its ARN.
const subscriptionPending = "PendingConfirmation"

// pendingSubscriptionProblem says that the alarms notify nobody until
// endpoint confirms its subscription to the recorded resource's topic, and
// how to get that done: the link in AWS's e-mail, or the e-mail sent again.
func pendingSubscriptionProblem(t Target, endpoint string) string {
	topic := subscriptionTopic(t)
	region := t.Resource.Region
	if a, err := arn.Parse(topic); err == nil && a.Region != "" {
		region = a.Region
	}
	if region == "" && t.AWS != nil {
		region = t.AWS.Region
	}
	if endpoint == "" {
		endpoint = t.Resource.Attrs["endpoint"]
	}
	return fmt.Sprintf("%s has not confirmed the subscription to %s, so the alarms notify nobody: "+
		"click the link in the e-mail AWS sent to %s (subject \"AWS Notification - Subscription Confirmation\"; look in spam too), "+
		"or send it again with `aws sns subscribe --region %s --topic-arn %s --protocol email --notification-endpoint %s`. "+
		"SNS drops an unconfirmed subscription after 48 hours; `stackwiz apply` then subscribes again",
		endpoint, aws.TopicName(topic), endpoint, region, topic, endpoint)
}
