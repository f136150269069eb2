package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNoOutputKeyIsSpelledOutsideSteps keeps the step outputs' contract in
// one place: code outside steps/ reads a stack's outputs through
// steps.OutputsOf, never by indexing a step's Outputs with a key of its own,
// so renaming an output breaks the build instead of the console at run time.
func TestNoOutputKeyIsSpelledOutsideSteps(t *testing.T) {
	// Outputs["lb_dns"], st.Step("dns"), out("dns", "zone_id"),
	// get(steps.StepDNS, "zone_id").
	spelled := regexp.MustCompile(`Outputs\[\s*"|\.Step\(\s*"[a-z_]+"\s*\)|\b(out|get)\(\s*"[a-z_]+"\s*,\s*"|steps\.Step[A-Z][A-Za-z]*\s*,\s*"[a-z_]+"`)
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "steps" || strings.HasPrefix(d.Name(), ".") && path != ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if spelled.MatchString(line) {
				t.Errorf("%s:%d reads a step output by its key: use steps.OutputsOf(...)\n\t%s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
