package spec

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

// Load reads and validates the spec at path. Relative file paths in it
// (user data, setup script) are resolved against path's directory. The
// error, when there is one, is a *ValidationError listing every problem
// (warnings included); a nil error can still leave warnings, which
// s.Validate reports.
func Load(path string) (*Spec, error) {
	return LoadWithEnv(path, ValidateEnv{BaseDir: filepath.Dir(path)})
}

// LoadWithEnv is Load with what is known about the account and region, such
// as its number of Availability Zones. An empty env.BaseDir is path's directory.
func LoadWithEnv(path string, env ValidateEnv) (*Spec, error) {
	data, err := readSpecFile(path)
	if err != nil {
		return nil, err
	}
	if env.BaseDir == "" {
		env.BaseDir = filepath.Dir(path)
	}
	return ParseWithEnv(data, env)
}

// readSpecFile reads the spec at path, refusing one over maxFileBytes
// before reading it all: a stack.yaml is a few KiB, and a huge file is
// the wrong file, not a spec to parse into memory.
func readSpecFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read stack spec: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read stack spec %s: %w", path, err)
	}
	if len(data) > maxFileBytes {
		return nil, &ValidationError{Problems: []FieldError{fileTooLarge(path)}}
	}
	return data, nil
}

// fileTooLarge is the problem of a spec over maxFileBytes.
func fileTooLarge(name string) FieldError {
	return FieldError{
		Problem: fmt.Sprintf("%s is larger than the %d bytes (1 MiB) a stack spec may be", name, maxFileBytes),
		Fix:     "a stack.yaml is a few KiB: check that this is the spec, and name files (user data, setup script) by path instead of inlining them",
	}
}

// Parse decodes and validates a stack.yaml held in memory; relative file
// paths resolve against the working directory. See Load for the error.
func Parse(data []byte) (*Spec, error) {
	return ParseWithEnv(data, ValidateEnv{})
}

// ParseWithEnv is Parse with a validation environment.
func ParseWithEnv(data []byte, env ValidateEnv) (*Spec, error) {
	if len(data) > maxFileBytes {
		s := Defaults()
		s.baseDir = env.BaseDir
		return &s, &ValidationError{Problems: []FieldError{fileTooLarge("the stack spec")}}
	}
	s, problems, ok := decode(data)
	s.baseDir = env.BaseDir
	if ok {
		problems = append(problems, s.Validate(env)...)
	}
	sortProblems(problems)
	if hasErrors(problems) {
		return s, &ValidationError{Problems: problems}
	}
	return s, nil
}

// decode decodes data over Defaults(). It does not stop at the first
// problem: it walks the YAML tree itself so that every unknown field,
// duplicate key and badly typed value is reported, each with its line.
// goccy's strict decoder would stop at the first unknown field. ok is
// false when the YAML itself is broken: then nothing else is worth saying.
func decode(data []byte) (spec *Spec, problems []FieldError, ok bool) {
	s := Defaults()
	s.lines = map[string]int{}
	// Duplicate keys are reported by the walk below, with the others.
	file, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		return &s, []FieldError{{Problem: "the file is not valid YAML: " + yaml.FormatError(err, false, true), Fix: "fix the YAML syntax"}}, false
	}
	d := decoder{lines: s.lines}
	if len(file.Docs) > 1 {
		d.add(FieldError{Line: docLine(file.Docs[1]), Problem: "the file holds more than one YAML document", Fix: "keep one stack per file"})
	}
	if len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return &s, []FieldError{{Problem: "the file is empty", Fix: "write at least `name: demo`; every other field has a default"}}, false
	}
	d.mapping(file.Docs[0].Body, reflect.ValueOf(&s).Elem(), "")
	s.fillDerived()
	return &s, d.problems, true
}

func docLine(doc *ast.DocumentNode) int {
	if doc.Body != nil && doc.Body.GetToken() != nil {
		return doc.Body.GetToken().Position.Line
	}
	return 0
}

type decoder struct {
	lines    map[string]int
	problems []FieldError
}

func (d *decoder) add(fe FieldError) { d.problems = append(d.problems, fe) }

func nodeLine(n ast.Node) int {
	if n == nil || n.GetToken() == nil {
		return 0
	}
	return n.GetToken().Position.Line
}

// mappingValues returns the key/value pairs of a mapping node; goccy parses
// a one-key mapping as a lone MappingValueNode.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch m := n.(type) {
	case *ast.MappingNode:
		return m.Values, true
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{m}, true
	}
	return nil, false
}

// mapping decodes a YAML mapping into the struct v; path is v's field path.
func (d *decoder) mapping(n ast.Node, v reflect.Value, path string) {
	if _, null := n.(*ast.NullNode); null {
		return // "network:" with nothing under it keeps the defaults
	}
	values, ok := mappingValues(n)
	if !ok {
		d.add(FieldError{Path: path, Line: nodeLine(n), Value: n.String(),
			Problem: "is " + nodeKind(n) + ", not a mapping of fields",
			Fix:     "write its fields indented below it (" + strings.Join(fieldNames(v.Type()), ", ") + ")"})
		return
	}
	seen := map[string]int{}
	for _, mv := range values {
		key := mv.Key.String()
		if k, ok := mv.Key.(*ast.StringNode); ok {
			key = k.Value
		}
		line := nodeLine(mv.Key)
		fpath := joinPath(path, key)
		if key == "<<" {
			d.add(FieldError{Path: fpath, Line: line, Problem: "merge keys are not supported", Fix: "write the fields out"})
			continue
		}
		if first, dup := seen[key]; dup {
			d.add(FieldError{Path: fpath, Line: line,
				Problem: fmt.Sprintf("appears twice (lines %d and %d)", first, line),
				Fix:     "keep one of them"})
			continue
		}
		seen[key] = line
		field, ok := fieldByTag(v, key)
		if !ok {
			d.add(unknownField(v.Type(), path, key, line))
			continue
		}
		d.lines[fpath] = line
		d.value(mv.Value, field, fpath)
	}
}

// value decodes one field's node into field.
func (d *decoder) value(n ast.Node, field reflect.Value, path string) {
	if _, null := n.(*ast.NullNode); null || n == nil {
		return // an empty value keeps the default
	}
	if _, alias := n.(*ast.AliasNode); alias {
		d.add(FieldError{Path: path, Line: nodeLine(n), Problem: "anchors and aliases are not supported", Fix: "write the value out"})
		return
	}
	if field.Kind() == reflect.Struct {
		d.mapping(n, field, path)
		return
	}
	// Decode into a fresh value so that a failure leaves the default intact.
	fresh := reflect.New(field.Type())
	if err := yaml.NodeToValue(n, fresh.Interface()); err != nil || !scalarMatches(n, field.Kind()) {
		d.add(FieldError{Path: path, Line: nodeLine(n), Value: n.String(),
			Problem: "is " + nodeKind(n) + ", not " + kindName(field.Type()),
			Fix:     "write " + kindExample(field.Type())})
		return
	}
	field.Set(fresh.Elem())
}

// scalarMatches rejects what the decoder would silently convert, such as a
// quoted "3000" into an int or 3000 into a string, so that a typo in a
// value's type is reported where it was made.
func scalarMatches(n ast.Node, k reflect.Kind) bool {
	switch n := n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return k == reflect.String
	case *ast.IntegerNode:
		return k == reflect.Int || k == reflect.Float64
	case *ast.FloatNode:
		return k == reflect.Float64
	case *ast.BoolNode:
		return k == reflect.Bool
	case *ast.SequenceNode:
		if k != reflect.Slice {
			return false
		}
		for _, v := range n.Values {
			if !scalarMatches(v, reflect.String) {
				return false // the spec's lists are lists of names
			}
		}
		return true
	}
	return true
}

func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.IntegerNode:
		return "a number"
	case *ast.FloatNode:
		return "a decimal number"
	case *ast.BoolNode:
		return "true/false"
	case *ast.SequenceNode:
		return "a list"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	}
	return "a " + strings.ToLower(n.Type().String())
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int:
		return "a whole number"
	case reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true/false"
	case reflect.Slice:
		return "a list of strings"
	}
	return t.String()
}

func kindExample(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return `text, quoted if it looks like a number ("...")`
	case reflect.Int:
		return "a whole number without quotes"
	case reflect.Float64:
		return "a number without quotes"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list: [a, b] or one \"- a\" per line"
	}
	return "a " + t.String()
}

func joinPath(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return name
}

func fieldByTag(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() && yamlName(f) == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names = append(names, yamlName(f))
		}
	}
	return names
}

// paths lists every field path of Spec in the contract's order, parents
// before their children; it is the order problems are reported in.
func paths() []string {
	var paths []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			p := joinPath(prefix, yamlName(f))
			paths = append(paths, p)
			if f.Type.Kind() == reflect.Struct {
				walk(f.Type, p)
			}
		}
	}
	walk(reflect.TypeFor[Spec](), "")
	return paths
}

// unknownField reports key as unknown under parent and suggests the field
// that was probably meant: a sibling a typo away, or the same name elsewhere
// in the spec (port at the top level is instance.port).
func unknownField(t reflect.Type, parent, key string, line int) FieldError {
	fe := FieldError{Path: joinPath(parent, key), Line: line, Problem: "is not a field of the stack spec"}
	where := "the top level"
	if parent != "" {
		where = parent
	}
	if best := closest(key, fieldNames(t)); best != "" {
		fe.Fix = "did you mean " + joinPath(parent, best) + "?"
		return fe
	}
	var elsewhere []string
	for _, p := range paths() {
		if p == joinPath(parent, key) {
			continue
		}
		if last := p[strings.LastIndex(p, ".")+1:]; last == key || closest(key, []string{last}) != "" {
			elsewhere = append(elsewhere, p)
		}
	}
	if len(elsewhere) > 0 {
		fe.Fix = "did you mean " + strings.Join(elsewhere, " or ") + "?"
		return fe
	}
	fe.Fix = "remove it; the fields of " + where + " are " + strings.Join(fieldNames(t), ", ")
	return fe
}

// closest returns the candidate within a small edit distance of s, or "".
func closest(s string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		limit := max(1, min(3, len(c)/3))
		d := editDistance(strings.ToLower(s), c)
		if d <= limit && (best == "" || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance, so a swapped pair of letters counts as one typo.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// sortProblems orders problems by their field's place in the spec (an
// unknown field goes with its parent), then by list index; problems about
// the same field keep the order they were found in (unknown fields: file order).
func sortProblems(ps []FieldError) {
	order := map[string]int{}
	for i, p := range paths() {
		order[p] = i + 1
	}
	rank := func(path string) (int, string) {
		base, idx, _ := strings.Cut(path, "[")
		for p := base; ; {
			if r, ok := order[p]; ok {
				return r, idx
			}
			i := strings.LastIndex(p, ".")
			if i < 0 {
				return 0, idx
			}
			p = p[:i]
		}
	}
	sort.SliceStable(ps, func(i, j int) bool {
		ri, xi := rank(ps[i].Path)
		rj, xj := rank(ps[j].Path)
		if ri != rj {
			return ri < rj
		}
		if len(xi) != len(xj) {
			return len(xi) < len(xj)
		}
		return xi < xj
	})
}
