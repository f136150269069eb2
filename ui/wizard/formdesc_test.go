package wizard

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

// TestAnswersReadAndWriteTheSpecUnchanged: the answers a spec gives every
// form, written back step by step, leave the spec as it was (the generic
// reading and writing by path is each other's inverse), for every example.
func TestAnswersReadAndWriteTheSpecUnchanged(t *testing.T) {
	paths, _ := filepath.Glob("../../examples/*.yaml")
	if len(paths) == 0 {
		t.Fatal("no examples found")
	}
	for _, p := range paths {
		sp, err := spec.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		a := answersFrom(sp, "")
		for _, st := range allSteps {
			got := *sp
			a.applyTo(&got, st.ID())
			if !reflect.DeepEqual(&got, sp) {
				t.Errorf("%s: the %s step's answers, written back, change the spec:\n%+v\nwant\n%+v", filepath.Base(p), st.ID(), got, *sp)
			}
		}
	}
}

// TestTheDraftKeepsTheAnswersByPath: the open form's answers go to the
// draft by spec path, a number still being typed as typed, and come back
// the same.
func TestTheDraftKeepsTheAnswersByPath(t *testing.T) {
	s := spec.Defaults()
	s.Name = "demo"
	a := answersFrom(&s, "work")
	a.setText("instance.port", "80x")
	a.at("network.bastion.enabled").On = true
	a.at("autoscaling.termination_policies").List = []string{"OldestInstance", "Default"}
	data, err := json.Marshal(draftFile{Version: draftVersion, Open: a})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"profile":"work"`, `"instance.port":"80x"`, `"network.bastion.enabled":true`, `"autoscaling.termination_policies":["OldestInstance","Default"]`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("the draft does not hold %s:\n%s", key, data)
		}
	}
	var back draftFile
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Open, a) {
		t.Fatalf("the answers read back differ:\n%+v\nwant\n%+v", back.Open, a)
	}
}

// TestADraftWrittenBeforeTheFormsWereDescribedComesBack: a draft written
// by the wizard before the steps described their forms holds the open
// form's answers by the old field names; the wizard started on it reopens
// the step with them, and a field that draft did not have keeps the spec's.
func TestADraftWrittenBeforeTheFormsWereDescribedComesBack(t *testing.T) {
	e := newEnv(t)
	// As the earlier wizard wrote it: every field of its answers struct,
	// except Egress and IPType (a draft older still).
	open := `{"Profile":"","Region":"us-east-1","Name":"old","RoleName":"old-app","Policies":["AmazonSSMManagedInstanceCore"],` +
		`"VPC":"new","CIDR":"10.9.0.0/16","AZs":3,"NAT":"per-az","Bastion":true,"SSHFrom":"auto","Port":"80x",` +
		`"AMISource":"latest","AMIBase":"amazon-linux-2023","AMIID":"","SetupScript":"","Type":"t3.small","Volume":"",` +
		`"KeyName":"","UserData":"","HTTPS":false,"Zone":"","Record":"","HCPath":"/","HCInterval":"30","HCTimeout":"5",` +
		`"HCHealthy":"3","HCUnhealthy":"3","HCCodes":"200","Min":"1","Desired":"2","Max":"4","Termination":null,` +
		`"Grace":"300","CPUTarget":"50","Email":"","BillingLimit":"20","EncryptTopic":false,"FlowLogs":true,"AccessLogs":false}`
	draft := `{"version":1,"saved_at":"` + time.Now().UTC().Format(time.RFC3339) + `","stack":"old","step":"network",` +
		`"answered":["identity"],"spec":"name: old\nregion: us-east-1\n","open":` + open + `}`
	if err := writeFileAtomic(draftPath(e.Dir), []byte(draft)); err != nil {
		t.Fatal(err)
	}
	m, _ := e.wizard("", 120, 40)
	if m.formStep != steps.StepNetwork || m.form == nil {
		t.Fatalf("the wizard opened %q, want the network step", m.formStep)
	}
	a := m.answers
	if a.Text("network.cidr") != "10.9.0.0/16" || a.Text("network.azs") != "3" || !a.On("network.bastion.enabled") ||
		!a.On("network.flow_logs.enabled") || a.Text("instance.port") != "80x" ||
		strings.Join(a.List("iam.managed_policies"), ",") != "AmazonSSMManagedInstanceCore" {
		t.Fatalf("the old draft's answers did not come back: %+v", a.vals)
	}
	if got, want := a.Text("instance.egress"), m.draft.Instance.Egress; got != want || got == "" {
		t.Fatalf("the egress the old draft did not have is %q, want the spec's %q", got, want)
	}
	s := *m.draft
	a.applyTo(&s, steps.StepNetwork)
	if s.Network.CIDR != "10.9.0.0/16" || s.Network.AZs != 3 || s.Network.NAT != "per-az" || !s.Network.Bastion.Enabled {
		t.Fatalf("the old draft's network answers, submitted, give %+v", s.Network)
	}
}

// askingStep is a hypothetical new step: an existing step's verbs, its own
// id and a form of its own.
type askingStep struct {
	steps.Step
	id   steps.StepID
	form steps.Form
}

func (s askingStep) ID() steps.StepID { return s.id }
func (s askingStep) Form() steps.Form { return s.form }

// TestANewStepsFormNeedsNoWizardCode adds a hypothetical step whose form
// asks a spec field no step asks (alarms.cpu_high_percent) and checks that
// the wizard builds its form, reads, validates and writes its answer and
// maps its problems to it from the description alone.
func TestANewStepsFormNeedsNoWizardCode(t *testing.T) {
	const path = "alarms.cpu_high_percent"
	uptime := askingStep{Step: steps.All()[0], id: "uptime", form: steps.Form{
		Groups: []steps.FormGroup{{Fields: []steps.FormField{
			{Path: path, Title: "CPU alarm %", Kind: steps.FieldNumber,
				Validate: func(a steps.Answers, _ string) error {
					return spec.ValidateNumber(a.Text(path), func(int) error { return nil })
				}},
		}}},
	}}
	describe(append(steps.All(), uptime))
	t.Cleanup(func() { describe(steps.All()) })

	s := spec.Defaults()
	s.Name = "demo"
	a := answersFrom(&s, "")
	if got, want := a.Text(path), strconv.Itoa(s.Alarms.CPUHighPercent); got != want {
		t.Fatalf("the answer read from the spec is %q, want %q", got, want)
	}
	f := buildForm("uptime", a, formContext{found: &found{}, check: func(string) error { return nil }})
	f.Init()
	if got := f.GetFocusedField().GetKey(); got != path {
		t.Fatalf("the form's field is %q, want %s", got, path)
	}
	if !strings.Contains(plain(f.View()), "CPU alarm %:") {
		t.Fatalf("the form does not ask it:\n%s", plain(f.View()))
	}
	a.setText(path, "9x")
	ps := checkStep("uptime", a, &s, spec.ValidateEnv{})
	if len(ps) != 1 || ps[0].Path != path || !strings.HasPrefix(ps[0].sentence(), "CPU alarm %") {
		t.Fatalf("the problems of 9x are %+v", ps)
	}
	if got := stepOfPath(path); got != "uptime" {
		t.Fatalf("the problems of %s go to step %q", path, got)
	}
	a.setText(path, "95")
	if ps := checkStep("uptime", a, &s, spec.ValidateEnv{}); blocking(ps) {
		t.Fatalf("95 is refused: %+v", ps)
	}
	a.applyTo(&s, "uptime")
	if s.Alarms.CPUHighPercent != 95 {
		t.Fatalf("the spec's cpu_high_percent is %d after the step, want 95", s.Alarms.CPUHighPercent)
	}
}
