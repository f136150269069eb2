package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// Alarms wraps the CloudWatch and SNS calls stackwiz makes for alarms and
// their notifications.
type Alarms struct {
	cw  alarmsAPI
	sns notifyAPI
}

// alarmsAPI lists only the CloudWatch methods Alarms calls.
type alarmsAPI interface {
	DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// notifyAPI lists only the SNS methods Alarms calls.
type notifyAPI interface {
	ListTopics(context.Context, *sns.ListTopicsInput, ...func(*sns.Options)) (*sns.ListTopicsOutput, error)
}
