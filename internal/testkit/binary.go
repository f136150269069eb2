package testkit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// The linker values Binary builds with, as a release build sets them;
// the root package's tests check that `stackwiz version` prints them.
const (
	Version = "v9.8.7-test"
	Commit  = "0123456789abcdef0123456789abcdef01234567"
	Date    = "2026-11-23T12:00:00Z"
)

var binaries struct {
	sync.Mutex
	built map[bool]string
}

// Binary returns the stackwiz binary built from this module's sources
// with the release linker values, without the race detector: the terminal
// tests type at a person's pace, and a race-checked binary is several
// times slower, so keys land before the screen they are meant for. It is
// built at most once per test process and, through a cache shared by
// every package's tests, once per change of the sources (see BuildBinary).
func Binary(t testing.TB) string {
	t.Helper()
	path, err := BuildBinary(false)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildBinary builds stackwiz with the release linker values (Version,
// Commit, Date), and with -race when race is set (the root package's
// TestMain sets it when its tests have it: the binary runs the same code
// as the tests, so it is race-checked too), into
// <user cache>/stackwiz-test/bin-<key>/stackwiz, where key hashes what
// the binary is built from (see sourceKey). A file lock makes the tests
// of packages run side by side (go test ./...) wait for one build instead
// of each building its own.
func BuildBinary(race bool) (string, error) {
	binaries.Lock()
	defer binaries.Unlock()
	if path, ok := binaries.built[race]; ok {
		return path, nil
	}
	path, err := build(race)
	if err != nil {
		return "", err
	}
	if binaries.built == nil {
		binaries.built = map[bool]string{}
	}
	binaries.built[race] = path
	return path, nil
}

func build(race bool) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	args := []string{"build", "-ldflags", fmt.Sprintf("-X github.com/stackwiz/stackwiz/cli.version=%s -X github.com/stackwiz/stackwiz/cli.commit=%s -X github.com/stackwiz/stackwiz/cli.date=%s", Version, Commit, Date)}
	if race {
		args = append(args, "-race")
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "stackwiz-test")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	// The tree may be edited while the binary builds (several people and
	// tools share it): a build is kept under its key only when the
	// sources still hash to that key once it is done, so no binary is
	// ever found under a key whose sources it was not built from.
	for range 3 {
		key, err := sourceKey(root, args)
		if err != nil {
			return "", err
		}
		bin, ok, err := buildKey(base, root, key, args)
		if err != nil || ok {
			return bin, err
		}
	}
	return "", fmt.Errorf("build the test binary: the module's sources changed during each of 3 builds; run the tests again once they stop changing")
}

// buildKey returns the binary of key, building it when the cache does not
// hold it; ok is false when the sources changed during the build (the
// build is then thrown away).
func buildKey(base, root, key string, args []string) (bin string, ok bool, err error) {
	// One lock per key: the plain and the race-checked builds of one run
	// go side by side; two packages wanting the same one wait for it.
	lock := flock.New(filepath.Join(base, "bin-"+key+".lock"))
	if err := lock.Lock(); err != nil {
		return "", false, fmt.Errorf("lock %s: %w", lock.Path(), err)
	}
	defer lock.Unlock()
	now := time.Now()
	_ = os.Chtimes(lock.Path(), now, now) // in use: kept by prune

	dir := filepath.Join(base, "bin-"+key)
	bin = filepath.Join(dir, "stackwiz")
	if _, err := os.Stat(bin); err == nil {
		_ = os.Chtimes(dir, now, now) // in use: kept by prune
		return bin, true, nil
	}
	prune(base)
	tmp, err := os.MkdirTemp(base, "build-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", append(args, "-o", filepath.Join(tmp, "stackwiz"), ".")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", false, fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), root, err, out)
	}
	if after, err := sourceKey(root, args); err != nil || after != key {
		return "", false, err
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", false, err
	}
	return bin, true, nil
}

// prune removes builds (and their locks) unused for an hour: each change
// of the sources leaves one behind (some 50 MB), and an hour is longer
// than any test process holding a binary it looked up (CI's whole run has
// -timeout 30m).
func prune(base string) {
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && time.Since(info.ModTime()) > time.Hour {
			_ = os.RemoveAll(filepath.Join(base, e.Name()))
		}
	}
}

// moduleRoot is the folder of stackwiz's go.mod, found from the test's
// working folder (its package's folder) upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), "module github.com/stackwiz/stackwiz\n") {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod of github.com/stackwiz/stackwiz above the working folder")
		}
		dir = up
	}
}

// sourceKey hashes what decides the binary: the build's flags, the Go
// toolchain and the settings of its environment that change its output,
// go.mod and go.sum, and the files `go list -deps` names for this
// module's packages that the main package is built from (Go, cgo,
// assembly and embedded files). Nothing else counts: tests, docs, an
// untracked `go build` output or dist/ neither change the binary nor its
// key.
func sourceKey(root string, args []string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%q\n", args)
	env := exec.Command("go", "env", "GOVERSION", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "CGO_ENABLED", "GOFLAGS", "GOEXPERIMENT", "CC")
	env.Dir = root
	out, err := env.Output()
	if err != nil {
		return "", fmt.Errorf("go env (in %s): %w", root, err)
	}
	h.Write(out)
	list := exec.Command("go", "list", "-deps", "-json=Dir,Module,GoFiles,CgoFiles,CFiles,HFiles,SFiles,SysoFiles,EmbedFiles", ".")
	list.Dir = root
	if slices.Contains(args, "-race") { // files built only with the race tag
		list.Args = slices.Insert(list.Args, 2, "-race")
	}
	var stderr strings.Builder
	list.Stderr = &stderr
	out, err = list.Output()
	if err != nil {
		return "", fmt.Errorf("go list the binary's sources (in %s): %v\n%s", root, err, stderr.String())
	}
	files := []string{filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var pkg struct {
			Dir    string
			Module *struct{ Path string }

			GoFiles, CgoFiles, CFiles, HFiles, SFiles, SysoFiles, EmbedFiles []string
		}
		if err := dec.Decode(&pkg); err != nil {
			return "", fmt.Errorf("read go list's answer: %w", err)
		}
		if pkg.Module == nil || pkg.Module.Path != "github.com/stackwiz/stackwiz" {
			continue // the standard library and dependencies: go.sum and GOVERSION pin them
		}
		for _, names := range [][]string{pkg.GoFiles, pkg.CgoFiles, pkg.CFiles, pkg.HFiles, pkg.SFiles, pkg.SysoFiles, pkg.EmbedFiles} {
			for _, n := range names {
				files = append(files, filepath.Join(pkg.Dir, n))
			}
		}
	}
	for _, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("hash the sources: %w", err)
		}
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// RaceEnabled reports whether this test binary was built with -race.
func RaceEnabled() bool {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range info.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}
