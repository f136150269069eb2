package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
)

// These tests run the built binary against a sandbox served by the test,
// as a user (or CI) runs stackwiz against an endpoint.

// world is a sandbox served over HTTP that can SIGKILL the stackwiz
// process it serves right after the k-th mutating request.
type world struct {
	sb  *sandbox.Sandbox
	url string

	mu        sync.Mutex
	mutations int
	// leaseWrites are the mutations of the stack's lease (SSM), which
	// every apply and destroy takes and gives back.
	leaseWrites int
	killAt      int
	victim      *os.Process
	killed      bool
	// signal is what the victim gets at killAt: SIGKILL unless set.
	signal os.Signal
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{}
	// The HA example's domain is delegated to the zone apply creates, as
	// apply tells the user to do; without that ACM would never issue.
	srv := testkit.NewServer(t, testkit.ServerOptions{Sandbox: sandbox.Options{AfterServe: w.served, DelegatedDomains: []string{"example.com"}}})
	w.sb, w.url = srv.SB, srv.URL
	return w
}

func (w *world) served(s sandbox.Served) {
	if !s.Mutating() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.mutations++
	if s.Service == "ssm" {
		w.leaseWrites++
	}
	if w.killAt > 0 && w.mutations == w.killAt && w.victim != nil {
		if w.signal != nil {
			_ = w.victim.Signal(w.signal)
		} else {
			_ = w.victim.Kill() // SIGKILL: no deferred cleanup, no last save
		}
		w.killed = true
	}
}

// shape is the world's resources by type, Name and stackwiz key: what two
// runs of the same spec must agree on.
func (w *world) shape() []string {
	var out []string
	for _, it := range w.sb.Inventory() {
		out = append(out, it.Type+" "+it.Tags["Name"]+" "+it.Tags["stackwiz:key"])
	}
	slices.Sort(out)
	return out
}

// stackwiz runs the binary against the world with stateDir; killAt > 0
// SIGKILLs it right after the world answers its killAt-th mutating
// request (counted over the world's life).
func (w *world) stackwiz(t *testing.T, stateDir string, killAt int, args ...string) (result, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	full := append([]string{"--endpoint-url", w.url, "--region", "us-east-1", "--state-dir", stateDir}, args...)
	cmd := exec.CommandContext(ctx, binary, full...)
	cmd.Env = endpointEnv("")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.mu.Lock()
	w.killAt, w.victim, w.killed = killAt, cmd.Process, false
	w.mu.Unlock()
	err := cmd.Wait()
	w.mu.Lock()
	killed := w.killed
	w.killAt, w.victim = 0, nil
	w.mu.Unlock()
	code, ran := exitCode(err)
	if !ran {
		t.Fatalf("stackwiz %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}, killed
}

func examplePath(t testing.TB, name string) string {
	p, err := filepath.Abs(filepath.Join("examples", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestApplyStatusDestroyThroughTheBinary(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	spec := examplePath(t, "minimal")
	if r, _ := w.stackwiz(t, dir, 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}
	r, _ := w.stackwiz(t, dir, 0, "status", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"healthy": true`) {
		t.Fatalf("status exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r, _ := w.stackwiz(t, dir, 0, "plan"); r.code != 0 || !strings.Contains(r.stdout, "0 to create, 0 to update, 0 to replace, 0 to delete") {
		t.Fatalf("plan after apply exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r, _ := w.stackwiz(t, dir, 0, "destroy", "--yes"); r.code != 0 {
		t.Fatalf("destroy exited %d\n%s", r.code, r.stderr)
	}
	if inv := w.shape(); len(inv) > 0 {
		t.Fatalf("destroy left:\n%s", strings.Join(inv, "\n"))
	}
}

func TestInvalidSpecExitsTwoNamingEveryFieldAndCallsNothing(t *testing.T) {
	w := newWorld(t)
	spec := filepath.Join(t.TempDir(), "stack.yaml")
	bad := "name: Bad_Name\nnetwork:\n  cidr: 10.0.0.0/33\nautoscaling:\n  min: 5\n  max: 2\nload_balancer:\n  htps: true\n"
	if err := os.WriteFile(spec, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ := w.stackwiz(t, t.TempDir(), 0, "apply", "-f", spec, "--yes")
	if r.code != 2 {
		t.Fatalf("apply of an invalid spec exited %d, want 2\n%s", r.code, r.stderr)
	}
	for _, field := range []string{"name", "network.cidr", "autoscaling", "load_balancer.htps"} {
		if !strings.Contains(r.stderr, field) {
			t.Errorf("the error does not name %s:\n%s", field, r.stderr)
		}
	}
	if n := w.sb.Stats().Total; n != 0 {
		t.Fatalf("an invalid spec made %d requests to AWS, want none", n)
	}
}

func TestApplyKilledAfterEveryMutationResumesToTheSameStack(t *testing.T) {
	// Each kill point has a sandbox of its own, and a run mostly waits on
	// processes: the kill points run beside each other, and the whole
	// test beside the AWS CLI script test.
	t.Parallel()
	spec := examplePath(t, "minimal")
	clean := newWorld(t)
	if r, _ := clean.stackwiz(t, t.TempDir(), 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("clean apply exited %d\n%s", r.code, r.stderr)
	}
	want, total := clean.shape(), clean.mutations
	for k := 1; k <= total; k++ {
		t.Run(fmt.Sprintf("kill at %d of %d", k, total), func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			dir := t.TempDir()
			r, killed := w.stackwiz(t, dir, k, "apply", "-f", spec, "--yes")
			if !killed {
				t.Fatalf("apply was not killed (exit %d)\n%s", r.code, r.stderr)
			}
			if r, _ := w.stackwiz(t, dir, 0, "apply", "-f", spec, "--yes"); r.code != 0 {
				t.Fatalf("resumed apply exited %d\n%s", r.code, r.stderr)
			}
			if got := w.shape(); !slices.Equal(got, want) {
				t.Fatalf("after resume the sandbox holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if r, _ := w.stackwiz(t, dir, 0, "destroy", "--yes"); r.code != 0 {
				t.Fatalf("destroy exited %d\n%s", r.code, r.stderr)
			}
			if inv := w.shape(); len(inv) > 0 {
				t.Fatalf("destroy left:\n%s", strings.Join(inv, "\n"))
			}
		})
	}
}

func TestHAStackThroughTheEmbeddedSandboxAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, append([]string{"--sandbox", "--state-dir", dir}, args...)...)
		cmd.Env = append(os.Environ(), "NO_COLOR=1", "STACKWIZ_SANDBOX_LATENCY=instant")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code, ran := exitCode(err)
		if !ran {
			t.Fatal(err)
		}
		return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
	}
	// The certificate waits for example.com to be delegated to the zone
	// apply creates: this test is the registrar, through the world the
	// embedded sandbox shares on the state dir.
	registrar := delegateOnceCreated(t, filepath.Join(dir, "sandbox", "world"), "example.com")
	if r := run("apply", "-f", examplePath(t, "ha"), "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	} else if !strings.Contains(r.stderr, "URL:            https://api.example.com") {
		t.Errorf("apply did not end with the stack's https URL:\n%s", r.stderr)
	} else if !strings.Contains(r.stderr, "set the domain's name servers at your registrar to ns-") {
		t.Errorf("apply did not say which name servers the domain must be delegated to:\n%s", r.stderr)
	}
	if !registrar() {
		t.Error("apply finished without the zone having been delegated")
	}
	// Each command is a new process: the sandbox's world and the record
	// are both read back from the state dir. Until ops@example.com clicks
	// the link, the alarms notify nobody: not healthy.
	if r := run("status"); r.code != 1 || !strings.Contains(r.stdout, "ops@example.com has not confirmed") {
		t.Fatalf("status with the alarm e-mail unconfirmed exited %d, want 1 naming the address\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	confirmEmail(t, filepath.Join(dir, "sandbox", "world"), "ops@example.com")
	if r := run("status"); r.code != 0 {
		t.Fatalf("status exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	script := run("export", "cli")
	if script.code != 0 || !strings.Contains(script.stdout, "aws autoscaling create-auto-scaling-group") {
		t.Fatalf("export cli exited %d:\n%s", script.code, script.stderr)
	}
	if r := run("destroy", "--yes", "--json"); r.code != 0 || !strings.Contains(r.stdout, `"destroyed": true`) {
		t.Fatalf("destroy exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := run("status"); r.code != 2 {
		t.Fatalf("status after destroy exited %d, want 2 (no stack)\n%s", r.code, r.stderr)
	}
	inv, err := os.ReadFile(filepath.Join(dir, "sandbox", "world", "world.json"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := sandbox.New(sandbox.Options{DataDir: filepath.Join(dir, "sandbox", "world")})
	if err != nil {
		t.Fatalf("reload the world (%d bytes): %v", len(inv), err)
	}
	if left := w.Inventory(); len(left) > 0 {
		t.Fatalf("destroy left %d resources in the embedded sandbox: %+v", len(left), left)
	}
}

// TestExportedScriptBuildsWhatApplyBuilds runs `stackwiz export cli` for
// the minimal example through the real AWS CLI against one sandbox, and
// `stackwiz apply` of the same spec against another, and compares what
// each built: the script is the equivalent it claims to be.
func TestExportedScriptBuildsWhatApplyBuilds(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI is not installed (.ci/run installs it): cannot run the exported script")
	}
	// Sixty AWS CLI commands, each a Python process: beside the other
	// tests rather than after them.
	t.Parallel()
	spec := examplePath(t, "minimal")
	applied := newWorld(t)
	if r, _ := applied.stackwiz(t, t.TempDir(), 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}
	scripted := newWorld(t)
	export, _ := scripted.stackwiz(t, t.TempDir(), 0, "export", "cli", "-f", spec)
	if export.code != 0 {
		t.Fatalf("export cli exited %d\n%s", export.code, export.stderr)
	}
	path := filepath.Join(t.TempDir(), "build.sh")
	if err := os.WriteFile(path, []byte(export.stdout), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "AWS_ACCESS_KEY_ID=sandbox", "AWS_SECRET_ACCESS_KEY=sandbox",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1", "AWS_ENDPOINT_URL="+scripted.url, "AWS_PAGER=",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the exported script failed: %v\n%s", err, lastLines(string(out), 30))
	}
	names := func(w *world) []string {
		var out []string
		for _, it := range w.sb.Inventory() {
			name := it.Name
			if it.Type == "ec2:instance" || strings.HasPrefix(name, "TargetTracking-") {
				name = "" // AWS names these: ids and suffixes differ run to run
			}
			out = append(out, it.Type+" "+name)
		}
		slices.Sort(out)
		return out
	}
	if got, want := names(scripted), names(applied); !slices.Equal(got, want) {
		t.Fatalf("the exported script built\n%s\napply built\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestApplyInterruptedByCtrlCStopsCleanlyAndResumes(t *testing.T) {
	spec := examplePath(t, "minimal")
	w := newWorld(t)
	w.signal = os.Interrupt
	dir := t.TempDir()
	r, interrupted := w.stackwiz(t, dir, 5, "apply", "-f", spec, "--yes")
	if !interrupted || r.code != 1 || !strings.Contains(r.stderr, "run the same apply again to resume") {
		t.Fatalf("interrupted apply exited %d (interrupted %v), want 1 saying how to resume:\n%s", r.code, interrupted, r.stderr)
	}
	w.signal = nil
	if r, _ := w.stackwiz(t, dir, 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("resumed apply exited %d\n%s", r.code, r.stderr)
	}
	if r, _ := w.stackwiz(t, dir, 0, "status"); r.code != 0 {
		t.Fatalf("status after the resumed apply exited %d\n%s", r.code, r.stdout)
	}
}

func TestAdoptAfterALostStateDirLosesNothing(t *testing.T) {
	spec := examplePath(t, "minimal")
	w := newWorld(t)
	if r, _ := w.stackwiz(t, t.TempDir(), 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}
	want := w.shape()
	// A new laptop: an empty state dir.
	dir := t.TempDir()
	r, _ := w.stackwiz(t, dir, 0, "adopt", "-f", spec)
	if r.code != 0 || !strings.Contains(r.stdout, "Adopted") {
		t.Fatalf("adopt exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	before := w.stackMutationsSoFar()
	if r, _ := w.stackwiz(t, dir, 0, "apply", "--yes"); r.code != 0 {
		t.Fatalf("apply after adopt exited %d\n%s", r.code, r.stderr)
	}
	if got := w.shape(); !slices.Equal(got, want) {
		t.Fatalf("apply after adopt changed the stack:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := w.stackMutationsSoFar() - before; n != 0 {
		t.Errorf("apply after adopt made %d mutating requests, want 0", n)
	}
	if r, _ := w.stackwiz(t, dir, 0, "status"); r.code != 0 {
		t.Fatalf("status after adopt and apply exited %d\n%s", r.code, r.stdout)
	}
	if r, _ := w.stackwiz(t, dir, 0, "destroy", "--yes"); r.code != 0 {
		t.Fatalf("destroy exited %d\n%s", r.code, r.stderr)
	}
	if inv := w.shape(); len(inv) > 0 {
		t.Fatalf("destroy after adopt left:\n%s", strings.Join(inv, "\n"))
	}
}

// stackMutationsSoFar counts the mutating requests to the stack's
// resources: all but the lease's.
func (w *world) stackMutationsSoFar() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mutations - w.leaseWrites
}

// mutationsSoFar counts every mutating request the world served.
func (w *world) mutationsSoFar() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.mutations
}
