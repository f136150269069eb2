package console

import (
	"charm.land/bubbles/v2/key"

	"github.com/stackwiz/stackwiz/ui/screen"
)

// keyMap is the console's own keys; moving, esc, help and quit are the
// shared screen.Keys. The help view is generated from these bindings.
type keyMap struct {
	shared *screen.Keys

	NextTab  key.Binding
	PrevTab  key.Binding
	Tab      key.Binding // the digits of the tabs
	PageUp   key.Binding
	PageDown key.Binding
	Home     key.Binding
	End      key.Binding
	Filter   key.Binding
	Sort     key.Binding
	Reverse  key.Binding
	Detail   key.Binding
	Copy     key.Binding
	Pause    key.Binding
	Refresh  key.Binding
	Faster   key.Binding
	Slower   key.Binding
	// Stacks opens the stack switcher: the other stacks and regions.
	Stacks key.Binding

	Capacity     key.Binding
	StartRefresh key.Binding
	CancelRefr   key.Binding
	Terminate    key.Binding
	Standby      key.Binding
	Policies     key.Binding
	Switch       key.Binding

	dialog dialogKeyMap
	picker pickerKeyMap
}

// pickerKeyMap is the keys of the stack switcher.
type pickerKeyMap struct {
	open, copy, rescan, close key.Binding
}

// dialogKeyMap is the keys a dialog uses.
type dialogKeyMap struct {
	confirm, cancel, field, choose, toggle, moveUp, moveDown key.Binding
}

// newKeys builds the keys; digits are the tabs' keys ("1" to the last).
func newKeys(shared *screen.Keys, digits []string) keyMap {
	return keyMap{
		shared:   shared,
		NextTab:  key.NewBinding(key.WithKeys("tab", "right", "l"), key.WithHelp("tab", "next view")),
		PrevTab:  key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("shift+tab", "previous view")),
		Tab:      key.NewBinding(key.WithKeys(digits...), key.WithHelp("1-"+digits[len(digits)-1], "view")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", "space"), key.WithHelp("pgdn", "page down")),
		Home:     key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "first")),
		End:      key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "last")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		Reverse:  key.NewBinding(key.WithKeys("S"), key.WithHelp("S", "reverse")),
		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Copy:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy id")),
		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Faster:   key.NewBinding(key.WithKeys("+"), key.WithHelp("+", "faster")),
		Slower:   key.NewBinding(key.WithKeys("-"), key.WithHelp("-", "slower")),
		Stacks:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "stacks")),

		Capacity:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "capacity")),
		StartRefresh: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "instance refresh")),
		CancelRefr:   key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "cancel refresh")),
		Terminate:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "terminate")),
		Standby:      key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "standby in/out")),
		Policies:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "termination policies")),
		Switch:       key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "blue/green switch")),

		dialog: dialogKeyMap{
			confirm:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "do it")),
			cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
			field:    key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
			choose:   key.NewBinding(key.WithKeys("left", "right", "tab", "up", "down"), key.WithHelp("←/→", "choose")),
			toggle:   key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "use/skip policy")),
			moveUp:   key.NewBinding(key.WithKeys("K", "shift+up"), key.WithHelp("K", "apply earlier")),
			moveDown: key.NewBinding(key.WithKeys("J", "shift+down"), key.WithHelp("J", "apply later")),
		},
		picker: pickerKeyMap{
			open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open stack")),
			copy:   key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy command")),
			rescan: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "search again")),
			close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close")),
		},
	}
}
