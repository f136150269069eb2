package wizard

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

// TestARequiredFieldWaitsUntilItIsLeft opens the wizard on a new stack: the
// empty name is not flagged before a key is pressed, nor while it is
// being typed; enter on it stays and says why; leaving it blank for the
// next field flags it.
func TestARequiredFieldWaitsUntilItIsLeft(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	if v := flatRight(m, r.view()); strings.Contains(v, "required") || strings.Contains(v, "✗") {
		t.Fatalf("a problem is shown before any key was pressed:\n%s", r.view())
	}
	r.press("d", "backspace")
	if v := flatRight(m, r.view()); strings.Contains(v, "required") {
		t.Fatalf("the name is flagged while it is being typed:\n%s", r.view())
	}
	r.press("enter")
	if got := m.focusedKey(); got != "name" {
		t.Fatalf("enter on an empty name moved to %s", got)
	}
	v := flatRight(m, r.view())
	if !strings.Contains(v, "enter stays here until this is fixed — Stack name is required: type a short lowercase name") {
		t.Fatalf("enter on an empty name does not say why it stayed:\n%s", r.view())
	}
	if !strings.Contains(v, "the sandbox answers for AWS") {
		t.Fatalf("the notes under the form vanished after enter:\n%s", r.view())
	}
	r.press("tab")
	if got := m.focusedKey(); got != "name" {
		t.Fatalf("tab on an empty name moved to %s", got)
	}
	r.press("shift+tab") // the form's first field: nowhere to go back to
	r.press("x")
	if strings.Contains(flatRight(m, r.view()), "enter stays here") {
		t.Fatalf("the reason stays after the next key:\n%s", r.view())
	}
}

// TestChoosingHTTPSFlagsNothingUntilTheFieldsAreLeft chooses HTTPS: the
// zone and name it shows are empty, and nothing is flagged until the user
// leaves one blank or submits.
func TestChoosingHTTPSFlagsNothingUntilTheFieldsAreLeft(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepCertificate)
	r.press("enter", "left")
	if !m.answers.On("load_balancer.https") {
		t.Fatal("left did not choose Yes")
	}
	if v := flatRight(m, r.view()); strings.Contains(v, "✗") {
		t.Fatalf("choosing HTTPS flagged fields not yet shown or typed in:\n%s", r.view())
	}
	if v := flatRight(m, r.view()); !strings.Contains(v, "Certificate · to do") || strings.Contains(v, "not asked for") {
		t.Fatalf("with HTTPS chosen the step still says it is skipped:\n%s", r.view())
	}
	r.press("enter") // to the zone page
	if got := m.focusedKey(); got != "dns.zone" {
		t.Fatalf("focused %s, want dns.zone", got)
	}
	if v := flatRight(m, r.view()); strings.Contains(v, "✗") {
		t.Fatalf("the empty zone and name are flagged before they were left:\n%s", r.view())
	}
	r.press("enter")
	if v := flatRight(m, r.view()); !strings.Contains(v, "Hosted zone is empty but HTTPS needs it") || strings.Contains(v, "✗ Name") {
		t.Fatalf("enter on the empty zone: want its problem only:\n%s", r.view())
	}
}

// TestATooSmallCIDRIsReportedOnTheCIDR types a /24: the subnet plan does not
// fit, and the problem is on the CIDR field (not on private_subnet_bits,
// which the wizard never shows), with the size it needs; enter stays.
func TestATooSmallCIDRIsReportedOnTheCIDR(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepNetwork)
	r.press("enter", "enter", "enter")
	if got := m.focusedKey(); got != "network.cidr" {
		t.Fatalf("focused %s, want network.cidr", got)
	}
	r.press("ctrl+u", "10.0.0.0/24")
	ps := checkStep(steps.StepNetwork, m.answers, m.draft, m.env())
	for _, p := range ps {
		if strings.Contains(p.Path, "subnet_bits") {
			t.Fatalf("a problem on a field the wizard does not show: %+v", p)
		}
	}
	r.press("enter")
	if got := m.focusedKey(); got != "network.cidr" {
		t.Fatalf("enter with a /24 moved to %s", got)
	}
	v := flatRight(m, r.view())
	for _, want := range []string{"CIDR: 10.0.0.0/24 is too small", "a private /20 and a public /24 subnet", "8,704 addresses", "use a /18 or larger, like 10.0.0.0/18"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the CIDR problem lacks %q:\n%s", want, r.view())
		}
	}
	if strings.Contains(v, "private_subnet_bits") {
		t.Fatalf("the view names private_subnet_bits:\n%s", r.view())
	}
	r.press("ctrl+u", "10.0.0.0/18", "enter")
	if got := m.focusedKey(); got != "network.nat" {
		t.Fatalf("a /18 did not move on: focused %s", got)
	}
}

// TestAnUnfocusedSelectShowsWhatWasChosen leaves the VPC select for the AZs
// field: the chosen VPC stays marked.
func TestAnUnfocusedSelectShowsWhatWasChosen(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepNetwork)
	r.press("enter", "enter")
	if got := m.focusedKey(); got != "network.azs" {
		t.Fatalf("focused %s, want network.azs", got)
	}
	if v := r.view(); !strings.Contains(v, "✓ new — a VPC for this stack") {
		t.Fatalf("the blurred VPC select does not mark the choice:\n%s", v)
	}
}

// TestTerminationPoliciesAreAnOrderedList chooses OldestInstance, moves it
// before Default and submits: the list is numbered in evaluation order, and
// the spec keeps that order.
func TestTerminationPoliciesAreAnOrderedList(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepAutoscaling)
	r.press("enter", "enter", "enter", "enter", "enter", "enter")
	if got := m.focusedKey(); got != "autoscaling.termination_policies" {
		t.Fatalf("focused %s, want the policies", got)
	}
	if v := flat(r.view()); !strings.Contains(v, "1. [x] Default") {
		t.Fatalf("Default is not shown first and numbered:\n%s", r.view())
	}
	if help := helpText(m.KeyMap().ShortHelp()); !strings.Contains(help, "space/x use") || !strings.Contains(help, "K/J earlier/later") {
		t.Fatalf("the footer does not name the picker's keys: %s", help)
	}
	// OldestLaunchTemplate, OldestInstance: the second unchosen row.
	r.press("down", "down", "space")
	if got := m.answers.List("autoscaling.termination_policies"); strings.Join(got, ",") != "Default,OldestInstance" {
		t.Fatalf("space chose %v, want Default then OldestInstance", got)
	}
	r.press("K") // earlier: before Default
	v := flat(r.view())
	if !strings.Contains(v, "1. [x] OldestInstance") || !strings.Contains(v, "2. [x] Default") {
		t.Fatalf("the order is not shown after K:\n%s", r.view())
	}
	r.press("enter")
	if got := m.draft.Autoscaling.TerminationPolicies; strings.Join(got, ",") != "OldestInstance,Default" {
		t.Fatalf("the spec keeps %v, want [OldestInstance Default]", got)
	}
	// Default before another policy is a warning: it never lets the next decide.
	r.m.cursor = m.stepIndex(steps.StepAutoscaling)
	r.press("esc", "enter", "enter", "enter", "enter", "enter", "enter")
	r.press("down", "J")
	if got := m.answers.List("autoscaling.termination_policies"); strings.Join(got, ",") != "OldestInstance,Default" {
		t.Fatalf("J on the last chosen policy moved it: %v", got)
	}
	r.press("up", "J")
	if v := flatRight(m, r.view()); !strings.Contains(v, "Default always picks an instance") {
		t.Fatalf("Default first does not warn:\n%s", r.view())
	}
}

// TestHelpListsEachKeyOnce checks the full help of every form field and the
// step list: no binding listed twice, none of the root's shared ones
// repeated.
func TestHelpListsEachKeyOnce(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	check := func(where string) {
		t.Helper()
		seen := map[string]bool{}
		for _, g := range m.KeyMap().FullHelp() {
			for _, b := range g {
				h := b.Help().Key + " " + b.Help().Desc
				if seen[h] {
					t.Fatalf("%s: %q is listed twice", where, h)
				}
				seen[h] = true
			}
		}
		short := m.KeyMap().ShortHelp()
		var keys []string
		for _, b := range short {
			if slices := b.Help().Key; strings.Contains(strings.Join(keys, "|"), "|"+slices+"|") {
				t.Fatalf("%s: the footer repeats %s", where, slices)
			}
			keys = append(keys, "|"+b.Help().Key+"|")
		}
	}
	check("name")
	r.press("demo", "enter", "enter", "esc")
	check("step list")
	r.m.cursor = m.stepIndex(steps.StepIAM)
	r.press("enter", "enter")
	check("managed policies")
	if help := helpText(m.KeyMap().ShortHelp()); !strings.Contains(help, "space/x toggle") {
		t.Fatalf("the multi-select's footer does not say space/x toggles: %s", help)
	}
	if m.Capturing() {
		t.Fatal("on a multi-select, ? and q must reach the root (help, quit)")
	}
}

func helpText(bs []key.Binding) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(parts, " • ")
}

// TestRelativeScriptPathsStayRelative answers ./start.sh for the user data:
// the draft and the saved stack.yaml keep it, a stack.yaml saved in another
// folder names it from there, and the engine gets the absolute path.
func TestRelativeScriptPathsStayRelative(t *testing.T) {
	e := newEnv(t)
	work := e.d.WorkDir
	if err := os.WriteFile(filepath.Join(work, "start.sh"), []byte("#!/bin/sh\nexec python3 -m http.server 3000\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepLaunchTemplate)
	r.press("enter", "enter", "enter", "./start.sh", "enter", "enter")
	if got := m.draft.Instance.UserData; got != "./start.sh" {
		t.Fatalf("the draft holds %q, want ./start.sh", got)
	}
	if got := m.engineSpec().Instance.UserData; got != filepath.Join(work, "start.sh") {
		t.Fatalf("the engine gets %q, want the absolute path", got)
	}
	r.press("esc", "p")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	if !strings.Contains(m.review.yaml, "user_data: ./start.sh") {
		t.Fatalf("the review's stack.yaml:\n%s", m.review.yaml)
	}
	r.press("s", "enter")
	r.until(func() bool { return m.review.saved != "" })
	data, err := os.ReadFile(filepath.Join(work, "stack.yaml"))
	if err != nil || !strings.Contains(string(data), "user_data: ./start.sh") {
		t.Fatalf("saved stack.yaml (%v):\n%s", err, data)
	}
	if err := os.Mkdir(filepath.Join(work, "deploy"), 0o755); err != nil {
		t.Fatal(err)
	}
	m.review.saved = ""
	r.press("s", "ctrl+u", "deploy/stack.yaml", "enter")
	r.until(func() bool { return m.review.saved != "" })
	data, err = os.ReadFile(filepath.Join(work, "deploy", "stack.yaml"))
	if err != nil || !strings.Contains(string(data), "user_data: ../start.sh") {
		t.Fatalf("stack.yaml saved in deploy/ (%v):\n%s", err, data)
	}
	sp, err := spec.Load(filepath.Join(work, "deploy", "stack.yaml"))
	if err != nil {
		t.Fatalf("the stack.yaml saved in deploy/ does not load: %v", err)
	}
	if sp.File(sp.Instance.UserData) != filepath.Join(work, "deploy", "../start.sh") {
		t.Fatalf("deploy/stack.yaml names %s", sp.File(sp.Instance.UserData))
	}
}

// TestApplyAsksFirst presses a in the review of the whole stack: the
// question names the resources and the monthly cost, n goes back to the
// plan, and y goes on to the checks before the first change and the
// apply.
func TestApplyAsksFirst(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc", "p")
	r.until(func() bool { return m.phase == phaseReview && !m.review.loading })
	creates, cost := m.review.plan.Count(steps.ActionCreate), m.review.plan.Cost.Total
	if creates < 10 {
		t.Fatalf("the plan creates %d resources: the test needs the whole stack", creates)
	}
	r.press("a")
	if m.phase != phaseReview || m.apply != nil || m.doctor != nil {
		t.Fatalf("a started work without asking: phase %v", m.phase)
	}
	want := fmt.Sprintf("Create %d resources (≈ $%.2f/month)? y/n", creates, cost)
	if v := r.view(); !strings.Contains(v, want) {
		t.Fatalf("a does not ask %q:\n%s", want, v)
	}
	if help := helpText(m.KeyMap().ShortHelp()); !strings.Contains(help, "y yes, apply") || !strings.Contains(help, "n/esc no") {
		t.Fatalf("the footer does not give the answers: %s", help)
	}
	r.press("x") // not an answer: the question stays
	if !m.review.confirming {
		t.Fatal("a key other than y or n dropped the question")
	}
	r.press("n")
	if m.phase != phaseReview || m.review.confirming || m.apply != nil || m.doctor != nil {
		t.Fatalf("n: phase %v confirming %v", m.phase, m.review.confirming)
	}
	r.press("a", "y")
	if m.phase != phaseDoctor && m.phase != phaseApply {
		t.Fatalf("y: phase %v, want the checks or the apply", m.phase)
	}
	r.until(func() bool { return m.apply != nil })
	m.apply.cancel() // the apply started: stop it, the test has seen enough
	r.until(func() bool { return m.apply.finished })
}
