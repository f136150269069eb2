package aws

import "testing"

func TestARNsAreReadByTheirParts(t *testing.T) {
	for _, tc := range []struct{ what, got, want string }{
		{"topic", TopicName("arn:aws:sns:us-east-1:123456789012:demo-alarms"), "demo-alarms"},
		{"topic in China", TopicName("arn:aws-cn:sns:cn-north-1:123456789012:demo-alarms"), "demo-alarms"},
		{"load balancer dimension", ARNResourceAfter("arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:loadbalancer/app/demo-alb/50dc6c495c0c9188", "loadbalancer/"), "app/demo-alb/50dc6c495c0c9188"},
		{"target group dimension", ARNResource("arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:123456789012:targetgroup/demo-tg/73e2d6bc24d8a067"), "targetgroup/demo-tg/73e2d6bc24d8a067"},
		{"not that prefix", ARNResourceAfter("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-tg/1", "loadbalancer/"), ""},
		{"subscription's topic", SubscriptionTopicARN("arn:aws:sns:us-east-1:123456789012:demo-alarms:0b6c1e9f-8a3d-4b1e-9a65-3d2f1c0e7b21"), "arn:aws:sns:us-east-1:123456789012:demo-alarms"},
		{"a pending subscription has no ARN", SubscriptionTopicARN("PendingConfirmation"), ""},
		{"target group name", ELBName("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/demo-tg/73e2d6bc24d8a067"), "demo-tg"},
		{"not an ARN", ARNResource("demo"), "demo"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.what, tc.got, tc.want)
		}
	}
}
