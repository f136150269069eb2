package ui

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/steps"
)

// uiEnv is the whole UI under test: the root model run by a real Bubble
// Tea program (teatest), against a sandbox reached over HTTP by the real
// SDK, with its own state dir and AWS config files.
type uiEnv struct {
	t    *testing.T
	SB   *sandbox.Sandbox
	URL  string
	opts Options
}

func newUIEnv(t *testing.T) *uiEnv {
	t.Helper()
	srv := testkit.NewServer(t, testkit.ServerOptions{})
	cfgDir := t.TempDir()
	config := filepath.Join(cfgDir, "config")
	if err := os.WriteFile(config, []byte("[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &uiEnv{t: t, SB: srv.SB, URL: srv.URL}
	e.opts = Options{
		StateDir: t.TempDir(), Start: StartAuto, Sandbox: true,
		Connect: func(_ context.Context, _, region string) (*aws.Clients, error) {
			return srv.Clients(region), nil
		},
		EngineOptions: steps.Options{Poll: steps.Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 20 * time.Second, Dependency: 20 * time.Second},
			Now: testkit.Clock}, // the UI's clock is fixed, so what it shows is repeatable
		ConfigFile: config, CredentialsFile: filepath.Join(cfgDir, "credentials"),
		WorkDir: cfgDir, Now: testkit.Clock,
	}
	return e
}

// uiProgram is a running program and the latest frame its model drew.
type uiProgram struct {
	t    *testing.T
	tm   *teatest.TestModel
	root *root
	mu   sync.Mutex
	view string
}

// start runs the UI at w × h. The program's filter, which runs on the
// program's goroutine before each message, records what the model draws:
// the test reads frames without touching the model.
func (e *uiEnv) start(w, h int) *uiProgram {
	e.t.Helper()
	stack, err := resolveStack(e.opts)
	if err != nil {
		e.t.Fatal(err)
	}
	work, stop := context.WithCancel(context.Background())
	e.t.Cleanup(stop)
	r, err := newRoot(work, stop, e.opts, stack, &sync.WaitGroup{})
	if err != nil {
		e.t.Fatal(err)
	}
	p := &uiProgram{t: e.t, root: r}
	filter := func(m tea.Model, msg tea.Msg) tea.Msg {
		v := m.(*root).render()
		p.mu.Lock()
		p.view = v
		p.mu.Unlock()
		return msg
	}
	p.tm = teatest.NewTestModel(e.t, r, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithFilter(filter), tea.WithColorProfile(colorprofile.TrueColor)))
	e.t.Cleanup(func() {
		_ = p.tm.Quit()
		p.tm.WaitFinished(e.t, teatest.WithFinalTimeout(10*time.Second))
	})
	return p
}

// frame returns the latest frame, plain.
func (p *uiProgram) frame() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return plain(p.view)
}

// waitFor waits until the frame shows every one of wants (and, when it is
// not empty, none of the busy markers) and returns it.
func (p *uiProgram) waitFor(wants ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		f := p.frame()
		ok := !strings.Contains(f, "looking up") && !strings.Contains(f, "connecting") && !strings.Contains(f, "planning")
		for _, w := range wants {
			ok = ok && strings.Contains(flat(f), w)
		}
		if ok {
			return f
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("timed out waiting for %q; frame:\n%s", wants, f)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// keys sends key presses (named keys or text) with a pause after each, so
// huh's commands run between them as they do when a person types.
func (p *uiProgram) keys(keys ...string) {
	for _, k := range keys {
		msgs := keyMsgs(k)
		for _, msg := range msgs {
			p.tm.Send(msg)
			time.Sleep(15 * time.Millisecond)
		}
		if len(msgs) == 1 && msgs[0].Text == "" {
			// A named key moves focus through a command of huh's: let it
			// land before the next key.
			time.Sleep(150 * time.Millisecond)
		}
	}
}

// The key and plain-text helpers are the kit's.
var (
	keyMsgs = testkit.Keys
	plain   = testkit.Plain
	flat    = testkit.Flat
)
