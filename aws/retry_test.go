package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/stackwiz/stackwiz/sandbox"
)

// secretMarker is the secret access key the tests run with: it must never
// appear in anything stackwiz writes.
const secretMarker = "SECRET-MARKER-d0n0tl0g"

// envCredentials gives the process static credentials from the
// environment and nothing else: no profile files, no endpoint variables.
func envCredentials(t *testing.T) {
	t.Helper()
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           "AKIATESTEXAMPLE00000",
		"AWS_SECRET_ACCESS_KEY":       secretMarker,
		"AWS_SESSION_TOKEN":           secretMarker + "-token",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_PROFILE":                 "",
		"AWS_DEFAULT_PROFILE":         "",
		"AWS_ENDPOINT_URL":            "",
		"AWS_REGION":                  "",
		"AWS_MAX_ATTEMPTS":            "",
		"AWS_RETRY_MODE":              "",
	} {
		t.Setenv(k, v)
	}
}

// retries collects OnRetry events from concurrent calls.
type retries struct {
	mu     sync.Mutex
	events []RetryEvent
}

func (r *retries) add(e RetryEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *retries) all() []RetryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]RetryEvent(nil), r.events...)
}

// countingServer answers every request with status and body, and counts
// the requests.
func countingServer(t *testing.T, status int, contentType, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func ec2Error(code, msg string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors><RequestID>req-1</RequestID></Response>`, code, msg)
}

// loadEC2 builds a real EC2 client for endpoint through LoadConfig.
func loadEC2(t *testing.T, opts Options) *ec2.Client {
	t.Helper()
	cfg, err := LoadConfig(context.Background(), opts)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	return ec2.NewFromConfig(cfg)
}

func TestServerErrorWithoutTheServiceShapeIsRetriedOnceAndSaysSo(t *testing.T) {
	envCredentials(t)
	srv, n := countingServer(t, http.StatusInternalServerError, "text/html", "<html><body><h1>500 Internal Server Error</h1></body></html>")
	var rs retries
	// The default backoff: this is what a user waits.
	client := loadEC2(t, Options{Region: "us-east-1", EndpointURL: srv.URL, OnRetry: rs.add})
	start := time.Now()
	_, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	elapsed := time.Since(start)
	if err == nil {
		t.Fatal("DescribeVpcs against a persistent HTML 500 succeeded")
	}
	if got := n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2 (one retry)", got)
	}
	if elapsed > 10*time.Second {
		t.Errorf("took %s, want under 10s", elapsed)
	}
	var ue *UnexpectedResponseError
	if !errors.As(err, &ue) || ue.Status != 500 || ue.Endpoint != srv.URL {
		t.Errorf("error %v is not an UnexpectedResponseError for %s status 500", err, srv.URL)
	}
	if !strings.Contains(err.Error(), "not an AWS error response") {
		t.Errorf("error does not say what was wrong with the answer: %v", err)
	}
	ev := rs.all()
	if len(ev) != 1 {
		t.Fatalf("retry events = %+v, want exactly one", ev)
	}
	if e := ev[0]; e.Service != "EC2" || e.Operation != "DescribeVpcs" || e.Attempt != 1 || !strings.Contains(e.Reason, "HTTP 500") || e.Delay < 0 || e.Delay > 2*time.Second {
		t.Errorf("retry event = %+v, want EC2 DescribeVpcs attempt 1, HTTP 500, delay within the first backoff (<= 2s)", e)
	}
	if s := ev[0].String(); !strings.HasPrefix(s, "retrying EC2 DescribeVpcs in ") {
		t.Errorf("retry line = %q", s)
	}
}

func TestServerErrorInTheServiceShapeGetsAFewAttempts(t *testing.T) {
	envCredentials(t)
	srv, n := countingServer(t, http.StatusInternalServerError, "text/xml", ec2Error("InternalError", "An internal error has occurred."))
	var rs retries
	client := loadEC2(t, Options{Region: "us-east-1", EndpointURL: srv.URL, OnRetry: rs.add, MaxBackoff: 5 * time.Millisecond})
	_, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if !IsCode(err, "InternalError") {
		t.Fatalf("error = %v, want InternalError", err)
	}
	if got := n.Load(); got != serverErrorAttempts {
		t.Errorf("requests = %d, want %d", got, serverErrorAttempts)
	}
	if ev := rs.all(); len(ev) != serverErrorAttempts-1 || ev[len(ev)-1].Attempt != serverErrorAttempts-1 || ev[0].Reason != "InternalError (HTTP 500)" {
		t.Errorf("retry events = %+v, want %d ending at attempt %d, reason InternalError (HTTP 500)", ev, serverErrorAttempts-1, serverErrorAttempts-1)
	}
}

func TestAccessDeniedIsNeverRetried(t *testing.T) {
	envCredentials(t)
	const msg = "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::123456789012:role/ because no identity-based policy allows the iam:ListRoles action"
	body := `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>` + msg + `</Message></Error><RequestId>req-2</RequestId></ErrorResponse>`
	srv, n := countingServer(t, http.StatusForbidden, "text/xml", body)
	var rs retries
	cfg, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: srv.URL, OnRetry: rs.add})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = iam.NewFromConfig(cfg).ListRoles(context.Background(), &iam.ListRolesInput{})
	if !IsAccessDenied(err) {
		t.Fatalf("error = %v, want access denied", err)
	}
	if got := n.Load(); got != 1 {
		t.Errorf("requests = %d, want exactly 1", got)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
	if ev := rs.all(); len(ev) != 0 {
		t.Errorf("retry events = %+v, want none", ev)
	}
	if a := DeniedAction(err); a != "iam:ListRoles" {
		t.Errorf("DeniedAction = %q, want iam:ListRoles", a)
	}
	if h := Hint(err); !strings.Contains(h, "iam:ListRoles") {
		t.Errorf("Hint = %q, want it to name iam:ListRoles", h)
	}
}

func TestClientErrorRepeatedUnchangedIsNotRetriedAgain(t *testing.T) {
	envCredentials(t)
	// RequestTimeout is a 4xx the SDK's standard retryer retries: when the
	// endpoint says it every time, once more is enough.
	srv, n := countingServer(t, http.StatusBadRequest, "text/xml", ec2Error("RequestTimeout", "Your socket connection to the server was not read from or written to within the timeout period."))
	client := loadEC2(t, Options{Region: "us-east-1", EndpointURL: srv.URL, MaxBackoff: 5 * time.Millisecond})
	_, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if !IsCode(err, "RequestTimeout") {
		t.Fatalf("error = %v, want RequestTimeout", err)
	}
	if got := n.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

// newSandbox serves a fresh sandbox on a loopback port.
func newSandbox(t *testing.T) (*sandbox.Sandbox, *httptest.Server) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return sb, srv
}

// closedPort returns an address on which nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestConnectionRefusedFailsAtOnceNamingTheEndpoint(t *testing.T) {
	envCredentials(t)
	url := "http://" + closedPort(t)
	want := "cannot reach " + url + " (connection refused): is the endpoint running? check --endpoint-url"

	t.Run("when the clients are built", func(t *testing.T) {
		start := time.Now()
		_, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: url})
		var ue *UnreachableError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Fatalf("LoadConfig error = %v, want %q", err, want)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s, want under 5s", d)
		}
	})
	t.Run("on a call", func(t *testing.T) {
		// The endpoint went away after the clients were built.
		var rs retries
		cfg := WithRetryer(sandbox.Config(url, "us-east-1"), Options{OnRetry: rs.add})
		start := time.Now()
		_, err := ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s, want under 5s", d)
		}
		var ue *UnreachableError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), want) {
			t.Fatalf("error = %v, want it to say %q", err, want)
		}
		var oe *smithy.OperationError
		if !errors.As(err, &oe) || oe.OperationName != "DescribeVpcs" {
			t.Errorf("error %v does not name the operation", err)
		}
		if ev := rs.all(); len(ev) != 0 {
			t.Errorf("retry events = %+v, want none", ev)
		}
	})
}

func TestClassifyTellsFailuresApart(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want failure
	}{
		{"access denied", &smithy.GenericAPIError{Code: "AccessDenied"}, failDenied},
		{"ec2 unauthorized", &smithy.GenericAPIError{Code: "UnauthorizedOperation"}, failDenied},
		{"expired token", &smithy.GenericAPIError{Code: "ExpiredToken"}, failDenied},
		{"bad signature", &smithy.GenericAPIError{Code: "SignatureDoesNotMatch"}, failDenied},
		{"throttling", &smithy.GenericAPIError{Code: "Throttling"}, failThrottle},
		{"ec2 throttling", &smithy.GenericAPIError{Code: "RequestLimitExceeded"}, failThrottle},
		{"no such host", &net.OpError{Op: "dial", Err: &net.DNSError{Name: "ec2.nowhere.invalid", Err: "no such host", IsNotFound: true}}, failUnreachable},
		{"temporary DNS failure", &net.OpError{Op: "dial", Err: &net.DNSError{Name: "ec2.us-east-1.amazonaws.com", Err: "server misbehaving", IsTemporary: true}}, failOther},
	}
	for _, c := range cases {
		if got, _ := classify(c.err); got != c.want {
			t.Errorf("%s: classify = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestThrottlingKeepsItsPatientRetries(t *testing.T) {
	sb, srv := newSandbox(t)
	if err := sb.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"ec2:DescribeVpcs": {ThrottleRate: 1}}}); err != nil {
		t.Fatal(err)
	}
	var rs retries
	cfg := WithRetryer(sandbox.Config(srv.URL, "us-east-1"), Options{OnRetry: rs.add, MaxBackoff: 2 * time.Millisecond})
	_, err := ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
	if !IsThrottle(err) {
		t.Fatalf("error = %v, want throttling", err)
	}
	ev := rs.all()
	if len(ev) != DefaultMaxAttempts-1 {
		t.Fatalf("retries = %d, want %d (every attempt)", len(ev), DefaultMaxAttempts-1)
	}
	for i, e := range ev {
		if e.Attempt != i+1 || e.Reason != "RequestLimitExceeded (HTTP 503)" || e.Operation != "DescribeVpcs" {
			t.Errorf("retry %d = %+v", i, e)
		}
	}
}
