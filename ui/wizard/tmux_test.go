package wizard

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run the built binary in tmux at 120×40 and 80×24, as a
// person would, on the embedded sandbox: what a key does in a real
// terminal, not only in Update.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// TestMain removes the binary the tmux tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		_ = os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// wizardBinary builds stackwiz from the repository root once.
func wizardBinary(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the terminal tests of the built binary need it (.ci/run installs it)")
	}
	buildOnce.Do(func() {
		root, err := filepath.Abs("../..")
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "stackwiz-wizard-tmux-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "stackwiz")
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// pane is stackwiz running in a tmux session of its own server.
type pane struct {
	t            *testing.T
	socket, name string
}

func newWizardPane(t *testing.T, w, h int) *pane {
	t.Helper()
	bin := wizardBinary(t)
	// Not t.TempDir: stackwiz may still be saving its sandbox when the
	// session is killed, so the folder is removed once it has stopped.
	dir, err := os.MkdirTemp("", "stackwiz-wizard-pane-")
	if err != nil {
		t.Fatal(err)
	}
	p := &pane{t: t, socket: filepath.Join(dir, "tmux.sock"), name: "wizard"}
	env := []string{"HOME=" + dir, "AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"STACKWIZ_SANDBOX_SPEED=300", "TERM=xterm-256color"}
	args := []string{"new-session", "-d", "-s", p.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), "-c", dir}
	for _, e := range env {
		args = append(args, "-e", e)
	}
	args = append(args, bin, "--sandbox", "--state-dir", filepath.Join(dir, "state"))
	p.tmux(args...)
	t.Cleanup(func() {
		_ = exec.Command("tmux", "-S", p.socket, "kill-server").Run()
		for deadline := time.Now().Add(15 * time.Second); os.RemoveAll(dir) != nil && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
	})
	// The pane stays after stackwiz exits, so a crash shows what it said.
	p.tmux("set-option", "-t", p.name, "remain-on-exit", "on")
	return p
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (p *pane) screen() string { return p.tmux("capture-pane", "-p", "-t", p.name) }

// keys sends tmux key names or text, one at a time, with a person's pause.
func (p *pane) keys(keys ...string) {
	for _, k := range keys {
		p.tmux("send-keys", "-t", p.name, k)
		time.Sleep(250 * time.Millisecond)
	}
}

// waitFor waits until the screen shows every one of wants, joined across
// wrapped lines and pane borders.
func (p *pane) waitFor(wants ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := p.screen()
		f := flat(rightPane(s))
		if !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(f, w) }) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen does not show %q:\n%s", wants, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var sizes = []struct{ w, h int }{{120, 40}, {80, 24}}

// TestEnterOnAnInvalidFieldSaysWhyInTmux: no problem before a key; enter
// on the empty name stays on it and says why, the notes under the form
// stay; a name moves on.
func TestEnterOnAnInvalidFieldSaysWhyInTmux(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			p := newWizardPane(t, sz.w, sz.h)
			s := p.waitFor("Stack name:", "account 123456789012")
			if strings.Contains(s, "required") || strings.Contains(s, "✗") {
				t.Fatalf("a problem before any key:\n%s", s)
			}
			p.keys("Enter")
			s = p.waitFor("enter stays here until this is fixed", "Stack name is required")
			if !strings.Contains(flat(rightPane(s)), "the sandbox answers for AWS") {
				t.Fatalf("the notes vanished after enter:\n%s", s)
			}
			if !strings.Contains(s, "┃ Stack name:") {
				t.Fatalf("enter moved off the name:\n%s", s)
			}
			p.keys("demo", "Enter")
			deadline := time.Now().Add(30 * time.Second)
			for s = p.screen(); !strings.Contains(s, "┃ Region:"); s = p.screen() {
				if time.Now().After(deadline) {
					t.Fatalf("enter with a name did not move to the region:\n%s", s)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if strings.Contains(flat(rightPane(s)), "enter stays here") {
				t.Fatalf("the reason stayed after the name was typed:\n%s", s)
			}
		})
	}
}

// TestApplyAsksBeforeItStartsInTmux: a in the review asks with the count
// and the cost, n keeps the review, y applies.
func TestApplyAsksBeforeItStartsInTmux(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			p := newWizardPane(t, sz.w, sz.h)
			p.waitFor("Stack name:", "account 123456789012")
			p.keys("demo", "Enter", "Enter")
			p.waitFor("IAM role ·")
			p.keys("Escape", "p")
			p.waitFor("to create", "Identity")
			p.keys("a")
			s := p.waitFor("resources (≈ $", "/month)? y/n")
			if !strings.Contains(s, "Create ") || strings.Contains(s, "Applying demo") {
				t.Fatalf("a did not ask first:\n%s", s)
			}
			p.keys("n")
			s = p.waitFor("not applied: the plan is as it was")
			if strings.Contains(s, "? y/n") {
				t.Fatalf("n left the question:\n%s", s)
			}
			p.keys("a")
			p.waitFor("/month)? y/n")
			p.keys("y")
			// The checks, then the apply: it may already be done when read.
			deadline := time.Now().Add(60 * time.Second)
			for s = p.screen(); !strings.Contains(s, "Applying demo") && !strings.Contains(s, "Stack demo is complete") &&
				!strings.Contains(s, "Before the first change"); s = p.screen() {
				if time.Now().After(deadline) {
					t.Fatalf("y did not start the apply:\n%s", s)
				}
				time.Sleep(100 * time.Millisecond)
			}
		})
	}
}

// rightPane keeps, of a screen with the step list beside a pane, the
// pane's side, so that a message wrapped over lines reads as one.
func rightPane(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if _, right, ok := strings.Cut(l, "││"); ok {
			l = right
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}
