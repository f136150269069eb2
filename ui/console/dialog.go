package console

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// dialogKind is which action a dialog confirms.
type dialogKind int

const (
	dialogCapacity dialogKind = iota
	dialogStartRefresh
	dialogCancelRefresh
	dialogTerminate
	dialogStandby
	dialogPolicies
	dialogSwitch
)

// dialog is an action waiting for the user's confirmation: what will
// happen, the values to change, and enter to do it or esc to leave it.
type dialog struct {
	kind  dialogKind
	title string
	// inputs are the fields typed into (capacity, refresh); focus is the
	// one with the keyboard.
	inputs []textinput.Model
	labels []string
	focus  int
	// choices are exclusive options (terminate: replace or shrink); choice
	// is the one picked.
	choices []string
	choice  int
	// instance is the instance acted on (terminate, standby).
	instance fleet.Instance
	// policies is the termination policies editor: every policy, the
	// chosen ones first in order; cursor is the line under the cursor.
	policies []policyItem
	cursor   int
	// peers are the stacks the alias can switch to; zone and record are
	// the record switched: the stack's own, or, with borrow, the one owner
	// (another stack) created.
	peers        []peer
	zone, record string
	borrow       bool
	owner        string
	peersErr     error
	loading      bool
	// err is why enter was refused.
	err string
	// acked is how many pre-flight risks the user was told about by a
	// first enter: a second enter starts anyway unless more appeared
	// meanwhile (a refresh can change their wording, not their number).
	acked int
}

type policyItem struct {
	name string
	on   bool
}

func newInput(value string) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 6
	in.SetWidth(8)
	st := in.Styles()
	st.Cursor.Blink = false
	in.SetStyles(st)
	in.SetValue(value)
	return in
}

func (d *dialog) capturing() bool { return len(d.inputs) > 0 }

func (d *dialog) keys(m *Model) []key.Binding {
	dk := m.keys.dialog
	if d.kind == dialogSwitch && !d.loading && len(d.peers) == 0 {
		// Nothing to switch to: enter is not offered.
		return []key.Binding{dk.cancel}
	}
	confirm := dk.confirm
	if len(m.preflight(d)) > 0 {
		confirm = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "start anyway (asks once more)"))
	}
	k := []key.Binding{confirm, dk.cancel}
	switch {
	case len(d.inputs) > 1:
		k = append(k, dk.field)
	case len(d.choices) > 0:
		k = append(k, dk.choose)
	case d.kind == dialogPolicies:
		k = append(k, dk.toggle, dk.moveUp, dk.moveDown)
	}
	return k
}

// update handles a key while the dialog is open.
func (d *dialog) update(m *Model, msg tea.Msg) (screen.Action, tea.Cmd) {
	dk := m.keys.dialog
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		if len(d.inputs) > 0 {
			var cmd tea.Cmd
			d.inputs[d.focus], cmd = d.inputs[d.focus].Update(msg)
			return nil, cmd
		}
		return nil, nil
	}
	switch {
	case key.Matches(k, dk.cancel):
		m.dialog = nil
		m.lastMsg = line{text: d.title + ": cancelled, nothing changed", tone: toneMuted}
		return nil, nil
	case key.Matches(k, dk.confirm):
		return m.confirm(d)
	}
	switch {
	case len(d.inputs) > 0:
		if key.Matches(k, dk.field) {
			d.inputs[d.focus].Blur()
			step := 1
			if k.String() == "shift+tab" {
				step = len(d.inputs) - 1
			}
			d.focus = (d.focus + step) % len(d.inputs)
			return nil, d.inputs[d.focus].Focus()
		}
		var cmd tea.Cmd
		d.inputs[d.focus], cmd = d.inputs[d.focus].Update(msg)
		d.err, d.acked = "", 0
		return nil, cmd
	case len(d.choices) > 0:
		if key.Matches(k, dk.choose) {
			d.choice = (d.choice + 1) % len(d.choices)
			d.err, d.acked = "", 0
		}
	case d.kind == dialogPolicies:
		d.updatePolicies(k, dk)
	case d.kind == dialogSwitch:
		switch {
		case key.Matches(k, m.keys.shared.Up):
			d.cursor = max(0, d.cursor-1)
		case key.Matches(k, m.keys.shared.Down):
			d.cursor = min(len(d.peers)-1, d.cursor+1)
		}
	}
	return nil, nil
}

// updatePolicies moves, toggles and reorders in the policies editor. The
// chosen policies stay first, in the order the group applies them.
func (d *dialog) updatePolicies(k tea.KeyPressMsg, dk dialogKeyMap) {
	p := d.policies
	switch {
	case key.Matches(k, dk.moveUp):
		if d.cursor > 0 && p[d.cursor].on && p[d.cursor-1].on {
			p[d.cursor], p[d.cursor-1] = p[d.cursor-1], p[d.cursor]
			d.cursor--
		}
	case key.Matches(k, dk.moveDown):
		if d.cursor+1 < len(p) && p[d.cursor].on && p[d.cursor+1].on {
			p[d.cursor], p[d.cursor+1] = p[d.cursor+1], p[d.cursor]
			d.cursor++
		}
	case key.Matches(k, dk.toggle):
		item := p[d.cursor]
		item.on = !item.on
		rest := slices.Delete(slices.Clone(p), d.cursor, d.cursor+1)
		// A policy turned on joins the end of the chosen ones; one turned
		// off goes back among the others.
		at := 0
		for at < len(rest) && rest[at].on {
			at++
		}
		d.policies = slices.Insert(rest, at, item)
		d.cursor = at
		d.err = ""
	case k.String() == "up" || k.String() == "k":
		d.cursor = max(0, d.cursor-1)
	case k.String() == "down" || k.String() == "j":
		d.cursor = min(len(p)-1, d.cursor+1)
	}
}

// chosenPolicies are the policies turned on, in order.
func (d *dialog) chosenPolicies() []string {
	var out []string
	for _, p := range d.policies {
		if p.on {
			out = append(out, p.name)
		}
	}
	return out
}

// view draws the dialog: a rule, the title, what will happen, the fields.
func (d *dialog) view(m *Model, width int) string {
	s := m.sh.Styles
	var b strings.Builder
	b.WriteString(s.Subtle.Render(strings.Repeat("─", width)) + "\n")
	b.WriteString(s.Title.Render(d.title))
	add := func(t tone, text string) { b.WriteString("\n" + t.style(s).Render(screen.Truncate(text, width))) }
	// The risks are wrapped, not cut: they are why to stop.
	for _, l := range m.preflightLines(d) {
		for i, w := range wrapWords(strings.TrimPrefix(l.text, "  "), width-4) {
			if strings.HasPrefix(l.text, "  ") || i > 0 {
				w = "  " + w
			}
			add(l.tone, w)
		}
	}
	for _, l := range m.dialogBody(d) {
		if !l.wrap {
			add(l.tone, l.text)
			continue
		}
		for _, w := range wrapWords(l.text, width) {
			add(l.tone, w)
		}
	}
	// The field with the keyboard is marked with ▸, not by colour alone.
	for i, in := range d.inputs {
		field := in.View()
		if i == d.focus {
			b.WriteString("\n" + s.Key.Render(fmt.Sprintf("▸ %-9s ", d.labels[i])) + field)
		} else {
			b.WriteString("\n" + s.Muted.Render(fmt.Sprintf("  %-9s ", d.labels[i])) + field)
		}
	}
	for i, c := range d.choices {
		mark := "( )"
		st := s.Muted
		if i == d.choice {
			mark, st = "(•)", s.Bold
		}
		b.WriteString("\n" + st.Render(screen.Truncate("  "+mark+" "+c, width)))
	}
	if d.err != "" {
		add(toneBad, d.err)
	}
	return b.String()
}

// inputInts reads the dialog's fields as whole numbers.
func (d *dialog) inputInts() ([]int, error) {
	out := make([]int, len(d.inputs))
	for i, in := range d.inputs {
		v, err := strconv.Atoi(strings.TrimSpace(in.Value()))
		if err != nil || v < 0 {
			return nil, fmt.Errorf("%s must be a whole number, 0 or more (got %q)", d.labels[i], in.Value())
		}
		out[i] = v
	}
	return out, nil
}

// policyEditor lists every policy, the group's current ones first.
func policyEditor(current []string) []policyItem {
	var items []policyItem
	for _, p := range current {
		items = append(items, policyItem{name: p, on: true})
	}
	for _, p := range aws.TerminationPolicyNames() {
		if !slices.Contains(current, p) {
			items = append(items, policyItem{name: p})
		}
	}
	return items
}
