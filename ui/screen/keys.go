package screen

import "charm.land/bubbles/v2/key"

// Keys are the bindings every screen shares, so that moving, choosing and
// leaving work the same everywhere. Help text comes from these bindings, so
// what the help says and what the keys do cannot drift.
type Keys struct {
	Up    key.Binding
	Down  key.Binding
	Left  key.Binding
	Right key.Binding
	Next  key.Binding // tab: the next pane or field
	Prev  key.Binding // shift+tab
	Enter key.Binding
	Back  key.Binding // esc: one level back; never quits
	Help  key.Binding
	Quit  key.Binding
	// ForceQuit is ctrl+c: quits from anywhere, even while typing (with
	// the same confirmation as Quit while a screen is busy).
	ForceQuit key.Binding
}

// NewKeys returns the shared bindings: arrows and hjkl, tab/shift-tab,
// enter, esc, ? and q / ctrl+c.
func NewKeys() *Keys {
	return &Keys{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Left:      key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "left")),
		Right:     key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "right")),
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous")),
		Enter:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "choose")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// Help is the bindings that work now, for the help bubble: Short on the
// footer line, Full in columns when help is open.
type Help struct {
	Short []key.Binding
	Full  [][]key.Binding
}

func (h Help) ShortHelp() []key.Binding  { return h.Short }
func (h Help) FullHelp() [][]key.Binding { return h.Full }
