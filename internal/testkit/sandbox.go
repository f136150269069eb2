package testkit

import (
	"bytes"
	"io"
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
	// Cfg is the SDK config of the clients: the sandbox's endpoint and
	// credentials, the project's retry policy, Transport when set.
	Cfg sdkaws.Config
	AWS *aws.Clients
	// retry is the policy Clients gives other regions' clients.
	retry aws.Options
	close func()
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
	s.Cfg = s.config(o.Region, o.Transport)
	s.AWS = aws.NewClients(s.Cfg)
	return s
}

// Close stops serving and closes the sandbox (a test that takes AWS away
// mid-run); it runs by itself when the test ends.
func (s *Server) Close() { s.close() }

func (s *Server) config(region string, rt http.RoundTripper) sdkaws.Config {
	cfg := aws.WithRetryer(sandbox.Config(s.URL, region), s.retry)
	if rt != nil {
		cfg.HTTPClient = &http.Client{Transport: rt}
	}
	return cfg
}

// Clients returns clients for region ("" is us-east-1) with the server's
// retry policy: the Connect of the UI's options.
func (s *Server) Clients(region string) *aws.Clients {
	return aws.NewClients(s.config(region, nil))
}

// WholeBodies wraps a transport so that it sends a copy of each request's
// body. smithy-go closes the body it handed net/http as soon as the answer
// arrives, and a closed body's WriteTo returns io.EOF as an error; when
// net/http reads the body once more after the answer came (to check that
// nothing follows its Content-Length), it takes that for a failed write and
// closes the connection while the SDK is still reading the answer: "use of
// closed network connection" in the middle of a 200. On a loaded machine
// this cut one read in most runs of the fleet's cadence test with one
// attempt; with copied bodies, none in 8.
func WholeBodies(next http.RoundTripper) http.RoundTripper { return wholeBodies{next} }

type wholeBodies struct{ next http.RoundTripper }

func (w wholeBodies) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return w.next.RoundTrip(r)
	}
	data, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	r = r.Clone(r.Context())
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(data)), int64(len(data))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return w.next.RoundTrip(r)
}
