package wizard

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"

	"github.com/stackwiz/stackwiz/ui/screen"
)

// The wizard's own keys, by phase; moving, choosing and leaving are the
// shared screen.Keys.
var (
	resumeKeys = struct{ Edit key.Binding }{
		Edit: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit answers")),
	}
	stepKeys = struct{ Review key.Binding }{
		Review: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "review the plan")),
	}
	reviewKeys = struct {
		Apply, Tab, Save, SaveScript key.Binding
	}{
		Apply:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "apply")),
		Tab:        key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab", "plan / script / yaml")),
		Save:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "save stack.yaml")),
		SaveScript: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "save CLI script")),
	}
	applyKeys = struct {
		Retry, Edit, Abort, Console key.Binding
	}{
		Retry:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
		Edit:    key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit the step")),
		Abort:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the steps")),
		Console: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the console")),
	}
)

// keyMap is a phase's bindings for help.
type keyMap struct {
	short []key.Binding
	full  [][]key.Binding
}

func (k keyMap) ShortHelp() []key.Binding  { return k.short }
func (k keyMap) FullHelp() [][]key.Binding { return k.full }

// KeyMap returns the keys that work now, for the root's help.
func (m *Model) KeyMap() help.KeyMap {
	k := m.d.Shared.Keys
	nav := []key.Binding{k.Up, k.Down, k.Enter, k.Back}
	switch m.phase {
	case phaseResume:
		cont := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue: plan, then apply"))
		return keyMap{short: []key.Binding{cont, resumeKeys.Edit, k.Quit}, full: [][]key.Binding{{cont, resumeKeys.Edit}, {k.Help, k.Quit}}}
	case phaseReview:
		back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to the steps"))
		scroll := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll"))
		if m.review != nil && m.review.saving != nil {
			save := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save"))
			cancel := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
			return keyMap{short: []key.Binding{save, cancel}, full: [][]key.Binding{{save, cancel}}}
		}
		return keyMap{
			short: []key.Binding{reviewKeys.Apply, reviewKeys.Tab, reviewKeys.Save, reviewKeys.SaveScript, back},
			full:  [][]key.Binding{{reviewKeys.Apply, reviewKeys.Tab, scroll}, {reviewKeys.Save, reviewKeys.SaveScript}, {back, k.Help, k.Quit}},
		}
	case phaseApply, phaseDone:
		var ks []key.Binding
		switch {
		case m.apply != nil && m.apply.finished && m.apply.err != nil:
			ks = []key.Binding{applyKeys.Retry, applyKeys.Edit, applyKeys.Abort}
		case m.phase == phaseDone:
			ks = []key.Binding{applyKeys.Console, applyKeys.Abort}
		}
		ks = append(ks, k.Quit)
		return keyMap{short: ks, full: [][]key.Binding{ks, {k.Help}}}
	}
	if m.focus == focusForm {
		next := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "next field / done"))
		prev := key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous field"))
		back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "to the step list"))
		choose := key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "choose"))
		return keyMap{
			short: []key.Binding{next, prev, back, k.ForceQuit},
			full:  [][]key.Binding{{next, prev, choose}, {back, k.ForceQuit}},
		}
	}
	open := key.NewBinding(key.WithKeys("enter", "l"), key.WithHelp("enter", "open the step"))
	return keyMap{
		short: []key.Binding{k.Up, k.Down, open, stepKeys.Review, k.Help, k.Quit},
		full:  [][]key.Binding{append(nav[:2:2], open, k.Next), {stepKeys.Review}, {k.Help, k.Quit}},
	}
}

var _ screen.KeyMapper = (*Model)(nil)
