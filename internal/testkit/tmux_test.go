package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// serverPID is the pid of p's tmux server.
func serverPID(t *testing.T, p *Pane) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(p.Tmux("display-message", "-p", "#{pid}")))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// gone waits up to timeout for every one of pids to stop running.
func gone(timeout time.Duration, pids ...int) bool {
	deadline := time.Now().Add(timeout)
	for _, pid := range pids {
		for running(pid) {
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return true
}

// TestPaneKillLeavesNothingRunning: when the test ends, the pane's tmux
// server and the program in it are gone before the test's folders are
// removed.
func TestPaneKillLeavesNothingRunning(t *testing.T) {
	p := NewPane(t, PaneOptions{Dir: t.TempDir(), Name: "kill"})
	p.RunShell("sleep 600")
	server, program := serverPID(t, p), p.PID()
	p.Kill()
	if !gone(0, server, program) {
		t.Fatalf("after Kill the tmux server (%d) or the program (%d) still runs", server, program)
	}
}

// TestPaneWorksInADeepFolder: a pane's working folder may be deeper than a
// unix socket's path allows (macOS's t.TempDir() with a long test name),
// since the socket is kept elsewhere.
func TestPaneWorksInADeepFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("a-folder-name-as-long-as-a-test-name-", 3))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := NewPane(t, PaneOptions{Dir: dir, Name: "deep"})
	p.RunShell("pwd; (exit 3)")
	if code := p.Exited(10 * time.Second); code != "3" {
		t.Fatalf("the program in a pane at %s (%d bytes) ended with %s, want 3:\n%s", dir, len(dir), code, p.Screen())
	}
	if !strings.Contains(p.Screen(), "as-a-test-name-") {
		t.Errorf("pwd in the pane printed:\n%s", p.Screen())
	}
}

// TestPaneOutlivesNoTestProcess: a test process that ends without its
// cleanups (a -timeout panic, a SIGKILL) leaves no tmux server behind.
func TestPaneOutlivesNoTestProcess(t *testing.T) {
	if dir := os.Getenv("STACKWIZ_TESTKIT_ORPHAN"); dir != "" {
		// The child: open a pane, say its server's pid, and end without
		// running any cleanup.
		p := NewPane(t, PaneOptions{Dir: dir, Name: "orphan"})
		p.RunShell("sleep 600")
		os.Stdout.WriteString("server=" + strconv.Itoa(serverPID(t, p)) + "\n")
		os.Exit(0)
	}
	NeedTmux(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestPaneOutlivesNoTestProcess$")
	cmd.Env = append(os.Environ(), "STACKWIZ_TESTKIT_ORPHAN="+t.TempDir())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("the child test: %v\n%s", err, out)
	}
	_, s, ok := strings.Cut(string(out), "server=")
	server, err := strconv.Atoi(strings.TrimSpace(s))
	if !ok || err != nil {
		t.Fatalf("the child said %q", out)
	}
	if !gone(10*time.Second, server) {
		t.Fatalf("the tmux server %d of a test process that is gone still runs", server)
	}
}
