package ui

import (
	"context"
	"image/color"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// applyStack applies spec in-process, as `stackwiz apply -f` does.
func (e *uiEnv) applyStack(t *testing.T, sp string) {
	t.Helper()
	s, err := spec.Parse([]byte(sp))
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(e.opts.StateDir, s.Name)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock() }()
	c, _ := e.opts.Connect(context.Background(), "", s.Region)
	if err := steps.New(s, c, store, nil, e.opts.EngineOptions).Apply(context.Background()); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

func TestAutoStartOpensTheConsoleOnACompleteStackAndTheWizardOtherwise(t *testing.T) {
	e := newUIEnv(t)
	p := e.start(100, 30)
	p.waitFor("stackwiz · wizard", "Identity · to do")

	e2 := newUIEnv(t)
	// The example's user data starts the app: a bare image serves nothing
	// and the group would never turn healthy.
	start, err := filepath.Abs(filepath.Join("..", "examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	e2.applyStack(t, "name: demo\nregion: us-east-1\ninstance:\n  user_data: "+start+"\n")
	p2 := e2.start(100, 30)
	f := p2.waitFor("stackwiz · console · demo", "2/2 in service")
	if strings.Contains(f, "Steps") {
		t.Fatalf("a complete stack opened the wizard:\n%s", f)
	}

	e2.opts.Start = StartWizard
	p3 := e2.start(100, 30)
	p3.waitFor("stackwiz · wizard · demo", "✓ Alarms")
}

func TestTheConsoleOpensFromTheWizardOrSaysWhyNot(t *testing.T) {
	e := newUIEnv(t)
	e.opts.EngineOptions.Steps = []steps.Step{mustStep(t, steps.StepIdentity)}
	p := e.start(100, 30)
	p.waitFor("Stack name:")
	p.keys("demo", "enter", "enter")
	p.waitFor("Review: demo", "to create")
	p.keys("a", "y")
	p.waitFor("Stack demo is complete")
	p.keys("enter")
	f := p.waitFor("no Auto Scaling group yet")
	if !strings.Contains(f, "stackwiz · wizard") {
		t.Fatalf("without a group the root must stay on the wizard:\n%s", f)
	}
}

func TestQuittingDuringApplyAsksThenStopsItWithTheRecordIntact(t *testing.T) {
	e := newUIEnv(t)
	e.opts.EngineOptions.Steps = []steps.Step{mustStep(t, steps.StepIdentity)}
	jobs := &sync.WaitGroup{}
	work, stop := context.WithCancel(context.Background())
	defer stop()
	r, err := newRoot(work, stop, e.opts, "", jobs)
	if err != nil {
		t.Fatal(err)
	}
	p := &uiProgram{t: t, root: r}
	p.tm = teatest.NewTestModel(t, r, teatest.WithInitialTermSize(100, 30), teatest.WithProgramOptions(tea.WithFilter(func(m tea.Model, msg tea.Msg) tea.Msg {
		v := m.(*root).render()
		p.mu.Lock()
		p.view = v
		p.mu.Unlock()
		return msg
	})))
	p.waitFor("Stack name:")
	p.keys("demo", "enter", "enter")
	p.waitFor("Review: demo", "to create")
	// A permission this one-step stack does not use stops the checks
	// before the first change, at the sandbox's speed; the apply the user
	// then forces is slowed, to be caught running.
	deny := []string{"ec2:RunInstances"}
	e.SB.SetFaults(sandbox.Faults{Deny: deny})
	p.keys("a", "y")
	p.waitFor("Before the first change", "f apply anyway")
	e.SB.SetFaults(sandbox.Faults{Deny: deny, LatencyMS: 3000})
	p.keys("f")
	p.waitFor("Applying demo")
	p.keys("q")
	p.waitFor("Quit now?")
	p.keys("y")
	p.tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if work.Err() == nil {
		t.Fatal("quitting did not cancel the work context")
	}
	done := make(chan struct{})
	go func() { jobs.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the apply did not stop after quit")
	}
	store, err := state.Open(e.opts.StateDir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		t.Fatalf("the interrupted apply left the stack locked: %v", err)
	}
	_ = unlock()
	rec := store.Snapshot()
	if rec.Spec == "" || rec.Steps["identity"] == nil || rec.Steps["identity"].Status == state.StepDone {
		t.Fatalf("the record after the interrupted apply: spec %q, identity %+v", rec.Spec, rec.Steps["identity"])
	}
}

// TestTheBackgroundColourPicksTheStyles sends the terminal's answer to the
// background query: the shared styles switch in place, for every screen.
func TestTheBackgroundColourPicksTheStyles(t *testing.T) {
	e := newUIEnv(t)
	p := e.start(100, 30)
	p.waitFor("Stack name:")
	dark := *p.root.shared.Styles
	p.tm.Send(tea.BackgroundColorMsg{Color: color.White})
	p.keys("esc") // a message after it, so the filter draws the new frame
	p.waitFor("Steps")
	_ = p.tm.Quit()
	fm := p.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*root)
	if fm.shared.Styles.Dark || fm.shared.Styles.Palette.Text == dark.Palette.Text {
		t.Fatalf("a white background left the dark styles (dark=%v)", fm.shared.Styles.Dark)
	}
}
