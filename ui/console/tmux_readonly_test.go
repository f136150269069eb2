package console

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

// consoleEnv is the environment of the binary under test: fake
// credentials (the sandbox takes any), no user config, a fixed terminal.
func consoleEnv(dir string) string {
	return strings.Join([]string{"env", "HOME=" + dir, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "TERM=xterm-256color", "STACKWIZ_READ_ONLY="}, " ")
}

// servedWorld builds two stacks (demo with 2 instances and a Route 53
// alias, green with 1, for the blue/green switch) in a sandbox world kept
// in dir/world, records them in dir/state, and serves that world on a
// loopback port, as `stackwiz sandbox serve --data` would. It returns the
// state dir and the endpoint.
func servedWorld(t *testing.T, dir string, withGreen bool) (stateDir, url string, sb *sandbox.Sandbox) {
	t.Helper()
	stateDir = filepath.Join(dir, "state")
	worldDir := filepath.Join(dir, "world")
	blue := newStackWorld(t, worldOptions{size: 2, wallClock: true, dataDir: worldDir})
	blue.save(stateDir)
	if withGreen {
		green := newStackWorld(t, worldOptions{name: "green", size: 1, wallClock: true, sb: blue.SB, cfg: &blue.Cfg})
		green.save(stateDir)
	}
	blue.Close()
	sb, err := sandbox.New(sandbox.Options{DataDir: worldDir})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); sb.Close() })
	return stateDir, srv.URL, sb
}

// TestConsoleInTmuxReadOnlySendsNoMutatingRequest runs the built binary
// against a sandbox served on a port, read-only three ways: --read-only,
// STACKWIZ_READ_ONLY=1 and the stack's setting. It presses every action
// key in every view, with enter, space, y and tab after them, and reads
// the sandbox's request counts (GET /_sandbox/stats, every request
// whatever its answer): not one mutating request arrives, while the
// console keeps reading. Each key says it is disabled and why.
func TestConsoleInTmuxReadOnlySendsNoMutatingRequest(t *testing.T) {
	dir := t.TempDir()
	bin := consoleBinary(t)
	stateDir, url, _ := servedWorld(t, dir, true)
	base := consoleEnv(dir) + " " + bin + " console --stack demo --state-dir " + stateDir + " --endpoint-url " + url
	if m := mutating(sandboxStats(t, url)); len(m) != 0 {
		t.Fatalf("the sandbox counted mutating requests before the console started: %v", m)
	}

	actions := []struct{ key, desc string }{
		{"c", "capacity"}, {"R", "instance refresh"}, {"C", "cancel refresh"}, {"x", "terminate"},
		{"b", "standby in/out"}, {"t", "termination policies"}, {"w", "blue/green switch"},
	}
	// settle waits for the console to read the stack again after the keys,
	// so an action they had started would have been sent by then.
	settle := func(p *tmuxPane) {
		t.Helper()
		before := sandboxStats(t, url).Total
		p.Keys("r")
		waitFor(p, "a refresh after the keys", func(string) bool { return sandboxStats(t, url).Total >= before+3 })
	}

	t.Run("flag", func(t *testing.T) {
		p := startPane(t, dir, "flag", base+" --read-only")
		s := waitText(p, "the read-only console's live view", "READ-ONLY", "2/2 in service")
		if !strings.Contains(strings.SplitN(s, "\n", 3)[1], "READ-ONLY") {
			t.Errorf("the header's first line does not say READ-ONLY:\n%s", s)
		}
		for _, v := range tabDigits() {
			p.Keys(v)
			for _, a := range actions {
				p.Keys(a.key)
				waitText(p, "the refusal of "+a.key+" in view "+v, fmt.Sprintf("%s %s: disabled, read-only (--read-only) — start the console without --read-only", a.key, a.desc))
			}
		}
		// Every action key again, on a selected instance, each followed
		// by the keys a dialog would take.
		p.Keys("1", "Down")
		for _, a := range actions {
			p.Keys(a.key, "Enter", "Space", "y", "Tab", "1", "Enter", "Escape")
		}
		settle(p)
		p.Keys(tabKey(viewLog))
		waitText(p, "the empty action log", "No action taken from the console yet.")
		if m := mutating(sandboxStats(t, url)); len(m) != 0 {
			t.Errorf("a --read-only console sent mutating requests: %v\n%s", m, p.Screen())
		}
	})

	t.Run("root command", func(t *testing.T) {
		// `stackwiz --read-only` opens the console directly: the wizard
		// builds, and a read-only run builds nothing.
		root := consoleEnv(dir) + " " + bin + " --read-only --stack demo --state-dir " + stateDir + " --endpoint-url " + url
		p := startPane(t, dir, "root", root)
		waitText(p, "the read-only console's live view", "stackwiz · console · demo", "READ-ONLY", "2/2 in service")
		for _, a := range actions {
			p.Keys(a.key, "Enter")
			waitText(p, "the refusal of "+a.key, a.key+" "+a.desc+": disabled, read-only (--read-only)")
		}
		settle(p)
		if m := mutating(sandboxStats(t, url)); len(m) != 0 {
			t.Errorf("stackwiz --read-only sent mutating requests: %v", m)
		}
	})

	t.Run("environment", func(t *testing.T) {
		p := startPane(t, dir, "env", strings.Replace(base, "STACKWIZ_READ_ONLY=", "STACKWIZ_READ_ONLY=1", 1))
		waitText(p, "the read-only console's live view", "READ-ONLY", "2/2 in service")
		for _, a := range actions {
			p.Keys(a.key)
			waitText(p, "the refusal of "+a.key, a.key+" "+a.desc+": disabled, read-only (STACKWIZ_READ_ONLY=1) — unset STACKWIZ_READ_ONLY")
			p.Keys("Enter")
		}
		settle(p)
		if m := mutating(sandboxStats(t, url)); len(m) != 0 {
			t.Errorf("a STACKWIZ_READ_ONLY=1 console sent mutating requests: %v", m)
		}
	})

	t.Run("setting", func(t *testing.T) {
		cmd := exec.Command(bin, "console", "read-only", "on", "--stack", "demo", "--state-dir", stateDir)
		cmd.Env = append(os.Environ(), "HOME="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("stack demo read-only on")) {
			t.Fatalf("stackwiz console read-only on: %v\n%s", err, out)
		}
		if fi, err := os.Stat(state.SettingsPath(stateDir, "demo")); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("the setting's file: %v, %v; want mode 0600", fi, err)
		}
		p := startPane(t, dir, "setting", base)
		waitText(p, "the read-only console's live view", "READ-ONLY", "2/2 in service")
		for _, a := range actions {
			p.Keys(a.key)
			waitText(p, "the refusal of "+a.key, a.key+" "+a.desc+": disabled, read-only (the stack's read-only setting) — `stackwiz console read-only off`")
			p.Keys("Enter")
		}
		settle(p)
		if m := mutating(sandboxStats(t, url)); len(m) != 0 {
			t.Errorf("a console of a read-only stack sent mutating requests: %v", m)
		}
		// The other stack is not read-only.
		if set, err := state.ReadSettings(stateDir, "green"); err != nil || set.ReadOnly {
			t.Errorf("green's settings: %+v, %v; the setting is per stack", set, err)
		}
	})
}

// TestConsoleInTmuxWarnsBeforeARefreshOnAnUnhealthyTarget makes one of
// two targets fail its health checks (POST /_sandbox/app-health), opens
// the console, and presses R: the dialog says which target is not
// healthy before anything is done, the first enter only asks again, and
// the second starts the refresh anyway — one StartInstanceRefresh, sent
// only then.
func TestConsoleInTmuxWarnsBeforeARefreshOnAnUnhealthyTarget(t *testing.T) {
	dir := t.TempDir()
	bin := consoleBinary(t)
	stateDir, url, _ := servedWorld(t, dir, false)
	p := startPane(t, dir, "preflight", consoleEnv(dir)+" "+bin+" console --state-dir "+stateDir+" --endpoint-url "+url)
	s := waitText(p, "the console's live view", "2/2 in service", "2/2 targets healthy")
	var sick string
	for _, f := range strings.Fields(s) {
		if strings.HasPrefix(f, "i-") && len(f) > 10 {
			sick = f
			break
		}
	}
	if sick == "" {
		t.Fatalf("no instance id on the screen:\n%s", s)
	}
	resp, err := http.Post(url+"/_sandbox/app-health", "application/json", strings.NewReader(`{"instance_id": "`+sick+`", "healthy": false}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sandbox/app-health: %v %v", resp, err)
	}
	resp.Body.Close()
	waitText(p, "the unhealthy target", "1 unhealthy target ("+sick)

	p.Keys("R")
	waitText(p, "the refresh dialog with its pre-flight and the footer's start anyway", "Start an instance refresh", "▲ check before you start:",
		"1 target is not healthy yet: "+sick+" unhealthy", "only 1 target is healthy: it may leave none", "enter start anyway")
	p.Keys("Enter")
	waitText(p, "the question asked again", "enter again starts anyway, esc leaves it")
	if n := sandboxStats(t, url).ByService["autoscaling"]["StartInstanceRefresh"]; n != 0 {
		t.Fatalf("the first enter sent %d StartInstanceRefresh; it must only ask again", n)
	}
	p.Keys("Enter")
	waitText(p, "the refresh started anyway", "done: start instance refresh of demo-asg")
	if n := sandboxStats(t, url).ByService["autoscaling"]["StartInstanceRefresh"]; n != 1 {
		t.Errorf("StartInstanceRefresh sent %d times, want 1", n)
	}
}
