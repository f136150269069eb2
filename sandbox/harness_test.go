package sandbox

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// testSandbox is a sandbox served over HTTP for one test, with an aws.Config
// that points the real SDK clients at it.
type testSandbox struct {
	*Sandbox
	URL string
	Cfg aws.Config
}

func newTestSandbox(t testing.TB, opts ...func(*Options)) *testSandbox {
	t.Helper()
	var o Options
	for _, f := range opts {
		f(&o)
	}
	sb, err := New(o)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &testSandbox{Sandbox: sb, URL: srv.URL, Cfg: Config(srv.URL, "us-east-1")}
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
