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
	// mutations counts the mutating requests the sandbox answered;
	// onMutation, when set, is called after each (n counts from 1).
	mutations  int
	unlock     func() error
	onMutation func(n int, s sandbox.Served)
}

// Mutations returns how many mutating requests the sandbox answered.
func (e *testEnv) Mutations() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mutations
}

// crashAfter cancels the returned context right after the sandbox answers
// the k-th mutating request from now on, before the answer reaches the
// client: to the engine it is a process killed between AWS acting and the
// record being written.
func (e *testEnv) crashAfter(parent context.Context, k int) context.Context {
	ctx, cancel := context.WithCancel(parent)
	e.mu.Lock()
	base := e.mutations
	e.onMutation = func(n int, _ sandbox.Served) {
		if n-base == k {
			cancel()
		}
	}
	e.mu.Unlock()
	e.t.Cleanup(cancel)
	return ctx
}

// noCrash removes a crashAfter hook.
func (e *testEnv) noCrash() {
	e.mu.Lock()
	e.onMutation = nil
	e.mu.Unlock()
}

// testPoll makes waits quick against a sandbox.
var testPoll = Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 20 * time.Second, Dependency: 20 * time.Second}

// newTestEnv starts a sandbox (instant latency unless opts say otherwise)
// and opens a locked store for stack name.
func newTestEnv(t testing.TB, name string, opts ...func(*sandbox.Options)) *testEnv {
	t.Helper()
	env := &testEnv{t: t}
	var o sandbox.Options
	for _, f := range opts {
		f(&o)
	}
	after := o.AfterServe
	o.AfterServe = func(s sandbox.Served) {
		if s.Mutating() {
			env.mu.Lock()
			env.mutations++
			hook := env.onMutation
			n := env.mutations
			env.mu.Unlock()
			if hook != nil {
				hook(n, s)
			}
		}
		if after != nil {
			after(s)
		}
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
	env.unlock = unlock
	t.Cleanup(func() { _ = env.unlock() })
	env.SB, env.URL, env.Cfg, env.AWS, env.Store, env.Dir = sb, srv.URL, cfg, aws.NewClients(cfg), store, dir
	env.Options = Options{Poll: testPoll}
	return env
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

// reopen is the next process: it releases the lock, reads the record from
// disk and locks it again.
func (e *testEnv) reopen() {
	e.t.Helper()
	if err := e.unlock(); err != nil {
		e.t.Fatalf("unlock: %v", err)
	}
	s, err := state.Open(e.Dir, e.Store.Name())
	if err != nil {
		e.t.Fatalf("reopen: %v", err)
	}
	unlock, err := s.Lock(context.Background(), "test")
	if err != nil {
		e.t.Fatalf("lock: %v", err)
	}
	e.Store, e.unlock = s, unlock
}
