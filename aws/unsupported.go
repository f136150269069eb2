package aws

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// IsUnsupported reports whether err says the endpoint does not implement
// the operation at all, rather than refusing this request: an answer with
// no AWS error in it (an HTML 500 page, a 404 or 501 for the path), or an
// error code that means "no such action". AWS itself never answers that
// way for an operation its SDK sends; AWS-compatible emulators (moto,
// LocalStack) do for the operations they lack, and for protocols they do
// not speak (CloudWatch's RPC v2 CBOR).
func IsUnsupported(err error) bool {
	if err == nil {
		return false
	}
	switch Code(err) {
	case "", "UnknownError": // the SDK's name for an answer it found no code in
	case "InvalidAction", "UnknownOperationException", "UnknownOperation", "NotImplemented", "NotImplementedException":
		return true
	default:
		return false // an AWS-shaped error: the operation exists
	}
	var re *smithyhttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil {
		return false
	}
	switch re.Response.StatusCode {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return true
	}
	// A 500 whose body the SDK could not read as the service's error: the
	// server failed outside any AWS handler (moto's answer for an operation
	// it lacks); the retryer has already given a transient one its chances.
	// 502, 503 and 504 are a proxy or gateway between us and the endpoint:
	// trouble on the way, not an operation the endpoint lacks.
	return re.Response.StatusCode == http.StatusInternalServerError
}

// Unsupported is the one line stackwiz says about an operation an
// endpoint lacks: which operation, which endpoint, and what follows.
func Unsupported(err error) string {
	service, op := "", ""
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		service, op = oe.ServiceID, oe.OperationName
	}
	status := ""
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		status = fmt.Sprintf(" (HTTP %d, no AWS error in the answer)", re.Response.StatusCode)
		if u := re.Response.Request; u != nil && u.URL != nil {
			status = fmt.Sprintf(" at %s://%s%s", u.URL.Scheme, u.URL.Host, status)
		}
	}
	return fmt.Sprintf("the endpoint does not implement %s %s%s", service, op, status)
}

// iamPrefixes maps the SDK's service ids to their IAM action prefixes.
var iamPrefixes = map[string]string{
	"EC2": "ec2", "Auto Scaling": "autoscaling", "Elastic Load Balancing v2": "elasticloadbalancing",
	"IAM": "iam", "Route 53": "route53", "ACM": "acm", "CloudWatch": "cloudwatch", "SNS": "sns",
	"SSM": "ssm", "STS": "sts", "KMS": "kms",
}

// Action is the IAM action a failed call needed ("ec2:RunInstances"): the
// one a denial names, else the one its operation maps to, else "".
func Action(err error) string {
	if a := DeniedAction(err); a != "" {
		return a
	}
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		if p, ok := iamPrefixes[oe.ServiceID]; ok {
			return p + ":" + oe.OperationName
		}
	}
	return ""
}

// Operation is the name of the AWS operation err came from ("RunInstances"),
// or "".
func Operation(err error) string {
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		return oe.OperationName
	}
	return ""
}

// CreatedNothing reports whether err proves that a create made nothing:
// the create call itself (not a later tag or wait) was refused for a
// permission, or is an operation the endpoint lacks.
func CreatedNothing(err error) bool {
	if !IsAccessDenied(err) && !IsUnsupported(err) {
		return false
	}
	op := Operation(err)
	if strings.HasSuffix(op, "Tags") {
		return false // CreateTags and the like follow a create that went through
	}
	for _, verb := range []string{"Create", "Put", "Run", "Request", "Allocate"} {
		if strings.HasPrefix(op, verb) {
			return true
		}
	}
	return false
}
