package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestVersionPrintsTheLinkerValues(t *testing.T) {
	r := runBinary(t, "version")
	if r.code != 0 {
		t.Fatalf("version: exit %d, stderr %q", r.code, r.stderr)
	}
	want := "stackwiz " + testVersion + "\n" +
		"commit  " + testCommit + "\n" +
		"date    " + testDate + "\n" +
		"go      " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + "\n"
	if r.stdout != want {
		t.Errorf("version printed:\n%s\nwant:\n%s", r.stdout, want)
	}
	r = runBinary(t, "--version")
	if r.code != 0 || !strings.Contains(r.stdout, testVersion+" ("+testCommit[:7]+")") {
		t.Errorf("--version: exit %d, stdout %q; want the version and short commit", r.code, r.stdout)
	}
}

func TestVersionJSONIsOneDocumentWithEveryKey(t *testing.T) {
	r := runBinary(t, "version", "--json")
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("version --json: exit %d, stderr %q", r.code, r.stderr)
	}
	got := decodeOneDocument(t, r.stdout)
	want := map[string]any{
		"schema_version": float64(versionSchemaVersion),
		"version":        testVersion,
		"commit":         testCommit,
		"date":           testDate,
		"modified":       false,
		"go_version":     runtime.Version(),
		"os":             runtime.GOOS,
		"arch":           runtime.GOARCH,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("version --json: %s = %#v, want %#v", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("version --json: unexpected key %q", k)
		}
	}
}

// decodeOneDocument decodes stdout as exactly one JSON object.
func decodeOneDocument(t *testing.T, stdout string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("decode %q: %v", stdout, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("more than one JSON document on stdout: %q", stdout)
	}
	return doc
}

// TestGoBuildPrintsTheCheckoutsRevision builds the binary as a contributor
// or `go install` does, with no linker values, and checks that it names
// the revision it was built from instead of "commit unknown".
func TestGoBuildPrintsTheCheckoutsRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary again")
	}
	heads := []string{gitOutput(t, "rev-parse", "HEAD")}
	dirtyBefore := gitOutput(t, "status", "--porcelain") != ""

	bin := filepath.Join(t.TempDir(), "stackwiz")
	// -buildvcs=auto is go build's default; saying so keeps a
	// GOFLAGS=-buildvcs=false in the environment (go env -w, as on some
	// machines) from hiding what a plain `go build` records.
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, ".")
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Run(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out.String())
	}
	// Others may commit or edit while the build runs: the binary holds
	// whichever HEAD go build saw.
	heads = append(heads, gitOutput(t, "rev-parse", "HEAD"))
	dirtyAfter := gitOutput(t, "status", "--porcelain") != ""

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "STACKWIZ_STATE_DIR="+t.TempDir(), "NO_COLOR=1")
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("stackwiz %s: %v", strings.Join(args, " "), err)
		}
		return string(stdout)
	}

	text := run("version")
	if strings.Contains(text, "commit  unknown") || strings.Contains(text, "date    unknown") || strings.HasPrefix(text, "stackwiz dev\n") {
		t.Fatalf("a go build in a git checkout printed:\n%s", text)
	}
	doc := decodeOneDocument(t, run("version", "--json"))
	rev, _ := doc["commit"].(string)
	if !slices.Contains(heads, rev) {
		t.Errorf("version --json: commit %q, want HEAD (%s)", rev, strings.Join(heads, " or "))
	}
	if !strings.Contains(text, "commit  "+rev) {
		t.Errorf("version does not print the revision %s:\n%s", rev, text)
	}
	if v, _ := doc["version"].(string); !strings.HasPrefix(v, "v") {
		t.Errorf("version --json: version %q, want the module version Go stamped (a tag or a pseudo-version)", v)
	}
	if d, _ := doc["date"].(string); d == "" {
		t.Errorf("version --json: no date; want the commit's time")
	}
	if dirtyBefore == dirtyAfter {
		if got := doc["modified"]; got != dirtyBefore {
			t.Errorf("version --json: modified %v, but git status says the tree is modified: %v", got, dirtyBefore)
		}
		if marked := strings.Contains(text, "uncommitted changes"); marked != dirtyBefore {
			t.Errorf("version says uncommitted changes: %v, git status: %v:\n%s", marked, dirtyBefore, text)
		}
	}
}

// gitOutput runs git in the package directory and returns its trimmed
// output. Outside a git checkout there is no revision to find, and the
// test says so.
func gitOutput(t *testing.T, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git: a build cannot record a revision")
	}
	cmd := exec.Command("git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "not a git repository") {
			t.Skip("not a git checkout: a build here records no revision")
		}
		t.Fatalf("git %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
