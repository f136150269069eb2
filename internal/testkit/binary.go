package testkit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
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
// <user cache>/stackwiz-test/bin-<key>/stackwiz, where key hashes those
// flags, the Go version and the module's sources, go.mod and go.sum. A
// file lock makes the tests of packages run side by side (go test ./...)
// wait for one build instead of each building its own.
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
	key, err := sourceKey(root, strings.Join(args, " "))
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	base := filepath.Join(cache, "stackwiz-test")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", err
	}
	// One lock per key: the plain and the race-checked builds of one run
	// go side by side; two packages wanting the same one wait for it.
	lock := flock.New(filepath.Join(base, "bin-"+key+".lock"))
	if err := lock.Lock(); err != nil {
		return "", fmt.Errorf("lock %s: %w", lock.Path(), err)
	}
	defer lock.Unlock()
	now := time.Now()
	_ = os.Chtimes(lock.Path(), now, now) // in use: kept by prune

	dir := filepath.Join(base, "bin-"+key)
	bin := filepath.Join(dir, "stackwiz")
	if _, err := os.Stat(bin); err == nil {
		_ = os.Chtimes(dir, now, now) // in use: kept by prune
		return bin, nil
	}
	prune(base)
	tmp, err := os.MkdirTemp(base, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", append(args, "-o", filepath.Join(tmp, "stackwiz"), ".")...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s (in %s): %v\n%s", strings.Join(args, " "), root, err, out)
	}
	_ = os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", err
	}
	return bin, nil
}

// prune removes builds (and their locks) unused for a day: each change of
// the sources leaves one behind.
func prune(base string) {
	entries, _ := os.ReadDir(base)
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && time.Since(info.ModTime()) > 24*time.Hour {
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

// sourceKey hashes flags, the Go version, go.mod, go.sum and every file
// of the module that is not a test: Go sources and what they embed. Test
// files, testdata, hidden folders and nested modules (tools/) are left
// out: they do not make the binary.
func sourceKey(root, flags string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", runtime.Version(), flags)
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "docs") {
				return filepath.SkipDir
			}
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") || strings.HasSuffix(name, ".md") || !d.Type().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, path)
		fmt.Fprintf(h, "%s\n", rel)
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("hash the sources: %w", err)
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
