package wizard

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
)

// These tests run the built binary in tmux at 120×40 and 80×24, as a
// person would, on the embedded sandbox: what a key does in a real
// terminal, not only in Update.

// pane is the kit's tmux driver.
type pane = testkit.Pane

// newWizardPane runs the built binary on the embedded sandbox in a tmux
// session of w × h, with a HOME and state dir of its own.
func newWizardPane(t *testing.T, w, h int) *pane {
	t.Helper()
	testkit.NeedTmux(t)
	bin := testkit.Binary(t)
	// Not t.TempDir: stackwiz may still be saving its sandbox when the
	// session is killed, so the folder is removed once it has stopped
	// (this cleanup runs after the pane's, which kills the session).
	dir, err := os.MkdirTemp("", "stackwiz-wizard-pane-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for deadline := time.Now().Add(15 * time.Second); os.RemoveAll(dir) != nil && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
		}
	})
	p := testkit.NewPane(t, testkit.PaneOptions{Dir: dir, Name: "wizard", Width: w, Height: h, Program: bin,
		Env: []string{"HOME=" + dir, "AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
			"STACKWIZ_SANDBOX_SPEED=300", "TERM=xterm-256color"}})
	// The pane stays after stackwiz exits, so a crash shows what it said.
	p.Run("--sandbox", "--state-dir", filepath.Join(dir, "state"))
	return p
}

// waitFor waits until the screen shows every one of wants, joined across
// wrapped lines and pane borders.
func waitFor(p *pane, wants ...string) string {
	return p.Wait(60*time.Second, fmt.Sprintf("%q", wants), func(s string) bool {
		return testkit.ContainsAll(flat(rightPane(s)), wants...)
	})
}

var sizes = []struct{ w, h int }{{120, 40}, {80, 24}}

// TestEnterOnAnInvalidFieldSaysWhyInTmux: no problem before a key; enter
// on the empty name stays on it and says why, the notes under the form
// stay; a name moves on.
func TestEnterOnAnInvalidFieldSaysWhyInTmux(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			p := newWizardPane(t, sz.w, sz.h)
			s := waitFor(p, "Stack name:", "account 123456789012")
			if strings.Contains(s, "required") || strings.Contains(s, "✗") {
				t.Fatalf("a problem before any key:\n%s", s)
			}
			p.Keys("Enter")
			s = waitFor(p, "enter stays here until this is fixed", "Stack name is required")
			if !strings.Contains(flat(rightPane(s)), "the sandbox answers for AWS") {
				t.Fatalf("the notes vanished after enter:\n%s", s)
			}
			if !strings.Contains(s, "┃ Stack name:") {
				t.Fatalf("enter moved off the name:\n%s", s)
			}
			p.Keys("demo", "Enter")
			deadline := time.Now().Add(30 * time.Second)
			for s = p.Screen(); !strings.Contains(s, "┃ Region:"); s = p.Screen() {
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
			waitFor(p, "Stack name:", "account 123456789012")
			p.Keys("demo", "Enter", "Enter")
			waitFor(p, "IAM role ·")
			p.Keys("Escape", "p")
			waitFor(p, "to create", "Identity")
			p.Keys("a")
			s := waitFor(p, "resources (≈ $", "/month)? y/n")
			if !strings.Contains(s, "Create ") || strings.Contains(s, "Applying demo") {
				t.Fatalf("a did not ask first:\n%s", s)
			}
			p.Keys("n")
			s = waitFor(p, "not applied: the plan is as it was")
			if strings.Contains(s, "? y/n") {
				t.Fatalf("n left the question:\n%s", s)
			}
			p.Keys("a")
			waitFor(p, "/month)? y/n")
			p.Keys("y")
			// The checks, then the apply: it may already be done when read.
			deadline := time.Now().Add(60 * time.Second)
			for s = p.Screen(); !strings.Contains(s, "Applying demo") && !strings.Contains(s, "Stack demo is complete") &&
				!strings.Contains(s, "Before the first change"); s = p.Screen() {
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
