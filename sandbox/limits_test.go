package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// postBounded posts body to a /_sandbox/ path and returns the status and
// the error message the sandbox answered with, if any.
func postBounded(t *testing.T, sb *testSandbox, path string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(sb.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out.Error
}

// TestClockAdvanceBounds: /_sandbox/clock refuses negative, absurd and
// cumulative advances that would overflow the clock, naming the field, and
// a refused advance leaves the clock where it was (reset included).
func TestClockAdvanceBounds(t *testing.T) {
	sb := newTestSandbox(t)
	offset := func() (d time.Duration) {
		sb.withWorld(func(w *World) { d = w.ClockOffset })
		return d
	}
	for _, body := range []string{
		`{"advance_seconds": 1e300}`,
		`{"advance_seconds": -5}`,
		`{"advance_seconds": 315360001}`, // ten years and a second
	} {
		code, msg := postBounded(t, sb, "/_sandbox/clock", []byte(body))
		if code != http.StatusBadRequest || !strings.Contains(msg, "advance_seconds") {
			t.Errorf("%s: got %d %q, want 400 naming advance_seconds", body, code, msg)
		}
	}
	if code, msg := postBounded(t, sb, "/_sandbox/clock", []byte(`{"advance_seconds": 1e400}`)); code != http.StatusBadRequest {
		t.Errorf("1e400: got %d %q, want 400", code, msg)
	}
	if got := offset(); got != 0 {
		t.Fatalf("refused advances moved the clock by %v", got)
	}
	// Ten advances of ten years reach the hundred-year ceiling; the
	// eleventh is refused instead of wrapping round.
	for i := range 10 {
		if code, msg := postBounded(t, sb, "/_sandbox/clock", []byte(`{"advance_seconds": 315360000}`)); code != http.StatusOK {
			t.Fatalf("advance %d: %d %q", i+1, code, msg)
		}
	}
	code, msg := postBounded(t, sb, "/_sandbox/clock", []byte(`{"advance_seconds": 315360000}`))
	if code != http.StatusBadRequest || !strings.Contains(msg, "advance_seconds") {
		t.Fatalf("eleventh advance: got %d %q, want 400", code, msg)
	}
	if code, msg := postBounded(t, sb, "/_sandbox/reset", nil); code != http.StatusOK {
		t.Fatalf("reset: %d %q", code, msg)
	}
	if got := offset(); got != maxClockOffset {
		t.Fatalf("after reset the clock is %v ahead, want %v (time does not go back, nor wrap)", got, maxClockOffset)
	}
}

// TestFaultBounds: negative or absurd latency and rates outside 0..1 are
// refused with 400 naming the field, and leave the faults in force alone.
func TestFaultBounds(t *testing.T) {
	sb := newTestSandbox(t)
	if code, msg := postBounded(t, sb, "/_sandbox/faults", []byte(`{"latency_ms": 5}`)); code != http.StatusOK {
		t.Fatalf("latency_ms 5: %d %q", code, msg)
	}
	for _, tc := range []struct{ body, field string }{
		{`{"latency_ms": -1}`, "latency_ms"},
		{`{"latency_ms": 600001}`, "latency_ms"},
		{`{"throttle_rate": 1.5}`, "throttle_rate"},
		{`{"server_error_rate": -0.1}`, "server_error_rate"},
		{`{"operations": {"ec2:RunInstances": {"throttle_rate": 2}}}`, "operations.ec2:RunInstances.throttle_rate"},
		{`{"iam_propagation_seconds": 1e12}`, "iam_propagation_seconds"},
	} {
		code, msg := postBounded(t, sb, "/_sandbox/faults", []byte(tc.body))
		if code != http.StatusBadRequest || !strings.Contains(msg, tc.field) {
			t.Errorf("%s: got %d %q, want 400 naming %s", tc.body, code, msg, tc.field)
		}
	}
	if got := sb.Faults().LatencyMS; got != 5 {
		t.Errorf("refused faults replaced the ones in force: latency_ms %d, want 5", got)
	}
}

// TestControlBodyLimit: a control body over 1 MiB is refused with 413.
func TestControlBodyLimit(t *testing.T) {
	sb := newTestSandbox(t)
	big := []byte(`{"deny": ["` + strings.Repeat("a", maxControlBody) + `"]}`)
	code, msg := postBounded(t, sb, "/_sandbox/faults", big)
	if code != http.StatusRequestEntityTooLarge || !strings.Contains(msg, "1048576") {
		t.Fatalf("got %d %q, want 413 naming the limit", code, msg)
	}
}

// TestRequestBodyLimit: an AWS request over 10 MiB is refused with 413 and
// an AWS-shaped error the real SDK parses, not truncated and served; one
// under the limit still reaches its handler.
func TestRequestBodyLimit(t *testing.T) {
	sb := newTestSandbox(t)
	ctx := testCtx(t)
	client := ec2.NewFromConfig(sb.Cfg, func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
	_, err := client.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{
		KeyName:           aws.String("huge"),
		PublicKeyMaterial: bytes.Repeat([]byte("A"), maxRequestBody),
	})
	if !isCode(err, "RequestEntityTooLarge") {
		t.Fatalf("ImportKeyPair over the limit: %v, want RequestEntityTooLarge", err)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusRequestEntityTooLarge {
		t.Fatalf("ImportKeyPair over the limit: %v, want HTTP 413", err)
	}
	if n := len(sb.Inventory()); n != 0 {
		t.Fatalf("a refused request left %d resources", n)
	}
	// Under the limit the request is read whole and reaches the handler,
	// which judges the key itself.
	_, err = client.ImportKeyPair(ctx, &ec2.ImportKeyPairInput{
		KeyName:           aws.String("big"),
		PublicKeyMaterial: bytes.Repeat([]byte("A"), 1<<20),
	})
	if isCode(err, "RequestEntityTooLarge") {
		t.Fatalf("ImportKeyPair of 1 MiB refused as too large: %v", err)
	}
}
