package aws

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/stackwiz/stackwiz/sandbox"
)

// bodyKeeper is an HTTP client that sends through net/http and keeps the
// request bodies it was handed, to read them again after the call, as
// net/http's writer may.
type bodyKeeper struct {
	mu     sync.Mutex
	bodies []io.Reader
}

func (k *bodyKeeper) Do(r *http.Request) (*http.Response, error) {
	k.mu.Lock()
	k.bodies = append(k.bodies, r.Body)
	k.mu.Unlock()
	return http.DefaultClient.Do(r)
}

// net/http reads a request's body once more after sending it; when the
// answer arrived first and that read fails, it closes the connection under
// the answer. The body our clients hand net/http must still read cleanly
// after the call is over, when smithy-go has closed its own.
func TestRequestBodiesStillReadCleanlyAfterTheCall(t *testing.T) {
	_, srv := newSandbox(t)
	keeper := &bodyKeeper{}
	cfg := sandbox.Config(srv.URL, "us-east-1")
	cfg.HTTPClient = keeper
	c := NewClients(cfg)
	if _, err := c.Identity.Caller(context.Background()); err != nil {
		t.Fatalf("Caller: %v", err)
	}
	if len(keeper.bodies) == 0 {
		t.Fatal("the call sent no request through the client")
	}
	for i, b := range keeper.bodies {
		if b == nil || b == http.NoBody {
			continue
		}
		if n, err := io.Copy(io.Discard, b); err != nil {
			t.Errorf("request %d: reading its body again after the call gave %d bytes and %v (net/http would close the connection under the answer)", i, n, err)
		}
	}
	// Clients built again from the clients' own config (the console's
	// fleet does) wrap once.
	again, _ := NewClients(c.Config()).Config().HTTPClient.(wholeBodies)
	if _, ok := again.next.(*bodyKeeper); !ok {
		t.Errorf("clients built from the clients' config: HTTP client %#v, want the keeper wrapped once", again)
	}
}
