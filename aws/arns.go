package aws

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
)

// ARNs are read with the SDK's parser (aws/arn), not by cutting strings:
// a partition other than "aws" (aws-cn, aws-us-gov) or a resource with
// colons in it is then read right.

// ARNResource returns the resource part of an ARN ("loadbalancer/app/web/
// 50dc6c495c0c9188", "my-topic"), or s itself when it is not an ARN.
func ARNResource(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return s
	}
	return a.Resource
}

// ARNResourceAfter returns the resource part of an ARN with its type
// prefix cut ("app/web/50dc…" for prefix "loadbalancer/"); "" when the
// resource does not start with prefix.
func ARNResourceAfter(s, prefix string) string {
	r, ok := strings.CutPrefix(ARNResource(s), prefix)
	if !ok {
		return ""
	}
	return r
}

// SubscriptionTopicARN returns the topic of an SNS subscription ARN (the
// topic's ARN followed by ":" and the subscription's id).
func SubscriptionTopicARN(s string) string {
	a, err := arn.Parse(s)
	if err != nil {
		return ""
	}
	topic, _, ok := strings.Cut(a.Resource, ":")
	if !ok {
		return ""
	}
	a.Resource = topic
	return a.String()
}

// ELBName returns the name in an Elastic Load Balancing ARN
// (".../targetgroup/NAME/id", ".../loadbalancer/app/NAME/id").
func ELBName(s string) string {
	parts := strings.Split(ARNResource(s), "/")
	if len(parts) >= 3 {
		return parts[len(parts)-2]
	}
	return s
}
