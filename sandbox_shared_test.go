package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/steps"
)

// sharedSpeed is the sandbox speed of the processes on a sharedStateDir:
// realistic latency (the --sandbox default) at 300x, so NAT gateways,
// load balancers and instances take their time, in milliseconds.
const sharedSpeed = 300

// sharedStateDir runs stackwiz --sandbox processes on one state dir.
type sharedStateDir struct {
	dir   string
	specs string // where the stack specs are written
	env   []string
}

func newSharedStateDir(t *testing.T) *sharedStateDir {
	t.Helper()
	d := &sharedStateDir{dir: t.TempDir(), specs: t.TempDir(),
		env: []string{"NO_COLOR=1", fmt.Sprintf("STACKWIZ_SANDBOX_SPEED=%d", sharedSpeed)}}
	script, err := os.ReadFile(filepath.Join("examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.specs, "start.sh"), script, 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

// spec writes examples/minimal.yaml under another stack name.
func (d *sharedStateDir) spec(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("examples", "minimal.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("\nname: demo\n"), []byte("\nname: "+name+"\n"), 1)
	if !bytes.Contains(b, []byte("\nname: "+name+"\n")) {
		t.Fatalf("examples/minimal.yaml has no `name: demo` line to rename")
	}
	path := filepath.Join(d.specs, name+".yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// command is `stackwiz --sandbox --state-dir <dir> args...`, not started.
func (d *sharedStateDir) command(ctx context.Context, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, binary, append([]string{"--sandbox", "--state-dir", d.dir}, args...)...)
	cmd.Env = append(os.Environ(), d.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs one command to its end; it is safe from several goroutines.
func (d *sharedStateDir) run(t *testing.T, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd, stdout, stderr := d.command(ctx, args...)
	err := cmd.Run()
	code, ran := exitCode(err)
	if !ran {
		t.Errorf("run stackwiz %s: %v", strings.Join(args, " "), err)
		code = -1
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// status runs `status --json` for a stack and checks that it exits 0 and
// finds every resource of the stack. It returns the resources' ids.
func (d *sharedStateDir) status(t *testing.T, stack, when string) []string {
	t.Helper()
	r := d.run(t, "--stack", stack, "status", "--json")
	var rep steps.StatusReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%s: status --json of %s exited %d: %v\n%s\n%s", when, stack, r.code, err, r.stdout, r.stderr)
	}
	var ids, problems []string
	for _, res := range rep.Resources {
		if res.Problem != "" {
			problems = append(problems, fmt.Sprintf("%s %s: %s", res.Key, res.ID, res.Problem))
		}
		if !res.Exists || res.ID == "" {
			continue
		}
		ids = append(ids, res.ID)
	}
	if missing := len(rep.Resources) - len(ids); missing > 0 || r.code != 0 {
		t.Errorf("%s: status of %s exited %d (want 0, healthy), %d of %d resources missing:\n%s\n%s",
			when, stack, r.code, missing, len(rep.Resources), strings.Join(problems, "\n"), r.stderr)
	}
	if len(ids) < 10 {
		t.Errorf("%s: status of %s lists %d resources, want the minimal stack's (15)", when, stack, len(ids))
	}
	return ids
}

// inventory loads the world the processes share, as one more of them
// with their time profile (its ticks are saved to the world too).
func (d *sharedStateDir) inventory(t *testing.T) []sandbox.InventoryItem {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{DataDir: filepath.Join(d.dir, "sandbox", "world"), Latency: sandbox.LatencyRealistic, Speed: sharedSpeed})
	if err != nil {
		t.Fatalf("load the shared world: %v", err)
	}
	defer sb.Close()
	return sb.Inventory()
}

// checkInventory checks that the world holds every resource status found.
func checkInventory(t *testing.T, inv []sandbox.InventoryItem, stack string, ids []string, when string) {
	t.Helper()
	have := map[string]bool{}
	tagged := 0
	for _, it := range inv {
		have[it.ID], have[it.Name] = true, true
		if it.Tags["stackwiz:stack"] == stack {
			tagged++
		}
	}
	for _, id := range ids {
		if !have[id] {
			t.Errorf("%s: the sandbox inventory has no %s of stack %s", when, id, stack)
		}
	}
	if tagged < len(ids) {
		t.Errorf("%s: the sandbox inventory has %d resources tagged stackwiz:stack=%s, want at least the %d status lists", when, tagged, stack, len(ids))
	}
}

// TestOneSandboxWorldForEveryProcessOnAStateDir is the README's sequence
// with more at once: the console open on one --sandbox stack while two
// applies of two other stacks run side by side on the same state dir.
// Every stack keeps all its resources in the one world, whoever saved
// last; a console killed with SIGKILL, and an apply killed halfway,
// leave the others working and lose nothing.
func TestOneSandboxWorldForEveryProcessOnAStateDir(t *testing.T) {
	testkit.NeedTmux(t)
	d := newSharedStateDir(t)
	if r := d.run(t, "apply", "-f", d.spec(t, "alpha"), "--yes"); r.code != 0 {
		t.Fatalf("apply alpha exited %d\n%s", r.code, r.stderr)
	}

	// The console on alpha, in a terminal of its own; exec, so that the
	// pane's process is stackwiz itself.
	console := strings.Join(append([]string{"exec", "env", "TERM=xterm-256color"}, d.env...), " ") +
		fmt.Sprintf(" %s --sandbox --state-dir %s --stack alpha console", binary, d.dir)
	p := testkit.NewPane(t, testkit.PaneOptions{Dir: t.TempDir(), Name: "console"})
	p.RunShell(console)
	consolePID := p.ShellPID()
	waitScreen := func(what string, ok func(string) bool) {
		t.Helper()
		p.Wait(20*time.Second, what, ok)
	}
	waitScreen("the console's live view of alpha", func(s string) bool { return strings.Contains(s, "2/2 in service") })

	// Two applies at once, with the console refreshing beside them.
	var wg sync.WaitGroup
	applied := map[string]result{}
	var mu sync.Mutex
	for _, name := range []string{"bravo", "charlie"} {
		spec := d.spec(t, name)
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := d.run(t, "apply", "-f", spec, "--yes")
			mu.Lock()
			applied[name] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	for name, r := range applied {
		if r.code != 0 || !strings.Contains(r.stderr, fmt.Sprintf("Stack %q is up", name)) {
			t.Fatalf("apply %s exited %d\n%s", name, r.code, r.stderr)
		}
	}
	waitScreen("the console to refresh after the applies", func(s string) bool { return strings.Contains(s, "2/2 in service") })

	ids := map[string][]string{}
	inv := d.inventory(t)
	for _, name := range []string{"alpha", "bravo", "charlie"} {
		ids[name] = d.status(t, name, "after the concurrent applies")
		checkInventory(t, inv, name, ids[name], "after the concurrent applies")
	}

	// An apply killed halfway, then the console killed: neither leaves
	// a lock held or a world half written.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	killed, _, _ := d.command(ctx, "apply", "-f", d.spec(t, "delta"), "--yes")
	if err := killed.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	_ = killed.Process.Signal(syscall.SIGKILL)
	_ = killed.Wait()
	if err := syscall.Kill(consolePID, syscall.SIGKILL); err != nil {
		t.Fatalf("SIGKILL the console (pid %d): %v", consolePID, err)
	}

	inv = d.inventory(t)
	for _, name := range []string{"alpha", "bravo", "charlie"} {
		got := d.status(t, name, "after SIGKILL of the console and of an apply")
		if fmt.Sprint(got) != fmt.Sprint(ids[name]) {
			t.Errorf("after the kills, status of %s lists %v; before it listed %v", name, got, ids[name])
		}
		checkInventory(t, inv, name, got, "after SIGKILL of the console and of an apply")
	}
	// The killed apply resumes, on a world that kept what it was told.
	if r := d.run(t, "apply", "-f", d.spec(t, "delta"), "--yes"); r.code != 0 {
		t.Fatalf("apply delta after its SIGKILL exited %d\n%s", r.code, r.stderr)
	}
	checkInventory(t, d.inventory(t), "delta", d.status(t, "delta", "after the resumed apply"), "after the resumed apply")
}
