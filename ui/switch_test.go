package ui

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// TestSeveralStacksOpenTheLastChosenElseTheFirst: two stacks recorded and
// no --stack no longer stop the TUI: the console opens the stack last
// chosen in its switcher for this state dir, else the first by name; a
// remembered stack that is gone is ignored. The wizard still asks.
func TestSeveralStacksOpenTheLastChosenElseTheFirst(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"web", "api"} {
		st, err := state.OpenNew(dir, n)
		if err != nil {
			t.Fatal(err)
		}
		unlock, err := st.Lock(context.Background(), "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetIdentity("us-east-1", "123456789012"); err != nil {
			t.Fatal(err)
		}
		_ = unlock()
	}
	last := filepath.Join(t.TempDir(), "console.json")
	opts := Options{StateDir: dir, Start: StartConsole, LastStackFile: last}
	check := func(want string) {
		t.Helper()
		for _, start := range []string{StartConsole, StartAuto} {
			opts.Start = start
			if got, err := resolveStack(opts); err != nil || got != want {
				t.Errorf("%s: resolveStack = %q, %v; want %q", start, got, err, want)
			}
		}
	}
	check("api")
	if err := state.WriteLastStack(last, dir, "web"); err != nil {
		t.Fatal(err)
	}
	check("web")
	if err := state.WriteLastStack(last, dir, "gone"); err != nil {
		t.Fatal(err)
	}
	check("api")
	opts.Start = StartWizard
	if _, err := resolveStack(opts); !errors.Is(err, state.ErrSeveralStacks) {
		t.Errorf("the wizard with two stacks and no --stack: %v, want ErrSeveralStacks", err)
	}
}

// recorder is a screen that keeps what it is given.
type recorder struct{ got []tea.Msg }

func (r *recorder) Update(msg tea.Msg) (screen.Action, tea.Cmd) {
	r.got = append(r.got, msg)
	return nil, nil
}
func (r *recorder) View(int, int) string { return "" }

// consoleNews is a message for the console.
type consoleNews struct{ n int }

func (consoleNews) Screen() screen.ID { return screen.Console }

// TestALateAnswerOfAReplacedConsoleIsDropped: the console's commands come
// back tagged with its generation, through batches; once the switcher
// replaced it, what its commands still return reaches nobody, while the
// new console gets its own.
func TestALateAnswerOfAReplacedConsoleIsDropped(t *testing.T) {
	r := &root{screens: map[screen.ID]screen.Screen{}, started: map[screen.ID]bool{}}
	old := &recorder{}
	r.screens[screen.Console], r.consoleGen = old, 1
	cmd := r.tag(screen.Console, tea.Batch(func() tea.Msg { return consoleNews{1} }, func() tea.Msg { return consoleNews{2} }))
	batch, ok := cmd().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("a tagged batch = %#v", batch)
	}
	var late []tea.Msg
	for _, c := range batch {
		late = append(late, c())
	}
	for _, m := range late {
		if cm, ok := m.(consoleMsg); !ok || cm.gen != 1 {
			t.Fatalf("the console's message came back as %#v, want it tagged with generation 1", m)
		}
	}
	// The switcher replaces the console.
	fresh := &recorder{}
	r.screens[screen.Console], r.consoleGen = fresh, 2
	for _, m := range late {
		r.Update(m)
	}
	r.Update(r.tag(screen.Console, func() tea.Msg { return consoleNews{3} })())
	if len(old.got) != 0 || len(fresh.got) != 1 || fresh.got[0] != (consoleNews{3}) {
		t.Errorf("old console got %v, new one %v; want nothing and only its own news", old.got, fresh.got)
	}
	// Another screen's messages are left as they are.
	if m := r.tag(screen.Wizard, func() tea.Msg { return consoleNews{4} })(); m != (consoleNews{4}) {
		t.Errorf("a wizard command's message was tagged: %#v", m)
	}
}

// TestAFailedSwitchKeepsTheConsoleShown: a stack the switcher chose that
// cannot be opened (credentials of another account, a record that cannot
// be read) leaves the console on the stack it was on, with the reason on
// the status line; an older build's answer is ignored.
func TestAFailedSwitchKeepsTheConsoleShown(t *testing.T) {
	old := &recorder{}
	r := &root{screens: map[screen.ID]screen.Screen{screen.Console: old}, started: map[screen.ID]bool{screen.Console: true},
		stack: "blue", consoleGen: 1}
	r.switching, r.buildSeq = "green", 2
	if cmd := r.consoleConnected(consoleConnectedMsg{seq: 1, stack: "web"}); cmd != nil || r.switching != "green" {
		t.Fatal("an older build's answer was taken")
	}
	err := errors.New("stack green was built in account 111111111111 (us-west-2), but these credentials are account 123456789012")
	r.consoleConnected(consoleConnectedMsg{seq: 2, stack: "green", err: err})
	if r.screens[screen.Console] != old || r.stack != "blue" || r.consoleGen != 1 || r.fatal != nil {
		t.Errorf("a failed switch replaced the console: stack %q, gen %d, fatal %v", r.stack, r.consoleGen, r.fatal)
	}
	if r.failure == nil || r.failure.Summary == "" || !strings.Contains(r.failure.Summary+r.failure.Hint, "open stack green") {
		t.Errorf("the failure shown: %+v", r.failure)
	}
}
