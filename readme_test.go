package main

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/spec"
)

var updateReadme = flag.Bool("update-readme", false, "rewrite README.md's screens and cost from the golden files and the price table")

// A README block is a marker comment naming its source, then a fenced
// text block:
//
//	<!-- screen: ui/testdata/.../120x40/identity.golden -->   a golden file
//	<!-- cost: examples/minimal.yaml -->                     plan's estimate for a spec
var readmeBlock = regexp.MustCompile("(?s)<!-- (screen|cost): ([^ ]+) -->\n```text\n(.*?)```\n")

// TestREADMEShowsWhatTheProgramDraws keeps the README's screens equal to
// the golden files (which the screen tests keep equal to what the real
// program draws) and its cost block equal to what plan estimates, so the
// README cannot drift from the product. Regenerate with -update-readme.
func TestREADMEShowsWhatTheProgramDraws(t *testing.T) {
	text, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	out := readmeBlock.ReplaceAllStringFunc(string(text), func(block string) string {
		m := readmeBlock.FindStringSubmatch(block)
		kind, src, got := m[1], m[2], m[3]
		kinds[kind]++
		var want string
		switch kind {
		case "screen":
			b, err := os.ReadFile(filepath.FromSlash(src))
			if err != nil {
				t.Errorf("README shows %s, which does not exist: %v", src, err)
				return block
			}
			want = trimLines(string(b))
		case "cost":
			s, err := spec.Load(filepath.FromSlash(src))
			if err != nil {
				t.Errorf("README's cost of %s: %v", src, err)
				return block
			}
			want = trimLines(spec.EstimateMonthly(s).String())
		}
		if trimLines(got) != want {
			if !*updateReadme {
				t.Errorf("README's %s block of %s differs from what the program draws: run go test -run TestREADMEShowsWhatTheProgramDraws -update-readme .\nREADME:\n%s\nprogram:\n%s", kind, src, got, want)
			}
			return "<!-- " + kind + ": " + src + " -->\n```text\n" + want + "```\n"
		}
		return block
	})
	if kinds["screen"] < 2 || kinds["cost"] < 1 {
		t.Errorf("README shows %d screens and %d cost blocks; want the wizard's first screen, the console and a cost", kinds["screen"], kinds["cost"])
	}
	if *updateReadme && out != string(text) {
		if err := os.WriteFile("README.md", []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// trimLines drops trailing spaces on every line (editors do) and the
// blank lines at the end, and ends the text with one newline.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n") + "\n"
}
