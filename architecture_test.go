package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/stackwiz/stackwiz"

// layer is one row of docs/architecture.md's layout table: a folder and
// the packages of ours its code may import.
type layer struct {
	path       string // "steps", "aws/fleet"; "" for the root's main.go
	everything bool
	may        []string
}

var (
	layoutRow = regexp.MustCompile("(?m)^\\| `([^`]+)`[^|]*\\|[^|]*\\| ([^|]+) \\|$")
	aside     = regexp.MustCompile(`\([^)]*\)`)
	ourName   = regexp.MustCompile(`[a-z]+(?:/[a-z]+)*`)
)

// architectureLayers reads the layout table: the first column's folder,
// the last column's packages (words in parentheses are explanation).
func architectureLayers(t *testing.T) []layer {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []layer
	for _, m := range layoutRow.FindAllStringSubmatch(string(doc), -1) {
		path, may := strings.TrimSuffix(m[1], "/"), m[2]
		if path == "main.go" {
			path = ""
		} else if strings.Contains(path, ".") {
			continue // a file row of the cli table
		}
		l := layer{path: path, everything: strings.TrimSpace(may) == "everything"}
		l.may = ourName.FindAllString(aside.ReplaceAllString(may, ""), -1)
		out = append(out, l)
	}
	// The prose around the names ("the SDK only", "types it displays")
	// names no folder: keep the words that are a row's folder.
	for i := range out {
		out[i].may = slices.DeleteFunc(out[i].may, func(w string) bool {
			return !slices.ContainsFunc(out, func(l layer) bool { return l.path == w })
		})
	}
	if len(out) < 10 {
		t.Fatalf("docs/architecture.md's layout table has %d rows; the test reads rows `| `path/` | owns | may import |`", len(out))
	}
	return out
}

// layerOf is the row whose folder holds dir most closely.
func layerOf(layers []layer, dir string) (layer, bool) {
	best, found := layer{}, false
	for _, l := range layers {
		inside := dir == l.path || (l.path != "" && strings.HasPrefix(dir, l.path+"/"))
		if inside && (!found || len(l.path) > len(best.path)) {
			best, found = l, true
		}
	}
	return best, found
}

// ourImports lists, per folder, the packages of this module that its
// non-test files import.
func ourImports(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); p != "." && err == nil {
				return filepath.SkipDir // another module (tools/)
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(p))
		if dir == "." {
			dir = ""
		}
		if _, ok := out[dir]; !ok {
			out[dir] = nil
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if rest, ok := strings.CutPrefix(path, modulePath+"/"); ok && !slices.Contains(out[dir], rest) {
				out[dir] = append(out[dir], rest)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPackagesImportWhatArchitectureSays keeps docs/architecture.md's
// layout table true: every package has a row, and imports only its own
// folder's packages and those its row's "may import" names. A new import
// across layers fails here until the table says so (or the code moves).
func TestPackagesImportWhatArchitectureSays(t *testing.T) {
	layers := architectureLayers(t)
	for dir, imports := range ourImports(t) {
		own, ok := layerOf(layers, dir)
		if !ok {
			t.Errorf("%s/ has no row in docs/architecture.md's layout table: add one saying what it owns and may import", dir)
			continue
		}
		for _, im := range imports {
			target, ok := layerOf(layers, im)
			if !ok {
				t.Errorf("%s imports %s, which has no row in docs/architecture.md's layout table", dir, im)
				continue
			}
			if own.everything || target.path == own.path || slices.Contains(own.may, target.path) {
				continue
			}
			t.Errorf("%s imports %s, but docs/architecture.md's row for %s/ may import only %v: move the code, or change the table if the layering changed",
				dir, im, own.path, own.may)
		}
	}
}
