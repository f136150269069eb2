package console

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
)

// consoleBinary is the built binary (the kit's, built once for every
// package's tests), or skips the test when tmux is missing or the run is
// short.
func consoleBinary(t *testing.T) string {
	t.Helper()
	testkit.NeedTmux(t)
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return testkit.Binary(t)
}

// tmuxPane is the kit's tmux driver.
type tmuxPane = testkit.Pane

// startPane runs command (already quoted for sh) at 120×40 in a pane of
// its own tmux server (its socket in dir), so it never touches the user's
// sessions. The pane stays after the program ends, so a failure shows its
// last screen.
func startPane(t testing.TB, dir, name, command string) *tmuxPane {
	t.Helper()
	p := testkit.NewPane(t, testkit.PaneOptions{Dir: dir, Name: name})
	p.Pause = 0 // the console reads keys as they come
	p.RunShell(command)
	return p
}

// waitFor polls the screen until ok, for up to 60 s (the machine may be
// busy); it never sleeps a fixed time before looking.
func waitFor(p *tmuxPane, what string, ok func(string) bool) string {
	return p.Wait(60*time.Second, what, ok)
}

// waitText waits until the screen shows every one of texts.
func waitText(p *tmuxPane, what string, texts ...string) string {
	return waitFor(p, what, func(s string) bool { return testkit.ContainsAll(s, texts...) })
}

// binaryOnSandbox is what a test of the built binary on its embedded
// sandbox starts from: a folder, the binary (see consoleBinary), a state
// dir in the folder, the example's start script for user data, and the
// environment (cliEnv).
func binaryOnSandbox(t *testing.T) (dir, bin, stateDir, start string, env []string) {
	t.Helper()
	dir = t.TempDir()
	bin = consoleBinary(t)
	start, err := filepath.Abs(filepath.Join("..", "..", "examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, bin, filepath.Join(dir, "state"), start, cliEnv(dir)
}

// cliEnv is the environment of the binary run as a command on its
// embedded sandbox: HOME in dir, test credentials and no AWS files of the
// machine's, a quick sandbox clock, no user config, not read-only.
func cliEnv(dir string) []string {
	return append(os.Environ(), "HOME="+dir, "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "STACKWIZ_SANDBOX_SPEED=300", "XDG_CONFIG_HOME=", "STACKWIZ_CONFIG_DIR=", "STACKWIZ_READ_ONLY=")
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
