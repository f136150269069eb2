package aws

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/stackwiz/stackwiz/sandbox"
)

// syncBuffer is a bytes.Buffer safe to read while calls may write.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestDebugLogHasEveryAttemptAndNoSecret(t *testing.T) {
	envCredentials(t)
	sb, srv := newSandbox(t)
	if err := sb.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"ec2:DescribeSubnets": {ThrottleRate: 1}}}); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	cfg, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: srv.URL, DebugLog: &log, MaxAttempts: 2, MaxBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	client := ec2.NewFromConfig(cfg)
	if _, err := client.DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("DescribeVpcs: %v", err)
	}
	if _, err := client.DescribeSubnets(context.Background(), &ec2.DescribeSubnetsInput{}); !IsThrottle(err) {
		t.Fatalf("DescribeSubnets error = %v, want throttling", err)
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("debug log has %d lines, want 3 (one per attempt):\n%s", len(lines), log.String())
	}
	const stamp = `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z aws EC2 `
	want := []*regexp.Regexp{
		regexp.MustCompile(stamp + `DescribeVpcs region=us-east-1 status=200 duration=\S+ request_id=[^-\s]\S* retries=0$`),
		regexp.MustCompile(stamp + `DescribeSubnets region=us-east-1 status=503 duration=\S+ request_id=\S+ retries=0 error="RequestLimitExceeded"$`),
		regexp.MustCompile(stamp + `DescribeSubnets region=us-east-1 status=503 duration=\S+ request_id=\S+ retries=1 error="RequestLimitExceeded"$`),
	}
	for i, re := range want {
		if !re.MatchString(lines[i]) {
			t.Errorf("line %d = %q, want %s", i+1, lines[i], re)
		}
	}
	for _, secret := range []string{secretMarker, "AKIATESTEXAMPLE00000", "Authorization", "Signature=", "Credential="} {
		if strings.Contains(log.String(), secret) {
			t.Errorf("debug log contains %q:\n%s", secret, log.String())
		}
	}
}
