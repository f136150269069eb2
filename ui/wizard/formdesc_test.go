package wizard

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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
		spec, err := steps.Load(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		a := answersFrom(spec, "")
		for _, st := range allSteps {
			got := *spec
			a.applyTo(&got, st.ID())
			if !reflect.DeepEqual(&got, spec) {
				t.Errorf("%s: the %s step's answers, written back, change the spec:\n%+v\nwant\n%+v", filepath.Base(p), st.ID(), got, *spec)
			}
		}
	}
}

// TestTheDraftKeepsTheAnswersByPath: the open form's answers go to the
// draft by spec path, a number still being typed as typed, and come back
// the same.
func TestTheDraftKeepsTheAnswersByPath(t *testing.T) {
	s := steps.Defaults()
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
