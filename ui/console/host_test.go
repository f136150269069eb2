package console

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/ui/screen"
	"github.com/stackwiz/stackwiz/ui/theme"
)

// host stands in for stackwiz's root model in tests: it keeps the window
// size, quits on q and ctrl+c, routes everything else to the console and
// keeps the last notice. With a script, it types the script's keys once
// the first snapshot is shown, one per check, and quits when done says
// so: a test drives the whole program without reading the terminal output,
// which the renderer writes as changes, not as text.
type host struct {
	c      *Model
	w, h   int
	notice string
	script []string
	done   func(*Model) bool
}

// checkMsg makes a scripted host look at the console again.
type checkMsg struct{}

func check() tea.Cmd {
	return tea.Tick(5*time.Millisecond, func(time.Time) tea.Msg { return checkMsg{} })
}

func (h *host) Init() tea.Cmd {
	if h.done != nil {
		return tea.Batch(h.c.Init(), check())
	}
	return h.c.Init()
}

func (h *host) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case checkMsg:
		switch {
		case h.c.snap == nil:
			return h, check()
		case len(h.script) > 0:
			k := keyPress(h.script[0])
			h.script = h.script[1:]
			_, cmd := h.c.Update(k)
			return h, tea.Batch(cmd, check())
		case h.done(h.c):
			return h, tea.Quit
		}
		return h, check()
	case tea.WindowSizeMsg:
		h.w, h.h = msg.Width, msg.Height
		return h, nil
	case tea.KeyPressMsg:
		if msg.String() == "ctrl+c" || msg.String() == "q" && !h.c.Capturing() {
			return h, tea.Quit
		}
	}
	act, cmd := h.c.Update(msg)
	switch a := act.(type) {
	case screen.Notice:
		h.notice = a.Text
	case screen.Quit:
		return h, tea.Quit
	}
	return h, cmd
}

func (h *host) View() tea.View { return tea.NewView(h.c.View(h.w, h.h)) }

// newShared is what the root shares, for tests: a dark theme, the shared
// keys and a context the test cancels.
func newShared(t testing.TB) *screen.Shared {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &screen.Shared{Ctx: ctx, Styles: theme.New(true), Keys: screen.NewKeys()}
}

// newConsole opens the console on w's stack, on w's clock, refreshing
// every interval (long in tests that must not tick on their own).
func newConsole(t testing.TB, w *stackWorld, interval time.Duration, stateDir string) *Model {
	t.Helper()
	m, err := New(newShared(t), Deps{Fleet: w.Fleet, Stack: w.Stack, StateDir: stateDir, Interval: interval, Now: w.Now})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// driver runs the console's Update as a function: it feeds messages and
// runs the commands they return, synchronously, except the refresh ticks,
// which it records instead of waiting for them.
type driver struct {
	t       testing.TB
	m       *Model
	ticks   []tickMsg
	notices []string
	clips   []string
}

func newDriver(t testing.TB, m *Model) *driver {
	d := &driver{t: t, m: m}
	m.tick = func(_ time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
		return func() tea.Msg { return scheduled{fn(time.Time{})} }
	}
	return d
}

// scheduled wraps a tick the driver holds back.
type scheduled struct{ msg tea.Msg }

// send feeds msg and everything its commands produce.
func (d *driver) send(msg tea.Msg) {
	d.t.Helper()
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		msg, queue = queue[0], queue[1:]
		act, cmd := d.m.Update(msg)
		if n, ok := act.(screen.Notice); ok {
			d.notices = append(d.notices, n.Text)
		}
		queue = append(queue, d.run(cmd)...)
	}
}

// run executes a command and flattens batches.
func (d *driver) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, d.run(c)...)
		}
		return out
	case scheduled:
		// The refresh ticks are kept for the test to send; the clock's
		// redraws change nothing a test reads.
		if tm, ok := msg.msg.(tickMsg); ok {
			d.ticks = append(d.ticks, tm)
		}
		return nil
	}
	if s := fmt.Sprintf("%T", msg); s == "tea.setClipboardMsg" {
		d.clips = append(d.clips, fmt.Sprint(msg))
		return nil
	}
	return []tea.Msg{msg}
}

// start runs Init and the first refresh.
func (d *driver) start() {
	d.t.Helper()
	for _, msg := range d.run(d.m.Init()) {
		d.send(msg)
	}
	if d.m.snap == nil {
		d.t.Fatalf("no snapshot after the first refresh: %v", d.m.refresh.lastErr)
	}
}

// keys types each key: single characters, or names such as "enter".
func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyPress(k))
	}
}

func keyPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	}
	r := []rune(k)
	if len(r) != 1 {
		panic("keyPress: unknown key " + k)
	}
	if r[0] >= 'A' && r[0] <= 'Z' {
		return tea.KeyPressMsg{Code: r[0] + 32, ShiftedCode: r[0], Mod: tea.ModShift, Text: k}
	}
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// typeText types s into the focused field.
func (d *driver) typeText(s string) {
	for _, r := range s {
		d.keys(string(r))
	}
}

// clear empties the focused field.
func (d *driver) clear() {
	for range 8 {
		d.keys("backspace")
	}
}
