package wizard

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
	"github.com/stackwiz/stackwiz/ui/theme"
)

// testNow is the wizard's clock in tests: fixed, so views are repeatable.
var testNow = testkit.Now

// env is one wizard under test: a sandbox over HTTP reached by the real
// SDK, a state dir, AWS config files, and the shared screen context.
type env struct {
	t   *testing.T
	SB  *sandbox.Sandbox
	URL string
	Dir string
	sh  *screen.Shared
	srv *testkit.Server
	// cancel stops the work the wizard started (an apply).
	cancel context.CancelFunc
	d      Deps
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := testkit.NewServer(t, testkit.ServerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	cfgDir := t.TempDir()
	config := filepath.Join(cfgDir, "config")
	if err := os.WriteFile(config, []byte("[default]\nregion = us-east-1\n[profile work]\nsso_session = corp\nregion = eu-west-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, SB: srv.SB, URL: srv.URL, Dir: dir, srv: srv, cancel: cancel}
	e.sh = &screen.Shared{Ctx: ctx, Styles: theme.New(true), Keys: screen.NewKeys(), Sandbox: true}
	e.d = Deps{
		Shared: e.sh, StateDir: dir, Connect: e.connect,
		Engine:     steps.Options{Poll: steps.Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 20 * time.Second, Dependency: 20 * time.Second}},
		ConfigFile: config, CredentialsFile: filepath.Join(cfgDir, "credentials"),
		WorkDir: cfgDir, Now: testkit.Clock,
	}
	return e
}

func (e *env) connect(_ context.Context, _, region string) (*aws.Clients, error) {
	return e.srv.Clients(region), nil
}

// wizard opens the wizard on stack ("" for a new one), sized w × h, and
// runs its start-up until every lookup has answered.
func (e *env) wizard(stack string, w, h int) (*Model, *runner) {
	e.t.Helper()
	d := e.d
	d.Stack = stack
	m, err := New(d)
	if err != nil {
		e.t.Fatalf("wizard.New: %v", err)
	}
	r := &runner{t: e.t, m: m, msgs: make(chan tea.Msg, 1024)}
	// Before the state dir is removed: stop what the test left running
	// (an apply it started) and let its last commands (the draft and
	// record saves) land, so nothing writes into a folder being removed.
	e.t.Cleanup(func() {
		e.cancel()
		r.before = nil
		r.quiet()
	})
	r.send(tea.WindowSizeMsg{Width: w, Height: h})
	r.start(m.Init())
	r.until(func() bool {
		f := &m.found
		return !m.connecting && f.done[lookProfiles] && (m.clients == nil ||
			f.done[lookVPCs] && f.done[lookAZs] && f.done[lookZones] && f.done[lookKeyPairs] && f.done[lookCaller] && f.done[lookImage])
	})
	r.quiet()
	return m, r
}

// runner plays Bubble Tea's part for a model under test: it runs commands
// in goroutines and feeds their messages to Update in the test's
// goroutine, so the test reads the model without a race. Timers that only
// animate (the spinner, cursor blinks, the apply's one-second refresh) are
// dropped, so they stop re-arming.
type runner struct {
	t    *testing.T
	m    *Model
	msgs chan tea.Msg
	// before, when set, sees each message just before Update does (a
	// test changes the sandbox at a precise moment).
	before func(tea.Msg)
}

func (r *runner) start(c tea.Cmd) {
	if c == nil {
		return
	}
	go func() { r.msgs <- c() }()
}

// send gives msg to the model now.
func (r *runner) send(msg tea.Msg) {
	if msg == nil {
		return
	}
	if cmds := expand(msg); cmds != nil {
		for _, c := range cmds {
			r.start(c)
		}
		return
	}
	switch msg.(type) {
	case spinner.TickMsg, applyTickMsg:
		return
	}
	if strings.Contains(reflect.TypeOf(msg).String(), "link") { // cursor blinks
		return
	}
	if r.before != nil {
		r.before(msg)
	}
	_, next := r.m.Update(msg)
	r.start(next)
}

// until handles messages until cond holds.
func (r *runner) until(cond func() bool) {
	r.t.Helper()
	deadline := time.After(60 * time.Second)
	for !cond() {
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-deadline:
			r.t.Fatalf("timed out waiting; view:\n%s", plain(r.m.View(r.m.width, r.m.height)))
		}
	}
}

// quiet handles messages until none has come for a while: what a key
// press set off (huh's own commands) has run.
func (r *runner) quiet() {
	for {
		select {
		case msg := <-r.msgs:
			r.send(msg)
		case <-time.After(60 * time.Millisecond):
			return
		}
	}
}

// press sends keys ("enter", "tab", "shift+tab", "esc", "up", "down",
// "ctrl+c", or text typed as is), letting each settle.
func (r *runner) press(keys ...string) {
	r.t.Helper()
	for _, k := range keys {
		for _, msg := range keyMsgs(k) {
			r.send(msg)
			r.quiet()
		}
	}
}

// view renders the model at its size, plain.
func (r *runner) view() string { return plain(r.m.View(r.m.width, r.m.height)) }

// expand returns the commands inside a batch or sequence message.
func expand(msg tea.Msg) []tea.Cmd {
	if b, ok := msg.(tea.BatchMsg); ok {
		return b
	}
	v := reflect.ValueOf(msg)
	if v.IsValid() && v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		out := make([]tea.Cmd, v.Len())
		for i := range out {
			out[i] = v.Index(i).Interface().(tea.Cmd)
		}
		return out
	}
	return nil
}

// The key and plain-text helpers are the kit's.
var (
	keyMsgs = testkit.Keys
	plain   = testkit.Plain
	flat    = testkit.Flat
)

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

func sandboxConfig(url string) sdkaws.Config { return sandbox.Config(url, "us-east-1") }
