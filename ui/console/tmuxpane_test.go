package console

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/sandbox"
)

// buildBinary builds stackwiz into dir, or skips the test when tmux is
// missing or the run is short.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed: the check of the built binary needs it")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(dir, "stackwiz")
	build := exec.Command("go", "build", "-o", bin, "github.com/stackwiz/stackwiz")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// tmuxPane is the built binary running in a tmux pane of a fixed size, on
// a tmux server of its own (its socket in a temp dir), so it never touches
// the user's sessions.
type tmuxPane struct {
	t      *testing.T
	socket string
	name   string
}

// startPane runs command (already quoted for sh) at 120×40.
func startPane(t *testing.T, dir, name, command string) *tmuxPane {
	t.Helper()
	p := &tmuxPane{t: t, socket: filepath.Join(dir, name+".tmux"), name: name}
	// Keep the pane after the program ends, so a failure shows its last
	// screen.
	p.tmux("new-session", "-d", "-s", name, "-x", "120", "-y", "40", command+"; sleep 60")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.socket, "kill-server").Run() })
	return p
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (p *tmuxPane) screen() string { return p.tmux("capture-pane", "-p", "-t", p.name) }

// keys types keys (tmux key names) into the pane.
func (p *tmuxPane) keys(keys ...string) {
	p.t.Helper()
	p.tmux(append([]string{"send-keys", "-t", p.name}, keys...)...)
}

// waitFor polls the screen until ok, for up to 60 s (the machine may be
// busy); it never sleeps a fixed time before looking.
func (p *tmuxPane) waitFor(what string, ok func(string) bool) string {
	p.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		s := p.screen()
		if ok(s) {
			if os.Getenv("STACKWIZ_SHOW_TMUX") != "" {
				p.t.Logf("%s:\n%s", what, s)
			}
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited 60 s for %s; the screen shows:\n%s", what, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitText waits until the screen shows every one of texts.
func (p *tmuxPane) waitText(what string, texts ...string) string {
	p.t.Helper()
	return p.waitFor(what, func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// sandboxStats reads GET /_sandbox/stats: requests served, by service and
// operation, whatever their answer.
func sandboxStats(t *testing.T, url string) sandbox.StatsSnapshot {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/stats")
	if err != nil {
		t.Fatalf("GET /_sandbox/stats: %v", err)
	}
	defer resp.Body.Close()
	var st sandbox.StatsSnapshot
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("decode /_sandbox/stats: %v", err)
	}
	return st
}

// mutating lists the mutating operations in st with their counts.
func mutating(st sandbox.StatsSnapshot) map[string]int {
	out := map[string]int{}
	for svc, ops := range st.ByService {
		for op, n := range ops {
			if (sandbox.Served{Service: svc, Op: op}).Mutating() {
				out[svc+":"+op] = n
			}
		}
	}
	return out
}
