package aws

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/stackwiz/stackwiz/sandbox"
)

// The sandbox shapes each service's access-denied error as AWS does; the
// real SDK clients must see them as access denied, with the action.
func TestSandboxDenialsAreAccessDeniedNamingTheAction(t *testing.T) {
	sb, srv := newSandbox(t)
	if err := sb.SetFaults(sandbox.Faults{Deny: []string{"ec2:DescribeVpcs", "sns:ListTopics"}}); err != nil {
		t.Fatal(err)
	}
	var rs retries
	cfg := WithRetryer(sandbox.Config(srv.URL, "us-east-1"), Options{OnRetry: rs.add})
	_, err := ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if !IsAccessDenied(err) || DeniedAction(err) != "ec2:DescribeVpcs" {
		t.Errorf("EC2: error %v, action %q", err, DeniedAction(err))
	}
	_, err = sns.NewFromConfig(cfg).ListTopics(context.Background(), &sns.ListTopicsInput{})
	if !IsAccessDenied(err) || DeniedAction(err) != "sns:ListTopics" {
		t.Errorf("SNS: error %v, action %q", err, DeniedAction(err))
	}
	if ev := rs.all(); len(ev) != 0 {
		t.Errorf("denied calls were retried: %+v", ev)
	}
}
