package wizard

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// stepStatus is where a step stands, as the list shows it.
type stepStatus int

const (
	statusTodo stepStatus = iota
	statusRunning
	statusDone
	statusAttention
	statusSkipped
	statusStopped // interrupted by a quit, not failed
)

var statusWords = [...]string{"to do", "in progress", "done", "needs attention", "skipped", "stopped"}

// status returns a step's status and a note: from the live apply when one
// ran, else from the record.
func (m *Model) status(s steps.Step) (stepStatus, string) {
	if !s.Enabled(m.draft) {
		return statusSkipped, "not asked for by the answers"
	}
	if s.ID() == steps.StepIdentity && m.apply == nil {
		if why := m.identityFailure(); why != "" {
			return statusAttention, why
		}
	}
	if m.apply != nil {
		if ls, ok := m.apply.steps[s.ID()]; ok {
			switch ls.state {
			case liveRunning:
				return statusRunning, ls.doing
			case liveDone:
				return statusDone, ""
			case liveFailed:
				return statusAttention, ls.err
			case liveBlocked:
				return statusTodo, "waits for a step that failed"
			}
		}
	}
	r, ok := m.rec.Steps[string(s.ID())]
	if !ok {
		return statusTodo, ""
	}
	switch r.Status {
	case state.StepDone:
		if m.edited[s.ID()] {
			return statusDone, "edited: apply to change it"
		}
		return statusDone, ""
	case state.StepFailed:
		if interrupted(r.Error) {
			return statusStopped, m.stoppedNote()
		}
		return statusAttention, recordedFailure(r.Error)
	case state.StepInProgress:
		return statusAttention, "stopped while in progress: apply resumes it"
	}
	return statusTodo, ""
}

func (m *Model) glyph(st stepStatus) string {
	s := m.d.Shared.Styles
	switch st {
	case statusRunning:
		return s.Info.Render(m.spin.View())
	case statusDone:
		return s.Success.Render("✓")
	case statusAttention:
		return s.Error.Render("!")
	case statusSkipped:
		return s.Subtle.Render("–")
	case statusStopped:
		return s.Warning.Render("‖")
	}
	return s.Muted.Render("○")
}

// glyphFor is glyph, with answered steps that still wait for an apply
// marked apart from those not looked at yet.
func (m *Model) glyphFor(st steps.Step, status stepStatus) string {
	if status == statusTodo && m.answered[st.ID()] {
		return m.d.Shared.Styles.Info.Render("●")
	}
	return m.glyph(status)
}

// layout is the wizard's width math, in one place.
type layout struct {
	listW, rightW int
	inner         int // text width inside the right pane
	formH, panelH int
}

func (m *Model) layout() layout {
	var l layout
	l.listW, l.rightW = screen.Split(m.width, 0.28, 24, 34)
	l.inner = max(10, l.rightW-4)
	body := max(6, m.height-2) // inside the pane's border
	l.panelH = max(4, body/3)
	l.formH = max(4, body-4-l.panelH)
	return l
}

// View draws the wizard into width × height cells.
func (m *Model) View(width, height int) string {
	if width != m.width || height != m.height {
		// The root passes the size it lays out; keep the form in step.
		m.width, m.height = width, height
		m.sizeForm()
	}
	var out string
	switch {
	case m.offer != nil:
		out = m.offerView()
	case m.phase == phaseResume:
		out = m.resumeView()
	case m.phase == phaseReview:
		out = m.reviewView()
	case m.phase == phaseDoctor:
		out = m.doctorView()
	case m.phase == phaseApply, m.phase == phaseDone:
		out = m.applyView()
	default:
		l := m.layout()
		out = lipgloss.JoinHorizontal(lipgloss.Top, m.listView(l), m.stepView(l))
	}
	return screen.Fit(out, width, height)
}

// listView is the step list: status, title, and below it the stack.
func (m *Model) listView(l layout) string {
	s := m.d.Shared.Styles
	inner := l.listW - 4
	var b strings.Builder
	b.WriteString(s.Title.Render("Steps") + "\n")
	for i, st := range m.all {
		status, _ := m.status(st)
		title := st.Title()
		if m.edited[st.ID()] {
			title += " ✎"
		}
		row := m.glyphFor(st, status) + " " + title
		if word := statusWords[status]; inner >= lipgloss.Width(row)+len(word)+2 && status != statusTodo {
			row += strings.Repeat(" ", inner-lipgloss.Width(row)-len(word)) + s.Muted.Render(word)
		}
		row = screen.Truncate(row, inner)
		if i == m.cursor {
			style := s.Selected
			if m.focus == focusForm && m.phase == phaseSteps {
				style = s.Bold
			}
			row = style.Render(screen.Pad(row, inner))
		}
		b.WriteString(row + "\n")
	}
	b.WriteString("\n" + m.summaryView(inner))
	pane := s.Pane
	if m.focus == focusList {
		pane = s.PaneFocused
	}
	return pane.Width(l.listW).Height(max(3, m.height)).Render(screen.Fit(b.String(), inner, max(1, m.height-2)))
}

// summaryView is the stack under the list: name, where, monthly cost.
func (m *Model) summaryView(width int) string {
	s := m.d.Shared.Styles
	var lines []string
	name := m.draft.Name
	if name == "" {
		name = "(not named yet)"
	}
	lines = append(lines, s.Bold.Render(name))
	switch {
	case m.connecting:
		lines = append(lines, s.Muted.Render(m.spin.View()+" connecting…"))
	case m.connErr != nil:
		lines = append(lines, s.Error.Render("not connected"))
	case m.identityErr() != nil:
		lines = append(lines, s.Error.Render("account unknown"))
	case m.found.caller.Account != "":
		lines = append(lines, s.Muted.Render("account "+m.found.caller.Account))
	}
	if region := m.draft.Region; region != "" {
		lines = append(lines, s.Muted.Render("region "+region))
	} else if m.clients != nil {
		lines = append(lines, s.Muted.Render("region "+m.clients.Region))
	}
	if m.draft.Name != "" {
		est := spec.EstimateMonthly(m.draft)
		lines = append(lines, s.Muted.Render("≈ "+est.TotalText()))
	}
	for i := range lines {
		lines[i] = screen.Truncate(lines[i], width)
	}
	return strings.Join(lines, "\n")
}

// stepView is the right pane: the step's title, why, its form, and the
// live checks and advice under it.
func (m *Model) stepView(l layout) string {
	s := m.d.Shared.Styles
	st := m.all[m.cursor]
	status, note := m.status(st)
	if status == statusSkipped && m.formStep == st.ID() && m.form != nil {
		// The open form's answers turn the step on (HTTPS chosen): it is
		// not "skipped" while the user fills it in.
		preview := *m.draft
		m.answers.applyTo(&preview, st.ID())
		if st.Enabled(&preview) {
			status, note = statusTodo, ""
		}
	}
	var b strings.Builder
	head := s.Title.Render(st.Title()) + s.Muted.Render(" · "+statusWords[status])
	b.WriteString(screen.Truncate(head, l.inner) + "\n")
	// The reason and the note wrap: a quarter of the pane is theirs
	// before anything is cut.
	room := max(2, (m.height-2)/4)
	why := lipgloss.NewStyle().Width(l.inner).Render(st.Why())
	b.WriteString(s.Subtitle.Render(clampLines(why, room)) + "\n")
	if note != "" {
		b.WriteString(s.Warning.Render(clampLines(lipgloss.NewStyle().Width(l.inner).Render(note), room)) + "\n")
	} else {
		b.WriteString("\n")
	}
	var form string
	switch {
	case m.formStep == st.ID() && m.form != nil:
		form = trimBlankTail(m.form.View())
	case m.formStep == st.ID() && m.focus == focusForm:
		form = m.waitingView()
	default:
		form = s.Muted.Render("press enter to open this step")
	}
	// The form takes what it needs, up to its share; the checks and
	// advice get the rest of the pane.
	formLines := min(max(screen.Lines(form), 1), l.formH)
	b.WriteString(screen.Fit(form, l.inner, formLines) + "\n\n")
	l.panelH = max(3, m.height-2-screen.Lines(b.String()))
	b.WriteString(m.panelView(st.ID(), l))
	pane := s.Pane
	if m.focus == focusForm {
		pane = s.PaneFocused
	}
	return pane.Width(l.rightW).Height(max(3, m.height)).Render(screen.Fit(b.String(), l.inner, max(1, m.height-2)))
}

// waitingView is shown while a form waits for its lookups.
func (m *Model) waitingView() string {
	var names []string
	for _, p := range m.found.pending(m.formStep, m.clients != nil || m.connecting) {
		names = append(names, lookupNames[p])
	}
	what := strings.Join(names, ", ")
	if m.connecting {
		what = "connecting to AWS"
	}
	return m.spin.View() + " looking up " + what + "…"
}

// trimBlankTail drops the blank lines a form pads itself with.
func trimBlankTail(s string) string {
	lines := strings.Split(s, "\n")
	for len(lines) > 1 && strings.TrimSpace(ansi.Strip(lines[len(lines)-1])) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// hanging puts mark before text wrapped to width, the lines after the
// first indented under the text.
func hanging(mark, text string, width int) string {
	w := lipgloss.Width(mark)
	body := lipgloss.NewStyle().Width(max(4, width-w)).Render(text)
	return mark + strings.ReplaceAll(body, "\n", "\n"+strings.Repeat(" ", w))
}

// rewrap wraps each line of a panel item that is wider than width,
// indenting what it wraps under a leading mark ("✗ ", "• ", "$ ").
func rewrap(item string, width int) string {
	var out []string
	for _, line := range strings.Split(item, "\n") {
		if lipgloss.Width(line) <= width {
			out = append(out, line)
			continue
		}
		plainLine := ansi.Strip(line)
		if r := []rune(plainLine); len(r) > 2 && r[1] == ' ' && strings.ContainsRune("✗!•$✓", r[0]) {
			// The mark is the first two cells of the styled line.
			out = append(out, hanging(ansi.Cut(line, 0, 2), ansi.Cut(line, 2, lipgloss.Width(line)), width))
			continue
		}
		out = append(out, lipgloss.NewStyle().Width(width).Render(line))
	}
	return strings.Join(out, "\n")
}

// clampLines keeps the first n lines of s, marking a cut with an ellipsis.
func clampLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) <= n {
		return s
	}
	lines = lines[:n]
	lines[n-1] = strings.TrimRight(lines[n-1], " ") + "…"
	return strings.Join(lines, "\n")
}

// panelView lists what the checks found as you type and the advice, with
// figures, for step; on the termination policies, the preview.
func (m *Model) panelView(step steps.StepID, l layout) string {
	s := m.d.Shared.Styles
	if m.formStep != step || m.form == nil {
		return ""
	}
	preview := *m.draft
	m.answers.applyTo(&preview, step)
	if f := m.form.GetFocusedField(); f != nil && f.GetKey() == "autoscaling.termination_policies" {
		return m.terminationView(&preview, l)
	}
	var lines []string
	stuckPath := ""
	if m.stuck != "" {
		lines = append(lines, hanging(s.Error.Render("✗ "), s.Error.Render(m.stuck), l.inner))
		stuckPath = m.focusedKey()
	}
	for _, p := range m.formProblems() {
		mark, style := "✗ ", s.Error
		if p.Warning {
			mark, style = "! ", s.Warning
		}
		if base, _, _ := strings.Cut(p.Path, "["); base == stuckPath && !p.Warning {
			continue // the line above says it
		}
		lines = append(lines, hanging(style.Render(mark), p.sentence(), l.inner))
	}
	if step == steps.StepCertificate || step == steps.StepDNS {
		lines = append(lines, m.dnsNotes(&preview)...)
	}
	if step == steps.StepAMI && m.found.image != "" {
		lines = append(lines, s.Muted.Render("• the latest "+m.found.imageFor+" image here is "+m.found.image))
	}
	for _, f := range forms[step].Fields() {
		for _, o := range f.Options {
			if o.Help != "" {
				lines = append(lines, s.Muted.Render("• "+o.Label+": "+o.Help))
			}
		}
	}
	for _, a := range spec.AdviceFor(spec.Advise(&preview), string(step)) {
		mark, style := "• ", s.Muted
		if a.Warn {
			mark, style = "$ ", s.Warning
		}
		lines = append(lines, hanging(style.Render(mark), s.Muted.Render(a.Text), l.inner))
	}
	if step == steps.StepIdentity {
		lines = append(lines, m.identityNotes()...) // wrapped below, under their marks
	}
	if m.notice != "" {
		lines = append([]string{s.Warning.Render(m.notice)}, lines...)
	}
	for i, line := range lines {
		if lipgloss.Width(line) > l.inner || strings.Contains(line, "\n") {
			lines[i] = rewrap(line, l.inner)
		}
	}
	text := strings.Join(lines, "\n")
	return clampLines(text, l.panelH)
}

// dnsNotes says what the account already has for the name: the hosted
// zone (stackwiz uses it rather than making one) and certificates.
func (m *Model) dnsNotes(sp *spec.Spec) []string {
	s := m.d.Shared.Styles
	var out []string
	zone := strings.TrimSuffix(strings.ToLower(sp.DNS.Zone), ".")
	if zone != "" {
		found := false
		for _, z := range m.found.zones {
			if z.Name == zone && !z.Private {
				found = true
				out = append(out, s.Success.Render("✓ ")+fmt.Sprintf("hosted zone %s exists (%s, %d records)", z.Name, z.ID, z.Records))
			}
		}
		if !found && m.found.done[lookZones] {
			out = append(out, s.Warning.Render("! ")+"no hosted zone "+zone+" in this account: stackwiz creates one ($0.50/month); point the domain's NS records at it")
		}
	}
	record := strings.TrimSuffix(strings.ToLower(sp.DNS.Record), ".")
	for _, c := range m.found.certs {
		if record != "" && (c.Domain == record || strings.HasPrefix(c.Domain, "*.") && strings.HasSuffix(record, c.Domain[1:])) {
			out = append(out, s.Muted.Render("• an ACM certificate for "+c.Domain+" exists ("+c.Status+")"))
		}
	}
	if len(m.found.certs) > 0 && record == "" {
		out = append(out, s.Muted.Render(fmt.Sprintf("• %d ACM certificates in this region", len(m.found.certs))))
	}
	if m.found.errs[lookZones] != nil {
		out = append(out, s.Warning.Render("! ")+"could not list hosted zones: "+screen.Describe(m.found.errs[lookZones]).Summary)
	}
	return out
}

// identityNotes says who the credentials are, once known.
func (m *Model) identityNotes() []string {
	s := m.d.Shared.Styles
	var out []string
	switch {
	case m.connErr != nil:
		e := screen.Describe(m.connErr)
		out = append(out, s.Error.Render("✗ ")+e.Summary)
		if e.Hint != "" {
			out = append(out, s.Muted.Render("what to do: "+e.Hint))
		}
	case m.identityErr() != nil:
		e := screen.Describe(m.identityErr())
		out = append(out, s.Error.Render("✗ ")+"could not find out who you are: "+e.Summary)
		if e.Hint != "" {
			out = append(out, s.Muted.Render("what to do: "+e.Hint))
		}
	case m.found.caller.Account != "":
		out = append(out, s.Success.Render("✓ ")+"account "+m.found.caller.Account+" as "+m.found.caller.ARN)
		if m.found.caller.IsRoot() {
			out = append(out, s.Warning.Render("! ")+"you are the account's root user: use an IAM or SSO identity for daily work")
		}
	case m.found.errs[lookProfiles] != nil:
		out = append(out, s.Warning.Render("! ")+m.found.errs[lookProfiles].Error())
	}
	if m.identityErr() != nil {
		out = append(out, s.Muted.Render("nothing can be planned without the account: submit this step to try again, or pick another profile or region"))
	}
	if m.d.Shared.Sandbox {
		out = append(out, s.Muted.Render("• the sandbox answers for AWS: nothing here costs money"))
	}
	return out
}

// resumeView says where an unfinished stack stopped.
func (m *Model) resumeView() string {
	s := m.d.Shared.Styles
	var b strings.Builder
	done, total := 0, 0
	for _, st := range steps.Enabled(m.draft, m.all) {
		total++
		if r, ok := m.rec.Steps[string(st.ID())]; ok && r.Status == state.StepDone {
			done++
		}
	}
	stopped := m.all[m.firstUnfinished()]
	live := 0
	for _, r := range m.rec.Resources {
		if r.Live() {
			live++
		}
	}
	b.WriteString(s.Title.Render("Stack "+m.draft.Name+" is not finished") + "\n\n")
	if why := m.howItEnded(); why != "" {
		b.WriteString(lipgloss.NewStyle().Width(max(10, m.width-4)).Render(why) + "\n\n")
	}
	fmt.Fprintf(&b, "%d of %d steps done, %d resources recorded (last change %s ago).\n", done, total, live,
		fmtAgo(m.d.Now().Sub(m.rec.UpdatedAt)))
	status, note := m.status(stopped)
	fmt.Fprintf(&b, "It stopped at %s (%s).\n", s.Bold.Render(stopped.Title()), statusWords[status])
	if note != "" {
		b.WriteString(s.Warning.Render(lipgloss.NewStyle().Width(max(10, m.width-4)).Render(note)) + "\n")
	}
	b.WriteString("\nNothing was lost: every resource created so far is in the record, and\n" +
		"continuing finds them instead of creating them again.\n\n")
	b.WriteString(s.Key.Render("enter") + " continue: review the plan, then apply\n")
	b.WriteString(s.Key.Render("e") + "     edit the answers first\n")
	return s.Pane.Width(m.width).Height(m.height).Render(b.String())
}
