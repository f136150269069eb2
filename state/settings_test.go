package state

import (
	"os"
	"strings"
	"testing"
)

func TestSettingsRoundTripAsAPrivateFileBesideTheRecord(t *testing.T) {
	dir := t.TempDir()
	s, err := ReadSettings(dir, "demo")
	if err != nil || s.ReadOnly {
		t.Fatalf("a stack without settings: %+v, %v; want the zero settings", s, err)
	}
	if err := WriteSettings(dir, "demo", Settings{ReadOnly: true}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(SettingsPath(dir, "demo"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("settings file mode %v, want 0600", fi.Mode().Perm())
	}
	if s, err = ReadSettings(dir, "demo"); err != nil || !s.ReadOnly {
		t.Errorf("read back %+v, %v; want read_only", s, err)
	}
	// The settings file is not a stack.
	if names, err := List(dir); err != nil || len(names) != 0 {
		t.Errorf("List = %v, %v; the settings file must not read as a stack", names, err)
	}
	if err := os.WriteFile(SettingsPath(dir, "demo"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadSettings(dir, "demo"); err == nil || !strings.Contains(err.Error(), "fix or delete it") {
		t.Errorf("a broken settings file: %v; want an error that says how to fix it", err)
	}
	if err := WriteSettings(dir, "../x", Settings{}); err == nil {
		t.Error("WriteSettings accepted an invalid stack name")
	}
}
