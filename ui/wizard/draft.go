package wizard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// The wizard's answers are state: every answer is written to a draft under
// the state dir as soon as it is confirmed (a field left, an option
// chosen, a step submitted), so that a quit, a crash or a SIGKILL loses at most the field
// being typed, and the next start reopens on the same step with every
// answer. Once an apply starts, the stack's record holds the answers and
// the draft only remembers how the last run ended (a deliberate quit);
// a finished apply removes it.

// draftVersion is the draft file's format.
const draftVersion = 1

// draftFile is what the draft holds.
type draftFile struct {
	Version int       `json:"version"`
	SavedAt time.Time `json:"saved_at"`
	// Stack is the spec's name ("" while not named yet).
	Stack   string `json:"stack,omitempty"`
	Profile string `json:"profile,omitempty"`
	// Step is the step the wizard was on; Review says it was on the plan.
	Step   steps.StepID `json:"step"`
	Review bool         `json:"review,omitempty"`
	// Answered and Edited are the steps submitted, and those changed
	// since they were applied.
	Answered []steps.StepID `json:"answered,omitempty"`
	Edited   []steps.StepID `json:"edited,omitempty"`
	// Spec is the submitted answers, as stack.yaml.
	Spec string `json:"spec"`
	// Open is the open step's fields as last confirmed, before the step
	// was submitted.
	Open *answers `json:"open,omitempty"`
	// Applied says an apply started: the record holds the answers now.
	Applied bool `json:"applied,omitempty"`
	// QuitIn is where the user quit deliberately ("steps", "review",
	// "apply"), with when; empty when the program ended otherwise (a
	// crash, a kill, or still running).
	QuitIn string    `json:"quit_in,omitempty"`
	QuitAt time.Time `json:"quit_at,omitzero"`
}

// draftPath is where the draft of a state dir lives: beside the stacks'
// records, in a folder of its own, so that it is never taken for one.
func draftPath(stateDir string) string {
	return filepath.Join(stateDir, "wizard", "draft.json")
}

// readDraft reads the draft; ok is false when there is none.
func readDraft(stateDir string) (d draftFile, ok bool, err error) {
	data, err := os.ReadFile(draftPath(stateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("read the wizard's draft: %w", err)
	}
	if err := json.Unmarshal(data, &d); err != nil {
		return d, false, fmt.Errorf("read the wizard's draft %s: %w", draftPath(stateDir), err)
	}
	if d.Version != draftVersion {
		return d, false, nil // a format this build does not know: start afresh
	}
	return d, true, nil
}

// writeFileAtomic writes data to path readable by its owner only: a
// temporary file in the same folder, synced, then renamed over path, so
// that a crash leaves the old draft or the new one, never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".draft-*.tmp")
	if err != nil {
		return fmt.Errorf("create a temporary file in %s: %w", dir, err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // gone after the rename; a leftover otherwise
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("chmod %s: %w", tmp, err)
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename itself survives a power cut
		_ = d.Close()
	}
	return nil
}

// draftWriter writes the latest draft. Update hands it each new draft
// (want) and returns a command that writes it (flush); commands run
// concurrently, so the writer keeps the order: whichever flush runs
// writes the newest draft, and an older one is never written over it.
// It belongs to one Model; nothing here is package state.
type draftWriter struct {
	path string
	mu   sync.Mutex
	// seq counts drafts handed over, written the last one on disk.
	seq, written int
	data         []byte
	remove       bool
}

// want makes d the draft to write next.
func (w *draftWriter) want(d draftFile) {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return // a draft of strings, numbers and lists always encodes
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	w.data, w.remove = append(data, '\n'), false
}

// wantRemoved makes removing the draft the next write.
func (w *draftWriter) wantRemoved() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seq++
	w.data, w.remove = nil, true
}

// pending reports whether a draft was handed over.
func (w *draftWriter) pending() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.seq > 0
}

// flush writes the newest draft unless it is on disk already.
func (w *draftWriter) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.written == w.seq {
		return nil
	}
	if w.remove {
		if err := os.Remove(w.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the wizard's draft: %w", err)
		}
	} else if err := writeFileAtomic(w.path, w.data); err != nil {
		return fmt.Errorf("save the wizard's answers: %w", err)
	}
	w.written = w.seq
	return nil
}

// draftSavedMsg is a flush's result.
type draftSavedMsg struct{ err error }

func (draftSavedMsg) Screen() screen.ID { return screen.Wizard }

// flushCmd writes the newest draft in the background.
func (w *draftWriter) flushCmd() tea.Cmd {
	return func() tea.Msg { return draftSavedMsg{err: w.flush()} }
}

// draftNow is the draft of the wizard as it stands: the submitted answers,
// and the open step's fields as confirmed.
func (m *Model) draftNow() draftFile {
	y, _ := m.draft.YAML()
	d := draftFile{
		Version: draftVersion, SavedAt: m.d.Now().UTC(), Stack: m.draft.Name, Profile: m.profile,
		Step: m.all[m.cursor].ID(), Review: m.phase == phaseReview || m.phase == phaseDoctor, Spec: string(y),
	}
	for _, s := range m.all {
		if m.answered[s.ID()] {
			d.Answered = append(d.Answered, s.ID())
		}
		if m.edited[s.ID()] {
			d.Edited = append(d.Edited, s.ID())
		}
	}
	switch {
	case m.phase == phaseSteps && m.form != nil && m.confirmed != nil:
		d.Step, d.Open = m.formStep, m.confirmed.clone()
	case m.held != nil:
		d.Open = m.held.clone()
		if d.Step != m.heldStep {
			d.Open = nil
		}
	}
	return d
}

// saveDraft hands the wizard's answers to the writer and returns the
// command that writes them.
func (m *Model) saveDraft() tea.Cmd {
	m.applied = false // answers changed since the apply: a draft again
	m.drafts.want(m.draftNow())
	return m.drafts.flushCmd()
}

// draftSaved reports a failed save: the answers are still on screen, but
// the user must know a quit would lose them.
func (m *Model) draftSaved(msg draftSavedMsg) (screen.Action, tea.Cmd) {
	if msg.err == nil {
		return nil, nil
	}
	return screen.Notice{Text: "✗ " + screen.Describe(msg.err).Summary}, nil
}

// Flush writes the newest draft now. The root calls it after the program
// ended, when no command can run any more.
func (m *Model) Flush() error { return m.drafts.flush() }

// Quitting records that the user quit deliberately, so the next start
// tells a quit from a crash or a failure. Nothing is written here: Flush
// does it once the program ended.
func (m *Model) Quitting() {
	if !m.drafts.pending() && !m.hadDraft {
		return // nothing was answered: no draft to keep
	}
	d := m.draftNow()
	d.Applied = m.applied
	switch {
	case m.apply != nil && !m.apply.finished:
		d.QuitIn = "apply"
	case m.phase == phaseResume:
		d.QuitIn = "resume"
	case d.Review:
		d.QuitIn = "review"
	default:
		d.QuitIn = "steps"
	}
	if m.applied && m.apply != nil && m.apply.finished && m.apply.err == nil {
		return // the stack is complete: its draft is gone
	}
	d.QuitAt = d.SavedAt
	m.drafts.want(d)
}

// fieldLeft is called after the form handled a message: when the focus
// moved to another field, the field left is confirmed and saved.
func (m *Model) fieldLeft(before string) tea.Cmd {
	if m.form == nil {
		return nil
	}
	after := ""
	if f := m.form.GetFocusedField(); f != nil {
		after = f.GetKey()
	}
	if after == before {
		return nil
	}
	m.touch(before)
	m.confirmAnswers()
	return m.saveDraft()
}

// confirmAnswers marks the open form's answers as confirmed.
func (m *Model) confirmAnswers() {
	m.confirmed, m.typing = m.answers.clone(), false
}

// focusedKey is the key of the open form's focused field.
func (m *Model) focusedKey() string {
	if m.form == nil {
		return ""
	}
	if f := m.form.GetFocusedField(); f != nil {
		return f.GetKey()
	}
	return ""
}

// keyToForm passes a key to the form, noting typed input that is not
// confirmed yet and saving when a field was left. A choice (a select, a
// yes/no, a multi-select, the policy picker) is whole with each key, so a
// changed one is confirmed and saved at once: a quit on the field keeps it.
func (m *Model) keyToForm(msg tea.KeyPressMsg) tea.Cmd {
	before := m.focusedKey()
	was := m.answers.clone()
	hoveredWas, _ := m.hovered()
	m.stuck = ""
	cmd := m.forwardToForm(msg)
	if v, ok := m.hovered(); ok && v != hoveredWas && m.focusedKey() == before {
		m.takeChoice(before, v)
	}
	var chosen tea.Cmd
	if m.form != nil && !reflect.DeepEqual(was, m.answers) {
		if m.typingField() {
			m.typing = true
		} else if m.focusedKey() == before {
			m.confirmAnswers()
			chosen = m.saveDraft()
		}
	}
	if isNextKey(msg) {
		m.heldBack(before)
	}
	return tea.Batch(cmd, chosen, m.fieldLeft(before))
}

// hovered is the option under the focused select's cursor, which the
// select shows as its answer; ok is false on another field, or while the
// select is filtered.
func (m *Model) hovered() (string, bool) {
	if m.form == nil {
		return "", false
	}
	sel, ok := m.form.GetFocusedField().(*huh.Select[string])
	if !ok || sel.GetFiltering() {
		return "", false
	}
	return sel.Hovered()
}

// takeChoice makes v the answer of the select at path, as the select
// shows it: huh writes it on every move but end (G), which it writes only
// when the field is left.
func (m *Model) takeChoice(path, v string) {
	if path == "profile" {
		m.answers.Profile = v
		return
	}
	m.answers.setText(path, v)
}

// formLeft keeps the open step's confirmed answers when the user goes back
// to the list without submitting: reopening the step shows them again.
func (m *Model) formLeft() tea.Cmd {
	if m.form == nil || m.confirmed == nil {
		return nil
	}
	m.held, m.heldStep = m.confirmed.clone(), m.formStep
	return m.saveDraft()
}

// heldFor returns the answers kept for step, if any.
func (m *Model) heldFor(step steps.StepID) *answers {
	if m.held == nil || m.heldStep != step {
		return nil
	}
	return m.held.clone()
}

// unsavedInput is the question asked before a quit would lose the field
// being typed, "" when nothing typed is unconfirmed.
func (m *Model) unsavedInput() string {
	if m.phase != phaseSteps || m.form == nil || !m.typing {
		return ""
	}
	return fmt.Sprintf("Your answers up to %s are saved; the field you are typing is not.", m.all[m.cursor].Title())
}

// restore loads a draft saved by an earlier run: the submitted answers,
// the step it was on and that step's confirmed fields.
func (m *Model) restore(d draftFile) {
	spec, _ := spec.ParseWithEnv([]byte(d.Spec), m.env())
	if spec == nil {
		return
	}
	m.draft = spec
	if d.Profile != "" {
		m.profile = d.Profile
	}
	for _, id := range d.Answered {
		m.answered[id] = true
	}
	for _, id := range d.Edited {
		m.edited[id] = true
	}
	if i := m.stepIndex(d.Step); i >= 0 {
		m.cursor = i
	}
	if d.Open != nil {
		// A draft from before a field existed keeps the spec's answer.
		m.held, m.heldStep = answersFrom(spec, m.profile).over(d.Open), d.Step
	}
	m.phase, m.focus = phaseSteps, focusForm
	m.reopenReview = d.Review
	m.notice = restoredNotice(d, m.d.Now())
}

// restoredNotice tells the user where the answers came from and how the
// last run ended.
func restoredNotice(d draftFile, now time.Time) string {
	if d.QuitIn != "" {
		return fmt.Sprintf("you quit %s: every answer you confirmed is back", ago(now.Sub(d.QuitAt)))
	}
	return fmt.Sprintf("stackwiz stopped unexpectedly; your answers saved %s are back", ago(now.Sub(d.SavedAt)))
}

// ago says how long ago something happened, in words.
func ago(d time.Duration) string {
	if d < time.Minute {
		return "moments ago"
	}
	return fmtAgo(d) + " ago"
}

// draftFor reads the draft that belongs to this start: for a named stack,
// a draft of that stack; for a new stack, any draft not yet applied.
func (m *Model) draftFor(stack string) (draftFile, bool) {
	d, ok, err := readDraft(m.d.StateDir)
	if err != nil || !ok {
		return d, false
	}
	// An unapplied draft is answers in progress: stack.yaml is not offered
	// over them.
	m.draftExists = !d.Applied
	if stack != "" && d.Stack != stack {
		return d, false // another stack's: left as it is
	}
	m.hadDraft, m.lastQuit, m.applied = true, d, d.Applied
	if d.Applied {
		return d, false // the record holds these answers
	}
	return d, true
}

// applyStarted marks the draft applied: from now on the record holds the
// answers.
func (m *Model) applyStarted() tea.Cmd {
	m.applied = true
	m.held = nil
	d := m.draftNow()
	d.Applied, d.Open = true, nil
	m.drafts.want(d)
	return m.drafts.flushCmd()
}

// applyFinished removes the draft once the stack is complete.
func (m *Model) applyFinished() tea.Cmd {
	m.drafts.wantRemoved()
	return m.drafts.flushCmd()
}

// stepSubmitted forgets what was kept of a step's form once the step is
// submitted: the draft spec holds its answers now.
func (m *Model) stepSubmitted(step steps.StepID) {
	if m.heldStep == step {
		m.held = nil
	}
	m.confirmed, m.typing = nil, false
}

// interrupted reports whether a step's recorded error is only the apply
// being stopped (the user quit), not a failure: the engine's context is
// cancelled only when stackwiz stops its work.
func interrupted(recorded string) bool {
	return strings.Contains(recorded, "context canceled")
}

// stoppedNote is the note of a step the apply left when it was stopped.
func (m *Model) stoppedNote() string {
	if m.lastQuit.QuitIn == "apply" {
		return "stopped when you quit: apply resumes it"
	}
	return "stopped when the apply was interrupted: apply resumes it"
}

// howItEnded says, on the resume screen, whether the last run ended with
// the user quitting, with stackwiz stopping unexpectedly, or with a
// failure (which the step's own note then explains).
func (m *Model) howItEnded() string {
	var failed, running, stopped bool
	for _, r := range m.rec.Steps {
		switch {
		case r.Status == state.StepFailed && interrupted(r.Error):
			stopped = true
		case r.Status == state.StepFailed:
			failed = true
		case r.Status == state.StepInProgress:
			running = true
		}
	}
	q := m.lastQuit
	switch {
	case q.QuitIn == "apply" && !failed:
		return fmt.Sprintf("You quit while it was being applied, %s. The steps in flight stopped where they were.", ago(m.d.Now().Sub(q.QuitAt)))
	case running:
		return "stackwiz stopped unexpectedly while applying (closed, killed or crashed)."
	case stopped && !failed:
		return "The apply was stopped before it finished."
	case failed:
		return "The last apply failed: what went wrong is below."
	case q.QuitIn != "":
		return fmt.Sprintf("You quit %s.", ago(m.d.Now().Sub(q.QuitAt)))
	}
	return ""
}

// recordedFailure is a step's recorded error in the user's words: AWS's
// code and message, without the SDK's "operation error …, api error"
// wrapping (the record keeps only the text, so screen.Describe cannot
// unwrap it).
func recordedFailure(text string) string {
	if _, rest, ok := strings.Cut(text, "api error "); ok {
		return rest
	}
	return text
}
