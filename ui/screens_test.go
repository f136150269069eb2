package ui

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// sizes are the window sizes every screen is pinned at: the minimum and a
// roomy one.
var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// shot compares the frame with testdata/<test>/<name>.golden (go test
// -update rewrites them; review the diff like code).
func shot(t *testing.T, name, frame string) {
	t.Helper()
	t.Run(name, func(t *testing.T) { golden.RequireEqual(t, frame) })
}

// advanceTo presses enter until the wizard shows the step titled title
// with its form open. It waits for each enter to show before the next, so
// a slow frame never turns into an extra enter on the new step's form.
func (p *uiProgram) advanceTo(title string) string {
	p.t.Helper()
	arrived := func() bool {
		f := p.frame()
		return strings.Contains(f, "│ "+title+" · ") && strings.Contains(f, "┃") && !strings.Contains(f, "looking up")
	}
	for range 40 {
		p.stable()
		if arrived() {
			time.Sleep(100 * time.Millisecond) // let the form's own commands land
			return p.frame()
		}
		before := p.frame()
		p.keys("enter")
		// Wait for the enter to show before deciding on the next one.
		for deadline := time.Now().Add(time.Second); time.Now().Before(deadline) && p.frame() == before; {
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(30 * time.Millisecond)
	}
	p.t.Fatalf("never reached %s; frame:\n%s", title, p.frame())
	return ""
}

// stable waits until the frame has not changed for a while: every key
// sent so far has been handled.
func (p *uiProgram) stable() {
	last, since := p.frame(), time.Now()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if f := p.frame(); f != last {
			last, since = f, time.Now()
		} else if time.Since(since) > 250*time.Millisecond {
			return
		}
	}
}

// TestWizardScreensAtEachSize walks a new stack through every step's form
// and the plan review in the real program, and pins each screen.
func TestWizardScreensAtEachSize(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			e := newUIEnv(t)
			p := e.start(sz.w, sz.h)
			shot(t, "identity", p.waitFor("Stack name:", "Identity · to do"))
			p.keys("demo", "enter", "enter")
			shot(t, "iam", p.advanceTo("IAM role"))
			shot(t, "network", p.advanceTo("Network"))
			shot(t, "security", p.advanceTo("Security groups"))
			shot(t, "ami", p.advanceTo("Machine image"))
			shot(t, "launch_template", p.advanceTo("Launch template"))
			shot(t, "certificate", p.advanceTo("Certificate"))
			shot(t, "load_balancer", p.advanceTo("Load balancer"))
			shot(t, "autoscaling", p.advanceTo("Auto Scaling group"))
			p.keys("enter", "enter", "enter", "enter", "enter")
			shot(t, "termination_policies", p.waitFor("Termination policies", "Yours removes"))
			shot(t, "dns", p.advanceTo("DNS record"))
			shot(t, "alarms", p.advanceTo("Alarms"))
			p.keys("enter", "enter", "enter")
			shot(t, "review_plan", p.waitFor("Review: demo", "[Plan]", "to create"))
			p.keys("tab")
			shot(t, "review_script", p.waitFor("[AWS CLI script]", "#!/usr/bin/env bash"))
			p.keys("tab")
			shot(t, "review_yaml", p.waitFor("[stack.yaml]", "name: demo"))
			p.keys("esc", "?")
			shot(t, "help", p.waitFor("Keys", "review the plan"))
		})
	}
}

// TestApplyScreensAtEachSize applies a one-step stack through the real
// program (the identity step reaches STS in the sandbox): a failure with
// AWS's message and hint, the quit question while it runs, and the end.
func TestApplyScreensAtEachSize(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			e := newUIEnv(t)
			e.opts.EngineOptions.Steps = []steps.Step{mustStep(t, steps.StepIdentity)}
			p := e.start(sz.w, sz.h)
			p.waitFor("Stack name:")
			p.keys("demo", "enter", "enter")
			p.waitFor("Review: demo", "to create")

			e.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"sts:GetCallerIdentity": {ThrottleRate: 1}}})
			p.keys("a", "y")
			// The checks before the first change meet the throttling first.
			shot(t, "checks_failed", p.waitFor("Before the first change", "✗ identity", "f apply anyway"))
			p.keys("f")
			shot(t, "apply_failed", p.waitFor("Apply stopped", "what it means"))

			e.SB.SetFaults(sandbox.Faults{LatencyMS: 1500})
			p.keys("r")
			p.waitFor("Applying demo")
			p.keys("q")
			shot(t, "quit_during_apply", p.waitFor("Quit now?", "an apply is running"))
			p.keys("n")
			shot(t, "apply_done", p.waitFor("Stack demo is complete", "open the console"))
		})
	}
}

// TestResumeScreenAtEachSize opens a stack whose last apply stopped at a
// failed step.
func TestResumeScreenAtEachSize(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			e := newUIEnv(t)
			e.recordStopped(t)
			p := e.start(sz.w, sz.h)
			shot(t, "resume", p.waitFor("Stack demo is not finished", "It stopped at Network"))
			p.keys("e")
			shot(t, "resume_steps", p.waitFor("! Network", "account 123456789012"))
		})
	}
}

func mustStep(t *testing.T, id steps.StepID) steps.Step {
	s, ok := steps.Lookup(steps.All(), id)
	if !ok {
		t.Fatalf("no step %s", id)
	}
	return s
}

// failing is a real step whose Apply fails with err, to leave a record
// that stopped there, as an interrupted or failed apply does.
type failing struct {
	steps.Step
	err error
}

func (f failing) Apply(context.Context, *steps.Run) error { return f.err }

// recordStopped applies identity and IAM for real and fails network with
// an AWS error, then pins the record's time so the screen is repeatable.
func (e *uiEnv) recordStopped(t *testing.T) {
	sp, err := spec.Parse([]byte("name: demo\nregion: us-east-1\n"))
	if err != nil {
		t.Fatal(err)
	}
	store, err := state.Open(e.opts.StateDir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e.opts.Connect(context.Background(), "", "us-east-1")
	opts := e.opts.EngineOptions
	opts.Steps = []steps.Step{mustStep(t, steps.StepIdentity), mustStep(t, steps.StepIAM),
		failing{Step: mustStep(t, steps.StepNetwork), err: &smithy.GenericAPIError{Code: "VpcLimitExceeded", Message: "The maximum number of VPCs has been reached."}}}
	if err := steps.New(sp, c, store, nil, opts).Apply(context.Background()); err == nil {
		t.Fatal("the scripted failure did not fail the apply")
	}
	_ = unlock()
	path := store.Path()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = regexp.MustCompile(`"updated_at": "[^"]*"`).ReplaceAll(data, []byte(`"updated_at": "2026-11-23T11:42:00Z"`))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
