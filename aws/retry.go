package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// RetryEvent is one retry about to happen: the attempt that failed, why,
// and how long the call waits before the next one.
type RetryEvent struct {
	Service   string // the SDK's service id: "EC2", "Auto Scaling"
	Operation string // "DescribeVpcs"
	Attempt   int    // the attempt that failed, from 1
	Reason    string // "RequestLimitExceeded (HTTP 503)", "connection reset by peer"
	Delay     time.Duration
}

// String is the one line the CLI prints for a retry.
func (e RetryEvent) String() string {
	return fmt.Sprintf("retrying %s %s in %s (attempt %d failed: %s)",
		e.Service, e.Operation, e.Delay.Round(10*time.Millisecond), e.Attempt, e.Reason)
}

// Attempt limits per kind of failure. Throttling keeps the whole
// MaxAttempts budget: it passes if the caller waits. A 5xx in the
// service's own error shape (InternalError, ServiceUnavailable) is AWS
// saying "try again" and gets a few attempts; a 5xx whose body is not the
// service's shape (an HTML page from a proxy, an emulator's crash) rarely
// changes, so it gets one retry; access denied and an endpoint that
// refuses connections or does not resolve will not change at all.
const (
	serverErrorAttempts   = 4
	unshapedErrorAttempts = 2
	// timeoutAttempts bounds an endpoint that takes connections and never
	// answers: three waits of ResponseTimeout, not ten.
	timeoutAttempts = 3
)

// ResponseTimeout is how long one attempt waits for an answer's headers.
// AWS answers every call stackwiz makes in well under a second (waits
// poll; nothing long-polls), so 20 s without a byte means the endpoint
// is stuck, and with timeoutAttempts a call ends within about a minute.
const ResponseTimeout = 20 * time.Second

// failure is how the retry policy sees one failed attempt.
type failure int

const (
	failOther       failure = iota // transport errors, timeouts: the SDK's standard policy
	failThrottle                   // patient exponential backoff, every attempt
	failDenied                     // never retried
	failUnreachable                // connection refused, no such host: never retried
	failServer                     // 5xx in the service's error shape: a few attempts
	failUnshaped                   // 5xx in no error shape: one retry
	failClient                     // other 4xx: never retried when it repeats unchanged
	failTimeout                    // no answer within ResponseTimeout: a few attempts
)

// attemptError carries one failed attempt's context from the attempt
// middleware to the retryer, which the SDK hands only the error. It is
// transparent: its text and Unwrap are the SDK's error's.
type attemptError struct {
	err       error
	service   string
	operation string
	attempt   int
	reason    string
	final     bool // the policy says: do not retry
}

func (e *attemptError) Error() string { return e.err.Error() }
func (e *attemptError) Unwrap() error { return e.err }

// retryer is the SDK's standard retryer with stackwiz's policy on top: an
// attempt the attempt middleware marked final is not retried, and each
// retry is reported before its wait.
type retryer struct {
	sdk.RetryerV2
	onRetry func(RetryEvent)
}

func (r retryer) IsErrorRetryable(err error) bool {
	// The SDK wraps a signature error it blames on this machine's clock
	// as retryable, once it has corrected for the skew: that one retry
	// can succeed where the policy would give up on the credentials.
	if sk, ok := err.(interface{ RetryableError() bool }); ok && sk.RetryableError() {
		return r.RetryerV2.IsErrorRetryable(err)
	}
	var ae *attemptError
	if errors.As(err, &ae) && ae.final {
		return false
	}
	return r.RetryerV2.IsErrorRetryable(err)
}

// RetryDelay is asked only once the SDK has decided to retry (the error is
// retryable and attempts remain), so it is where a retry is reported.
func (r retryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	d, derr := r.RetryerV2.RetryDelay(attempt, err)
	var ae *attemptError
	if derr == nil && r.onRetry != nil && errors.As(err, &ae) {
		r.onRetry(RetryEvent{Service: ae.service, Operation: ae.operation, Attempt: ae.attempt, Reason: ae.reason, Delay: d})
	}
	return d, derr
}

// newRetryer builds the retryer for opts.
func newRetryer(opts Options) sdk.Retryer {
	attempts, backoff := opts.MaxAttempts, opts.MaxBackoff
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if backoff <= 0 {
		backoff = DefaultMaxBackoff
	}
	std := retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.MaxBackoff = backoff
		o.RateLimiter = ratelimit.None
	})
	return retryer{RetryerV2: std, onRetry: opts.OnRetry}
}

// callState is one operation call's memory across its attempts.
type callState struct {
	attempts  int
	byFailure map[failure]int
	last      string // the previous failed attempt's signature
}

type callStateKey struct{}

// callStart gives each operation call a callState, outside the SDK's
// retry loop so that it lives across attempts.
type callStart struct{}

func (callStart) ID() string { return "stackwiz.CallState" }

func (callStart) HandleInitialize(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	return next.HandleInitialize(context.WithValue(ctx, callStateKey{}, &callState{byFailure: map[failure]int{}}), in)
}

// attemptPolicy runs inside the SDK's retry loop, once per HTTP attempt:
// it writes the debug log line and decides whether a failure is worth
// another attempt.
type attemptPolicy struct {
	// custom is true when the endpoint is the user's (--endpoint-url, the
	// sandbox), which changes what an unreachable endpoint's fix is.
	custom bool
	debug  *debugLog
}

func (attemptPolicy) ID() string { return "stackwiz.AttemptPolicy" }

func (p attemptPolicy) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
	st, _ := ctx.Value(callStateKey{}).(*callState)
	if st == nil {
		st = &callState{byFailure: map[failure]int{}}
	}
	st.attempts++
	start := time.Now()
	out, md, err := next.HandleFinalize(ctx, in)
	service, op := awsServiceID(ctx), awsOperation(ctx)
	if p.debug != nil {
		p.debug.request(ctx, start, time.Since(start), st.attempts, md, err)
	}
	// The caller's context ending is not the endpoint's failure. (Not
	// errors.Is on err: net/http's own response timeout also reads as
	// context.DeadlineExceeded, and that one is the endpoint's.)
	if err == nil || ctx.Err() != nil {
		return out, md, err
	}
	kind, reason := classify(err)
	sig := fmt.Sprintf("%d|%s|%s", httpStatus(err), Code(err), Message(err))
	st.byFailure[kind]++
	final := false
	switch kind {
	case failDenied, failUnreachable:
		final = true
	case failServer:
		final = st.byFailure[kind] >= serverErrorAttempts
	case failUnshaped:
		final = st.byFailure[kind] >= unshapedErrorAttempts
	case failTimeout:
		final = st.byFailure[kind] >= timeoutAttempts
	case failClient:
		final = sig == st.last
	}
	st.last = sig
	switch kind {
	case failUnreachable:
		err = &UnreachableError{Endpoint: endpointOf(in.Request), Reason: reason, Region: awsRegion(ctx), Custom: p.custom, Err: err}
	case failUnshaped:
		err = &UnexpectedResponseError{Endpoint: endpointOf(in.Request), Status: httpStatus(err), Err: err}
	}
	return out, md, &attemptError{err: err, service: service, operation: op, attempt: st.attempts, reason: reason, final: final}
}

// classify says what kind of failure err is, and a few words on why.
func classify(err error) (failure, string) {
	status := httpStatus(err)
	code := Code(err)
	describe := func() string {
		switch {
		case code != "" && status != 0:
			return fmt.Sprintf("%s (HTTP %d)", code, status)
		case code != "":
			return code
		case status != 0:
			return fmt.Sprintf("HTTP %d", status)
		}
		return lastCause(err)
	}
	switch {
	case IsAccessDenied(err) || IsAuthFailure(err):
		return failDenied, describe()
	case status == http.StatusTooManyRequests || retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == sdk.TrueTernary:
		return failThrottle, describe()
	}
	if why := unreachable(err); why != "" {
		return failUnreachable, why
	}
	var ne net.Error
	if status == 0 && errors.As(err, &ne) && ne.Timeout() {
		return failTimeout, "no answer in time (the endpoint took the connection and said nothing)"
	}
	switch {
	case status >= 500 && shaped(err):
		return failServer, describe()
	case status >= 500:
		return failUnshaped, fmt.Sprintf("HTTP %d with a body that is not an AWS error", status)
	case status >= 400:
		return failClient, describe()
	}
	return failOther, describe()
}

// shaped reports whether err was parsed from the service's own error
// shape: an error code the SDK read from the body. The SDK falls back to
// "UnknownError" (or fails to deserialize) for anything else.
func shaped(err error) bool {
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return false
	}
	c := Code(err)
	return c != "" && c != "UnknownError"
}

// unreachable returns why the endpoint cannot be reached at all
// ("connection refused", "no such host"), or "" for any other failure.
// Both mean nothing is listening at the address the user gave, which no
// amount of retrying changes.
func unreachable(err error) string {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return "no such host"
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return "connection refused"
	}
	return ""
}

func httpStatus(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// lastCause is the innermost error's text: "connection reset by peer"
// rather than the SDK's whole chain.
func lastCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

func endpointOf(req any) string {
	r, ok := req.(*smithyhttp.Request)
	if !ok || r.URL == nil {
		return ""
	}
	return r.URL.Scheme + "://" + r.URL.Host
}

// UnreachableError is an endpoint that cannot be reached at all: nothing
// listens there, or its name does not resolve.
type UnreachableError struct {
	Endpoint string // scheme://host[:port]
	Reason   string // "connection refused", "no such host ..."
	Region   string
	// Custom is true for an endpoint the user chose (--endpoint-url,
	// AWS_ENDPOINT_URL), false for AWS's own.
	Custom bool
	Err    error
}

func (e *UnreachableError) Error() string {
	if e.Custom {
		return fmt.Sprintf("cannot reach %s (%s): is the endpoint running? check --endpoint-url", e.Endpoint, e.Reason)
	}
	return fmt.Sprintf("cannot reach %s (%s): check the region (%s) and this machine's network", e.Endpoint, e.Reason, e.Region)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// UnexpectedResponseError is a 5xx answer whose body is not the service's
// error shape: a proxy's error page, or an emulator that does not implement
// the operation and crashed on it.
type UnexpectedResponseError struct {
	Endpoint string
	Status   int
	Err      error
}

func (e *UnexpectedResponseError) Error() string {
	return fmt.Sprintf("%s answered HTTP %d with a body that is not an AWS error response (a proxy in the way, or an endpoint that does not implement this operation)", e.Endpoint, e.Status)
}

func (e *UnexpectedResponseError) Unwrap() error { return e.Err }

// policyMiddleware installs the call state and the attempt policy on a
// client's stack: the attempt policy last in Finalize, so it sees every
// attempt the retry middleware makes, each after signing.
func policyMiddleware(custom bool, debug *debugLog) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		if err := s.Initialize.Add(callStart{}, middleware.Before); err != nil {
			return fmt.Errorf("add call state middleware: %w", err)
		}
		if err := s.Finalize.Add(attemptPolicy{custom: custom, debug: debug}, middleware.After); err != nil {
			return fmt.Errorf("add attempt policy middleware: %w", err)
		}
		return nil
	}
}

func awsServiceID(ctx context.Context) string {
	return strings.TrimSpace(awsmiddleware.GetServiceID(ctx))
}
func awsOperation(ctx context.Context) string { return awsmiddleware.GetOperationName(ctx) }
func awsRegion(ctx context.Context) string    { return awsmiddleware.GetRegion(ctx) }
