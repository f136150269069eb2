package aws

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestDeniedActionReadsTheActionFromAWSMessages(t *testing.T) {
	cases := []struct {
		code, msg, want string
	}{
		{"AccessDenied", "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/x", "iam:CreateRole"},
		{"UnauthorizedOperation", "You are not authorized to perform this operation. User: arn:aws:iam::1:user/d is not authorized to perform: ec2:RunInstances on resource: arn:aws:ec2:us-east-1:1:instance/*. Encoded authorization failure message: abc", "ec2:RunInstances"},
		{"AuthorizationError", "User: arn:aws:iam::1:user/d is not authorized to perform: SNS:Publish on resource: arn:aws:sns:us-east-1:1:t", "sns:Publish"},
		{"AccessDeniedException", "User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: ssm:GetParameter because no identity-based policy allows the ssm:GetParameter action", "ssm:GetParameter"},
		{"AccessDenied", "because no identity-based policy allows the elasticloadbalancing:CreateLoadBalancer action", "elasticloadbalancing:CreateLoadBalancer"},
		{"UnauthorizedOperation", "You are not authorized to perform this operation. Encoded authorization failure message: abc", ""},
	}
	for _, c := range cases {
		err := &smithy.GenericAPIError{Code: c.code, Message: c.msg}
		if !IsAccessDenied(err) {
			t.Errorf("IsAccessDenied(%s) = false", c.code)
		}
		if got := DeniedAction(err); got != c.want {
			t.Errorf("DeniedAction(%q) = %q, want %q", c.msg, got, c.want)
		}
		h := Hint(err)
		if c.want != "" && !strings.Contains(h, "permission "+c.want+":") {
			t.Errorf("Hint for %q = %q, want it to name %s", c.msg, h, c.want)
		}
		if c.want == "" && !strings.Contains(h, "lack this permission") {
			t.Errorf("Hint without an action = %q", h)
		}
	}
	if IsAccessDenied(&smithy.GenericAPIError{Code: "InvalidVpcID.NotFound"}) || IsAccessDenied(errors.New("AccessDenied")) {
		t.Error("IsAccessDenied is true for errors that are not access denied")
	}
}
