package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// Code returns the AWS error code of err ("InvalidVpcID.NotFound",
// "Throttling", ...), or "" when err did not come from AWS.
func Code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Message returns AWS's message for err, or err's text.
func Message(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorMessage()
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// IsCode reports whether err is an AWS error with one of codes.
func IsCode(err error, codes ...string) bool {
	c := Code(err)
	for _, want := range codes {
		if c == want {
			return true
		}
	}
	return false
}

// IsNotFound reports whether err says the resource does not exist, in any
// of the ways the services stackwiz uses say it.
func IsNotFound(err error) bool {
	c := Code(err)
	switch {
	case c == "":
		return false
	case strings.HasSuffix(c, ".NotFound"), strings.HasSuffix(c, "NotFound"),
		strings.HasSuffix(c, "NotFoundException"), strings.HasPrefix(c, "NoSuch"):
		return true
	case c == "ValidationError" && strings.Contains(strings.ToLower(Message(err)), "not found"):
		return true // Auto Scaling: "AutoScalingGroup name not found"
	}
	return false
}

// IsIAMPropagation reports whether err is AWS rejecting an instance
// profile that exists but has not yet propagated (IAM is eventually
// consistent: a new profile is refused for a few seconds).
func IsIAMPropagation(err error) bool {
	if !IsCode(err, "InvalidParameterValue", "ValidationError") {
		return false
	}
	m := strings.ToLower(Message(err))
	return strings.Contains(m, "iam instance profile") || strings.Contains(m, "iaminstanceprofile") ||
		strings.Contains(m, "instance profile")
}

// IsDependency reports whether err says something else still uses the
// resource (a delete that must wait for a dependent to go).
func IsDependency(err error) bool {
	return IsCode(err, "DependencyViolation", "ResourceInUse", "ResourceInUseException",
		"DeleteConflict", "HostedZoneNotEmpty", "InvalidIPAddress.InUse", "ScalingActivityInProgress",
		"InvalidNetworkInterface.InUse")
}

// IsThrottle reports whether err is AWS asking to slow down (after the
// retryer has given up).
func IsThrottle(err error) bool {
	return IsCode(err, "Throttling", "ThrottlingException", "RequestLimitExceeded",
		"TooManyRequestsException", "Throttled", "PriorRequestNotComplete")
}

// IsAccessDenied reports whether err is AWS refusing the call for lack of
// permission: an IAM policy, SCP or permission boundary that does not allow
// it. Retrying never changes that.
func IsAccessDenied(err error) bool {
	return IsCode(err, "AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
		"UnauthorizedAccess", "AuthorizationError")
}

// IsAuthFailure reports whether err is AWS rejecting the credentials
// themselves: unknown, expired or badly signed. Retrying never changes
// that either.
func IsAuthFailure(err error) bool {
	return IsCode(err, "AuthFailure", "InvalidClientTokenId", "ExpiredToken", "ExpiredTokenException",
		"SignatureDoesNotMatch", "UnrecognizedClientException")
}

// DeniedAction returns the IAM action an access-denied error names
// ("ec2:RunInstances"), or "". AWS writes it as "... is not authorized to
// perform: ec2:RunInstances on resource: ..." or "... because no
// identity-based policy allows the ec2:RunInstances action".
func DeniedAction(err error) string {
	if err == nil {
		return ""
	}
	msg := Message(err)
	for _, marker := range []string{"not authorized to perform: ", "policy allows the "} {
		i := strings.Index(msg, marker)
		if i < 0 {
			continue
		}
		rest := msg[i+len(marker):]
		if j := strings.IndexAny(rest, " \t\n,;"); j >= 0 {
			rest = rest[:j]
		}
		rest = strings.TrimRight(rest, ".")
		if svc, op, ok := strings.Cut(rest, ":"); ok && svc != "" && op != "" {
			// SNS writes its prefix in capitals ("SNS:Publish"); IAM
			// policies use the lower-case service prefix.
			return strings.ToLower(svc) + ":" + op
		}
	}
	return ""
}

// IsCanceled reports whether err is the caller's context ending.
func IsCanceled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// Hint turns an AWS failure into what it means and what to do, or "" when
// there is nothing useful to add to AWS's message.
func Hint(err error) string {
	c := Code(err)
	switch {
	case err == nil:
		return ""
	case IsThrottle(err):
		return "AWS is throttling this account's API calls; stackwiz retried and gave up. Run the same command again: it resumes where it stopped."
	case IsIAMPropagation(err):
		return "IAM changes take a few seconds to reach EC2; run the same command again to resume."
	case IsAccessDenied(err):
		if action := DeniedAction(err); action != "" {
			return fmt.Sprintf("your credentials lack the permission %s: allow it in the IAM policy of this user or role (or the SCP or permission boundary that denies it), or use another --profile.", action)
		}
		return "your credentials lack this permission: attach a policy that allows it (the message names the action) or use another --profile."
	case c == "ExpiredToken" || c == "ExpiredTokenException" || c == "RequestExpired":
		return "your session expired: run `aws sso login` (or refresh your credentials) and run the command again; it resumes."
	case c == "InvalidClientTokenId" || c == "UnrecognizedClientException" || c == "SignatureDoesNotMatch":
		return "the credentials are not valid for this account/endpoint: check --profile, AWS_PROFILE and AWS_ACCESS_KEY_ID."
	case strings.HasSuffix(c, "LimitExceeded") || c == "AddressLimitExceeded" || c == "VpcLimitExceeded" || c == "TooManyLoadBalancers":
		return "an account quota is reached: free unused resources in this region or request a higher quota in Service Quotas."
	case IsDependency(err):
		return "another resource still uses this one; stackwiz waits for dependents when it deletes — if this persists, something outside the stack uses it."
	case c == "InsufficientInstanceCapacity" || c == "Unsupported":
		return "this instance type is not available in one of the chosen AZs: pick another instance.type or fewer AZs."
	case c == "OptInRequired":
		return "the account is not subscribed to this service or region: enable the region in the AWS console (Account settings)."
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) && strings.Contains(err.Error(), "no EC2 IMDS role found") {
		return "no credentials found: run `aws configure`, `aws sso login --profile NAME`, or pass --profile."
	}
	return ""
}
