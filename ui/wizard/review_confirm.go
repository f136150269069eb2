package wizard

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// reviewKeys are the plan review's keys: the save prompt's while it is
// open, the question's while a asks, else the review's own.
func (m *Model) reviewKeys() screen.Help {
	k := m.d.Shared.Keys
	r := m.review
	back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "steps"))
	scroll := key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "scroll"))
	switch {
	case r != nil && r.saving != nil:
		save := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "save"))
		cancel := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
		return screen.Help{Short: []key.Binding{save, cancel}, Full: [][]key.Binding{{save, cancel}}}
	case r != nil && r.confirming:
		return screen.Help{Short: []key.Binding{m.keys.Yes, m.keys.No}, Full: [][]key.Binding{{m.keys.Yes, m.keys.No}}}
	}
	page := key.NewBinding(key.WithKeys("pgdown", "space", "pgup"), key.WithHelp("space/pgdn/pgup", "page"))
	prevTab := key.NewBinding(key.WithKeys("shift+tab", "left", "h"), key.WithHelp("shift+tab/←", "previous view"))
	return screen.Help{
		Short: []key.Binding{m.keys.Apply, m.keys.Tab, m.keys.Save, m.keys.SaveScript, back},
		Full:  [][]key.Binding{{m.keys.Apply, m.keys.Tab, prevTab}, {scroll, page}, {m.keys.Save, m.keys.SaveScript}, {back, k.Help, k.Quit}},
	}
}

// confirmQuestion is what a asks before the apply: how many resources it
// creates, changes and deletes, and what the stack costs a month.
func (m *Model) confirmQuestion() string {
	p := m.review.plan
	if p == nil {
		return "Apply? y/n"
	}
	create := p.Count(steps.ActionCreate)
	change := p.Count(steps.ActionUpdate) + p.Count(steps.ActionReplace)
	del := p.Count(steps.ActionDelete)
	var parts []string
	if create > 0 {
		parts = append(parts, fmt.Sprintf("Create %d", create))
	}
	if change > 0 {
		parts = append(parts, fmt.Sprintf("change %d", change))
	}
	if del > 0 {
		parts = append(parts, fmt.Sprintf("delete %d", del))
	}
	what := "Nothing to change: apply anyway to check every step"
	if len(parts) > 0 {
		parts[0] = strings.ToUpper(parts[0][:1]) + parts[0][1:]
		what = strings.Join(parts, ", ") + " " + plural(create+change+del, "resource")
	}
	return fmt.Sprintf("%s (≈ %s)? y/n", what, p.Cost.TotalText())
}

// confirmKey answers the question: y applies, n or esc goes back to the
// plan; any other key leaves the question as it is.
func (m *Model) confirmKey(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Yes):
		m.review.confirming = false
		return m.applyFromReview()
	case key.Matches(msg, m.keys.No):
		m.review.confirming = false
		return screen.Notice{Text: "not applied: the plan is as it was"}, nil
	}
	return nil, nil
}
