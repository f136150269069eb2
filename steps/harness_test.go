package steps

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
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
	// mutations counts the mutating requests the sandbox served.
	mutations int
	unlock    func() error
	// cut, when set, loses the answer of one coming request; dropped
	// holds the request ids whose answers the clients never see.
	cut     *cutRule
	dropped map[string]bool
	// reset holds the request ids whose answers are lost as a reset
	// connection: the call fails, the run goes on.
	reset map[string]bool
}

// cutRule picks the request whose answer is lost: the n-th request of op
// from now, or with op empty the n-th mutating request from now. With a
// cancel the run stops there (a kill); without one the connection is
// reset and the run goes on.
type cutRule struct {
	op     string
	n      int
	seen   int
	cancel context.CancelFunc
}

// Mutations returns how many mutating requests the sandbox served.
func (e *testEnv) Mutations() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mutations
}

// served is the sandbox's AfterServe: it counts mutations and, when the
// cut rule matches, marks the answer lost and cancels the run — before the
// answer is written, so the client never sees it.
func (e *testEnv) served(s sandbox.Served) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s.Mutating() {
		e.mutations++
	}
	c := e.cut
	if c == nil || (c.op != "" && c.op != s.Op) || (c.op == "" && !s.Mutating()) {
		return
	}
	if c.seen++; c.seen == c.n {
		e.cut = nil
		if c.cancel == nil {
			e.reset[s.RequestID] = true
			return
		}
		e.dropped[s.RequestID] = true
		c.cancel()
	}
}

// loseAnswer makes the n-th request of op from now (op "": the n-th
// mutating request) reach AWS and change the world, and its answer never
// reach the caller, which gets context.Canceled while cancel stops the
// run: to the engine it is stackwiz killed mid-call, between AWS acting
// and the record being written.
func (e *testEnv) loseAnswer(op string, n int, cancel context.CancelFunc) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cut = &cutRule{op: op, n: n, cancel: cancel}
}

// crashAfter returns a context that the k-th mutating request from now
// cancels, its answer lost (see loseAnswer).
func (e *testEnv) crashAfter(parent context.Context, k int) context.Context {
	ctx, cancel := context.WithCancel(parent)
	e.t.Cleanup(cancel)
	e.loseAnswer("", k, cancel)
	return ctx
}

// resetAnswer makes the n-th request of op from now (op "": the n-th
// mutating request) reach AWS and change the world, and its answer be lost
// as a reset connection: the caller sees a transport error and goes on —
// the SDK may retry, the engine may look — exactly as when a network path
// drops mid-answer.
func (e *testEnv) resetAnswer(op string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.cut = &cutRule{op: op, n: n}
}

// noCrash removes a cut that has not happened.
func (e *testEnv) noCrash() {
	e.mu.Lock()
	e.cut = nil
	e.mu.Unlock()
}

// dropTransport loses the answers the cut rule marked.
type dropTransport struct{ e *testEnv }

func (d dropTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	d.e.mu.Lock()
	id := resp.Header.Get("X-Amzn-Requestid")
	lost, reset := d.e.dropped[id], d.e.reset[id]
	d.e.mu.Unlock()
	switch {
	case lost:
		resp.Body.Close()
		return nil, context.Canceled
	case reset:
		resp.Body.Close()
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	return resp, nil
}

// testPoll makes waits quick against a sandbox.
var testPoll = Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 20 * time.Second, Dependency: 20 * time.Second}

// newTestEnv starts a sandbox (instant latency unless opts say otherwise)
// and opens a locked store for stack name.
func newTestEnv(t testing.TB, name string, opts ...func(*sandbox.Options)) *testEnv {
	t.Helper()
	env := &testEnv{t: t, dropped: map[string]bool{}, reset: map[string]bool{}}
	// The tests' registrar points example.com at the zone stackwiz creates
	// for it, as apply tells the user to; without that ACM never validates
	// (TestHTTPSWithAnUndelegatedZoneWaitsNamingTheNameServers opts out).
	o := sandbox.Options{DelegatedDomains: []string{"example.com"}}
	for _, f := range opts {
		f(&o)
	}
	after := o.AfterServe
	o.AfterServe = func(s sandbox.Served) {
		env.served(s)
		if after != nil {
			after(s)
		}
	}
	srv := testkit.NewServer(t, testkit.ServerOptions{Sandbox: o, Retry: aws.Options{MaxBackoff: 50 * time.Millisecond}, Transport: dropTransport{env}})
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
	env.SB, env.URL, env.Cfg, env.AWS, env.Store, env.Dir = srv.SB, srv.URL, srv.Cfg, srv.AWS, store, dir
	env.Options = Options{Poll: testPoll}
	return env
}

// spec parses a stack.yaml, failing the test on any problem.
func (e *testEnv) spec(yaml string) *spec.Spec {
	e.t.Helper()
	s, err := spec.Parse([]byte(yaml))
	if err != nil {
		e.t.Fatalf("spec: %v", err)
	}
	return s
}

// engine returns an engine for spec that records its events in e.
func (e *testEnv) engine(sp *spec.Spec) *Engine {
	return New(sp, e.AWS, e.Store, e.record, e.Options)
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
