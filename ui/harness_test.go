package ui

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/steps"
)

// testNow is the UI's clock in tests, so what it shows is repeatable.
var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

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
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	cfgDir := t.TempDir()
	config := filepath.Join(cfgDir, "config")
	if err := os.WriteFile(config, []byte("[default]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := &uiEnv{t: t, SB: sb, URL: srv.URL}
	e.opts = Options{
		StateDir: t.TempDir(), Start: StartAuto, Sandbox: true,
		Connect: func(_ context.Context, _, region string) (*aws.Clients, error) {
			if region == "" {
				region = "us-east-1"
			}
			return aws.NewClients(aws.WithRetryer(sandbox.Config(srv.URL, region), aws.Options{MaxAttempts: 2, MaxBackoff: 10 * time.Millisecond})), nil
		},
		EngineOptions: steps.Options{Poll: steps.Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 20 * time.Second, Dependency: 20 * time.Second},
			Now: func() time.Time { return testNow }},
		ConfigFile: config, CredentialsFile: filepath.Join(cfgDir, "credentials"),
		WorkDir: cfgDir, Now: func() time.Time { return testNow },
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

func keyMsgs(k string) []tea.KeyPressMsg {
	named := map[string]tea.KeyPressMsg{
		"enter":     {Code: tea.KeyEnter},
		"tab":       {Code: tea.KeyTab},
		"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"esc":       {Code: tea.KeyEscape},
		"up":        {Code: tea.KeyUp},
		"down":      {Code: tea.KeyDown},
		"right":     {Code: tea.KeyRight},
		"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
		"ctrl+u":    {Code: 'u', Mod: tea.ModCtrl},
	}
	if msg, ok := named[k]; ok {
		return []tea.KeyPressMsg{msg}
	}
	var out []tea.KeyPressMsg
	for _, r := range k {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

var (
	idPattern      = regexp.MustCompile(`\b(vpc|subnet|sg|ami|igw|nat|rtb|eipalloc|lt|i)-([0-9a-f]{8,17})\b`)
	spinnerPattern = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]`)
	// requestIDPattern is a sandbox request id, numbered by how many
	// requests came before: a screen should not change when another
	// part of the program makes one request more.
	requestIDPattern = regexp.MustCompile(`\b[0-9a-f]{8}-5a4d-4b0c-9e1f-[0-9a-f]{12}\b`)
)

// plain strips styles, pins spinner frames and replaces AWS ids' random
// digits with x's of the same length, so a frame can be a golden file.
func plain(s string) string {
	s = ansi.Strip(s)
	s = spinnerPattern.ReplaceAllString(s, "⠋")
	s = requestIDPattern.ReplaceAllStringFunc(s, func(id string) string { return strings.Repeat("x", 8) + id[8:31] + strings.Repeat("x", 12) })
	s = idPattern.ReplaceAllStringFunc(s, func(id string) string {
		i := strings.LastIndexByte(id, '-')
		return id[:i+1] + strings.Repeat("x", len(id)-i-1)
	})
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// flat joins a frame's words, so text wrapped over lines can be found.
func flat(view string) string {
	view = strings.NewReplacer("│", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ", "─", " ", "┃", " ").Replace(view)
	return strings.Join(strings.Fields(view), " ")
}
