package testkit

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

// Now is the fixed clock of the tests whose screens are golden files.
var Now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// Clock returns Now, for the Now func of an option struct.
func Clock() time.Time { return Now }

// Server is a sandbox served over HTTP for one test, and the real SDK
// clients pointed at it. The server closes when the test ends.
type Server struct {
	SB  *sandbox.Sandbox
	URL string
	// Cfg is the SDK config of the clients (AWS.Config()): the sandbox's
	// endpoint and credentials, the project's retry policy, Transport when
	// set, under the HTTP client aws.NewClients wraps.
	Cfg sdkaws.Config
	AWS *aws.Clients
	// retry and transport are what Clients gives other regions' clients.
	retry     aws.Options
	transport http.RoundTripper
	close     func()
}

// ServerOptions says how to start a Server; the zero value is an instant
// sandbox in us-east-1 with quick retries.
type ServerOptions struct {
	// Sandbox configures the sandbox (latency, clock, delegated domains,
	// AfterServe, ...).
	Sandbox sandbox.Options
	// Region of AWS and Cfg; empty is us-east-1.
	Region string
	// Retry is the retry policy; without MaxAttempts and MaxBackoff it is
	// QuickRetry.
	Retry aws.Options
	// Transport, when set, carries the clients' requests (a test that
	// loses answers on the way back wraps http.DefaultTransport).
	Transport http.RoundTripper
	// Wrap, when set, wraps the sandbox's handler (a test that breaks
	// some answers on the way out).
	Wrap func(http.Handler) http.Handler
}

// QuickRetry is the retry policy of ServerOptions' zero value: a test
// against the sandbox does not wait for the real backoff.
var QuickRetry = aws.Options{MaxAttempts: 2, MaxBackoff: 10 * time.Millisecond}

// NewServer starts a sandbox with o and serves it until the test ends,
// then closes it (with a DataDir, its world is unlocked).
func NewServer(t testing.TB, o ServerOptions) *Server {
	t.Helper()
	sb, err := sandbox.New(o.Sandbox)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	var h http.Handler = sb
	if o.Wrap != nil {
		h = o.Wrap(sb)
	}
	// httptest closes the connections the SDK dialled but never used at
	// once; http.Server.Shutdown would wait 5 s for them.
	srv := httptest.NewServer(h)
	if o.Retry.MaxAttempts == 0 && o.Retry.MaxBackoff == 0 {
		o.Retry = QuickRetry
	}
	s := &Server{SB: sb, URL: srv.URL, retry: o.Retry}
	s.close = sync.OnceFunc(func() { srv.Close(); _ = sb.Close() })
	t.Cleanup(s.Close)
	s.transport = o.Transport
	s.AWS = aws.NewClients(s.config(o.Region))
	s.Cfg = s.AWS.Config()
	return s
}

// Close stops serving and closes the sandbox (a test that takes AWS away
// mid-run); it runs by itself when the test ends.
func (s *Server) Close() { s.close() }

func (s *Server) config(region string) sdkaws.Config {
	cfg := aws.WithRetryer(sandbox.Config(s.URL, region), s.retry)
	if s.transport != nil {
		cfg.HTTPClient = &http.Client{Transport: s.transport}
	}
	return cfg
}

// Clients returns clients for region ("" is us-east-1) with the server's
// retry policy and transport: the Connect of the UI's options.
func (s *Server) Clients(region string) *aws.Clients {
	return aws.NewClients(s.config(region))
}
