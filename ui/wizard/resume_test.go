package wizard

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/aws/smithy-go"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// scriptedStep is a real step whose Apply is replaced: it fails with err,
// or succeeds without touching AWS. It lets the engine write a record that
// stopped at a given step, the way an interrupted apply leaves it.
type scriptedStep struct {
	steps.Step
	err error
}

func (s scriptedStep) Apply(context.Context, *steps.Run) error { return s.err }

func realStep(t *testing.T, id steps.StepID) steps.Step {
	s, ok := steps.Lookup(steps.All(), id)
	if !ok {
		t.Fatalf("no step %s", id)
	}
	return s
}

// applyRecord runs the engine with stepList on spec, so the record holds
// what that run leaves.
func (e *env) applyRecord(sp string, stepList []steps.Step) error {
	e.t.Helper()
	s, err := spec.Parse([]byte(sp))
	if err != nil {
		e.t.Fatal(err)
	}
	store, err := state.Open(e.Dir, s.Name)
	if err != nil {
		e.t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = unlock() }()
	c, _ := e.connect(context.Background(), "", s.Region)
	opts := e.d.Engine
	opts.Steps = stepList
	return steps.New(s, c, store, nil, opts).Apply(context.Background())
}

func TestAnUnfinishedStackShowsWhereItStoppedAndContinues(t *testing.T) {
	e := newEnv(t)
	vpcLimit := &smithy.GenericAPIError{Code: "VpcLimitExceeded", Message: "The maximum number of VPCs has been reached."}
	err := e.applyRecord("name: demo\nregion: us-east-1\n", []steps.Step{
		realStep(t, steps.StepIdentity),
		scriptedStep{Step: realStep(t, steps.StepIAM)},
		scriptedStep{Step: realStep(t, steps.StepNetwork), err: vpcLimit},
	})
	if err == nil {
		t.Fatal("the scripted network failure did not fail the apply")
	}
	m, r := e.wizard("demo", 80, 22)
	if m.phase != phaseResume {
		t.Fatalf("an unfinished stack opened in phase %v, want the resume screen", m.phase)
	}
	v := flat(r.view())
	for _, want := range []string{"Stack demo is not finished", "2 of 9 steps done", "It stopped at Network (needs attention)", "VpcLimitExceeded"} {
		if !strings.Contains(v, want) {
			t.Fatalf("resume screen lacks %q:\n%s", want, r.view())
		}
	}
	if m.draft.Name != "demo" || m.draft.Region != "us-east-1" {
		t.Fatalf("the answers were not loaded from the record: %+v", m.draft)
	}

	r.press("e")
	if m.phase != phaseSteps || m.all[m.cursor].ID() != steps.StepNetwork || m.focus != focusList {
		t.Fatalf("e opened phase %v at %s; want the step list at network", m.phase, m.all[m.cursor].ID())
	}
	if v := r.view(); !strings.Contains(v, "✓ Identity") || !strings.Contains(v, "! Network") || !strings.Contains(v, "○ Security groups") {
		t.Fatalf("the list does not show done / needs attention / to do from the record:\n%s", v)
	}

	m2, r2 := e.wizard("demo", 80, 22)
	r2.press("enter")
	if m2.phase != phaseReview {
		t.Fatalf("enter on the resume screen opened phase %v, want the plan review", m2.phase)
	}
	r2.until(func() bool { return !m2.review.loading })
	if m2.review.err != nil || m2.review.plan == nil {
		t.Fatalf("plan failed: %v", m2.review.err)
	}
}

func TestACompleteStackOpensOnTheListAndAReopenedStepIsMarkedEdited(t *testing.T) {
	e := newEnv(t)
	sp := "name: demo\nregion: us-east-1\n"
	s, _ := spec.Parse([]byte(sp))
	var all []steps.Step
	for _, st := range steps.Enabled(s, steps.All()) {
		if st.ID() == steps.StepIdentity {
			all = append(all, st)
			continue
		}
		all = append(all, scriptedStep{Step: st})
	}
	if err := e.applyRecord(sp, all); err != nil {
		t.Fatal(err)
	}
	m, r := e.wizard("demo", 120, 38)
	if m.phase != phaseSteps || m.focus != focusList || !m.complete() {
		t.Fatalf("a complete stack opened in phase %v focus %v", m.phase, m.focus)
	}
	r.m.cursor = m.stepIndex(steps.StepAutoscaling)
	r.press("enter", "tab", "ctrl+u", "3")
	for m.formStep == steps.StepAutoscaling {
		r.press("enter")
	}
	if m.draft.Autoscaling.Desired != 3 || !m.edited[steps.StepAutoscaling] {
		t.Fatalf("desired %d edited %v", m.draft.Autoscaling.Desired, m.edited[steps.StepAutoscaling])
	}
	if v := r.view(); !strings.Contains(v, "Auto Scaling group ✎") {
		t.Fatalf("the list does not mark the reopened step edited:\n%s", v)
	}
	st, note := m.status(realStep(t, steps.StepAutoscaling))
	if st != statusDone || !strings.Contains(note, "edited") {
		t.Fatalf("status %v %q, want done and edited", st, note)
	}
}

// identityOnly makes the wizard a one-step stack: the other steps are
// written in parallel by others, and identity is enough to drive the
// apply flow through the real engine and the sandbox.
func identityOnly(e *env) { e.d.Engine.Steps = []steps.Step{realStepOf(steps.StepIdentity)} }

func realStepOf(id steps.StepID) steps.Step {
	s, _ := steps.Lookup(steps.All(), id)
	return s
}

func TestApplyRunsFromTheReviewAndEndsOnTheConsoleChoice(t *testing.T) {
	e := newEnv(t)
	identityOnly(e)
	m, r := e.wizard("", 80, 22)
	r.press("demo", "enter", "enter")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	// The checks before the first change run at the sandbox's speed; the
	// apply they let through is slowed, to be caught running.
	r.before = func(msg tea.Msg) {
		if _, ok := msg.(doctorMsg); ok {
			_ = e.SB.SetFaults(sandbox.Faults{LatencyMS: 150})
		}
	}
	r.press("a", "y")
	r.until(func() bool { return m.phase != phaseDoctor })
	if m.phase != phaseApply || m.Busy() == "" {
		t.Fatalf("after a: phase %v busy %q; want a running apply that quitting would interrupt", m.phase, m.Busy())
	}
	r.until(func() bool { return m.phase == phaseDone })
	if m.Busy() != "" {
		t.Fatalf("a finished apply still reports busy: %q", m.Busy())
	}
	if rec := m.rec.Steps[string(steps.StepIdentity)]; rec == nil || rec.Status != state.StepDone || rec.Outputs["account"] != "123456789012" {
		t.Fatalf("the record after apply: %+v", rec)
	}
	if v := flat(r.view()); !strings.Contains(v, "Stack demo is complete") || !strings.Contains(v, "1/1 steps") {
		t.Fatalf("done view:\n%s", r.view())
	}
	a, _ := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if open, ok := a.(screen.Open); !ok || open.To != screen.Console {
		t.Fatalf("enter on a complete stack returned %#v, want Open{Console}", a)
	}
}

func TestAFailedApplyShowsAWSsMessageAndHintAndRetries(t *testing.T) {
	e := newEnv(t)
	identityOnly(e)
	m, r := e.wizard("", 80, 22)
	r.press("demo", "enter", "enter")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	e.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"sts:GetCallerIdentity": {ThrottleRate: 1}}})
	r.press("a", "y")
	// The checks before the first change meet the throttling first; the
	// user applies anyway.
	r.until(func() bool { return m.phase == phaseDoctor && !m.doctor.checking })
	if v := flat(r.view()); !strings.Contains(v, "✗ identity") || !strings.Contains(v, "Throttling") {
		t.Fatalf("the checks do not name the throttled identity call:\n%s", r.view())
	}
	r.press("f")
	r.until(func() bool { return m.apply != nil && m.apply.finished })
	if m.apply.err == nil || m.apply.failedStep() != steps.StepIdentity {
		t.Fatalf("apply err %v failed step %q", m.apply.err, m.apply.failedStep())
	}
	v := flat(r.view())
	for _, want := range []string{"✗ Identity:", "Throttling", "what it means: AWS is throttling", "r retry", "e edit the step"} {
		if !strings.Contains(v, want) {
			t.Fatalf("failure view lacks %q:\n%s", want, r.view())
		}
	}
	if st, _ := m.status(realStepOf(steps.StepIdentity)); st != statusAttention {
		t.Fatalf("failed identity shows status %v", st)
	}

	r.press("r")
	r.until(func() bool { return m.apply.run == 2 && m.apply.finished })
	if m.apply.err == nil {
		t.Fatal("retry under the same throttling succeeded")
	}
	e.SB.SetFaults(sandbox.Faults{})
	r.press("e")
	if m.phase != phaseSteps || m.formStep != steps.StepIdentity || m.form == nil {
		t.Fatalf("e opened phase %v step %s", m.phase, m.formStep)
	}
	r.press("esc", "p")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	r.press("a", "y")
	r.until(func() bool { return m.apply.finished })
	if m.phase != phaseDone || m.apply.err != nil {
		t.Fatalf("apply after the throttling ended: phase %v err %v", m.phase, m.apply.err)
	}
}

// TestAnEditedFinishedStepShowsItsChangeInThePlan builds the whole stack
// for real, reopens the Auto Scaling step, raises desired, and finds the
// change in the plan: an update of the group saying what changed, and
// nothing else touched.
func TestAnEditedFinishedStepShowsItsChangeInThePlan(t *testing.T) {
	e := newEnv(t)
	// The example's user data starts the app: a bare image serves nothing
	// and the group would never turn healthy.
	start, err := filepath.Abs(filepath.Join("..", "..", "examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.applyRecord("name: demo\nregion: us-east-1\ninstance:\n  user_data: "+start+"\n", steps.All()); err != nil {
		t.Fatalf("apply the stack: %v", err)
	}
	m, r := e.wizard("demo", 120, 38)
	if !m.complete() {
		t.Fatal("the applied stack is not complete in the record")
	}
	r.m.cursor = m.stepIndex(steps.StepAutoscaling)
	r.press("enter", "tab", "ctrl+u", "3")
	for m.formStep == steps.StepAutoscaling {
		r.press("enter")
	}
	r.press("esc", "p")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	if m.review.err != nil {
		t.Fatal(m.review.err)
	}
	var changed []steps.Change
	for _, c := range m.review.plan.Changes {
		if c.Action != steps.ActionKeep {
			changed = append(changed, c)
		}
	}
	if len(changed) != 1 || changed[0].Type != "autoscaling:group" || changed[0].Action != steps.ActionUpdate || !strings.Contains(changed[0].Why, "desired") {
		t.Fatalf("the plan after raising desired: %+v", changed)
	}
	if v := flat(r.view()); !strings.Contains(v, "Auto Scaling group (edited)") || !strings.Contains(v, "1 to update") {
		t.Fatalf("the review does not show the edit:\n%s", r.view())
	}
}
