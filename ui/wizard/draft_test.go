package wizard

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stackwiz/stackwiz/steps"
)

func TestTheDraftWriterWritesTheNewestDraftOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	w := &draftWriter{path: draftPath(dir)}
	// Flushes run concurrently, as Bubble Tea runs commands: whichever
	// runs last, the newest draft is what stays on disk.
	var wg sync.WaitGroup
	for i := range 20 {
		w.want(draftFile{Version: draftVersion, Stack: "s" + strconv.Itoa(i)})
		wg.Go(func() {
			if err := w.flush(); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	d, ok, err := readDraft(dir)
	if err != nil || !ok {
		t.Fatalf("readDraft: ok=%v err=%v", ok, err)
	}
	if d.Stack != "s19" {
		t.Fatalf("the draft on disk is %q, want the newest, s19", d.Stack)
	}
	info, err := os.Stat(draftPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Fatalf("the draft's mode is %v, want 0600", info.Mode().Perm())
	}
	left, _ := filepath.Glob(filepath.Join(dir, "wizard", ".draft-*"))
	if len(left) > 0 {
		t.Fatalf("temporary files left beside the draft: %v", left)
	}
	w.wantRemoved()
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := readDraft(dir); ok {
		t.Fatal("the draft is still there after it was removed")
	}
}

func TestAWizardStartedAgainReopensTheStepWithItsConfirmedAnswers(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 40)
	r.press("again", "enter") // the name, confirmed by leaving the field
	if m.focusedKey() == "name" {
		t.Fatalf("enter did not leave the name field:\n%s", r.view())
	}
	r.press("enter") // the region: Identity is submitted
	r.until(func() bool { return m.formStep == steps.StepIAM && m.form != nil })
	r.press("x") // typed into the role name, not confirmed
	if why := m.Busy(); !strings.Contains(why, "Your answers up to IAM role are saved; the field you are typing is not") {
		t.Fatalf("quitting with a field being typed does not ask first: Busy() = %q", why)
	}
	m.Quitting()
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}

	m2, r2 := e.wizard("", 120, 40)
	if m2.draft.Name != "again" || !m2.answered[steps.StepIdentity] {
		t.Fatalf("the restarted wizard has name %q, identity answered %v", m2.draft.Name, m2.answered[steps.StepIdentity])
	}
	if m2.formStep != steps.StepIAM || m2.form == nil {
		t.Fatalf("the restarted wizard opened %q, want the IAM role step", m2.formStep)
	}
	if m2.answers.Text("iam.role_name") != "again-app" {
		t.Fatalf("the role name is %q: the unconfirmed x came back, or the default was lost", m2.answers.Text("iam.role_name"))
	}
	if v := r2.view(); !strings.Contains(v, "you quit moments ago") {
		t.Fatalf("the restarted wizard does not say the user quit:\n%s", v)
	}
}

func TestAStackYAMLIsOfferedOnlyWithoutADraft(t *testing.T) {
	e := newEnv(t)
	if err := os.WriteFile(filepath.Join(e.d.WorkDir, "stack.yaml"), []byte("name: fromfile\nnetwork:\n  azs: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m, r := e.wizard("", 120, 40)
	if m.offer == nil || !strings.Contains(r.view(), "Start from stack.yaml?") {
		t.Fatalf("no offer of stack.yaml:\n%s", r.view())
	}
	r.press("y")
	if m.offer != nil || m.draft.Name != "fromfile" || m.draft.Network.AZs != 3 {
		t.Fatalf("after y the draft is %q with %d AZs", m.draft.Name, m.draft.Network.AZs)
	}
	r.quiet()
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	m2, _ := e.wizard("", 120, 40)
	if m2.offer != nil {
		t.Fatal("stack.yaml is offered although a draft exists")
	}
	if m2.draft.Name != "fromfile" {
		t.Fatalf("the draft did not come back: name %q", m2.draft.Name)
	}
}

func TestAnotherStacksDraftIsLeftAsItIs(t *testing.T) {
	e := newEnv(t)
	w := &draftWriter{path: draftPath(e.Dir)}
	w.want(draftFile{Version: draftVersion, Stack: "first", Step: steps.StepNetwork, Spec: "name: first\n"})
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	m, _ := e.wizard("second", 120, 40)
	if m.draft.Name == "first" {
		t.Fatal("the wizard of stack second loaded stack first's draft")
	}
	m.Quitting()
	if err := m.Flush(); err != nil {
		t.Fatal(err)
	}
	d, ok, err := readDraft(e.Dir)
	if err != nil || !ok || d.Stack != "first" {
		t.Fatalf("stack first's draft was replaced: %+v ok=%v err=%v", d, ok, err)
	}
}
