// Package wizard is stackwiz's first-time setup screen: the stack's steps in
// the recommended order on the left, with their status, and the current
// step's form on the right, its defaults looked up in the account; then the
// plan (resources, monthly cost, the AWS CLI script, stack.yaml), the apply
// with live progress, and resume of a stack that stopped part way.
//
// The wizard is a screen of the root model (package ui): it never quits or
// switches screens itself but returns a screen.Action, and every AWS call
// it makes runs in a command whose result comes back as a message
// addressed to it.
package wizard

import (
	"context"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// Connector builds the AWS clients for a profile and region ("" for
// either: the SDK's default chain).
type Connector func(ctx context.Context, profile, region string) (*aws.Clients, error)

// Deps is what the wizard needs from the root.
type Deps struct {
	Shared *screen.Shared
	// StateDir holds the stacks' records.
	StateDir string
	// Stack is the stack to resume or edit; "" starts a new one.
	Stack string
	// Connect builds clients for the profile and region the user picks.
	Connect Connector
	// Engine tunes the engine (poll timings; Steps in tests).
	Engine steps.Options
	// Profile and Region are the defaults from the command line.
	Profile, Region string
	// ConfigFile and CredentialsFile are the AWS config files to list
	// profiles from; empty: aws.ConfigFiles().
	ConfigFile, CredentialsFile string
	// CheckIPURL answers with the caller's public IP; empty uses
	// aws.CheckIPURL, except in the sandbox, where nothing is asked.
	CheckIPURL string
	HTTPClient *http.Client
	// WorkDir resolves relative script paths; empty: the working directory.
	WorkDir string
	// Jobs counts work the program must let finish before it exits (an
	// apply stopping after the user quit).
	Jobs *sync.WaitGroup
	// Now is the clock (tests).
	Now func() time.Time
}

type phase int

const (
	phaseResume phase = iota // an unfinished stack: where it stopped
	phaseSteps               // the step list and a form
	phaseReview              // the plan, the CLI script, stack.yaml
	phaseDoctor              // the checks before the first mutating call
	phaseApply               // live progress
	phaseDone                // the stack is complete
)

type focus int

const (
	focusList focus = iota
	focusForm
)

// Model is the wizard screen.
type Model struct {
	d     Deps
	keys  keys
	all   []steps.Step
	phase phase
	focus focus
	// cursor is the step selected in the list.
	cursor int

	draft    *spec.Spec
	answers  *answers
	answered map[steps.StepID]bool
	// edited marks steps changed since they were last applied.
	edited map[steps.StepID]bool

	store *state.Store
	rec   state.Stack

	// conn counts connections: results of an older one are dropped.
	conn       int
	connecting bool
	connErr    error
	clients    *aws.Clients
	profile    string
	found      found

	form     *huh.Form
	formStep steps.StepID
	// formSeq tells a form's submit from an older form's.
	formSeq int
	// The open form's fields touched (left, or enter pressed on them),
	// whether the step was submitted, and why enter did not move on
	// (fieldcheck.go).
	touched   map[string]bool
	submitted bool
	stuck     string

	review *review
	doctor *preflight
	// doctorRuns counts runs of the checks: a result of an older one is
	// dropped.
	doctorRuns int
	apply      *applyRun

	// The draft of the answers (draft.go): its writer, the open form's
	// answers as last confirmed, whether a key changed them since, the
	// answers kept for a step left unsubmitted, what the last run left.
	drafts       *draftWriter
	confirmed    *answers
	typing       bool
	held         *answers
	heldStep     steps.StepID
	hadDraft     bool
	draftExists  bool
	lastQuit     draftFile
	applied      bool
	reopenReview bool
	offer        *specOffer

	spin   spinner.Model
	width  int
	height int
	notice string
}

// New returns the wizard for d.Stack ("" for a new stack), reading its
// record to know where it stands.
func New(d Deps) (*Model, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.HTTPClient == nil {
		d.HTTPClient = http.DefaultClient
	}
	if d.WorkDir == "" {
		d.WorkDir, _ = os.Getwd()
	}
	if d.ConfigFile == "" && d.CredentialsFile == "" {
		d.ConfigFile, d.CredentialsFile = aws.ConfigFiles()
	}
	if d.Jobs == nil {
		d.Jobs = &sync.WaitGroup{}
	}
	all := d.Engine.Steps
	if all == nil {
		all = steps.All()
	}
	def := spec.Defaults()
	def.Region = d.Region
	m := &Model{
		d: d, keys: newKeys(), all: all, draft: &def,
		answered: map[steps.StepID]bool{}, edited: map[steps.StepID]bool{},
		profile: d.Profile, phase: phaseSteps, focus: focusForm,
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		drafts: &draftWriter{path: draftPath(d.StateDir)},
	}
	if d.Stack != "" {
		if err := m.openStack(d.Stack); err != nil {
			return nil, err
		}
	}
	if draft, ok := m.draftFor(d.Stack); ok {
		m.restore(draft)
		if d.Stack == "" && m.draft.Name != "" {
			if st, err := state.Open(d.StateDir, m.draft.Name); err == nil {
				m.store, m.rec = st, st.Snapshot()
			}
		}
	} else if d.Stack == "" && !m.draftExists {
		m.offerSpecFile()
	}
	m.answers = answersFrom(m.draft, m.profile)
	m.spin.Style = d.Shared.Styles.Spinner
	return m, nil
}

// openStack loads a stack's record and the spec it was last applied with.
func (m *Model) openStack(name string) error {
	st, err := state.Open(m.d.StateDir, name)
	if err != nil {
		return err
	}
	m.store, m.rec = st, st.Snapshot()
	if m.rec.Spec != "" {
		sp, err := spec.ParseWithEnv([]byte(m.rec.Spec), spec.ValidateEnv{BaseDir: m.d.WorkDir})
		if err != nil && sp == nil {
			return err
		}
		m.draft = sp
	} else {
		m.draft.Name = name
	}
	if m.draft.Region == "" {
		m.draft.Region = m.rec.Region
	}
	for _, s := range m.all {
		if r, ok := m.rec.Steps[string(s.ID())]; ok && r.Status != state.StepPending {
			m.answered[s.ID()] = true
		}
	}
	if !m.rec.UpdatedAt.IsZero() {
		m.phase = phaseResume
		if m.complete() {
			m.phase, m.focus = phaseSteps, focusList
		}
	}
	return nil
}

// complete reports whether every enabled step is done in the record.
func (m *Model) complete() bool {
	if m.store == nil || !m.store.Exists() {
		return false
	}
	return steps.Complete(m.draft, m.all, m.rec)
}

// Init starts the lookups that need no answer yet: the profiles, and the
// connection when a region is already known.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{profilesCmd(m.conn, m.d.ConfigFile, m.d.CredentialsFile), m.spin.Tick}
	if m.d.Shared.Sandbox || m.draft.Region != "" || m.d.Region != "" {
		cmds = append(cmds, m.connect())
	}
	if m.phase == phaseSteps && m.focus == focusForm {
		cmds = append(cmds, m.openForm(m.cursor))
	}
	if m.reopenReview {
		m.reopenReview = false
		_, cmd := m.startReview()
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// connect (re)builds the clients for the answers' profile and region.
func (m *Model) connect() tea.Cmd {
	m.conn++
	m.connecting, m.connErr, m.clients = true, nil, nil
	profiles := m.found.profiles
	m.found = found{profiles: profiles}
	m.found.done[lookProfiles] = profiles != nil || m.found.done[lookProfiles]
	region := m.answers.Text("region")
	if region == "" {
		region = m.draft.Region
	}
	return connectCmd(m.d.Shared.Ctx, m.d.Connect, m.conn, m.answers.Profile, region)
}

// Busy says what quitting would interrupt.
func (m *Model) Busy() string {
	if m.apply != nil && !m.apply.finished {
		return "an apply is running: quitting stops it after the calls in flight; the record keeps every resource, and starting stackwiz again resumes"
	}
	return m.unsavedInput()
}

// Capturing reports whether typed keys belong to a form field.
func (m *Model) Capturing() bool {
	if m.offer != nil {
		return false
	}
	switch m.phase {
	case phaseSteps:
		return m.focus == focusForm && m.form != nil && m.typingField()
	case phaseReview:
		return m.review != nil && m.review.saving != nil
	}
	return false
}

// typingField reports whether the focused field takes typed text: an
// input, or a select being filtered. On a select, a yes/no or the policy
// picker, ? opens the help and q asks to quit, as everywhere else.
func (m *Model) typingField() bool {
	switch f := m.form.GetFocusedField().(type) {
	case *huh.Input, *huh.Text:
		return true
	case interface{ GetFiltering() bool }:
		return f.GetFiltering()
	}
	return false
}

// Connection returns the stack's name and the profile and region the user
// chose, for the root to open the console on the same account.
func (m *Model) Connection() (stack, profile, region string) {
	region = m.draft.Region
	if region == "" && m.clients != nil {
		region = m.clients.Region
	}
	return m.draft.Name, m.profile, region
}

// stepIndex returns the index of id in the steps.
func (m *Model) stepIndex(id steps.StepID) int {
	return slices.IndexFunc(m.all, func(s steps.Step) bool { return s.ID() == id })
}

// env is what validation knows beyond the spec: the region's AZs, and
// where relative script paths resolve.
func (m *Model) env() spec.ValidateEnv {
	return spec.ValidateEnv{AZCount: len(m.found.azs), BaseDir: m.d.WorkDir}
}
