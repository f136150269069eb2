package aws

import (
	"errors"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// OutcomeUnknown reports whether a call that failed with err may still
// have taken effect: the request was sent and no answer came back (a
// connection reset, a timeout), or the answer was a 5xx or could not be
// read. An AWS error answer (a refusal below 500, a throttle even as a
// 503: AWS throttles before acting), an endpoint
// that could not be reached at all and the caller's own cancellation are
// not: either AWS said it did nothing, or the request never left, or the
// caller is going away and the next run resumes from the record.
func OutcomeUnknown(err error) bool {
	if err == nil || IsCanceled(err) || unreachable(err) != "" || IsThrottle(err) ||
		retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == sdk.TrueTernary {
		return false
	}
	if s := httpStatus(err); s != 0 {
		return s >= 500 || !shaped(err)
	}
	var send *smithyhttp.RequestSendError
	var de *smithy.DeserializationError
	return errors.As(err, &send) || errors.As(err, &de)
}

// onceRetryer is the client's retryer for a create that has neither a
// client token nor a unique name (CreateVpc, CreateSubnet,
// CreateInternetGateway, AllocateAddress): it never re-sends after an
// attempt whose outcome is unknown, because the first may have made the
// resource and a second would make another. The caller looks the resource
// up by its tags instead (steps' Ensure does). Throttles and other
// refusals are still retried: AWS did nothing with those.
type onceRetryer struct{ sdk.RetryerV2 }

func (r onceRetryer) IsErrorRetryable(err error) bool {
	if OutcomeUnknown(err) {
		return false
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

// createOnce is the per-call option that installs onceRetryer.
func createOnce(o *ec2.Options) { o.Retryer = onceOnly(o.Retryer) }

// onceOnly wraps a client's retryer so that it never re-sends after an
// attempt whose outcome is unknown (a retryer of the older interface is
// held to one attempt).
func onceOnly(r sdk.Retryer) sdk.Retryer {
	if v2, ok := r.(sdk.RetryerV2); ok {
		return onceRetryer{v2}
	}
	return retry.AddWithMaxAttempts(r, 1)
}
