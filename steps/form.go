package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// A step describes the questions the wizard asks for it as data: its
// form, page by page, each field naming the spec path it edits, how it is
// asked, what it offers and which of the spec's validation functions check
// it. The wizard builds the terminal form, the answers, the path→step map
// and the field validators from this description; no step knows about the
// terminal. A step with a form implements Asker, in <step>_form.go.

// Asker is a step the wizard asks questions for.
type Asker interface {
	Form() Form
}

// Form is what the wizard asks for one step.
type Form struct {
	// Groups are the form's pages, in order.
	Groups []FormGroup
	// Owns are the spec paths (a path and everything under it) whose
	// problems this step's form answers for, besides its own fields': the
	// settings stack.yaml has and the form does not ask (subnet sizes, egress
	// ports). The step owning the longest matching path wins.
	Owns []string
	// Waits are the lookups the form waits for (a spinner) before it opens.
	Waits []FormLookup
	// Then, when set, runs after the form's answers are written into s
	// (was is s before): rules that tie one field to another.
	Then func(s, was *spec.Spec)
}

// FormGroup is one page of a form.
type FormGroup struct {
	Fields []FormField
	// Hide, when set, hides the page while it reports true.
	Hide func(a Answers) bool
}

// FieldKind is how a field is asked.
type FieldKind int

const (
	// FieldText is a line of text.
	FieldText FieldKind = iota
	// FieldNumber is a number, typed as text: the answer keeps what the
	// user typed while it is not a number yet.
	FieldNumber
	// FieldSelect picks one of Options (or of what Lookup found).
	FieldSelect
	// FieldMultiSelect picks any of Options.
	FieldMultiSelect
	// FieldConfirm is yes or no.
	FieldConfirm
	// FieldNote is text to read; it edits nothing.
	FieldNote
	// FieldProfile is the AWS profile picker: the wizard's own answer, not
	// a spec field (Path "profile").
	FieldProfile
	// FieldTerminationPolicies is the ordered termination policy picker.
	FieldTerminationPolicies
)

// HiddenAnswer is what submitting the form does with a field whose page
// is hidden.
type HiddenAnswer int

const (
	// HiddenWritten writes it all the same.
	HiddenWritten HiddenAnswer = iota
	// HiddenKept leaves the spec's value as it was.
	HiddenKept
	// HiddenCleared empties the spec's value.
	HiddenCleared
)

// FormLookup names something the wizard looks up in the account to offer it.
type FormLookup string

// The lookups a form can offer or wait for.
const (
	LookupProfiles FormLookup = "profiles"
	LookupCaller   FormLookup = "caller"
	LookupRegions  FormLookup = "regions"
	LookupAZs      FormLookup = "azs"
	LookupVPCs     FormLookup = "vpcs"
	LookupKeyPairs FormLookup = "key-pairs"
	LookupZones    FormLookup = "hosted-zones"
	LookupCerts    FormLookup = "certificates"
	LookupImage    FormLookup = "image"
	LookupPublicIP FormLookup = "public-ip"
)

// FormOption is one choice of a select; Help, when set, says what it is
// for (listed beside the form).
type FormOption struct {
	Label, Value, Help string
}

// FormField is one question.
type FormField struct {
	// Path is the spec field the answer goes to ("network.nat").
	Path  string
	Title string
	Kind  FieldKind
	// Description is the help under the title; Describe, when set, words
	// it from the other answers.
	Description string
	Describe    func(a Answers) string
	Placeholder string
	// Inline puts a select or a confirm on the title's line.
	Inline    bool
	CharLimit int
	// Options are a select's choices; Lookup, when set, is what the
	// wizard found in the account to offer (choices of a select, or
	// suggestions for a text), added to them.
	Options     []FormOption
	Suggestions []string
	Lookup      FormLookup
	// Validate checks the answer with the same functions the spec loader
	// runs; it sees every answer, for fields checked against another.
	// baseDir is where relative script paths are read from.
	Validate func(a Answers, baseDir string) error
	// Hidden is what happens to the answer while its page is hidden.
	Hidden HiddenAnswer
	// BlankIsZero: an empty number is 0 and 0 shows empty (the image's
	// volume size).
	BlankIsZero bool
	// Shared marks a field another step's form asks too and owns: its
	// problems are that step's (the certificate asks the DNS zone).
	Shared bool
	// Initial, when set, is the answer a spec gives the field instead of
	// the spec's value (a default that follows another field).
	Initial func(s *spec.Spec) string
}

// Answers are a form's answers as the user gave them, by spec path.
type Answers interface {
	// Text is a text, number or select answer as typed.
	Text(path string) string
	// On is a confirm's answer.
	On(path string) bool
	// List is a multi-select's answer.
	List(path string) []string
}

// FormOf returns step's form; ok is false for a step the wizard asks
// nothing for.
func FormOf(step Step) (Form, bool) {
	if a, ok := step.(Asker); ok {
		return a.Form(), true
	}
	return Form{}, false
}

// Fields lists the form's fields in order, notes and all.
func (f Form) Fields() []FormField {
	var out []FormField
	for _, g := range f.Groups {
		out = append(out, g.Fields...)
	}
	return out
}

// OwnerOf returns the step whose form answers for the spec field at path:
// the step owning the longest path that is path or a parent of it. A
// field a form edits for another step (the certificate's zone) is owned
// through Owns by that step. ok is false when no step owns it.
func OwnerOf(all []Step, path string) (StepID, bool) {
	base, _, _ := strings.Cut(path, "[")
	var best StepID
	bestLen := -1
	for _, st := range all {
		f, ok := FormOf(st)
		if !ok {
			continue
		}
		for _, owned := range f.owned() {
			if (base == owned || strings.HasPrefix(base, owned+".")) && len(owned) > bestLen {
				best, bestLen = st.ID(), len(owned)
			}
		}
	}
	return best, bestLen >= 0
}

// owned lists the paths the form owns: Owns, and its fields' paths.
func (f Form) owned() []string {
	out := append([]string(nil), f.Owns...)
	for _, fd := range f.Fields() {
		if fd.Path != "" && !fd.Shared && fd.Kind != FieldNote && fd.Kind != FieldProfile {
			out = append(out, fd.Path)
		}
	}
	return out
}
