package wizard

import (
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

// answers are the form fields of every step, as the forms edit them, by
// spec path: text for numbers, so that what the user types is kept while
// it is not a number yet. A step's form (its steps.Form description) binds
// to its fields; submitting the form writes them into the draft spec
// (applyTo). Profile is the wizard's own answer, not a spec field.
type answers struct {
	Profile string
	vals    map[string]*answer
}

// answer is one field's answer: Text for a text, number or select, On for a
// confirm, List for a multi-select.
type answer struct {
	Text string
	On   bool
	List []string
}

// Text is the answer at path as typed ("" when there is none).
func (a *answers) Text(path string) string {
	if v, ok := a.vals[path]; ok {
		return v.Text
	}
	return ""
}

// On is the confirm's answer at path.
func (a *answers) On(path string) bool {
	if v, ok := a.vals[path]; ok {
		return v.On
	}
	return false
}

// List is the multi-select's answer at path.
func (a *answers) List(path string) []string {
	if v, ok := a.vals[path]; ok {
		return v.List
	}
	return nil
}

// at is the answer at path a form field binds to, made when missing.
func (a *answers) at(path string) *answer {
	if a.vals == nil {
		a.vals = map[string]*answer{}
	}
	v, ok := a.vals[path]
	if !ok {
		v = &answer{}
		a.vals[path] = v
	}
	return v
}

// setText sets a text answer.
func (a *answers) setText(path, text string) { a.at(path).Text = text }

// answersFrom fills the fields of every step's form from a spec.
func answersFrom(s *spec.Spec, profile string) *answers {
	a := &answers{Profile: profile, vals: map[string]*answer{}}
	for _, f := range allFields {
		if !f.edits() {
			continue
		}
		a.vals[f.Path] = readAnswer(s, f.FormField)
	}
	return a
}

// readAnswer is the answer a spec gives field f.
func readAnswer(s *spec.Spec, f steps.FormField) *answer {
	if f.Initial != nil {
		return &answer{Text: f.Initial(s)}
	}
	v, ok := spec.Field(s, f.Path)
	if !ok {
		return &answer{}
	}
	switch v.Kind() {
	case reflect.Bool:
		return &answer{On: v.Bool()}
	case reflect.Int:
		if f.BlankIsZero && v.Int() == 0 {
			return &answer{} // the field's placeholder says what 0 means
		}
		return &answer{Text: strconv.FormatInt(v.Int(), 10)}
	case reflect.Float64:
		return &answer{Text: strconv.FormatFloat(v.Float(), 'f', -1, 64)}
	case reflect.Slice:
		return &answer{List: slices.Clone(v.Interface().([]string))}
	}
	return &answer{Text: v.String()}
}

// number reads a field that validation has accepted; a field that is not a
// number keeps the spec's value (validation blocks the form meanwhile).
func number(text string, keep int) int {
	n, err := strconv.Atoi(strings.TrimSpace(text))
	if err != nil {
		return keep
	}
	return n
}

// applyTo writes the fields of step into s: what a hidden page asks is
// written, kept or cleared as the field says, and an answer a draft from
// before the field existed does not have keeps the spec's.
func (a *answers) applyTo(s *spec.Spec, step steps.StepID) {
	form, ok := forms[step]
	if !ok {
		return
	}
	was := *s
	for _, g := range form.Groups {
		hidden := g.Hide != nil && g.Hide(a)
		for _, f := range g.Fields {
			if !(formField{f}).edits() || hidden && f.Hidden == steps.HiddenKept {
				continue
			}
			v, ok := spec.Field(s, f.Path)
			if !ok {
				continue
			}
			if hidden && f.Hidden == steps.HiddenCleared {
				v.SetZero()
				continue
			}
			if ans, ok := a.vals[f.Path]; ok {
				writeAnswer(v, f, ans)
			}
		}
	}
	if form.Then != nil {
		form.Then(s, &was)
	}
}

// writeAnswer writes ans into the spec field v that f asks: text trimmed,
// a number only once it is one, a list in the order chosen (AWS applies
// termination policies so).
func writeAnswer(v reflect.Value, f steps.FormField, ans *answer) {
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(ans.On)
	case reflect.Slice:
		v.Set(reflect.ValueOf(slices.Clone(ans.List)))
	case reflect.Int:
		if f.BlankIsZero && strings.TrimSpace(ans.Text) == "" {
			v.SetInt(0)
			return
		}
		v.SetInt(int64(number(ans.Text, int(v.Int()))))
	case reflect.Float64:
		if n, err := strconv.ParseFloat(strings.TrimSpace(ans.Text), 64); err == nil {
			v.SetFloat(n)
		}
	case reflect.String:
		if f.Kind == steps.FieldText {
			v.SetString(strings.TrimSpace(ans.Text))
			return
		}
		v.SetString(ans.Text)
	}
}

// stepOfPath returns the step whose form edits the spec field at path
// (the identity step for a path no step owns).
func stepOfPath(path string) steps.StepID {
	if id, ok := steps.OwnerOf(allSteps, path); ok {
		return id
	}
	return steps.StepIdentity
}

// problem is one validation result for a form field.
type problem struct {
	Path    string
	Text    string
	Warning bool
}

// fieldProblems turns a validator's error into problems at path.
func fieldProblems(path string, err error) []problem {
	var out []problem
	for _, e := range spec.SplitErrors(err) {
		var fe *spec.FieldError
		if errors.As(e, &fe) {
			p := fe.Path
			if p == "" {
				p = path
			}
			text := fe.Problem
			if fe.Fix != "" {
				text += ": " + fe.Fix
			}
			out = append(out, problem{Path: p, Text: text, Warning: fe.IsWarning()})
			continue
		}
		out = append(out, problem{Path: path, Text: e.Error()})
	}
	return out
}

// checkStep runs every field validator of step on a, then the whole-spec
// validation of the draft with a applied (cross-field rules such as the
// subnet plan against autoscaling.max), keeping the problems of step's
// fields.
func checkStep(step steps.StepID, a *answers, draft *spec.Spec, env spec.ValidateEnv) []problem {
	var out []problem
	seen := map[string]bool{}
	for _, f := range forms[step].Fields() {
		if f.Validate == nil {
			continue
		}
		for _, p := range fieldProblems(f.Path, f.Validate(a, env.BaseDir)) {
			out = append(out, p)
			seen[p.Path] = true
		}
	}
	preview := *draft
	a.applyTo(&preview, step)
	for _, fe := range preview.Validate(env) {
		fe, _ = userWords(fe, &preview)
		base, _, _ := strings.Cut(fe.Path, "[")
		if stepOfPath(fe.Path) != step || seen[base] || seen[fe.Path] {
			continue
		}
		out = append(out, fieldProblems(fe.Path, &fe)...)
	}
	return out
}

// blocking reports whether any problem is an error.
func blocking(ps []problem) bool {
	return slices.ContainsFunc(ps, func(p problem) bool { return !p.Warning })
}
