package state

import (
	"os"
	"path/filepath"
	"testing"
)

// TestLastStackIsRememberedPerStateDirReadableByTheUserOnly: the console's
// last choice is kept per state dir, in a 0600 file in a 0700 directory,
// replaced atomically (no temp file left), and a broken file is replaced
// rather than stopping the console.
func TestLastStackIsRememberedPerStateDirReadableByTheUserOnly(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "config", "stackwiz")
	path := filepath.Join(cfg, "console.json")
	a, b := t.TempDir(), t.TempDir()
	if got, err := ReadLastStack(path, a); err != nil || got != "" {
		t.Fatalf("no file: %q, %v", got, err)
	}
	for _, c := range []struct{ dir, name string }{{a, "blue"}, {b, "prod"}, {a, "green"}} {
		if err := WriteLastStack(path, c.dir, c.name); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := ReadLastStack(path, a); got != "green" {
		t.Errorf("state dir a: %q, want green", got)
	}
	// The same dir named another way is the same dir.
	if got, _ := ReadLastStack(path, b+string(filepath.Separator)+"."); got != "prod" {
		t.Errorf("state dir b: %q, want prod", got)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, cfg: 0o700} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode().Perm(), err, want)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(cfg, ".*")); len(left) != 0 {
		t.Errorf("temp files left: %v", left)
	}
	if err := WriteLastStack(path, a, "Bad Name"); err == nil {
		t.Error("an invalid stack name was remembered")
	}
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLastStack(path, a); err == nil {
		t.Error("a broken file read without an error")
	}
	if err := WriteLastStack(path, a, "blue"); err != nil {
		t.Fatalf("a broken file is not replaced: %v", err)
	}
	if got, _ := ReadLastStack(path, a); got != "blue" {
		t.Errorf("after replacing the broken file: %q", got)
	}
}
