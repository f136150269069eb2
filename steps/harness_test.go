package steps

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

// testEnv is one stack under test: a sandbox served over HTTP, the real
// SDK clients pointed at it, a locked state store in a temp dir, and the
// events the engine emitted.
type testEnv struct {
	t       testing.TB
	SB      *sandbox.Sandbox
	URL     string
	Cfg     sdkaws.Config
	AWS     *aws.Clients
	Store   *state.Store
	Dir     string
	mu      sync.Mutex
	events  []Event
	Options Options
}

// testPoll makes waits quick against a sandbox.
var testPoll = Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 20 * time.Second, Dependency: 20 * time.Second}

// newTestEnv starts a sandbox (instant latency unless opts say otherwise)
// and opens a locked store for stack name.
func newTestEnv(t testing.TB, name string, opts ...func(*sandbox.Options)) *testEnv {
	t.Helper()
	var o sandbox.Options
	for _, f := range opts {
		f(&o)
	}
	sb, err := sandbox.New(o)
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfg := aws.WithRetryer(sandbox.Config(srv.URL, "us-east-1"), aws.Options{MaxBackoff: 50 * time.Millisecond})
	dir := t.TempDir()
	store, err := state.OpenNew(dir, name)
	if err != nil {
		t.Fatalf("state.OpenNew: %v", err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	t.Cleanup(func() { _ = unlock() })
	return &testEnv{t: t, SB: sb, URL: srv.URL, Cfg: cfg, AWS: aws.NewClients(cfg), Store: store, Dir: dir,
		Options: Options{Poll: testPoll}}
}

// spec parses a stack.yaml, failing the test on any problem.
func (e *testEnv) spec(yaml string) *Spec {
	e.t.Helper()
	s, err := Parse([]byte(yaml))
	if err != nil {
		e.t.Fatalf("spec: %v", err)
	}
	return s
}

// engine returns an engine for spec that records its events in e.
func (e *testEnv) engine(spec *Spec) *Engine {
	return New(spec, e.AWS, e.Store, e.record, e.Options)
}

func (e *testEnv) record(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events = append(e.events, ev)
}

// Events returns the events so far.
func (e *testEnv) Events() []Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Event(nil), e.events...)
}

// inventory returns the sandbox's live created resources as "type id" lines.
func (e *testEnv) inventory() []string {
	var out []string
	for _, it := range e.SB.Inventory() {
		out = append(out, it.Type+" "+it.ID)
	}
	return out
}

// inventoryTypes counts the live created resources by type.
func (e *testEnv) inventoryTypes() map[string]int {
	n := map[string]int{}
	for _, it := range e.SB.Inventory() {
		n[it.Type]++
	}
	return n
}

// mustEmpty fails unless the sandbox holds no created resource.
func (e *testEnv) mustEmpty() {
	e.t.Helper()
	if inv := e.inventory(); len(inv) > 0 {
		e.t.Fatalf("sandbox still holds %d resources:\n%s", len(inv), strings.Join(inv, "\n"))
	}
}

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}
