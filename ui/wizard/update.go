package wizard

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// formDoneMsg is sent by a form when the user submits it.
type formDoneMsg struct{ seq int }

func (formDoneMsg) Screen() screen.ID { return screen.Wizard }

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (screen.Action, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.sizeForm()
		if m.review != nil {
			m.review.resize(m.width, m.height)
		}
		if m.doctor != nil {
			m.doctor.resize(m.width, m.height)
			if !m.doctor.checking {
				m.doctor.render(m)
			}
		}
		return nil, m.forwardToForm(msg)
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return nil, cmd
	case connectedMsg:
		return nil, m.connected(msg)
	case lookedUpMsg:
		return nil, m.lookedUp(msg)
	case formDoneMsg:
		if msg.seq != m.formSeq || m.form == nil {
			return nil, nil
		}
		return m.submitForm()
	case planMsg, savedMsg, saveDoneMsg:
		return m.updateReview(msg)
	case doctorMsg:
		return m.doctorDone(msg)
	case draftSavedMsg:
		return m.draftSaved(msg)
	case applyEventMsg, applyDoneMsg, applyTickMsg:
		return m.updateApply(msg)
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if m.phase == phaseReview && m.review != nil && m.review.saving != nil {
		return nil, m.review.forwardSave(msg)
	}
	// huh moves between fields with its own messages: one may leave a field,
	// or a page may refuse to give way to the next.
	before := m.focusedKey()
	cmd := m.forwardToForm(msg)
	return nil, tea.Batch(cmd, m.groupHeldBack(msg, before), m.fieldLeft(before))
}

// forwardToForm passes a message to the open form (huh's own messages,
// sizes, the background colour).
func (m *Model) forwardToForm(msg tea.Msg) tea.Cmd {
	if m.form == nil {
		return nil
	}
	f, cmd := m.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		m.form = ff
	}
	return cmd
}

func (m *Model) key(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	m.notice = ""
	k := m.d.Shared.Keys
	if m.offer != nil {
		return m.offerKey(msg)
	}
	switch m.phase {
	case phaseResume:
		switch {
		case key.Matches(msg, k.Enter):
			return m.startReview()
		case key.Matches(msg, m.keys.Edit), key.Matches(msg, k.Back):
			m.phase, m.focus = phaseSteps, focusList
			m.cursor = m.firstUnfinished()
			return nil, nil
		}
		return nil, nil
	case phaseReview:
		return m.reviewKey(msg)
	case phaseDoctor:
		return m.doctorKey(msg)
	case phaseApply, phaseDone:
		return m.applyKey(msg)
	}
	if m.focus == focusForm {
		if key.Matches(msg, k.Back) && !m.filtering() {
			m.focus = focusList
			return nil, m.formLeft()
		}
		return nil, m.keyToForm(msg)
	}
	switch {
	case key.Matches(msg, k.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(msg, k.Down):
		m.cursor = min(len(m.all)-1, m.cursor+1)
	case key.Matches(msg, m.keys.Retry) && m.identityErr() != nil:
		return nil, m.retryIdentity()
	case key.Matches(msg, k.Enter, k.Right, k.Next):
		return nil, m.openForm(m.cursor)
	case key.Matches(msg, m.keys.Review):
		return m.startReview()
	}
	return nil, nil
}

// filtering reports whether the focused select is being filtered, where
// esc belongs to the field.
func (m *Model) filtering() bool {
	if m.form == nil {
		return false
	}
	if f, ok := m.form.GetFocusedField().(interface{ GetFiltering() bool }); ok {
		return f.GetFiltering()
	}
	return false
}

// openForm shows step i's form, or a spinner while what it offers is
// still being looked up.
func (m *Model) openForm(i int) tea.Cmd {
	if m.all[i].ID() != steps.StepIdentity && m.identityErr() != nil {
		// No form is filled with defaults guessed without the account.
		m.notice = identityNotice
		i = m.stepIndex(steps.StepIdentity)
	}
	m.cursor, m.focus, m.phase = i, focusForm, phaseSteps
	m.formStep = m.all[i].ID()
	m.answers = answersFrom(m.draft, m.profile)
	if held := m.heldFor(m.formStep); held != nil {
		m.answers = held
	}
	m.form = nil
	m.formSeq++
	m.touched, m.submitted, m.stuck = map[string]bool{}, false, ""
	if len(m.found.pending(m.formStep, m.clients != nil || m.connecting)) > 0 {
		return nil // lookedUp builds it when the last lookup answers
	}
	return m.buildForm()
}

// buildForm builds the open step's form.
func (m *Model) buildForm() tea.Cmd {
	seq := m.formSeq
	if m.formStep == steps.StepIdentity && m.answers.Text("region") == "" {
		m.answers.setText("region", m.profileRegion(m.answers.Profile))
	}
	fc := formContext{found: &m.found, sandbox: m.d.Shared.Sandbox, baseDir: m.d.WorkDir, check: m.fieldCheck(m.formStep)}
	f := buildForm(m.formStep, m.answers, fc).WithTheme(formTheme(m.d.Shared.Styles.Huh()))
	f.SubmitCmd = func() tea.Msg { return formDoneMsg{seq: seq} }
	m.form = f
	m.confirmAnswers()
	m.sizeForm()
	return f.Init()
}

func (m *Model) sizeForm() {
	if m.form == nil || m.width == 0 {
		return
	}
	l := m.layout()
	m.form.WithWidth(l.inner).WithHeight(l.formH)
}

// submitForm writes the form's answers into the draft and moves on.
func (m *Model) submitForm() (screen.Action, tea.Cmd) {
	step := m.formStep
	if ps := checkStep(step, m.answers, m.draft, m.env()); blocking(ps) {
		// huh validated each field; a cross-field rule still objects.
		m.formSeq++
		m.submitted = true
		m.notice = "the step is not saved yet: fix what is listed below first"
		for _, p := range ps {
			if !p.Warning {
				m.notice = "the step is not saved yet — " + p.sentence()
				break
			}
		}
		return nil, m.buildForm()
	}
	before := *m.draft
	m.answers.applyTo(m.draft, step)
	m.answered[step] = true
	if r, ok := m.rec.Steps[string(step)]; ok && r.Status == state.StepDone && specChanged(&before, m.draft) {
		m.edited[step] = true
	}
	m.form = nil
	m.stepSubmitted(step)
	var cmds []tea.Cmd
	if step == steps.StepIdentity {
		failed := m.identityErr() != nil
		cmd, err := m.identityChosen(&before)
		if err != nil {
			return screen.Fail{Err: err}, nil
		}
		if failed {
			// The step failed: submitting it again is the retry, and it
			// stays open until the account is known.
			m.answered[step] = false
			if cmd == nil {
				cmd = m.connect()
			}
			m.notice = "trying again to find out who you are…"
			return nil, tea.Batch(cmd, m.openForm(m.cursor), m.saveDraft())
		}
		if cmd != nil {
			cmds = append(cmds, cmd)
		}
	}
	if step == steps.StepAMI && m.clients != nil {
		key := m.draft.AMI.Base + "/" + m.draft.Architecture()
		if m.found.imageFor != key {
			cmds = append(cmds, imageCmd(m.d.Shared.Ctx, m.conn, m.clients.Params, m.draft.AMI.Base, m.draft.Architecture()))
		}
	}
	if next := m.cursor + 1; next < len(m.all) {
		cmds = append(cmds, m.openForm(next))
		return nil, tea.Batch(append(cmds, m.saveDraft())...)
	}
	a, cmd := m.startReview()
	return a, tea.Batch(append(cmds, cmd, m.saveDraft())...)
}

// identityChosen opens the record of the named stack, keeps a recorded
// stack in its region, and reconnects when the profile or region changed.
func (m *Model) identityChosen(before *spec.Spec) (tea.Cmd, error) {
	if m.store == nil || m.store.Name() != m.draft.Name {
		st, err := state.Open(m.d.StateDir, m.draft.Name)
		if err != nil {
			return nil, err
		}
		m.store, m.rec = st, st.Snapshot()
		if st.Exists() && m.rec.Spec != "" {
			if spec, _ := spec.ParseWithEnv([]byte(m.rec.Spec), m.env()); spec != nil {
				spec.Region = m.draft.Region
				m.draft = spec
				m.notice = fmt.Sprintf("stack %s already has a record: its answers are loaded", m.draft.Name)
			}
		}
	}
	m.keepRecordedRegion()
	var cmd tea.Cmd
	if m.answers.Profile != m.profile || before.Region != m.draft.Region || m.clients == nil && !m.connecting {
		m.profile = m.answers.Profile
		cmd = m.connect()
	}
	return cmd, nil
}

// profileRegion is the region a profile names in the config files, or
// the one the clients use.
func (m *Model) profileRegion(profile string) string {
	name := profile
	if name == "" {
		name = "default"
	}
	for _, p := range m.found.profiles {
		if p.Name == name && p.Region != "" {
			return p.Region
		}
	}
	if m.clients != nil {
		return m.clients.Region
	}
	return ""
}

// specChanged compares two specs by their YAML.
func specChanged(a, b *spec.Spec) bool {
	ya, _ := a.YAML()
	yb, _ := b.YAML()
	return string(ya) != string(yb)
}

func (m *Model) connected(msg connectedMsg) tea.Cmd {
	if msg.conn != m.conn {
		return nil
	}
	m.connecting = false
	if msg.err != nil {
		m.connErr = msg.err
		// The forms open anyway, with what needs no account.
		for l := lookCaller; l < lookCount; l++ {
			m.found.done[l] = true
			m.found.errs[l] = msg.err
		}
		if cmd := m.identityFailed(); cmd != nil {
			return cmd
		}
		return m.formAfterLookup()
	}
	m.clients = msg.clients
	if m.draft.Region == "" {
		m.draft.Region = msg.clients.Region
		m.answers.setText("region", msg.clients.Region)
	}
	ip := ipLookup{fn: m.d.Engine.PublicIP, client: m.d.HTTPClient, url: m.d.CheckIPURL}
	if ip.url == "" && !m.d.Shared.Sandbox {
		ip.url = awsCheckIPURL
	}
	if ip.fn == nil && ip.url == "" {
		m.found.done[lookPublicIP] = true
	}
	return tea.Batch(discoverCmds(m.d.Shared.Ctx, m.conn, msg.clients, m.draft.AMI.Base, m.draft.Architecture(), ip)...)
}

func (m *Model) lookedUp(msg lookedUpMsg) tea.Cmd {
	if msg.conn != m.conn && msg.what != lookProfiles {
		return nil
	}
	m.found.record(msg)
	if msg.what == lookCaller && m.identityErr() != nil {
		if cmd := m.identityFailed(); cmd != nil {
			return cmd
		}
	}
	return m.formAfterLookup()
}

// formAfterLookup builds the open step's form once its lookups answered.
func (m *Model) formAfterLookup() tea.Cmd {
	if m.phase != phaseSteps || m.form != nil || m.focus != focusForm {
		return nil
	}
	if len(m.found.pending(m.formStep, m.clients != nil || m.connecting)) > 0 {
		return nil
	}
	if m.formStep != steps.StepIdentity && m.identityErr() != nil {
		return m.identityFailed()
	}
	return m.buildForm()
}

// firstUnfinished returns the index of the step the stack stopped at: the
// first that failed or was interrupted, else the first enabled step not done.
func (m *Model) firstUnfinished() int {
	first := -1
	for i, s := range m.all {
		if !s.Enabled(m.draft) {
			continue
		}
		r, ok := m.rec.Steps[string(s.ID())]
		if ok && (r.Status == state.StepFailed || r.Status == state.StepInProgress) {
			return i
		}
		if first < 0 && (!ok || r.Status != state.StepDone) {
			first = i
		}
	}
	return max(first, 0)
}
