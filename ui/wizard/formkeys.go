package wizard

import (
	"slices"

	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"

	"github.com/stackwiz/stackwiz/ui/screen"
)

// formKeyMap is huh's keymap with help that says what each key does in the
// wizard's forms, every key a field takes named (space as well as x
// toggles), and ctrl+c left to the root, which asks before quitting.
func formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithKeys("ctrl+c"), key.WithDisabled())
	km.Input.AcceptSuggestion.SetHelp("ctrl+e", "complete")
	km.Select.Up.SetHelp("↑/↓", "choose")
	km.Select.Down.SetHelp("↑/↓", "choose")
	km.Select.Left.SetHelp("←/→", "choose")
	km.Select.Right.SetHelp("←/→", "choose")
	km.Select.Filter.SetHelp("/", "filter")
	km.MultiSelect.Toggle.SetHelp("space/x", "toggle")
	km.MultiSelect.Up.SetHelp("↑/↓", "move")
	km.MultiSelect.Down.SetHelp("↑/↓", "move")
	km.MultiSelect.Filter.SetHelp("/", "filter")
	km.Confirm.Toggle.SetHelp("←/→", "yes / no")
	km.Confirm.Accept.SetHelp("y/n", "yes / no")
	km.Confirm.Reject.SetHelp("y/n", "yes / no")
	return km
}

// formTheme is the shared form theme with the chosen option of a select
// marked when the select is not focused: the theme's blurred selector is
// blank, which left only a colour (none under NO_COLOR) to say what was
// chosen. The blurred yes/no of a confirm is marked the same way.
func formTheme(base huh.Theme) huh.Theme {
	return huh.ThemeFunc(func(dark bool) *huh.Styles {
		t := *base.Theme(dark)
		t.Blurred.SelectSelector = t.Blurred.SelectedOption.SetString("✓ ")
		t.Blurred.FocusedButton = t.Blurred.FocusedButton.SetString("✓")
		return &t
	})
}

// formNavKeys are the keys every form field shares, as the footer says
// them.
type formNavKeys struct {
	next, prev, back key.Binding
}

func newFormNavKeys() formNavKeys {
	return formNavKeys{
		next: key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "next")),
		prev: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
		back: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "steps")),
	}
}

// fieldKeys are the keys of the focused field beyond moving between
// fields: taken from the field's own keymap (what it answers to), without
// those the navigation already names, disabled ones, or repeats.
func (m *Model) fieldKeys() []key.Binding {
	if m.form == nil {
		return nil
	}
	f := m.form.GetFocusedField()
	if f == nil {
		return nil
	}
	nav := []string{"enter", "tab", "shift+tab", "esc"}
	var out []key.Binding
	var seen []string
	for _, b := range f.KeyBinds() {
		if !b.Enabled() || b.Help().Key == "" || slices.ContainsFunc(b.Keys(), func(k string) bool { return slices.Contains(nav, k) }) {
			continue
		}
		if slices.Contains(seen, b.Help().Key) {
			continue
		}
		seen = append(seen, b.Help().Key)
		out = append(out, b)
	}
	return out
}

// formKeys is the key map while a form is focused: the field's keys, then
// moving between fields, leaving, quitting.
func (m *Model) formKeys() screen.Help {
	k := m.d.Shared.Keys
	nav := newFormNavKeys()
	field := m.fieldKeys()
	short := append(slices.Clone(field), nav.next, nav.prev, nav.back)
	if len(field) == 0 {
		// A field with keys of its own fills the footer at 80 columns:
		// ctrl+c is then in the help (?), which such a field lets through.
		short = append(short, k.ForceQuit)
	}
	full := [][]key.Binding{}
	if len(field) > 0 {
		full = append(full, field)
	}
	full = append(full, []key.Binding{nav.next, nav.prev, nav.back})
	return screen.Help{Short: short, Full: dedupeHelp(full, k)}
}

// dedupeHelp drops from a screen's full help the bindings the root's help
// lists anyway (the shared keys, with the same words), and any binding
// repeated, so that every key is listed once.
func dedupeHelp(groups [][]key.Binding, shared *screen.Keys) [][]key.Binding {
	type entry struct{ key, desc string }
	seen := map[entry]bool{}
	for _, b := range []key.Binding{shared.Up, shared.Down, shared.Left, shared.Right, shared.Next, shared.Prev,
		shared.Enter, shared.Back, shared.Help, shared.Quit, shared.ForceQuit} {
		seen[entry{b.Help().Key, b.Help().Desc}] = true
	}
	var out [][]key.Binding
	for _, g := range groups {
		var kept []key.Binding
		for _, b := range g {
			e := entry{b.Help().Key, b.Help().Desc}
			if seen[e] {
				continue
			}
			seen[e] = true
			kept = append(kept, b)
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return out
}
