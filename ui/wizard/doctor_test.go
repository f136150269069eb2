package wizard

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/steps"
)

// toReview names a new stack demo and waits for its plan.
func toReview(m *Model, r *runner) {
	r.t.Helper()
	r.press("demo", "enter", "enter")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
}

// changing lists the operations in the sandbox's counts that change
// something: anything but the Describe/List/Get family and the policy
// simulation doctor asks for.
func changing(sb *sandbox.Sandbox) []string {
	var out []string
	for svc, ops := range sb.Stats().ByService {
		for op := range ops {
			if op == "SimulatePrincipalPolicy" || !(sandbox.Served{Op: op}).Mutating() {
				continue
			}
			out = append(out, svc+":"+op)
		}
	}
	slices.Sort(out)
	return out
}

func TestApplyFromReviewRunsTheChecksFirstThenApplies(t *testing.T) {
	e := newEnv(t)
	identityOnly(e)
	m, r := e.wizard("", 80, 22)
	toReview(m, r)
	e.SB.ResetStats()

	m.Update(keyMsgs("a")[0])
	_, cmd := m.Update(keyMsgs("y")[0])
	if m.phase != phaseDoctor || m.doctor == nil || !m.doctor.checking || m.apply != nil {
		t.Fatalf("after a: phase %v doctor %+v apply %v; want the checks running and no apply", m.phase, m.doctor, m.apply)
	}
	if v := r.view(); !strings.Contains(v, "checking credentials, permissions and quotas…") {
		t.Fatalf("the checks run without saying so:\n%s", v)
	}
	r.start(cmd)
	r.until(func() bool { return m.phase == phaseDone })

	if aws.Failed(m.doctor.checks) || len(m.doctor.checks) < 10 {
		t.Fatalf("the checks on the sandbox: %+v", m.doctor.checks)
	}
	t.Logf("the checks and the apply made %d requests", e.SB.Stats().Total)
	if n := e.SB.Stats().ByService["iam"]["SimulatePrincipalPolicy"]; n == 0 {
		t.Fatalf("the permissions were not simulated: %v", e.SB.Stats().ByService)
	}
	// The sandbox cannot say how many vCPUs the account may run: that
	// warning stays on the apply screen.
	if v := flat(r.view()); !strings.Contains(v, "! checks:") || !strings.Contains(v, "quota On-Demand vCPUs") {
		t.Fatalf("the apply screen does not keep the warning:\n%s", r.view())
	}

	// The stack has a record now: applying again is not a first change.
	runs := m.doctor.run
	r.press("esc", "p")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	r.press("a", "y")
	r.until(func() bool { return m.phase == phaseDone && m.apply != nil })
	if m.doctor.run != runs {
		t.Fatalf("the checks ran again for a recorded stack: run %d, was %d", m.doctor.run, runs)
	}
}

func TestAResumedStackAppliesWithoutTheChecks(t *testing.T) {
	e := newEnv(t)
	if err := e.applyRecord("name: demo\nregion: us-east-1\n", []steps.Step{realStepOf(steps.StepIdentity)}); err != nil {
		t.Fatal(err)
	}
	identityOnly(e)
	m, r := e.wizard("demo", 80, 22)
	r.press("esc", "p")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	e.SB.ResetStats()
	r.press("a", "y")
	r.until(func() bool { return m.apply != nil && m.apply.finished })
	if m.doctor != nil || e.SB.Stats().ByService["iam"]["SimulatePrincipalPolicy"] != 0 {
		t.Fatalf("the checks ran before resuming a recorded stack: %+v", m.doctor)
	}
}

func TestADeniedActionStopsTheApplyBeforeAnyChange(t *testing.T) {
	e := newEnv(t)
	identityOnly(e)
	m, r := e.wizard("", 80, 22)
	toReview(m, r)
	if err := e.SB.SetFaults(sandbox.Faults{Deny: []string{"ec2:RunInstances"}}); err != nil {
		t.Fatal(err)
	}
	e.SB.ResetStats()

	r.press("a", "y")
	r.until(func() bool { return m.phase == phaseDoctor && !m.doctor.checking })
	v := flat(r.view())
	for _, want := range []string{"the apply has not started", "ec2:RunInstances", "→ ", "f applies anyway: the steps that need the denied actions will stop", "r run the checks again", "esc back to Review", "checks ok"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the panel lacks %q:\n%s", want, r.view())
		}
	}
	if m.apply != nil || m.store.Exists() {
		t.Fatal("the apply started despite the failed check")
	}
	if ch := changing(e.SB); len(ch) > 0 {
		t.Fatalf("requests that change something reached the sandbox before the user chose: %v", ch)
	}

	r.press("r")
	r.until(func() bool { return m.doctor.run == 2 && !m.doctor.checking })
	if m.phase != phaseDoctor || !aws.Failed(m.doctor.checks) {
		t.Fatalf("after r: phase %v checks %+v", m.phase, m.doctor.checks)
	}
	r.press("esc")
	if m.phase != phaseReview {
		t.Fatalf("esc from the panel: phase %v", m.phase)
	}
	// Asking again shows the same verdict; nothing runs until r or f.
	r.press("a", "y")
	if m.phase != phaseDoctor || m.doctor.run != 2 || m.apply != nil {
		t.Fatalf("a again: phase %v run %d apply %v", m.phase, m.doctor.run, m.apply)
	}
	if ch := changing(e.SB); len(ch) > 0 {
		t.Fatalf("requests that change something reached the sandbox: %v", ch)
	}

	r.press("f")
	r.until(func() bool { return m.phase == phaseDone })
	if v := flat(r.view()); !strings.Contains(v, "applied despite 1 failed check: permissions EC2") {
		t.Fatalf("the apply screen forgets the failed check:\n%s", r.view())
	}
}

// TestDoctorPanelScreen pins the panel with ec2:RunInstances denied at
// the wizard's share of 80x24 and 120x40.
func TestDoctorPanelScreen(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 22}, {120, 38}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h+2), func(t *testing.T) {
			e := newEnv(t)
			identityOnly(e)
			m, r := e.wizard("", sz.w, sz.h)
			toReview(m, r)
			if err := e.SB.SetFaults(sandbox.Faults{Deny: []string{"ec2:RunInstances"}}); err != nil {
				t.Fatal(err)
			}
			r.press("a", "y")
			r.until(func() bool { return m.phase == phaseDoctor && !m.doctor.checking })
			golden.RequireEqual(t, r.view())
			for _, sz := range []struct{ w, h int }{{30, 8}, {60, 16}, {200, 60}} {
				r.send(teaSize(sz.w, sz.h))
				lines := strings.Split(m.View(sz.w, sz.h), "\n")
				for i, l := range lines {
					if w := ansi.StringWidth(l); w != sz.w || len(lines) != sz.h {
						t.Fatalf("at %dx%d: %d lines, line %d is %d cells", sz.w, sz.h, len(lines), i, w)
					}
				}
			}
		})
	}
}

func TestEscWhileCheckingGoesBackAndDropsTheResult(t *testing.T) {
	e := newEnv(t)
	identityOnly(e)
	m, r := e.wizard("", 80, 22)
	toReview(m, r)
	m.Update(keyMsgs("a")[0])
	_, cmd := m.Update(keyMsgs("y")[0])
	if m.phase != phaseDoctor || cmd == nil {
		t.Fatalf("after a: phase %v", m.phase)
	}
	m.Update(keyMsgs("esc")[0])
	if m.phase != phaseReview || m.doctor != nil {
		t.Fatalf("esc while checking: phase %v doctor %+v", m.phase, m.doctor)
	}
	// The cancelled run still answers; nothing follows from it.
	r.send(cmd())
	if m.phase != phaseReview || m.doctor != nil || m.apply != nil {
		t.Fatalf("the abandoned checks' result acted: phase %v doctor %+v apply %v", m.phase, m.doctor, m.apply)
	}
}
