package testkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// NeedTmux skips the test when tmux is not installed (.ci/run installs
// it): the terminal tests of the built binary need it.
func NeedTmux(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the terminal tests of the built binary need it (.ci/run installs it)")
	}
}

var paneSeq atomic.Int64

// Pane is one tmux session with a single pane, on a tmux server of its
// own (its socket in a short folder of its own), so neither the user's sessions
// nor another test's kill-server can touch it. The pane stays after its
// program exits (remain-on-exit), so a test reads how it ended.
type Pane struct {
	t      testing.TB
	Name   string
	Socket string
	// Dir is the pane's working folder; its exit status file is kept
	// there.
	Dir string
	// Env is added to the environment of what Run and RunShell start
	// (later entries win).
	Env     []string
	program string
	// Pause is how long Keys waits after each key, the pause a person
	// leaves between them.
	Pause time.Duration
}

// PaneOptions says how to open a Pane.
type PaneOptions struct {
	// Dir is the working folder (required).
	Dir string
	// Name of the session; empty is "stackwiz-N", N counting the panes
	// of this process.
	Name string
	// Program is what Run starts.
	Program string
	// Width and Height of the terminal; zero is 120×40.
	Width, Height int
	// Env is Pane.Env.
	Env []string
}

// NewPane opens a detached session in o.Dir, skipping the test when tmux
// is missing; the server is killed when the test ends. Run or RunShell
// starts the program.
func NewPane(t testing.TB, o PaneOptions) *Pane {
	t.Helper()
	NeedTmux(t)
	if o.Name == "" {
		o.Name = fmt.Sprintf("stackwiz-%d", paneSeq.Add(1))
	}
	if o.Width == 0 {
		o.Width, o.Height = 120, 40
	}
	p := &Pane{t: t, Name: o.Name, program: o.Program, Dir: o.Dir, Socket: filepath.Join(socketDir(t), o.Name+".tmux"), Env: o.Env, Pause: 250 * time.Millisecond}
	// Before the server starts: a start that fails half way leaves none.
	t.Cleanup(p.Kill)
	p.Tmux("new-session", "-d", "-s", p.Name, "-x", strconv.Itoa(o.Width), "-y", strconv.Itoa(o.Height), "-c", o.Dir)
	p.Tmux("set-option", "-t", p.Name, "remain-on-exit", "on")
	// A hidden window kills the server once this test process is gone, so
	// a run that ends before its cleanups (a -timeout panic, a SIGKILL)
	// leaves no tmux server behind either.
	p.Tmux("new-window", "-d", "-t", p.Name, "-e", "STACKWIZ_PANE_SOCKET="+p.Socket,
		fmt.Sprintf(`while kill -0 %d 2>/dev/null; do sleep 2; done; tmux -S "$STACKWIZ_PANE_SOCKET" kill-server`, os.Getpid()))
	return p
}

// socketDir is a short folder, removed when the test ends, for a pane's
// socket: a unix socket's path holds at most 103 bytes on macOS (107 on
// Linux), and t.TempDir() under macOS's /var/folders/… with a long test
// name passes that, where tmux fails with "File name too long".
func socketDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("/tmp", "swpane")
	if err != nil {
		t.Fatalf("a folder for the tmux socket: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Kill stops the pane's tmux server and waits (up to 5 s) for it and what
// ran in its panes to end, so that the test's folders can be removed after it.
func (p *Pane) Kill() {
	var pids []int
	if out, err := exec.Command("tmux", "-S", p.Socket, "list-panes", "-s", "-t", p.Name, "-F", "#{pane_pid}").Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			sh, _ := strconv.Atoi(f)
			pids = append(pids, sh)
			children, _ := os.ReadFile("/proc/" + f + "/task/" + f + "/children")
			for _, c := range strings.Fields(string(children)) {
				n, _ := strconv.Atoi(c)
				pids = append(pids, n)
			}
		}
	}
	// The server too: kill-server returns before it has exited, and a
	// loaded machine takes a moment more.
	if out, err := exec.Command("tmux", "-S", p.Socket, "display-message", "-p", "#{pid}").Output(); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(out))); err == nil {
			pids = append(pids, pid)
		}
	}
	_ = exec.Command("tmux", "-S", p.Socket, "kill-server").Run()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range pids {
		for running(pid) && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// running reports whether process pid exists and is not a zombie (one
// whose parent, the tmux server, is gone may wait a while to be reaped).
func running(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}

// Run starts the pane's Program with args, with Env, replacing what ran
// there. A small
// shell around it writes its exit status for Exited: tmux's own
// #{pane_dead_status} is not reliable across respawns.
func (p *Pane) Run(args ...string) {
	_ = os.Remove(p.statusFile())
	p.respawn(append([]string{"sh", "-c", `"$0" "$@"; echo $? > ` + p.statusFile(), p.program}, args...)...)
}

// RunShell starts command, a line for sh (env assignments, redirections),
// in the pane with Env, replacing what ran there.
func (p *Pane) RunShell(command string) {
	_ = os.Remove(p.statusFile())
	p.respawn("sh", "-c", command+"; echo $? > "+p.statusFile())
}

func (p *Pane) respawn(argv ...string) {
	cmd := []string{"respawn-pane", "-k", "-t", p.Name, "-c", p.Dir}
	for _, e := range p.Env {
		cmd = append(cmd, "-e", e)
	}
	p.Tmux(append(cmd, argv...)...)
}

func (p *Pane) statusFile() string { return filepath.Join(p.Dir, p.Name+".status") }

// Tmux runs a tmux command on the pane's server and returns its output,
// failing the test when tmux fails.
func (p *Pane) Tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.Socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Screen is what the terminal shows now, as plain text.
func (p *Pane) Screen() string { return p.Tmux("capture-pane", "-p", "-t", p.Name) }

// ScreenANSI is what the terminal shows now, with its escape sequences.
func (p *Pane) ScreenANSI() string { return p.Tmux("capture-pane", "-p", "-e", "-t", p.Name) }

// Keys sends tmux key names (Enter, Tab, Escape, C-c, ...) or text, one
// at a time, pausing Pause after each.
func (p *Pane) Keys(keys ...string) {
	p.t.Helper()
	for _, k := range keys {
		p.Tmux("send-keys", "-t", p.Name, k)
		time.Sleep(p.Pause)
	}
}

// Type sends text literally (no key names), then pauses.
func (p *Pane) Type(text string) {
	p.t.Helper()
	p.Tmux("send-keys", "-t", p.Name, "-l", text)
	time.Sleep(p.Pause)
}

// Wait polls the screen until ok holds, for up to timeout, and returns
// it; it never sleeps a fixed time before looking. what names the wait
// in the failure. STACKWIZ_SHOW_TMUX=1 logs each screen waited for.
func (p *Pane) Wait(timeout time.Duration, what string, ok func(screen string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := p.Screen()
		if ok(s) {
			if os.Getenv("STACKWIZ_SHOW_TMUX") != "" {
				p.t.Logf("%s:\n%s", what, s)
			}
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("after %s the screen does not show %s:\n%s", timeout, what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// WaitText waits until the screen shows every one of wants.
func (p *Pane) WaitText(timeout time.Duration, wants ...string) string {
	p.t.Helper()
	return p.Wait(timeout, fmt.Sprintf("%q", wants), func(s string) bool { return ContainsAll(s, wants...) })
}

// ContainsAll reports whether s contains every one of wants.
func ContainsAll(s string, wants ...string) bool {
	return !slices.ContainsFunc(wants, func(w string) bool { return !strings.Contains(s, w) })
}

// ShellPID is the pid of the process tmux started in the pane.
func (p *Pane) ShellPID() int {
	p.t.Helper()
	s := strings.TrimSpace(p.Tmux("display-message", "-p", "-t", p.Name, "#{pane_pid}"))
	pid, err := strconv.Atoi(s)
	if err != nil {
		p.t.Fatalf("pane pid %q: %v", s, err)
	}
	return pid
}

// PID is the process id of the program Run or RunShell started: the
// child of the pane's shell.
func (p *Pane) PID() int {
	p.t.Helper()
	sh := strconv.Itoa(p.ShellPID())
	data, err := os.ReadFile("/proc/" + sh + "/task/" + sh + "/children")
	if err != nil {
		p.t.Fatalf("find the program under the pane's shell %s: %v", sh, err)
	}
	n, err := strconv.Atoi(strings.Fields(string(data) + " x")[0])
	if err != nil {
		p.t.Fatalf("the pane's shell %s has no child: %q", sh, data)
	}
	return n
}

// Exited waits up to timeout for what Run or RunShell started to end and
// returns its exit status ("0", "1", ...).
func (p *Pane) Exited(timeout time.Duration) string {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(p.statusFile()); err == nil && len(b) > 0 && b[len(b)-1] == '\n' {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("still running after %s:\n%s", timeout, p.Screen())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
