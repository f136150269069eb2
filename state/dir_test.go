package state

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultDirPrefersEnvThenXDGThenHome(t *testing.T) {
	home := t.TempDir()
	for _, tc := range []struct {
		name, stackwiz, xdg, want string
	}{
		{"STACKWIZ_STATE_DIR wins", "/srv/sw", "/xdg", "/srv/sw"},
		{"XDG_STATE_HOME next", "", "/xdg", "/xdg/stackwiz"},
		{"relative XDG_STATE_HOME is ignored", "", "rel/state", filepath.Join(home, ".local/state/stackwiz")},
		{"home last", "", "", filepath.Join(home, ".local/state/stackwiz")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("HOME", home)
			t.Setenv("STACKWIZ_STATE_DIR", tc.stackwiz)
			t.Setenv("XDG_STATE_HOME", tc.xdg)
			got, err := DefaultDir()
			if err != nil || got != tc.want {
				t.Errorf("DefaultDir = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestValidateName(t *testing.T) {
	for name, ok := range map[string]bool{
		"qvic": true, "web-2": true, "a": true, "abcdefghij0123456789": true,
		"": false, "Qvic": false, "my_stack": false, "abcdefghij0123456789x": false,
		"../etc": false, "a.b": false, "a b": false,
	} {
		if err := ValidateName(name); (err == nil) != ok {
			t.Errorf("ValidateName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
	if _, err := Open(t.TempDir(), "../escape"); err == nil {
		t.Error("Open accepted a name that escapes the state dir")
	}
}

func TestListFindsOnlyRecords(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"web", "api"} {
		s := mustOpen(t, dir, name)
		unlock := mustLock(t, s, "stackwiz apply")
		if err := s.SetSpec("name: " + name); err != nil {
			t.Fatal(err)
		}
		defer unlock()
	}
	// Everything else a state dir holds is not a stack.
	for _, f := range []string{
		"idle.lock", "idle.lock-holder.json", ".idle.stack.json.tmp-1", "idle.stack.json.corrupt-abcd",
		"idle.stack.json.destroyed-20260101T000000Z", "Bad_Name.stack.json", "notes.txt",
	} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sandbox"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.stack.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	got, err := List(dir)
	if err != nil || !reflect.DeepEqual(got, []string{"api", "web"}) {
		t.Fatalf("List = %v, %v; want [api web]", got, err)
	}
	if got, err := List(filepath.Join(dir, "missing")); err != nil || len(got) != 0 {
		t.Errorf("List of a missing dir = %v, %v; want none", got, err)
	}
}

func TestResolveMeansTheOnlyStackOrAsks(t *testing.T) {
	dir := t.TempDir()
	add := func(name string) {
		s := mustOpen(t, dir, name)
		unlock := mustLock(t, s, "stackwiz apply")
		if err := s.SetSpec("name: " + name); err != nil {
			t.Fatal(err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
	}

	_, err := Resolve(dir, "")
	if !errors.Is(err, ErrNoStack) || !strings.Contains(err.Error(), dir) {
		t.Errorf("no stacks: err = %v, want ErrNoStack naming %s", err, dir)
	}
	if got, err := Resolve(dir, "new"); err != nil || got != "new" {
		t.Errorf("named, not yet recorded: %q, %v; want new", got, err)
	}

	add("web")
	if got, err := Resolve(dir, ""); err != nil || got != "web" {
		t.Errorf("one stack: %q, %v; want web", got, err)
	}

	add("api")
	_, err = Resolve(dir, "")
	if !errors.Is(err, ErrSeveralStacks) || !strings.Contains(err.Error(), "api, web") || !strings.Contains(err.Error(), "--stack") {
		t.Errorf("two stacks: err = %v, want ErrSeveralStacks listing api, web and --stack", err)
	}
	if got, err := Resolve(dir, "api"); err != nil || got != "api" {
		t.Errorf("two stacks, named: %q, %v; want api", got, err)
	}
	if _, err := Resolve(dir, "Not Valid"); err == nil {
		t.Error("an invalid --stack name was accepted")
	}
}
