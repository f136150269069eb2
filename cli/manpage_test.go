package cli

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// renderManPage runs `stackwiz man` (the command tree the binary runs, as
// the release's before hook does) and formats the page with groff as man(1) would,
// wide and without hyphenation so that a paragraph's words can be
// compared. It fails on any warning groff has about the page.
func renderManPage(t *testing.T) (roff, text string) {
	t.Helper()
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Fatalf("the man page tests format the page with groff, which is not on PATH: install it (Debian: apt-get install groff-base)")
	}
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetArgs([]string{"man"})
	if err := root.Execute(); err != nil || errOut.Len() > 0 {
		t.Fatalf("stackwiz man: %v; stderr %q", err, errOut.String())
	}
	page := filepath.Join(t.TempDir(), "stackwiz.1")
	if err := os.WriteFile(page, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// -ww: every warning; -z: no output, only the check.
	lint := exec.Command(groff, "-man", "-ww", "-z", page)
	if out, err := lint.CombinedOutput(); err != nil || len(out) > 0 {
		t.Fatalf("groff warns about the man page (%v):\n%s", err, out)
	}
	var stdout, stderr bytes.Buffer
	format := exec.Command(groff, "-man", "-Tutf8", "-P-cbou", "-rLL=400n", "-rHY=0", page)
	format.Stdout, format.Stderr = &stdout, &stderr
	if err := format.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("groff -man -Tutf8: %v\n%s", err, stderr.String())
	}
	return out.String(), stdout.String()
}

// renderedBlocks splits formatted man output into its blocks: runs of
// lines between blank lines and section headings (unindented lines), each
// with its whitespace collapsed and typographic dashes and quotes made
// plain, so they compare with help text.
func renderedBlocks(text string) []string {
	plain := strings.NewReplacer("\u2212", "-", "\u2010", "-", "\u2019", "'", "\u2018", "'", "\u201c", `"`, "\u201d", `"`, "`", "'")
	var blocks []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(strings.Fields(plain.Replace(strings.Join(cur, " "))), " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" || !strings.HasPrefix(line, " ") {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return blocks
}

// manSection returns the formatted text of one section, heading excluded.
func manSection(t *testing.T, text, name string) string {
	t.Helper()
	_, after, ok := strings.Cut(text, "\n"+name+"\n")
	if !ok {
		t.Fatalf("the man page has no %s section:\n%s", name, text)
	}
	if i := regexp.MustCompile(`\n[A-Z]`).FindStringIndex(after); i != nil {
		after = after[:i[0]]
	}
	return after
}

// TestManPageRendersOneParagraphPerParagraph formats the page and checks
// that every paragraph of every command's help (and the program's
// description) is one paragraph of the formatted page, with its words in
// order: not a paragraph per line, not run into its neighbour. Indented
// lines (the status exit table, examples) keep their lines.
func TestManPageRendersOneParagraphPerParagraph(t *testing.T) {
	_, text := renderManPage(t)
	blocks := renderedBlocks(text)
	lines := map[string]bool{}
	for _, l := range strings.Split(text, "\n") {
		lines[strings.Join(strings.Fields(l), " ")] = true
	}
	squash := func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "`", "'")), " ") }

	root := newRootCmd()
	cmds := append([]*cobra.Command{root}, manCommands(root)...)
	checked := 0
	for _, c := range cmds {
		for _, para := range splitParagraphs(c.Long) {
			want := squash(strings.Join(para, " "))
			if !slices.Contains(blocks, want) {
				t.Errorf("%s: this paragraph of its help is not one paragraph of the man page:\n%s\n\nthe page's paragraphs that share its first words:\n%s",
					c.CommandPath(), want, strings.Join(blocksStarting(blocks, want), "\n---\n"))
			}
			checked++
			for _, l := range para {
				if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && !lines[squash(l)] {
					t.Errorf("%s: the indented line %q is not a line of the man page", c.CommandPath(), l)
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d paragraphs of help were checked: the commands' help went missing", checked)
	}
	// The program's description is the page's first paragraph.
	desc := renderedBlocks(manSection(t, text, "DESCRIPTION"))
	if first := squash(splitParagraphs(root.Long)[0][0]); len(desc) == 0 || !strings.HasPrefix(desc[0], first) {
		t.Errorf("DESCRIPTION does not start with the program's description %q: %q", first, desc)
	}
}

func blocksStarting(blocks []string, s string) []string {
	words := strings.Fields(s)
	prefix := strings.Join(words[:min(3, len(words))], " ")
	var out []string
	for _, b := range blocks {
		if strings.Contains(b, prefix) {
			out = append(out, b)
		}
	}
	return out
}

// TestManPageStatesEveryExitStatus checks EXIT STATUS against the code:
// every exit* constant of package cli (exit.go's, status.go's) has its
// line, each with its meaning.
func TestManPageStatesEveryExitStatus(t *testing.T) {
	_, text := renderManPage(t)
	section := renderedBlocks(manSection(t, text, "EXIT STATUS"))
	stated := map[int]string{}
	for _, b := range section {
		code, meaning, ok := strings.Cut(b, " ")
		if n, err := strconv.Atoi(code); ok && err == nil {
			stated[n] = meaning
		}
	}
	consts := exitConstants(t)
	if len(consts) < 3 {
		t.Fatalf("found only %v exit constants in package cli", consts)
	}
	for name, v := range consts {
		if len(stated[v]) < 20 {
			t.Errorf("the man page's EXIT STATUS does not say what %d (%s) means; it states %v", v, name, stated)
		}
	}
	for code := range stated {
		if !slices.Contains(mapValuesInt(consts), code) {
			t.Errorf("EXIT STATUS states %d, which no exit constant of package cli is", code)
		}
	}
}

// exitConstants returns the integer constants named exit* declared in the
// package's non-test files.
func exitConstants(t *testing.T) map[string]int {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if !strings.HasPrefix(n.Name, "exit") || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.INT {
						v, _ := strconv.Atoi(lit.Value)
						out[n.Name] = v
					}
				}
			}
		}
	}
	return out
}

func mapValuesInt(m map[string]int) []int {
	var out []int
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

var envRead = regexp.MustCompile(`os\.(?:Getenv|LookupEnv)\("([A-Za-z_][A-Za-z0-9_]*)"\)`)

// TestManPageStatesEveryVariableRead checks ENVIRONMENT against the code:
// every variable any package of stackwiz reads with os.Getenv or
// os.LookupEnv (tests aside) is named there with what it does.
func TestManPageStatesEveryVariableRead(t *testing.T) {
	_, text := renderManPage(t)
	section := manSection(t, text, "ENVIRONMENT")
	named := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		// A tag line: "       AWS_PROFILE, AWS_DEFAULT_PROFILE".
		if strings.HasPrefix(line, "       ") && !strings.HasPrefix(line, "        ") {
			for _, n := range strings.Split(strings.TrimSpace(line), ", ") {
				named[n] = true
			}
		}
	}
	read := map[string][]string{}
	// The whole module, from its root: every package of stackwiz.
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// Test-support packages (internal/testkit, aws/fleet/fleettest) are
		// imported only by tests: the variables they read are not the program's.
		testSupport := d.Name() == "testkit" || strings.HasSuffix(d.Name(), "test")
		if d.IsDir() && (path == filepath.Join("..", "tools") || d.Name() == "testdata" || testSupport || strings.HasPrefix(d.Name(), ".") && path != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range envRead.FindAllStringSubmatch(string(b), -1) {
			read[m[1]] = append(read[m[1]], path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(read) < 5 {
		t.Fatalf("found only %v read in the code", read)
	}
	for name, where := range read {
		if !named[name] {
			t.Errorf("%s reads $%s, which the man page's ENVIRONMENT does not name (add it to environment in manpage.go)", strings.Join(where, ", "), name)
		}
	}
}
