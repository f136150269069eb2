package wizard

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/aws"
)

// policyPicker is the termination policies as the ordered list AWS
// evaluates: the chosen policies first, numbered in the order the group
// applies them (the next one only settles what the one before left tied),
// then the others. space or x chooses or drops the policy under the
// cursor; shift+↑/↓ (or K/J) moves a chosen one earlier or later. It is a
// huh field, so the form moves through it like any other.
type policyPicker struct {
	key      string
	title    string
	value    *[]string // the chosen policies, in order
	offered  []string  // every policy, in the order steps offers them
	cursor   int
	focused  bool
	err      error
	validate func([]string) error
	width    int
	theme    huh.Theme
	dark     bool
	keys     policyKeys
}

type policyKeys struct {
	Up, Down, Toggle, Earlier, Later, Next, Prev key.Binding
}

func newPolicyKeys() policyKeys {
	return policyKeys{
		Up:      key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "move")),
		Down:    key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↑/↓", "move")),
		Toggle:  key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("space/x", "use")),
		Earlier: key.NewBinding(key.WithKeys("shift+up", "K"), key.WithHelp("K/J", "earlier/later")),
		Later:   key.NewBinding(key.WithKeys("shift+down", "J"), key.WithHelp("K/J", "earlier/later")),
		Next:    key.NewBinding(key.WithKeys("enter", "tab"), key.WithHelp("enter", "next")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "back")),
	}
}

// newPolicyPicker binds a picker to value.
func newPolicyPicker(path, title string, value *[]string, validate func([]string) error) *policyPicker {
	return &policyPicker{key: path, title: title, value: value, offered: aws.TerminationPolicyNames(),
		validate: validate, keys: newPolicyKeys(), dark: true}
}

// rows is the list as shown: the chosen policies in order, then the rest
// in the offered order.
func (p *policyPicker) rows() []string {
	rows := slices.Clone(*p.value)
	for _, o := range p.offered {
		if !slices.Contains(rows, o) {
			rows = append(rows, o)
		}
	}
	return rows
}

// Hovered is the policy under the cursor (the panel explains it).
func (p *policyPicker) Hovered() (string, bool) {
	rows := p.rows()
	if p.cursor < 0 || p.cursor >= len(rows) {
		return "", false
	}
	return rows[p.cursor], true
}

func (p *policyPicker) Init() tea.Cmd { return nil }

func (p *policyPicker) Update(msg tea.Msg) (huh.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg:
		p.dark = msg.IsDark()
	case tea.KeyPressMsg:
		if !p.focused {
			return p, nil
		}
		p.err = nil
		rows := p.rows()
		chosen := *p.value
		switch {
		case key.Matches(msg, p.keys.Earlier):
			if i := p.cursor; i > 0 && i < len(chosen) {
				chosen[i-1], chosen[i] = chosen[i], chosen[i-1]
				p.cursor--
			}
		case key.Matches(msg, p.keys.Later):
			if i := p.cursor; i < len(chosen)-1 {
				chosen[i], chosen[i+1] = chosen[i+1], chosen[i]
				p.cursor++
			}
		case key.Matches(msg, p.keys.Up):
			p.cursor = max(0, p.cursor-1)
		case key.Matches(msg, p.keys.Down):
			p.cursor = min(len(rows)-1, p.cursor+1)
		case key.Matches(msg, p.keys.Toggle):
			name := rows[p.cursor]
			if i := slices.Index(chosen, name); i >= 0 {
				*p.value = slices.Delete(slices.Clone(chosen), i, i+1)
			} else {
				*p.value = append(slices.Clone(chosen), name)
			}
			// The cursor stays on the policy, wherever it moved to.
			p.cursor = slices.Index(p.rows(), name)
		case key.Matches(msg, p.keys.Prev):
			return p, huh.PrevField
		case key.Matches(msg, p.keys.Next):
			if p.err = p.validate(*p.value); p.err != nil {
				return p, nil
			}
			return p, huh.NextField
		}
	}
	return p, nil
}

func (p *policyPicker) styles() *huh.FieldStyles {
	theme := p.theme
	if theme == nil {
		theme = huh.ThemeFunc(huh.ThemeBase)
	}
	st := theme.Theme(p.dark)
	if p.focused {
		return &st.Focused
	}
	return &st.Blurred
}

func (p *policyPicker) View() string {
	st := p.styles()
	var b strings.Builder
	b.WriteString(st.Title.Render(p.title) + st.Description.Render("  applied in this order: each settles what the one before left tied") + "\n")
	chosen := *p.value
	for i, name := range p.rows() {
		cursor := "  "
		if p.focused && i == p.cursor {
			cursor = st.MultiSelectSelector.String()
			if lipgloss.Width(cursor) != 2 {
				cursor = "> "
			}
		}
		var line string
		if n := slices.Index(chosen, name); n >= 0 {
			line = st.SelectedOption.Render(fmt.Sprintf("%d. [x] %s", n+1, name))
		} else {
			line = st.UnselectedOption.Render(fmt.Sprintf("   [ ] %s", name))
		}
		b.WriteString(cursor + line + "\n")
	}
	return st.Base.Width(p.width).Render(strings.TrimSuffix(b.String(), "\n"))
}

func (p *policyPicker) Focus() tea.Cmd { p.focused = true; return nil }

func (p *policyPicker) Blur() tea.Cmd {
	p.focused = false
	p.err = p.validate(*p.value)
	return nil
}

func (p *policyPicker) Error() error { return p.err }

func (p *policyPicker) Run() error { return huh.NewForm(huh.NewGroup(p)).Run() }

// RunAccessible is not offered: the wizard never runs in accessible mode.
func (p *policyPicker) RunAccessible(io.Writer, io.Reader) error {
	return fmt.Errorf("the termination policy picker has no accessible mode")
}

func (p *policyPicker) Skip() bool { return false }
func (p *policyPicker) Zoom() bool { return false }

func (p *policyPicker) KeyBinds() []key.Binding {
	return []key.Binding{p.keys.Toggle, p.keys.Up, p.keys.Down, p.keys.Earlier, p.keys.Later, p.keys.Prev, p.keys.Next}
}

func (p *policyPicker) WithTheme(t huh.Theme) huh.Field {
	if p.theme == nil {
		p.theme = t
	}
	return p
}

func (p *policyPicker) WithKeyMap(*huh.KeyMap) huh.Field         { return p }
func (p *policyPicker) WithWidth(w int) huh.Field                { p.width = w; return p }
func (p *policyPicker) WithHeight(int) huh.Field                 { return p }
func (p *policyPicker) WithPosition(huh.FieldPosition) huh.Field { return p }
func (p *policyPicker) GetKey() string                           { return p.key }
func (p *policyPicker) GetValue() any                            { return slices.Clone(*p.value) }
