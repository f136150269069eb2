package spec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Severity says whether a problem stops the stack (an error: exit 2, nothing
// is sent to AWS) or is only worth reading (a warning: printed, allowed).
type Severity int

// The severities of a FieldError.
const (
	SeverityError Severity = iota
	SeverityWarning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// MarshalText makes a severity read as a word in --json output.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// FieldError is one problem with one field of a spec: where it is, what is
// wrong with it and how to fix it. The field validators (ValidatePort, ...)
// return one without Path, for a form that shows it next to its field.
type FieldError struct {
	// Path is the field's path in the spec, like "autoscaling.min" or
	// "iam.managed_policies[1]"; empty for a problem with the whole file.
	Path string `json:"path"`
	// Line is the field's line in the file, 0 when not known (a default, or a
	// spec built in code).
	Line int `json:"line,omitempty"`
	// Value is the offending value as text, "" when there is none.
	Value    string   `json:"value,omitempty"`
	Problem  string   `json:"problem"`
	Fix      string   `json:"fix,omitempty"`
	Severity Severity `json:"severity"`
}

// Error renders "path (line N): problem: fix", leaving out what is empty.
func (e *FieldError) Error() string {
	var b strings.Builder
	if e.Path != "" {
		b.WriteString(e.Path)
		if e.Line > 0 {
			fmt.Fprintf(&b, " (line %d)", e.Line)
		}
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	if e.Fix != "" {
		b.WriteString(": ")
		b.WriteString(e.Fix)
	}
	return b.String()
}

// IsWarning reports whether the problem is only a warning.
func (e *FieldError) IsWarning() bool { return e.Severity == SeverityWarning }

// ValidationError is every problem found in a spec, in the spec's field
// order. Load and Parse return one when at least one problem is an error.
type ValidationError struct {
	Problems []FieldError
}

// Error lists the problems one per line, warnings marked as such.
func (e *ValidationError) Error() string {
	nerr := len(e.Errors())
	var b strings.Builder
	fmt.Fprintf(&b, "invalid stack spec: %s", plural(nerr, "error"))
	if nwarn := len(e.Problems) - nerr; nwarn > 0 {
		fmt.Fprintf(&b, ", %s", plural(nwarn, "warning"))
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		if p.IsWarning() {
			b.WriteString("warning: ")
		}
		b.WriteString(p.Error())
	}
	return b.String()
}

// Errors returns the problems that are errors, without the warnings.
func (e *ValidationError) Errors() []FieldError {
	var out []FieldError
	for _, p := range e.Problems {
		if !p.IsWarning() {
			out = append(out, p)
		}
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func hasErrors(ps []FieldError) bool {
	for _, p := range ps {
		if !p.IsWarning() {
			return true
		}
	}
	return false
}

// ValidateBlocking returns err unless every problem in it is a warning, so a
// form can show warnings from the field validators without refusing the
// value: huh's Validate(func(v string) error { return
// spec.ValidateBlocking(spec.ValidateCIDR(v)) }).
func ValidateBlocking(err error) error {
	if err == nil {
		return nil
	}
	for _, e := range SplitErrors(err) {
		var fe *FieldError
		if !errors.As(e, &fe) || !fe.IsWarning() {
			return err
		}
	}
	return nil
}

// SplitErrors returns the problems a field validator reported: the
// errors it joined, or err alone.
func SplitErrors(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// ValidateEnv is what validation needs to know beyond the spec itself.
type ValidateEnv struct {
	// AZCount is the number of Availability Zones in the stack's region; 0
	// means unknown, taken as 3 (every commercial region has at least 3).
	AZCount int
	// BaseDir is the directory relative file paths are resolved against,
	// normally the spec file's; empty means the working directory.
	BaseDir string
	// TypeZones are the region's Availability Zones where instance.type is
	// offered; nil means not known (not asked, or the endpoint would not
	// say), and the check is left to apply.
	TypeZones []string
}

// problem builds a *FieldError; warning builds a warning.
func problem(problem, fix string) *FieldError {
	return &FieldError{Problem: problem, Fix: fix}
}

func warning(problem, fix string) *FieldError {
	return &FieldError{Problem: problem, Fix: fix, Severity: SeverityWarning}
}

// asError turns a nil *FieldError into a nil error, which a plain
// `return fe` would not.
func asError(fe *FieldError) error {
	if fe == nil {
		return nil
	}
	return fe
}

// joinProblems is asError for a list of problems.
func joinProblems(fes []FieldError) error {
	errs := make([]error, len(fes))
	for i := range fes {
		errs[i] = &fes[i]
	}
	return errors.Join(errs...)
}

// collector gathers the problems of one Validate call.
type collector struct {
	lines    map[string]int
	problems []FieldError
	// overlong holds the paths whose value is over its bound: their
	// problem is its length, and no other check reports on them.
	overlong map[string]bool
}

// bound records fe, if not nil, as the bound problem of the field at path,
// and keeps every later problem of that field out.
func (c *collector) bound(path string, fe *FieldError) {
	if fe == nil {
		return
	}
	out := *fe
	out.Path = path
	c.add(out)
	if c.overlong == nil {
		c.overlong = map[string]bool{}
	}
	c.overlong[path] = true
}

// at records fe, if not nil, as a problem of the field at path with value.
func (c *collector) at(path string, value any, fe *FieldError) {
	if fe == nil {
		return
	}
	out := *fe
	out.Path = path
	if out.Value == "" {
		out.Value = valueText(value)
	}
	c.add(out)
}

// add records a problem that already carries its path.
func (c *collector) add(fe FieldError) {
	if c.overlong[fe.Path] {
		return
	}
	if fe.Line == 0 {
		base, _, _ := strings.Cut(fe.Path, "[")
		fe.Line = c.lines[base]
	}
	c.problems = append(c.problems, fe)
}

func valueText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case []string:
		return "[" + strings.Join(v, ", ") + "]"
	case string:
		return truncate(v)
	}
	return fmt.Sprint(v)
}

// explicit reports whether path was written in the parsed file.
func (c *collector) explicit(path string) bool {
	_, ok := c.lines[path]
	return ok
}

// Validate checks the whole spec and returns every problem, errors and
// warnings, in the spec's field order. It reads the files the spec names
// and nothing else: no AWS call.
func (s *Spec) Validate(env ValidateEnv) []FieldError {
	if env.AZCount <= 0 {
		env.AZCount = 3
	}
	c := &collector{lines: s.lines}
	// From here on s is the spec with its over-long values cut short.
	s = s.validateBounds(c)
	c.at("name", s.Name, checkName(s.Name))
	c.at("region", s.Region, checkRegion(s.Region))
	s.validateNetwork(c, env)
	s.validateIAM(c)
	s.validateAMI(c, env)
	s.validateInstance(c, env)
	s.validateLoadBalancer(c)
	s.validateAutoscaling(c)
	s.validateDNS(c)
	s.validateAlarms(c)
	sortProblems(c.problems)
	return c.problems
}

// ValidateNumber parses a form's text as a whole number and hands it to
// validate (ValidatePort, ValidateGraceSeconds, ...): huh inputs are text.
func ValidateNumber(text string, validate func(int) error) error {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return &FieldError{Value: text, Problem: fmt.Sprintf("%q is not a whole number", text), Fix: "type digits only, like 3000"}
	}
	return validate(n)
}
