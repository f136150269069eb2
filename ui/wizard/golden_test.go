package wizard

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/steps"
)

// TestApplyInProgressScreen pins the live apply at a moment two branches
// run at once: the network waits for its NAT gateway while the IAM role
// and the image are being made, with elapsed times from the events. The
// real program reaches this screen only for an instant, so the events are
// fed to the model directly, on a fixed clock.
func TestApplyInProgressScreen(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 22}, {120, 38}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h+2), func(t *testing.T) {
			e := newEnv(t)
			m, r := e.wizard("", sz.w, sz.h)
			r.press("demo", "enter", "enter")
			m.phase = phaseApply
			m.apply = &applyRun{run: 1, started: testNow.Add(-95 * time.Second), cancel: func() {},
				steps: map[steps.StepID]*liveStep{}, res: map[string]*liveResource{}}
			at := func(s int) time.Time { return testNow.Add(time.Duration(s-95) * time.Second) }
			for _, ev := range []steps.Event{
				{Time: at(0), Kind: steps.StepStarted, Step: steps.StepIdentity},
				{Time: at(1), Kind: steps.StepDone, Step: steps.StepIdentity, Elapsed: time.Second},
				{Time: at(1), Kind: steps.StepStarted, Step: steps.StepIAM},
				{Time: at(1), Kind: steps.StepStarted, Step: steps.StepNetwork},
				{Time: at(1), Kind: steps.StepStarted, Step: steps.StepAMI},
				{Time: at(2), Kind: steps.ResourceCreating, Step: steps.StepNetwork, Key: "network/vpc", Type: "ec2:vpc"},
				{Time: at(3), Kind: steps.ResourceReady, Step: steps.StepNetwork, Key: "network/vpc", Type: "ec2:vpc", ID: "vpc-0a1b2c3d4e5f67890"},
				{Time: at(4), Kind: steps.ResourceCreating, Step: steps.StepNetwork, Key: "network/nat/0", Type: "ec2:nat-gateway"},
				{Time: at(6), Kind: steps.ResourceWaiting, Step: steps.StepNetwork, Key: "network/nat/0", Type: "ec2:nat-gateway", ID: "nat-0123456789abcdef0", Message: "the NAT gateway to be available"},
				{Time: at(2), Kind: steps.ResourceCreating, Step: steps.StepIAM, Key: "iam/role", Type: "iam:role"},
				{Time: at(3), Kind: steps.ResourceReady, Step: steps.StepIAM, Key: "iam/role", Type: "iam:role", ID: "demo-app"},
				{Time: at(80), Kind: steps.ResourceCreating, Step: steps.StepIAM, Key: "iam/instance-profile", Type: "iam:instance-profile"},
				{Time: at(2), Kind: steps.StepDone, Step: steps.StepAMI, Elapsed: time.Second},
			} {
				m.apply.record(ev)
			}
			if !strings.Contains(r.view(), "2 branches at once: IAM role, Network") {
				t.Fatalf("the parallel branches are not named:\n%s", r.view())
			}
			golden.RequireEqual(t, r.view())
		})
	}
}

// TestEveryFrameIsExactlyTheWindow resizes the wizard through sizes from
// tiny to wide in each phase: every frame is exactly width × height, so a
// resize never leaves stray cells or pushes the status line away.
func TestEveryFrameIsExactlyTheWindow(t *testing.T) {
	e := newEnv(t)
	identityOnly(e)
	m, r := e.wizard("", 80, 22)
	check := func(phase string) {
		t.Helper()
		for _, sz := range []struct{ w, h int }{{80, 22}, {120, 38}, {200, 60}, {60, 16}, {30, 8}, {81, 23}} {
			r.send(teaSize(sz.w, sz.h))
			out := m.View(sz.w, sz.h)
			lines := strings.Split(out, "\n")
			if len(lines) != sz.h {
				t.Fatalf("%s at %dx%d: %d lines", phase, sz.w, sz.h, len(lines))
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != sz.w {
					t.Fatalf("%s at %dx%d: line %d is %d cells: %q", phase, sz.w, sz.h, i, w, ansi.Strip(l))
				}
			}
		}
		r.send(teaSize(80, 22))
	}
	check("identity form")
	r.press("esc")
	check("step list")
	r.press("tab")
	r.press("ctrl+u", "demo", "enter", "enter")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	check("review")
	r.press("a", "y")
	r.until(func() bool { return m.phase == phaseDone })
	check("done")
}

// TestScreensOfProblems pins what the wizard shows when it cannot go on:
// credentials AWS refuses (the identity step says what and what to do),
// and answers that fail the spec's validation (the review lists them by
// step instead of a plan).
func TestScreensOfProblems(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{80, 22}, {120, 38}} {
		t.Run(fmt.Sprintf("expired_credentials_%dx%d", sz.w, sz.h+2), func(t *testing.T) {
			e := newEnv(t)
			e.d.Connect = func(context.Context, string, string) (*aws.Clients, error) {
				return nil, fmt.Errorf("load AWS profile %q: %w", "work", &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"})
			}
			m, r := e.wizard("", sz.w, sz.h)
			if m.connErr == nil {
				t.Fatal("the failing connection was not reported")
			}
			golden.RequireEqual(t, r.view())
		})
		t.Run(fmt.Sprintf("invalid_answers_%dx%d", sz.w, sz.h+2), func(t *testing.T) {
			e := newEnv(t)
			m, r := e.wizard("", sz.w, sz.h)
			r.press("demo", "enter", "enter", "esc")
			// A record written by an older stackwiz, or a stack.yaml edited
			// by hand, can hold what the forms would refuse.
			m.draft.Autoscaling.Min, m.draft.Autoscaling.Max = 3, 1
			m.draft.LoadBalancer.HTTPS = true
			r.press("p")
			if m.phase != phaseReview || len(m.review.problems) < 2 {
				t.Fatalf("review with invalid answers: phase %v problems %v", m.phase, m.review.problems)
			}
			golden.RequireEqual(t, r.view())
		})
	}
}
