package wizard

import (
	"context"
	"fmt"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

// flat joins a view's words, so a message wrapped over lines can be found.
// With a model, only the right pane (the step's form and panel) is kept.
func flatRight(m *Model, view string) string {
	var right []string
	for _, l := range strings.Split(view, "\n") {
		rs := []rune(l)
		if lw := m.layout().listW; len(rs) > lw {
			right = append(right, string(rs[lw:]))
		}
	}
	return flat(strings.Join(right, "\n"))
}

func TestStepListMovesWithArrowsAndHJKLAndOpensEachStepsForm(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 80, 22)
	if m.focus != focusForm || m.formStep != steps.StepIdentity || m.form == nil {
		t.Fatalf("a new stack starts in the identity form; focus %v step %s", m.focus, m.formStep)
	}
	if !m.Capturing() {
		t.Fatal("with a text field focused the wizard must capture q, ? and hjkl")
	}
	r.press("esc")
	if m.focus != focusList || m.Capturing() {
		t.Fatalf("esc leaves the form for the list; focus %v capturing %v", m.focus, m.Capturing())
	}
	r.press("j", "down", "j")
	if m.cursor != 3 {
		t.Fatalf("j, down, j moved the cursor to %d, want 3", m.cursor)
	}
	r.press("k", "up")
	if m.cursor != 1 {
		t.Fatalf("k, up moved the cursor to %d, want 1", m.cursor)
	}
	r.press("up", "up", "k")
	if m.cursor != 0 {
		t.Fatalf("the cursor went past the first step: %d", m.cursor)
	}
	for range len(m.all) + 3 {
		r.press("down")
	}
	if m.cursor != len(m.all)-1 {
		t.Fatalf("the cursor went past the last step: %d of %d", m.cursor, len(m.all))
	}
	for _, open := range []string{"enter", "l", "right", "tab"} {
		r.press("esc", "k", open)
		want := m.all[m.cursor].ID()
		if m.focus != focusForm || m.formStep != want || m.form == nil {
			t.Fatalf("%s on %s opened %s (focus %v, form %v)", open, want, m.formStep, m.focus, m.form != nil)
		}
		if !strings.Contains(r.view(), m.all[m.cursor].Title()) {
			t.Fatalf("the right pane does not show %s:\n%s", m.all[m.cursor].Title(), r.view())
		}
	}
}

func TestFieldsAreCheckedAsYouTypeWithTheSpecsValidators(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 80, 22)
	r.press("demo", "enter", "enter") // identity
	r.press("enter")                  // iam: role name
	r.press("enter")                  // iam: policies
	if m.formStep != steps.StepNetwork {
		t.Fatalf("after iam the wizard shows %s, want network", m.formStep)
	}
	r.press("enter", "enter") // VPC new, 2 AZs: the CIDR page
	if got := m.form.GetFocusedField().GetKey(); got != "network.cidr" {
		t.Fatalf("focused %s, want network.cidr", got)
	}
	r.press("ctrl+u", "10.0.0.1/16")
	want := spec.ValidateCIDR("10.0.0.1/16").(*spec.FieldError)
	ps := checkStep(steps.StepNetwork, m.answers, m.draft, m.env())
	if len(ps) == 0 || ps[0].Path != "network.cidr" || !strings.Contains(ps[0].Text, want.Fix) || ps[0].Warning {
		t.Fatalf("checks %+v, want network.cidr's error with the fix %q", ps, want.Fix)
	}
	if v := flatRight(m, r.view()); !strings.Contains(v, "✗ CIDR: "+want.Problem) || !strings.Contains(v, "did you mean 10.0.0.0/16?") {
		t.Fatalf("the panel does not show the CIDR problem as typed:\n%s", r.view())
	}
	r.press("enter")
	if got := m.form.GetFocusedField().GetKey(); got != "network.cidr" {
		t.Fatalf("enter with an invalid CIDR moved to %s; the form must hold the field", got)
	}
	r.press("ctrl+u", "8.8.0.0/16")
	ps = checkStep(steps.StepNetwork, m.answers, m.draft, m.env())
	if len(ps) != 1 || !ps[0].Warning || !strings.Contains(ps[0].Text, "public address space") {
		t.Fatalf("a public CIDR gave %+v, want one warning", ps)
	}
	r.press("enter")
	if got := m.form.GetFocusedField().GetKey(); got != "network.nat" {
		t.Fatalf("a warning must not hold the form: focused %s, want network.nat", got)
	}
}

func TestCapacityIsCheckedAcrossItsFields(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepAutoscaling)
	r.press("enter")
	r.press("tab", "ctrl+u", "5") // desired 5 > max 4
	ps := checkStep(steps.StepAutoscaling, m.answers, m.draft, m.env())
	var got []string
	for _, p := range ps {
		got = append(got, p.Path)
	}
	if !strings.Contains(strings.Join(got, " "), "autoscaling.desired") {
		t.Fatalf("desired 5 above max 4: problems at %v, want autoscaling.desired", got)
	}
	if v := flatRight(m, r.view()); !strings.Contains(v, "5 is greater than Max (4)") {
		t.Fatalf("the view does not show the capacity problem:\n%s", r.view())
	}
}

func TestSubmittingAStepWritesItsAnswersAndMovesOn(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 80, 22)
	before := spec.EstimateMonthly(m.draft).Total
	r.press("demo", "enter", "enter", "enter", "enter")
	r.press("enter", "enter")         // network: VPC, AZs
	r.press("enter", "down", "enter") // CIDR as is; NAT: single → per-az
	r.press("enter", "enter")         // no bastion, no flow logs: submit
	if m.draft.Network.NAT != spec.NATPerAZ || !m.answered[steps.StepNetwork] {
		t.Fatalf("network submitted nat=%q answered=%v", m.draft.Network.NAT, m.answered[steps.StepNetwork])
	}
	if m.formStep != steps.StepSecurity || m.all[m.cursor].ID() != steps.StepSecurity {
		t.Fatalf("after network the wizard opened %s", m.formStep)
	}
	after := spec.EstimateMonthly(m.draft).Total
	if after <= before {
		t.Fatalf("a NAT per AZ left the estimate at $%.2f (was $%.2f)", after, before)
	}
	if v := r.view(); !strings.Contains(v, "● Network") {
		t.Fatalf("the list does not mark network answered:\n%s", v)
	}
	if want := fmt.Sprintf("≈ $%.2f/month", after); !strings.Contains(r.view(), want) {
		t.Fatalf("the summary does not show %s:\n%s", want, r.view())
	}
}

// TestChoosingAnotherRegionReconnectsAndLooksUpAgain changes the region in
// the identity step: the wizard connects anew, drops what the old
// connection was still answering, and offers the new region's zones.
func TestChoosingAnotherRegionReconnectsAndLooksUpAgain(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 80, 22)
	if len(m.found.azs) == 0 || !strings.HasPrefix(m.found.azs[0], "us-east-1") {
		t.Fatalf("first connection found zones %v", m.found.azs)
	}
	before := m.conn
	r.press("demo", "tab", "ctrl+u", "eu-west-1", "enter")
	if m.conn == before || m.draft.Region != "eu-west-1" {
		t.Fatalf("conn %d → %d, region %q: no reconnection", before, m.conn, m.draft.Region)
	}
	r.until(func() bool { return m.found.done[lookAZs] && m.clients != nil })
	if m.clients.Region != "eu-west-1" || len(m.found.azs) == 0 || !strings.HasPrefix(m.found.azs[0], "eu-west-1") {
		t.Fatalf("after choosing eu-west-1: clients %s, zones %v", m.clients.Region, m.found.azs)
	}
	stale := lookedUpMsg{conn: before, what: lookAZs, value: []string{"us-east-1a", "us-east-1b"}}
	r.send(stale)
	if !strings.HasPrefix(m.found.azs[0], "eu-west-1") {
		t.Fatalf("a stale lookup from the old connection replaced the zones: %v", m.found.azs)
	}
}

// TestProfilesAreOfferedAndTheChosenOneConnects lists the AWS config's
// profiles (the SSO one marked) outside the sandbox, and connects with the
// one chosen.
func TestProfilesAreOfferedAndTheChosenOneConnects(t *testing.T) {
	e := newEnv(t)
	e.sh.Sandbox = false
	e.d.CheckIPURL = "-" // no public-IP lookup outside the test's sandbox
	var used []string
	connect := e.d.Connect
	e.d.Connect = func(ctx context.Context, profile, region string) (*aws.Clients, error) {
		used = append(used, profile+"@"+region)
		return connect(ctx, profile, region)
	}
	e.d.Region = "us-east-1"
	m, r := e.wizard("", 100, 30)
	v := flatRight(m, r.view())
	if !strings.Contains(v, "Profile") {
		t.Fatalf("no profile field outside the sandbox:\n%s", r.view())
	}
	r.press("demo", "enter") // the name first, then the profile
	r.press("right")         // the inline select: (environment) → default
	r.press("right")         // → work · sso · eu-west-1
	if m.answers.Profile != "work" || !strings.Contains(flatRight(m, r.view()), "work · sso · eu-west-1") {
		t.Fatalf("chose %q:\n%s", m.answers.Profile, r.view())
	}
	r.press("enter", "ctrl+u", "eu-west-1", "enter")
	r.until(func() bool { return m.clients != nil && m.profile == "work" })
	if last := used[len(used)-1]; last != "work@eu-west-1" {
		t.Fatalf("connected as %v, want work@eu-west-1 last", used)
	}
}

// TestTheCertificateStepSaysWhatTheAccountHas finds the hosted zone and a
// certificate created beforehand, and says so when HTTPS is chosen.
func TestTheCertificateStepSaysWhatTheAccountHas(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cfg := sandboxConfig(e.URL)
	if _, err := route53.NewFromConfig(cfg).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: sdk.String("example.com"), CallerReference: sdk.String("t")}); err != nil {
		t.Fatal(err)
	}
	if _, err := acm.NewFromConfig(cfg).RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: sdk.String("api.example.com")}); err != nil {
		t.Fatal(err)
	}
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepCertificate)
	r.press("enter", "left") // HTTPS: No → Yes
	if !m.answers.On("load_balancer.https") {
		t.Fatal("left did not choose Yes")
	}
	r.press("enter", "example.com", "enter", "api.example.com")
	v := flatRight(m, r.view())
	for _, want := range []string{"hosted zone example.com exists", "an ACM certificate for api.example.com exists (PENDING_VALIDATION)"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the certificate step lacks %q:\n%s", want, r.view())
		}
	}
}
