package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// These tests run the built binary against a served sandbox as a user
// would run it against a stack that lives somewhere else than the command
// points: another region, another account, another default region. Each
// checks the exit code, that the message names the fix, and that the
// sandbox's inventory did not change.

// runIn runs the binary against w with stateDir, the environment's region
// set to envRegion (the profile's default, as a shell would have it), and
// args as given: no --region unless the test passes one.
func (w *world) runIn(t *testing.T, stateDir, envRegion string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	full := append([]string{"--endpoint-url", w.url, "--state-dir", stateDir}, args...)
	cmd := exec.CommandContext(ctx, binary, full...)
	cmd.Env = endpointEnv(envRegion)
	return runCommand(t, cmd)
}

// wantRefused checks that r exited with code and that its stderr says
// every one of words.
func wantRefused(t *testing.T, what string, r result, code int, words ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("%s exited %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
		return
	}
	for _, w := range words {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("%s: stderr does not say %q:\n%s", what, w, r.stderr)
		}
	}
}

// unchanged fails the test when the world's resources or its count of
// mutating requests moved since before.
func (w *world) unchanged(t *testing.T, what string, shape []string, mutations int) {
	t.Helper()
	if n := w.mutationsSoFar() - mutations; n != 0 {
		t.Errorf("%s made %d mutating requests, want 0", what, n)
	}
	if got := w.shape(); !slices.Equal(got, shape) {
		t.Errorf("%s changed the world:\n%s\nwant\n%s", what, strings.Join(got, "\n"), strings.Join(shape, "\n"))
	}
}

// specIn writes the minimal example with region: region into dir.
func specIn(t *testing.T, dir, region string) string {
	t.Helper()
	text, err := os.ReadFile(examplePath(t, "minimal"))
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(string(text), "name: demo\n", "name: demo\nregion: "+region+"\n", 1)
	if spec == string(text) {
		t.Fatal("the minimal example has no `name: demo` line to put a region after")
	}
	for _, f := range []string{"start.sh", "setup.sh"} {
		b, err := os.ReadFile(filepath.Join("examples", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "stack-"+region+".yaml")
	if err := os.WriteFile(p, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// record is the part of a stack's record these tests read.
type record struct {
	Region    string `json:"region"`
	AccountID string `json:"account_id"`
	Resources []struct {
		Key    string `json:"key"`
		Status string `json:"status"`
	} `json:"resources"`
}

func readRecord(t *testing.T, dir, stack string) record {
	t.Helper()
	var rec record
	data, err := os.ReadFile(filepath.Join(dir, stack+".stack.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// liveKeys are the keys of the resources not deleted, sorted, but for
// e-mail subscriptions: until someone confirms them they have no ARN to
// adopt, and the next apply's Subscribe finds them (steps/alarms_kinds.go).
func (r record) liveKeys() []string {
	var out []string
	for _, res := range r.Resources {
		if res.Status != "deleted" && !strings.Contains(res.Key, "subscription/") {
			out = append(out, res.Key)
		}
	}
	slices.Sort(out)
	return out
}

// haSpec writes the HA example into dir with SSH allowed from a fixed
// address: the test has no internet to look the caller's up.
func haSpec(t testing.TB, dir string) string {
	t.Helper()
	text, err := os.ReadFile(examplePath(t, "ha"))
	if err != nil {
		t.Fatal(err)
	}
	spec := strings.Replace(string(text), "ssh_from: auto", "ssh_from: 203.0.113.10/32", 1)
	if spec == string(text) {
		t.Fatal("the HA example has no `ssh_from: auto` to replace")
	}
	for _, f := range []string{"start.sh", "setup.sh"} {
		b, err := os.ReadFile(filepath.Join("examples", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, "ha.yaml")
	if err := os.WriteFile(p, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAStackBuiltInOneRegionIsNeverPlannedAppliedOrDestroyedInAnother(t *testing.T) {
	w := newWorld(t)
	dir, specs := t.TempDir(), t.TempDir()
	east, west := specIn(t, specs, "us-east-1"), specIn(t, specs, "us-west-2")
	if r := w.runIn(t, dir, "us-east-1", "apply", "-f", east, "--yes"); r.code != 0 {
		t.Fatalf("apply in us-east-1 exited %d\n%s", r.code, r.stderr)
	}
	shape, mutations := w.shape(), w.mutationsSoFar()
	fix := []string{"stack demo was built in us-east-1 (account ", "destroy it first", "another name"}

	wantRefused(t, "plan of a us-west-2 spec", w.runIn(t, dir, "us-east-1", "plan", "-f", west), 2, append(fix, "says us-west-2")...)
	wantRefused(t, "plan --json of a us-west-2 spec", w.runIn(t, dir, "us-east-1", "plan", "-f", west, "--json"), 2, fix...)
	wantRefused(t, "apply of a us-west-2 spec", w.runIn(t, dir, "us-east-1", "apply", "-f", west, "--yes"), 2, fix...)
	wantRefused(t, "plan --region us-west-2", w.runIn(t, dir, "us-east-1", "--region", "us-west-2", "plan"), 2, append(fix, "--region says us-west-2")...)
	wantRefused(t, "status --region us-west-2", w.runIn(t, dir, "us-east-1", "--region", "us-west-2", "status"), 2,
		"--region us-west-2", "lives in us-east-1", "drop --region")
	wantRefused(t, "destroy --region us-west-2", w.runIn(t, dir, "us-east-1", "--region", "us-west-2", "destroy", "--yes"), 2,
		"--region us-west-2", "lives in us-east-1", "drop --region")
	w.unchanged(t, "the refused commands", shape, mutations)

	// A shell whose default region is another one: the record says where
	// the stack is, and status, plan and destroy work there.
	// (Its exit code is the stack's health, which is not what is tested
	// here: that every resource is found where it is.)
	if r := w.runIn(t, dir, "eu-west-1", "status"); r.code == 2 || !strings.Contains(r.stdout, "account 123456789012, us-east-1") ||
		strings.Contains(r.stdout, "deleted outside stackwiz") {
		t.Fatalf("status with another default region exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := w.runIn(t, dir, "eu-west-1", "plan"); r.code != 0 || !strings.Contains(r.stdout, "0 to create") {
		t.Fatalf("plan of the recorded spec with another default region exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	w.unchanged(t, "status and plan", shape, mutations)
	if r := w.runIn(t, dir, "eu-west-1", "destroy", "--yes"); r.code != 0 {
		t.Fatalf("destroy with another default region exited %d\n%s", r.code, r.stderr)
	}
	if left := w.shape(); len(left) > 0 {
		t.Fatalf("destroy left:\n%s", strings.Join(left, "\n"))
	}
	// With the stack gone, the same name may be built in another region.
	if r := w.runIn(t, dir, "us-east-1", "plan", "-f", west); r.code != 0 {
		t.Fatalf("plan in us-west-2 after destroy exited %d\n%s", r.code, r.stderr)
	}
}

func TestAStackOfAnotherAccountIsRefusedBeforeAnythingIsTouched(t *testing.T) {
	w := newWorld(t)
	dir, specs := t.TempDir(), t.TempDir()
	east := specIn(t, specs, "us-east-1")
	if r := w.runIn(t, dir, "us-east-1", "apply", "-f", east, "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}
	// The record says another account than the sandbox's: as if these
	// credentials were of another account than the one the stack was
	// built in.
	path := filepath.Join(dir, "demo.stack.json")
	var rec map[string]any
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if rec["account_id"] == "" || rec["region"] != "us-east-1" {
		t.Fatalf("the record holds account %v, region %v; want both", rec["account_id"], rec["region"])
	}
	rec["account_id"] = "999999999999"
	if data, err = json.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	shape, mutations := w.shape(), w.mutationsSoFar()
	fix := []string{"stack demo was built in account 999999999999", "these credentials are account ", "--profile"}
	wantRefused(t, "plan", w.runIn(t, dir, "us-east-1", "plan", "-f", east), 2, fix...)
	wantRefused(t, "apply", w.runIn(t, dir, "us-east-1", "apply", "-f", east, "--yes"), 2, fix...)
	wantRefused(t, "status", w.runIn(t, dir, "us-east-1", "status"), 2, fix...)
	wantRefused(t, "destroy", w.runIn(t, dir, "us-east-1", "destroy", "--yes"), 2, fix...)
	w.unchanged(t, "the refused commands", shape, mutations)
}

func TestAdoptSearchesTheStacksRegionRecordsItAndRefusesOnlyGlobalFinds(t *testing.T) {
	w := newWorld(t)
	ha := haSpec(t, t.TempDir()) // region: ap-northeast-2
	built := t.TempDir()
	if r := w.runIn(t, built, "us-east-1", "apply", "-f", ha, "--yes"); r.code != 0 {
		t.Fatalf("apply of the HA stack exited %d\n%s", r.code, r.stderr)
	}
	shape, mutations := w.shape(), w.mutationsSoFar()
	const stack = "qvic" // the HA example's name

	// A shell whose default region is us-east-1, no -f, no --region: only
	// the stack's IAM, Route 53 and billing resources are found there.
	lost := t.TempDir()
	r := w.runIn(t, lost, "us-east-1", "--stack", stack, "adopt")
	wantRefused(t, "adopt in the default region", r, 1, "Searching us-east-1", "none of its regional ones in us-east-1", "--region REGION", "nothing was recorded")
	if names, _ := filepath.Glob(filepath.Join(lost, "*.stack.json")); len(names) > 0 {
		t.Errorf("a refused adopt left a record: %v", names)
	}

	// With the spec, adopt searches the spec's region whatever the shell's.
	r = w.runIn(t, lost, "us-east-1", "adopt", "-f", ha)
	if r.code != 0 || !strings.Contains(r.stderr, "Searching ap-northeast-2") || !strings.Contains(r.stdout, "in ap-northeast-2, account ") {
		t.Fatalf("adopt -f exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	adopted, original := readRecord(t, lost, stack), readRecord(t, built, stack)
	if adopted.Region != "ap-northeast-2" || adopted.AccountID != original.AccountID || original.AccountID == "" {
		t.Errorf("the adopted record holds region %q, account %q; want ap-northeast-2 and %q", adopted.Region, adopted.AccountID, original.AccountID)
	}
	if got, want := adopted.liveKeys(), original.liveKeys(); !slices.Equal(got, want) {
		t.Errorf("adopt recorded %d resources:\n%s\nthe apply recorded %d:\n%s", len(got), strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	st := w.runIn(t, lost, "us-east-1", "status")
	if st.code == 2 || strings.Contains(st.stdout, "deleted outside stackwiz") || !strings.Contains(st.stdout, "ap-northeast-2") ||
		strings.Contains(st.stdout, "account -") {
		t.Errorf("status after adopt, shell in us-east-1 (exit %d), did not check in ap-northeast-2:\n%s\n%s", st.code, st.stdout, st.stderr)
	}

	// --region names where to search without a spec.
	other := t.TempDir()
	if r := w.runIn(t, other, "us-east-1", "--region", "ap-northeast-2", "--stack", stack, "adopt"); r.code != 0 || !strings.Contains(r.stderr, "Searching ap-northeast-2 (--region)") {
		t.Fatalf("adopt --region exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	wantRefused(t, "adopt -f with another --region", w.runIn(t, t.TempDir(), "us-east-1", "--region", "us-east-1", "adopt", "-f", ha), 2,
		"--region us-east-1 contradicts the spec's region ap-northeast-2")
	w.unchanged(t, "adopt and status", shape, mutations)

	// destroy from the adopted record, in a shell of another region,
	// removes the whole stack.
	if r := w.runIn(t, lost, "us-east-1", "destroy", "--yes"); r.code != 0 {
		t.Fatalf("destroy after adopt exited %d\n%s", r.code, r.stderr)
	}
	if left := w.shape(); len(left) > 0 {
		t.Fatalf("destroy after adopt left:\n%s", strings.Join(left, "\n"))
	}
}

func TestAStateDirThatCannotBeADirectoryIsBadUsageNamingTheFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state")
	if err := os.WriteFile(file, []byte("not a dir"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		dir  string
		args []string
		says string
	}{
		{"a file", file, []string{"status"}, "state dir " + file + " is a file"},
		{"a file, with --sandbox", file, []string{"--sandbox", "plan", "-f", examplePath(t, "minimal")}, "state dir " + file + " is a file"},
		{"under a file", filepath.Join(file, "sub"), []string{"status"}, "state dir " + filepath.Join(file, "sub") + " cannot be used"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, how := range []string{"flag", "env"} {
				args := c.args
				env := []string{}
				if how == "flag" {
					args = append([]string{"--state-dir", c.dir}, args...)
				} else {
					env = append(env, "STACKWIZ_STATE_DIR="+c.dir)
				}
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				cmd := exec.CommandContext(ctx, binary, args...)
				cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				err := cmd.Run()
				cancel()
				var exitErr *exec.ExitError
				if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 {
					t.Fatalf("%s: exit %v, want 2\n%s", how, err, stderr.String())
				}
				for _, w := range []string{c.says, "--state-dir", "STACKWIZ_STATE_DIR"} {
					if !strings.Contains(stderr.String(), w) {
						t.Errorf("%s: stderr does not say %q:\n%s", how, w, stderr.String())
					}
				}
			}
			if info, err := os.Stat(file); err != nil || info.IsDir() {
				t.Errorf("the file given as state dir was changed: %v", err)
			}
		})
	}
}
