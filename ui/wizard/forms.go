package wizard

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/steps"
)

// formContext is what a form needs besides the answers it edits.
type formContext struct {
	found   *found
	sandbox bool
	baseDir string
	// check is the validator of a field: the step's blocking problems at
	// that path, from the same functions as the spec's validation, with
	// cross-field ones moved onto the field the user can change.
	check func(path string) error
}

// fieldFor is a text field bound to a's value at path, validated by the
// same function as the spec (a warning does not stop the form).
func fieldFor(_ *answers, fc formContext, path, title string, value *string) *huh.Input {
	in := huh.NewInput().Key(path).Title(title + ":").Prompt(" ").Value(value).Inline(true)
	if fc.check != nil {
		in = in.Validate(func(string) error { return fc.check(path) })
	}
	return in
}

// option builds a select option.
func option(label, value string) huh.Option[string] { return huh.NewOption(label, value) }

// buildForm returns the form of step, bound to a, as the step describes
// it (steps.Form).
func buildForm(step steps.StepID, a *answers, fc formContext) *huh.Form {
	var groups []*huh.Group
	for _, g := range forms[step].Groups {
		var fields []huh.Field
		for _, f := range g.Fields {
			if hf := buildField(f, a, fc); hf != nil {
				fields = append(fields, hf)
			}
		}
		group := huh.NewGroup(fields...)
		if hide := g.Hide; hide != nil {
			group = group.WithHideFunc(func() bool { return hide(a) })
		}
		groups = append(groups, group)
	}
	// The panel under the form shows the problems (fieldcheck.go): huh's
	// own would push the form past its height and cut them off.
	return huh.NewForm(groups...).WithShowHelp(false).WithShowErrors(false).WithKeyMap(formKeyMap())
}

// buildField is the huh field that asks f, nil when there is none to ask
// (the profile in the sandbox).
func buildField(f steps.FormField, a *answers, fc formContext) huh.Field {
	desc := f.Description
	if f.Describe != nil {
		desc = f.Describe(a)
	}
	switch f.Kind {
	case steps.FieldText, steps.FieldNumber:
		in := fieldFor(a, fc, f.Path, f.Title, &a.at(f.Path).Text)
		if desc != "" {
			in = in.Description(desc)
		}
		if f.Placeholder != "" {
			in = in.Placeholder(f.Placeholder)
		}
		if f.CharLimit > 0 {
			in = in.CharLimit(f.CharLimit)
		}
		if found := suggestionsFound(f.Lookup, fc.found); len(found) > 0 {
			in = in.Suggestions(found)
		} else if len(f.Suggestions) > 0 {
			in = in.Suggestions(f.Suggestions)
		}
		return in
	case steps.FieldSelect:
		var opts []huh.Option[string]
		for _, o := range f.Options {
			opts = append(opts, option(o.Label, o.Value))
		}
		opts = optionsFound(f.Lookup, opts, a.Text(f.Path), fc.found)
		sel := huh.NewSelect[string]().Key(f.Path).Title(f.Title)
		if desc != "" {
			sel = sel.Description(desc)
		}
		sel = sel.Options(opts...).Value(&a.at(f.Path).Text)
		if f.Inline {
			sel = sel.Inline(true)
		}
		return sel
	case steps.FieldMultiSelect:
		return multiSelect(f, a, fc)
	case steps.FieldConfirm:
		c := huh.NewConfirm().Key(f.Path).Title(f.Title)
		if desc != "" {
			c = c.Description(desc)
		}
		c = c.Value(&a.at(f.Path).On)
		if f.Inline {
			c = c.Inline(true)
		}
		return c.Affirmative("Yes").Negative("No")
	case steps.FieldNote:
		return huh.NewNote().Title(f.Title).Description(desc)
	case steps.FieldProfile:
		return profileSelect(f, a, fc)
	case steps.FieldTerminationPolicies:
		path := f.Path
		return newPolicyPicker(path, f.Title, &a.at(path).List, func([]string) error { return fc.check(path) })
	}
	return nil
}

// multiSelect offers f's options, then the answers that are not among them
// (the spec may name others), the answers chosen.
func multiSelect(f steps.FormField, a *answers, fc formContext) huh.Field {
	chosen := a.List(f.Path)
	var opts []huh.Option[string]
	for _, o := range f.Options {
		opts = append(opts, option(o.Label, o.Value))
	}
	for _, p := range chosen {
		if !slices.ContainsFunc(f.Options, func(o steps.FormOption) bool { return o.Value == p }) {
			opts = append(opts, option(p, p))
		}
	}
	for i := range opts {
		if slices.Contains(chosen, opts[i].Value) {
			opts[i] = opts[i].Selected(true)
		}
	}
	path := f.Path
	return huh.NewMultiSelect[string]().Key(path).Title(f.Title).Options(opts...).
		Value(&a.at(path).List).Height(len(opts) + 2).
		Validate(func([]string) error { return fc.check(path) })
}

// profileSelect is the AWS profile picker: the profiles found in the
// config files, with their kind and region. The sandbox has none.
func profileSelect(f steps.FormField, a *answers, fc formContext) huh.Field {
	if fc.sandbox {
		return nil
	}
	opts := []huh.Option[string]{option("(environment / default chain)", "")}
	for _, p := range fc.found.profiles {
		label := p.Name
		if p.Kind != "" {
			label += " · " + p.Kind
		}
		if p.Region != "" {
			label += " · " + p.Region
		}
		opts = append(opts, option(label, p.Name))
	}
	if a.Profile != "" && !slices.ContainsFunc(fc.found.profiles, func(p awsProfile) bool { return p.Name == a.Profile }) {
		opts = append(opts, option(a.Profile+" (from --profile)", a.Profile))
	}
	sel := huh.NewSelect[string]().Key(f.Path).Title(f.Title).Options(opts...).Value(&a.Profile)
	if f.Inline {
		sel = sel.Inline(true)
	}
	return sel
}

// suggestionsFound are what a text field's lookup found to suggest.
func suggestionsFound(l steps.FormLookup, found *found) []string {
	switch l {
	case steps.LookupRegions:
		return found.regions
	case steps.LookupPublicIP:
		if found.publicIP != "" {
			return []string{"auto", found.publicIP + "/32"}
		}
	case steps.LookupImage:
		if found.image != "" {
			return []string{found.image}
		}
	case steps.LookupZones:
		var names []string
		for _, z := range found.zones {
			if !z.Private {
				names = append(names, z.Name)
			}
		}
		return names
	}
	return nil
}

// optionsFound adds to a select's options what its lookup found, and the
// answer when it is not among them.
func optionsFound(l steps.FormLookup, opts []huh.Option[string], answer string, found *found) []huh.Option[string] {
	switch l {
	case steps.LookupVPCs:
		for _, v := range found.vpcs {
			if v.Default {
				opts = append(opts, option("default — "+v.ID+" "+v.CIDR+" (public subnets only)", spec.VPCDefault))
				continue
			}
			label := v.ID + " " + v.CIDR
			if v.Name != "" {
				label += " " + v.Name
			}
			if v.Stack != "" {
				label += " (stack " + v.Stack + ")"
			}
			opts = append(opts, option(label, v.ID))
		}
		if found.done[lookVPCs] && !slices.ContainsFunc(found.vpcs, func(v awsVPC) bool { return v.Default }) {
			// No default VPC in the region: offering it would fail at apply.
		} else if !found.done[lookVPCs] {
			opts = append(opts, option("default", spec.VPCDefault))
		}
		if answer != "" && !slices.ContainsFunc(opts, func(o huh.Option[string]) bool { return o.Value == answer }) {
			opts = append(opts, option(answer, answer))
		}
	case steps.LookupAZs:
		regionAZs := len(found.azs)
		opts = append(opts, option(azLabel(2, found.azs), "2"))
		if regionAZs == 0 || regionAZs >= 3 {
			opts = append(opts, option(azLabel(3, found.azs), "3"))
		}
	case steps.LookupKeyPairs:
		for _, k := range found.keyPairs {
			opts = append(opts, option(k, k))
		}
		if answer != "" && !slices.Contains(found.keyPairs, answer) {
			opts = append(opts, option(answer+" (not found in the region)", answer))
		}
	}
	return opts
}

func azLabel(n int, azs []string) string {
	if len(azs) >= n {
		return fmt.Sprintf("%d (%s)", n, strings.Join(azs[:n], ", "))
	}
	return fmt.Sprint(n)
}
