package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// TestSourceKeyHashesWhatBuildsTheBinary: the cache key of the built
// binary changes with the sources it is built from, and with nothing
// else (a test, a doc, a leftover `go build` output).
func TestSourceKeyHashesWhatBuildsTheBinary(t *testing.T) {
	root := t.TempDir()
	write := func(name, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module github.com/stackwiz/stackwiz\n\ngo 1.22\n")
	write("go.sum", "")
	write("main.go", "package main\n\nimport \"github.com/stackwiz/stackwiz/cli\"\n\nfunc main() { cli.Main() }\n")
	write("cli/main.go", "package cli\n\nfunc Main() {}\n")
	key := func(args ...string) string {
		t.Helper()
		k, err := sourceKey(root, append([]string{"build"}, args...))
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	first := key()
	write("cli/main_test.go", "package cli\n")
	write("docs/notes.md", "notes\n")
	write("stackwiz", "\x7fELF a binary built by hand\n")
	write("examples/demo.yaml", "name: demo\n")
	if k := key(); k != first {
		t.Errorf("a test, a doc, an example or a leftover binary changed the key: %s, then %s", first, k)
	}
	write("cli/main.go", "package cli\n\nfunc Main() { println() }\n")
	if k := key(); k == first {
		t.Error("a change to a package the binary is built from left the key as it was")
	}
	if plain, race := key(), key("-race"); plain == race {
		t.Error("the race-checked build has the plain build's key")
	}
}
