package wizard

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// doctorTimeout bounds the whole run of the checks before an apply: the
// user is waiting for the apply they asked for, and doctor's own calls are
// bounded one by one only.
const doctorTimeout = 30 * time.Second

// preflight is `stackwiz doctor` run before the wizard's first mutating
// call: credentials, permissions, quotas and the endpoint, checked against
// the clients the apply would use. It runs once per connection; r runs it
// again.
type preflight struct {
	run  int
	conn int // the connection it checked; a new one is checked again
	// checking is true while the checks run; cancel stops them.
	checking bool
	cancel   context.CancelFunc
	checks   []aws.Check
	// forced records that the user chose to apply despite a failed check.
	forced bool
	vp     viewport.Model
}

// doctorMsg is the checks' result.
type doctorMsg struct {
	run    int
	checks []aws.Check
}

func (doctorMsg) Screen() screen.ID { return screen.Wizard }

// firstMutation reports whether an apply asked for now would be the
// wizard's first mutating call: the stack has no record yet. A recorded
// stack is resuming (or being changed) where an apply already ran, so it
// goes straight on.
func (m *Model) firstMutation() bool {
	return m.store == nil || !m.store.Exists()
}

// applyFromReview starts the apply the user asked for on the review,
// running the checks first when it is the first mutating call.
func (m *Model) applyFromReview() (screen.Action, tea.Cmd) {
	switch {
	case !m.firstMutation():
		return nil, m.startApply()
	case m.doctor != nil && m.doctor.conn == m.conn && !m.doctor.checking:
		// Checked already on this connection: a failure stays in the way
		// until the user runs the checks again or chooses to apply anyway.
		if !aws.Failed(m.doctor.checks) || m.doctor.forced {
			return nil, m.startApply()
		}
		m.phase = phaseDoctor
		m.doctor.render(m)
		return nil, nil
	}
	return nil, m.runDoctor()
}

// runDoctor starts (or restarts) the checks in the background.
func (m *Model) runDoctor() tea.Cmd {
	if m.doctor != nil && m.doctor.cancel != nil {
		m.doctor.cancel()
	}
	m.doctorRuns++
	run := m.doctorRuns
	ctx, cancel := context.WithTimeout(m.d.Shared.Ctx, doctorTimeout)
	m.doctor = &preflight{run: run, conn: m.conn, checking: true, cancel: cancel, vp: viewport.New()}
	m.doctor.resize(m.width, m.height)
	m.phase = phaseDoctor
	opts := aws.DoctorOptions{RegionSource: "the Identity step", CallTimeout: 10 * time.Second}
	if m.d.Shared.Sandbox {
		opts.Endpoint = "the sandbox"
	}
	return doctorCmd(ctx, cancel, run, m.clients, opts)
}

// doctorCmd runs every check; a run that outlasts its bound says so as a
// failed check of its own, next to whatever the cut-off calls reported.
func doctorCmd(ctx context.Context, cancel context.CancelFunc, run int, clients *aws.Clients, opts aws.DoctorOptions) tea.Cmd {
	return func() tea.Msg {
		defer cancel()
		checks := clients.Doctor(ctx, opts)
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			checks = append(checks, aws.Check{Name: "checks", Status: aws.StatusFail,
				Detail: fmt.Sprintf("did not finish within %s", doctorTimeout),
				Fix:    "check the network and the endpoint, then run the checks again"})
		}
		return doctorMsg{run: run, checks: checks}
	}
}

// doctorDone takes the checks' result: with no failure the apply starts
// at once, otherwise the panel stays and waits for the user's choice.
func (m *Model) doctorDone(msg doctorMsg) (screen.Action, tea.Cmd) {
	d := m.doctor
	if d == nil || msg.run != d.run || !d.checking {
		return nil, nil
	}
	d.checking, d.checks = false, msg.checks
	if m.phase != phaseDoctor {
		return nil, nil // the user went back while they ran
	}
	if !aws.Failed(d.checks) {
		return nil, m.startApply()
	}
	d.render(m)
	return nil, nil
}

func (m *Model) doctorKey(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	d := m.doctor
	switch {
	case key.Matches(msg, m.d.Shared.Keys.Back):
		if d.checking {
			// The user walked away from it: its result is dropped on
			// arrival (no preflight has its run any more).
			d.cancel()
			m.doctor = nil
		}
		m.phase = phaseReview
		return nil, nil
	case d.checking:
		return nil, nil
	case key.Matches(msg, m.keys.Rerun):
		return nil, m.runDoctor()
	case key.Matches(msg, m.keys.Force):
		d.forced = true
		return nil, m.startApply()
	case key.Matches(msg, m.d.Shared.Keys.Up):
		d.vp.ScrollUp(1)
	case key.Matches(msg, m.d.Shared.Keys.Down):
		d.vp.ScrollDown(1)
	}
	return nil, nil
}

// doctorKeyMap is the panel's keys, for the footer and the root's help.
func (m *Model) doctorKeyMap() screen.Help {
	k := m.d.Shared.Keys
	back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to Review"))
	if m.doctor == nil || m.doctor.checking {
		return screen.Help{Short: []key.Binding{back, k.Quit}, Full: [][]key.Binding{{back}, {k.Help, k.Quit}}}
	}
	return screen.Help{
		Short: []key.Binding{m.keys.Rerun, m.keys.Force, back},
		Full:  [][]key.Binding{{m.keys.Rerun, m.keys.Force, back}, {k.Up, k.Down}, {k.Help, k.Quit}},
	}
}

func (d *preflight) resize(w, h int) {
	d.vp.SetWidth(max(10, w-4))
	d.vp.SetHeight(max(3, h-8))
}

// counts tallies the checks by verdict.
func counts(checks []aws.Check) map[aws.CheckStatus]int {
	n := map[aws.CheckStatus]int{}
	for _, c := range checks {
		n[c.Status]++
	}
	return n
}

// failedNames lists the names of the failed checks.
func failedNames(checks []aws.Check) []string {
	var out []string
	for _, c := range checks {
		if c.Status == aws.StatusFail {
			out = append(out, c.Name)
		}
	}
	return out
}

// risk says what applying despite the failed checks leads to.
func risk(checks []aws.Check) string {
	for _, name := range failedNames(checks) {
		if strings.HasPrefix(name, "permissions") {
			return "the steps that need the denied actions will stop"
		}
	}
	return "the steps that need what failed may stop"
}

// render fills the viewport: each failed check, then each warning, with
// its fix; the checks that passed are one count.
func (d *preflight) render(m *Model) {
	s := m.d.Shared.Styles
	width := max(20, d.vp.Width())
	wrap := lipgloss.NewStyle().Width(max(10, width-4))
	var b strings.Builder
	row := func(c aws.Check) {
		mark := s.Warning.Render("! ")
		if c.Status == aws.StatusFail {
			mark = s.Error.Render("✗ ")
		}
		text := wrap.Render(s.Bold.Render(c.Name) + "  " + c.Detail)
		b.WriteString(mark + strings.ReplaceAll(text, "\n", "\n  ") + "\n")
		if c.Fix != "" {
			fix := wrap.Render("→ " + c.Fix)
			b.WriteString("  " + s.Muted.Render(strings.ReplaceAll(fix, "\n", "\n  ")) + "\n")
		}
	}
	for _, want := range []aws.CheckStatus{aws.StatusFail, aws.StatusWarn} {
		for _, c := range d.checks {
			if c.Status == want {
				row(c)
			}
		}
	}
	if n := counts(d.checks)[aws.StatusOK]; n > 0 {
		b.WriteString(s.Success.Render("✓ ") + s.Muted.Render(fmt.Sprintf("%d checks ok", n)) + "\n")
	}
	d.vp.SetContent(b.String())
	d.vp.GotoTop()
}

// doctorView draws the panel: a spinner while the checks run, then the
// verdict, the failed and warned checks with their fixes, and the choices.
func (m *Model) doctorView() string {
	s := m.d.Shared.Styles
	d := m.doctor
	inner := max(10, m.width-4)
	if d.vp.Width() != inner {
		// The root laid out a new size before any WindowSizeMsg reached us.
		d.resize(m.width, m.height)
		if !d.checking {
			d.render(m)
		}
	}
	title := s.Title.Render("Before the first change: " + m.draft.Name)
	var head, body string
	var foot []string
	if d.checking {
		head = s.Muted.Render("nothing has been changed yet")
		body = m.spin.View() + " checking credentials, permissions and quotas…"
	} else {
		failed := failedNames(d.checks)
		head = s.Error.Render(fmt.Sprintf("✗ %d %s failed: the apply has not started", len(failed), plural(len(failed), "check"))) +
			s.Muted.Render(" ("+strings.Join(failed, ", ")+")")
		body = d.vp.View()
		foot = append(foot, s.Warning.Render("f")+s.Muted.Render(" applies anyway: "+risk(d.checks)))
	}
	foot = append(foot, helpLine(s.Key, s.Muted, m.doctorKeyMap().Short))
	bodyH := max(1, m.height-4-len(foot)-1)
	content := screen.Truncate(title, inner) + "\n" + screen.Truncate(head, inner) + "\n\n" + screen.Fit(body, inner, bodyH)
	for _, f := range foot {
		content += "\n" + screen.Truncate(f, inner)
	}
	return s.PaneFocused.Width(m.width).Height(m.height).Render(screen.Fit(content, inner, max(1, m.height-2)))
}

// helpLine renders bindings as "key what · key what", from the bindings'
// own help, so the line cannot drift from what the keys do.
func helpLine(keyStyle, descStyle lipgloss.Style, bindings []key.Binding) string {
	var parts []string
	for _, b := range bindings {
		h := b.Help()
		parts = append(parts, keyStyle.Render(h.Key)+" "+descStyle.Render(h.Desc))
	}
	return strings.Join(parts, descStyle.Render(" · "))
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// preflightSummary is the one line the apply screen keeps of the checks:
// what warned, or what failed when the user applied anyway. Empty when
// the checks did not run for this apply or found nothing to say.
func (m *Model) preflightSummary() string {
	d := m.doctor
	if d == nil || d.checking || d.conn != m.conn {
		return ""
	}
	n := counts(d.checks)
	if n[aws.StatusFail] == 0 && n[aws.StatusWarn] == 0 {
		return ""
	}
	s := m.d.Shared.Styles
	if d.forced {
		return s.Error.Render(fmt.Sprintf("✗ applied despite %d failed %s: ", n[aws.StatusFail], plural(n[aws.StatusFail], "check"))) +
			strings.Join(failedNames(d.checks), ", ")
	}
	var warned []string
	for _, c := range d.checks {
		if c.Status == aws.StatusWarn {
			warned = append(warned, c.Name+" ("+c.Detail+")")
		}
	}
	return s.Warning.Render(fmt.Sprintf("! checks: %d ok, %d %s: ", n[aws.StatusOK], n[aws.StatusWarn], plural(n[aws.StatusWarn], "warning"))) +
		strings.Join(warned, "; ")
}
