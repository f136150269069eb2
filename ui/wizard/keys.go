package wizard

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"

	"github.com/stackwiz/stackwiz/ui/screen"
)

// keys are the wizard's own bindings, by phase; moving, choosing and
// leaving are the shared screen.Keys. Each Model builds its own: no
// keymap is package state.
type keys struct {
	// resume screen
	Edit key.Binding
	// step list
	Review key.Binding
	// plan review
	Apply, Tab, Save, SaveScript key.Binding
	// the question before the apply
	Yes, No key.Binding
	// checks before the first apply
	Rerun, Force key.Binding
	// apply
	Retry, EditStep, Abort, Console key.Binding
}

func newKeys() keys {
	return keys{
		Edit:       key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit answers")),
		Review:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "review the plan")),
		Apply:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply")),
		Tab:        key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab", "plan/script/yaml")),
		Save:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save stack.yaml")),
		SaveScript: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "save script")),
		Yes:        key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes, apply")),
		No:         key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),
		Rerun:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run the checks again")),
		Force:      key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "apply anyway")),
		Retry:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		EditStep:   key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit the step")),
		Abort:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the steps")),
		Console:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the console")),
	}
}

// KeyMap returns the keys that work now, for the root's help: the full
// help without the shared keys the root lists after it, each key once.
func (m *Model) KeyMap() help.KeyMap {
	km := m.keyMap()
	km.Full = dedupeHelp(km.Full, m.d.Shared.Keys)
	return km
}

func (m *Model) keyMap() screen.Help {
	k := m.d.Shared.Keys
	nav := []key.Binding{k.Up, k.Down, k.Enter, k.Back}
	if m.offer != nil {
		return m.offerKeyMap()
	}
	switch m.phase {
	case phaseResume:
		cont := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue: plan, then apply"))
		return screen.Help{Short: []key.Binding{cont, m.keys.Edit, k.Quit}, Full: [][]key.Binding{{cont, m.keys.Edit}, {k.Help, k.Quit}}}
	case phaseReview:
		return m.reviewKeys()
	case phaseDoctor:
		return m.doctorKeyMap()
	case phaseApply, phaseDone:
		var ks []key.Binding
		switch {
		case m.apply != nil && m.apply.finished && m.apply.err != nil:
			ks = []key.Binding{m.keys.Retry, m.keys.EditStep, m.keys.Abort}
		case m.phase == phaseDone:
			ks = []key.Binding{m.keys.Console, m.keys.Abort}
		}
		ks = append(ks, k.Quit)
		return screen.Help{Short: ks, Full: [][]key.Binding{ks, {k.Help}}}
	}
	if m.focus == focusForm {
		return m.formKeys()
	}
	open := key.NewBinding(key.WithKeys("enter", "l"), key.WithHelp("enter", "open the step"))
	if m.identityErr() != nil {
		retry := key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry who you are"))
		return screen.Help{
			Short: []key.Binding{k.Up, k.Down, open, retry, k.Help, k.Quit},
			Full:  [][]key.Binding{append(nav[:2:2], open, k.Next), {retry}, {k.Help, k.Quit}},
		}
	}
	return screen.Help{
		Short: []key.Binding{k.Up, k.Down, open, m.keys.Review, k.Help, k.Quit},
		Full:  [][]key.Binding{append(nav[:2:2], open, k.Next), {m.keys.Review}, {k.Help, k.Quit}},
	}
}

var _ screen.KeyMapper = (*Model)(nil)
