package ui

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The wizard's answers are state: these tests quit the real binary with
// ctrl+c (or kill it) at several steps and start it again, as a person
// does, and check that every confirmed answer comes back on the same step.

// draftFile is where the wizard keeps its answers under a --sandbox state dir.
func draftFile(stateDir string) string {
	return filepath.Join(stateDir, "sandbox", "wizard", "draft.json")
}

// waitDraft waits until the draft on disk holds want.
func waitDraft(t *testing.T, stateDir, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, _ := os.ReadFile(draftFile(stateDir))
		if strings.Contains(string(data), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the draft %s does not hold %q after 10 s:\n%s", draftFile(stateDir), want, data)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ctrlC quits stackwiz with ctrl+c and checks it exits with status 0.
func ctrlC(t *testing.T, p *tmuxPane) {
	t.Helper()
	p.Keys("C-c")
	if status := p.Exited(20 * time.Second); status != "0" {
		t.Fatalf("stackwiz exited with %s after ctrl+c; screen:\n%s", status, p.Screen())
	}
}

func TestBinaryWizardKeepsEveryAnswerAcrossCtrlC(t *testing.T) {
	// After the name: the field is left, so the name is confirmed.
	// The draft keeps the open form's answers by spec path (name, network.cidr).
	p, _, dir := startWizard(t, "keepme")
	p.Keys("Enter")
	waitDraft(t, dir, `"name": "keepme"`)
	ctrlC(t, p)
	info, err := os.Stat(draftFile(dir))
	if err != nil {
		t.Fatalf("no draft after ctrl+c: %v", err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Fatalf("the draft's mode is %v, want 0600", mode)
	}

	p.Run("--sandbox", "--state-dir", dir)
	s := p.WaitText(30*time.Second, "Identity · to do", "Stack name", "keepme")
	if !strings.Contains(s, "you quit") {
		t.Fatalf("the restart does not say the answers came back after a quit:\n%s", s)
	}

	// In the middle: Network, with a CIDR of the user's own, confirmed by
	// leaving the field; quitting on the next field needs no question.
	enterUntil(p, "Network · to do", 20)
	p.WaitText(10*time.Second, "VPC")
	p.Keys("Enter", "Enter") // VPC: new, AZs: 2
	p.WaitText(10*time.Second, "CIDR")
	p.Keys("C-u")
	p.Type("10.9.0.0/16")
	// Typed but not confirmed: quitting asks first.
	p.Keys("C-c")
	p.WaitText(10*time.Second, "Quit now?", "Your answers up to Network are saved; the field you are typing", "is not.")
	p.Keys("n")
	p.WaitText(10*time.Second, "Network · to do")
	p.Keys("Enter") // leave the CIDR: confirmed
	waitDraft(t, dir, "10.9.0.0/16")
	ctrlC(t, p)

	p.Run("--sandbox", "--state-dir", dir)
	s = p.WaitText(30*time.Second, "Network · to do", "VPC")
	for _, step := range []string{"Identity", "IAM role"} {
		if !strings.Contains(s, "● "+step) {
			t.Fatalf("after the restart %s is not shown as answered:\n%s", step, s)
		}
	}
	p.Keys("Enter", "Enter") // the step reopens on its first field
	p.WaitText(10*time.Second, "CIDR", "10.9.0.0/16")

	// At Review: every answer, the plan reopened.
	enterUntil(p, "Review: keepme", 80)
	p.WaitText(30*time.Second, "to create")
	ctrlC(t, p)
	p.Run("--sandbox", "--state-dir", dir)
	p.WaitText(30*time.Second, "Review: keepme", "to create")
	p.Keys("Tab", "Tab")
	p.WaitText(10*time.Second, "name: keepme", "cidr: 10.9.0.0/16")
	ctrlC(t, p)
}

func TestBinaryWizardKilledKeepsTheConfirmedAnswers(t *testing.T) {
	p, _, dir := startWizard(t, "killed")
	enterUntil(p, "IAM role · to do", 10)
	p.WaitText(10*time.Second, "Role name")
	p.Keys("Enter") // the role name's default, confirmed
	waitDraft(t, dir, `"step": "iam"`)
	if err := syscall.Kill(p.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if status := p.Exited(10 * time.Second); status == "0" {
		t.Fatal("SIGKILL did not stop stackwiz")
	}

	p.Run("--sandbox", "--state-dir", dir)
	s := p.WaitText(30*time.Second, "IAM role · to do", "killed-app", "stackwiz · wizard · killed")
	if !strings.Contains(s, "stopped unexpectedly") {
		t.Fatalf("the restart after a kill does not say stackwiz stopped unexpectedly:\n%s", s)
	}
	ctrlC(t, p)
}

func TestBinaryWizardOffersStackYAMLWhenNoDraft(t *testing.T) {
	work, dir := t.TempDir(), t.TempDir()
	spec := "name: offered\nnetwork:\n  cidr: 10.7.0.0/16\n"
	if err := os.WriteFile(filepath.Join(work, "stack.yaml"), []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	p := newPane(t, work)
	p.Run("--sandbox", "--state-dir", dir)
	p.WaitText(30*time.Second, "Start from stack.yaml?", filepath.Join(work, "stack.yaml"), "offered")
	p.Keys("y")
	p.WaitText(30*time.Second, "● Network", "offered")
	p.Keys("p")
	p.WaitText(30*time.Second, "Review: offered", "to create")
	p.Keys("Tab", "Tab")
	p.WaitText(10*time.Second, "cidr: 10.7.0.0/16")
	ctrlC(t, p)

	// Now a draft exists: it wins over the file, and nothing is asked.
	p.Run("--sandbox", "--state-dir", dir)
	s := p.WaitText(30*time.Second, "Review: offered")
	if strings.Contains(s, "Start from stack.yaml?") {
		t.Fatalf("stack.yaml is offered although a draft exists:\n%s", s)
	}
	ctrlC(t, p)

	// Declined, the wizard starts empty.
	fresh := t.TempDir()
	p.Run("--sandbox", "--state-dir", fresh)
	p.WaitText(30*time.Second, "Start from stack.yaml?")
	p.Keys("n")
	p.WaitText(30*time.Second, "Identity · to do", "(not named yet)")
	ctrlC(t, p)
}

// TestBinaryResumeAfterQuitSaysSo quits during the apply, on purpose: the
// resume screen says the user quit, never "needs attention", and shows no
// Go error such as "context canceled".
func TestBinaryResumeAfterQuitSaysSo(t *testing.T) {
	work, dir := t.TempDir(), t.TempDir()
	p := newPane(t, work, "STACKWIZ_SANDBOX_SPEED=60")
	p.Run("--sandbox", "--state-dir", dir)
	walkWizardToReview(t, p)
	p.Keys("a", "y")
	p.WaitText(60*time.Second, "✓ Network")
	p.Keys("C-c")
	p.WaitText(10*time.Second, "Quit now?", "an apply is running")
	p.Keys("y")
	if status := p.Exited(40 * time.Second); status != "0" {
		t.Fatalf("stackwiz exited with %s after quitting the apply; screen:\n%s", status, p.Screen())
	}
	p.Run("--sandbox", "--state-dir", dir)
	s := p.WaitText(30*time.Second, "Stack demo is not finished", "You quit while it was being applied")
	for _, bad := range []string{"context canceled", "needs attention"} {
		if strings.Contains(s, bad) {
			t.Fatalf("the resume screen after a deliberate quit shows %q:\n%s", bad, s)
		}
	}
	p.Keys("q")
	p.Exited(20 * time.Second)
}
