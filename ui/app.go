package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
	"github.com/stackwiz/stackwiz/ui/theme"
	"github.com/stackwiz/stackwiz/ui/wizard"
)

// root is the program's model: it owns the shared context and the screens,
// handles quit, resize, the background colour, errors, notices and help,
// and routes every other message to the screen it is for.
type root struct {
	shared   *screen.Shared
	stopWork context.CancelFunc
	opts     Options
	stack    string
	jobs     *sync.WaitGroup

	screens map[screen.ID]screen.Screen
	current screen.ID
	started map[screen.ID]bool

	width, height int
	help          help.Model
	showHelp      bool
	// confirm is the question asked before quitting while a screen is busy.
	confirm string
	failure *screen.Explained
	notice  string
	// noticeSeq tells a notice's clear timer from an older one's.
	noticeSeq int
	fatal     error
	// mfa is the MFA code prompt (ui/mfa.go), over everything while open.
	mfa mfaPrompt

	// The console's generations (console_open.go): buildSeq numbers the
	// builds (only the newest is shown), switching names the stack the
	// switcher chose while it connects, consoleGen tags the messages of
	// the console shown, and consoleCancel stops its work.
	buildSeq      int
	switching     string
	consoleGen    int
	consoleCancel context.CancelFunc
}

// noticeDoneMsg clears the notice it was set for.
type noticeDoneMsg struct{ seq int }

// noticeLife is how long a passing notice stays on the status line.
const noticeLife = 4 * time.Second

// connectTimeout bounds building clients for the console.
const connectTimeout = 30 * time.Second

func newRoot(work context.Context, stopWork context.CancelFunc, opts Options, stack string, jobs *sync.WaitGroup) (*root, error) {
	r := &root{
		shared:   &screen.Shared{Ctx: work, Styles: theme.New(true), Keys: screen.NewKeys(), Sandbox: opts.Sandbox},
		stopWork: stopWork, opts: opts, stack: stack, jobs: jobs,
		screens: map[screen.ID]screen.Screen{}, started: map[screen.ID]bool{},
		help: help.New(),
	}
	r.help.Styles = r.shared.Styles.Help
	if r.opts.MFA == nil {
		r.opts.MFA = NewMFAPrompter()
	}
	r.opts.MFA.attach(work)
	start := screen.Wizard
	switch opts.Start {
	case StartConsole:
		start = screen.Console
	case StartWizard:
	default:
		if stack != "" && stackComplete(opts.StateDir, stack) {
			start = screen.Console
		}
	}
	if start == screen.Wizard {
		w, err := r.newWizard()
		if err != nil {
			return nil, err
		}
		r.screens[screen.Wizard] = w
	}
	r.current = start
	return r, nil
}

// stackComplete reports whether every enabled step of the stack is done in
// its record: then stackwiz opens on the console.
func stackComplete(dir, name string) bool {
	st, err := state.Open(dir, name)
	if err != nil || !st.Exists() {
		return false
	}
	rec := st.Snapshot()
	sp, err := spec.Parse([]byte(rec.Spec))
	if sp == nil || rec.Spec == "" {
		return false
	}
	_ = err // a spec that no longer validates still says which steps it enables
	return steps.Complete(sp, steps.All(), rec)
}

func (r *root) newWizard() (screen.Screen, error) {
	return wizard.New(wizard.Deps{
		Shared: r.shared, StateDir: r.opts.StateDir, Stack: r.stack,
		Connect: r.opts.Connect, Engine: r.opts.EngineOptions,
		Profile: r.opts.Profile, Region: r.opts.Region,
		ConfigFile: r.opts.ConfigFile, CredentialsFile: r.opts.CredentialsFile,
		CheckIPURL: r.opts.CheckIPURL, WorkDir: r.opts.WorkDir, Jobs: r.jobs, Now: r.opts.Now,
	})
}

// err is what Run returns after the program ends.
func (r *root) err() error { return r.fatal }

// Init asks the terminal for its background and starts the first screen.
func (r *root) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, r.opts.MFA.wait(r.shared.Ctx), r.startScreen(r.current))
}

// startScreen shows a screen, building the console when it is first asked for.
func (r *root) startScreen(id screen.ID) tea.Cmd {
	r.current = id
	s, ok := r.screens[id]
	if !ok {
		if id == screen.Console {
			return r.buildConsole(r.stack, false)
		}
		return nil
	}
	var cmds []tea.Cmd
	if !r.started[id] {
		r.started[id] = true
		if in, ok := s.(screen.Initializer); ok {
			cmds = append(cmds, in.Init())
		}
	}
	if r.width > 0 {
		_, cmd := s.Update(r.bodySize())
		cmds = append(cmds, cmd)
	}
	return r.tag(id, tea.Batch(cmds...))
}

// tag marks the console's commands with its generation (consoleMsg).
func (r *root) tag(id screen.ID, cmd tea.Cmd) tea.Cmd {
	if id != screen.Console {
		return cmd
	}
	return tagConsole(r.consoleGen, cmd)
}

// bodySize is the window less the header and status lines.
func (r *root) bodySize() tea.WindowSizeMsg {
	return tea.WindowSizeMsg{Width: r.width, Height: max(1, r.height-2)}
}

// Update handles what is the root's, then routes.
func (r *root) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		r.width, r.height = msg.Width, msg.Height
		r.help.SetWidth(msg.Width)
		var cmds []tea.Cmd
		for id, s := range r.screens {
			_, cmd := s.Update(r.bodySize())
			cmds = append(cmds, r.tag(id, cmd))
		}
		return r, tea.Batch(cmds...)
	case tea.BackgroundColorMsg:
		// In place: every screen and form holds this pointer.
		*r.shared.Styles = *theme.New(msg.IsDark())
		r.help.Styles = r.shared.Styles.Help
		return r, r.toScreen(r.current, msg)
	case noticeDoneMsg:
		if msg.seq == r.noticeSeq {
			r.notice = ""
		}
		return r, nil
	case consoleConnectedMsg:
		return r, r.consoleConnected(msg)
	case consoleMsg:
		if msg.gen != r.consoleGen {
			return r, nil // from a console the switcher replaced
		}
		return r, r.toScreen(screen.Console, msg.msg)
	case stackRememberedMsg:
		if msg.err != nil {
			e := screen.Describe(msg.err)
			r.failure = &e
		}
		return r, nil
	case mfaAskedMsg:
		return r, r.mfaAsked(msg)
	case mfaWithdrawnMsg:
		return r, r.mfa.withdrawn(msg)
	case tea.KeyPressMsg:
		return r, r.key(msg)
	case screen.Addressed:
		return r, r.toScreen(msg.Screen(), msg)
	}
	if r.mfa.active() {
		// The prompt's cursor blinks on messages of its own.
		var cmd tea.Cmd
		r.mfa.input, cmd = r.mfa.input.Update(msg)
		return r, tea.Batch(cmd, r.toScreen(r.current, msg))
	}
	return r, r.toScreen(r.current, msg)
}

func (r *root) key(msg tea.KeyPressMsg) tea.Cmd {
	k := r.shared.Keys
	if r.confirm != "" {
		switch msg.String() {
		case "y", "Y", "enter":
			return r.quit()
		case "n", "N", "esc":
			r.confirm = ""
		}
		return nil
	}
	if r.mfa.active() {
		return r.mfaKey(msg)
	}
	if key.Matches(msg, k.ForceQuit) {
		return r.askQuit()
	}
	r.failure = nil
	capturing := false
	if c, ok := r.screens[r.current].(screen.Capturer); ok {
		capturing = c.Capturing()
	}
	if !capturing {
		switch {
		case key.Matches(msg, k.Quit):
			return r.askQuit()
		case key.Matches(msg, k.Help):
			r.showHelp = !r.showHelp
			return nil
		case r.showHelp && key.Matches(msg, k.Back):
			r.showHelp = false
			return nil
		}
	}
	return r.toScreen(r.current, msg)
}

// askQuit quits, or asks first when a screen's work would be interrupted.
func (r *root) askQuit() tea.Cmd {
	for _, s := range r.screens {
		if b, ok := s.(screen.Busier); ok {
			if why := b.Busy(); why != "" {
				r.confirm = why
				return nil
			}
		}
	}
	return r.quit()
}

// quit stops the work (the apply records where it stopped) and the program.
// A screen that keeps state of its own (the wizard's draft) learns that the
// user quit on purpose; flush writes it once the program ended.
func (r *root) quit() tea.Cmd {
	for _, s := range r.screens {
		if q, ok := s.(quitter); ok {
			q.Quitting()
		}
	}
	r.stopWork()
	return tea.Quit
}

// quitter is a screen that records a deliberate quit and writes what it
// keeps after the program ended, when no command runs any more.
type quitter interface {
	Quitting()
	Flush() error
}

// flush writes what the screens keep (the wizard's answers).
func (r *root) flush() error {
	var errs []error
	for _, s := range r.screens {
		if q, ok := s.(quitter); ok {
			errs = append(errs, q.Flush())
		}
	}
	return errors.Join(errs...)
}

// toScreen gives msg to screen id and acts on what it returns.
func (r *root) toScreen(id screen.ID, msg tea.Msg) tea.Cmd {
	s, ok := r.screens[id]
	if !ok {
		return nil
	}
	action, cmd := s.Update(msg)
	return tea.Batch(r.tag(id, cmd), r.act(action))
}

// act carries out a screen's action.
func (r *root) act(a screen.Action) tea.Cmd {
	switch a := a.(type) {
	case screen.Quit:
		return r.askQuit()
	case screen.Open:
		return r.startScreen(a.To)
	case screen.Notice:
		r.noticeSeq++
		r.notice = a.Text
		seq := r.noticeSeq
		return tea.Tick(noticeLife, func(time.Time) tea.Msg { return noticeDoneMsg{seq: seq} })
	case screen.Fail:
		e := screen.Describe(a.Err)
		r.failure = &e
	case screen.OpenStack:
		return r.switchStack(a.Name)
	}
	return nil
}

// View draws the header, the current screen (or the help, or the quit
// question) and the status line.
func (r *root) View() tea.View {
	v := tea.NewView(r.render())
	v.AltScreen = true
	v.WindowTitle = "stackwiz"
	if r.stack != "" {
		v.WindowTitle += " · " + r.stack
	}
	return v
}

func (r *root) render() string {
	if r.width == 0 || r.height == 0 {
		return ""
	}
	s := r.shared.Styles
	bodyH := max(1, r.height-2)
	var body string
	switch {
	case r.confirm != "":
		body = r.confirmView(bodyH)
	case r.mfa.active():
		body = r.mfaView(bodyH)
	case r.showHelp:
		body = r.helpView(bodyH)
	default:
		if sc, ok := r.screens[r.current]; ok {
			body = sc.View(r.width, bodyH)
		} else {
			body = s.Muted.Render("  opening the " + string(r.current) + "…")
		}
	}
	return strings.Join([]string{
		screen.Fit(r.header(), r.width, 1),
		screen.Fit(body, r.width, bodyH),
		screen.Fit(r.status(), r.width, 1),
	}, "\n")
}

func (r *root) header() string {
	s := r.shared.Styles
	h := s.Title.Render("stackwiz") + s.Muted.Render(" · "+string(r.current))
	stack := r.stack
	if w, ok := r.screens[screen.Wizard].(connection); ok && stack == "" {
		stack, _, _ = w.Connection()
	}
	if stack != "" {
		h += s.Muted.Render(" · ") + s.Bold.Render(stack)
	}
	if r.shared.Sandbox {
		h += " " + s.Badge.Render("sandbox")
	}
	if r.width < screen.MinWidth || r.height < screen.MinHeight {
		h += " " + s.WarnBadge.Render(fmt.Sprintf("%d×%d: stackwiz wants 80×24", r.width, r.height))
	}
	return h
}

// status is the bottom line: an error (until the next key), a notice, or
// the current screen's short help.
func (r *root) status() string {
	s := r.shared.Styles
	switch {
	case r.failure != nil:
		text := s.Error.Render("✗ " + r.failure.Summary)
		if r.failure.Hint != "" {
			text += s.Muted.Render(" — " + r.failure.Hint)
		}
		return text
	case r.notice != "":
		return s.Info.Render(r.notice)
	case r.confirm != "":
		return s.Warning.Render("y quit · n stay")
	case r.mfa.active():
		return s.Warning.Render("enter submit the MFA code · esc cancel")
	}
	if km, ok := r.screens[r.current].(screen.KeyMapper); ok {
		return r.help.ShortHelpView(km.KeyMap().ShortHelp())
	}
	return r.help.ShortHelpView([]key.Binding{r.shared.Keys.Help, r.shared.Keys.Quit})
}

func (r *root) helpView(height int) string {
	s := r.shared.Styles
	var b strings.Builder
	b.WriteString(s.Title.Render("Keys") + "\n\n")
	if km, ok := r.screens[r.current].(screen.KeyMapper); ok {
		b.WriteString(r.help.FullHelpView(km.KeyMap().FullHelp()) + "\n\n")
	}
	k := r.shared.Keys
	b.WriteString(r.help.FullHelpView([][]key.Binding{{k.Up, k.Down, k.Left, k.Right}, {k.Next, k.Prev, k.Enter, k.Back}, {k.Help, k.Quit, k.ForceQuit}}))
	b.WriteString("\n\n" + s.Muted.Render("? or esc closes this help. In a text field, q and ? are typed: ctrl+c quits."))
	return s.Pane.Width(r.width).Height(height).Render(b.String())
}

func (r *root) confirmView(height int) string {
	s := r.shared.Styles
	w := min(r.width-4, 70)
	text := s.Bold.Render("Quit now?") + "\n\n" + lipgloss.NewStyle().Width(w-6).Render(r.confirm) +
		"\n\n" + s.Key.Render("y") + " quit   " + s.Key.Render("n") + " stay"
	box := s.Dialog.Width(w).Render(text)
	return lipgloss.Place(r.width, height, lipgloss.Center, lipgloss.Center, box)
}
