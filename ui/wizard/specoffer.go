package wizard

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// The question the wizard asks when it starts with no draft and a
// stack.yaml in the working directory: start from it, or empty?

// specOffer is the question asked when the wizard starts with no draft
// and a stack.yaml in the working directory: start from it?
type specOffer struct {
	path    string
	spec    *spec.Spec
	mod     time.Time
	invalid int
	yes, no key.Binding
}

// offerSpecFile looks for stack.yaml in the working directory.
func (m *Model) offerSpecFile() {
	path := filepath.Join(m.d.WorkDir, "stack.yaml")
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return
	}
	sp, err := spec.ParseWithEnv(data, m.env())
	if sp == nil {
		return
	}
	o := &specOffer{path: path, spec: sp, mod: info.ModTime(),
		yes: key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "start from stack.yaml")),
		no:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "start empty")),
	}
	var ve *spec.ValidationError
	if errors.As(err, &ve) {
		o.invalid = len(ve.Errors())
	}
	m.offer = o
}

// offerKey answers the stack.yaml question.
func (m *Model) offerKey(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	o := m.offer
	switch {
	case key.Matches(msg, o.yes):
		m.offer = nil
		m.draft = o.spec
		if m.draft.Region == "" {
			m.draft.Region = m.d.Region
		}
		for _, s := range m.all {
			m.answered[s.ID()] = true
		}
		m.form, m.phase, m.focus, m.cursor = nil, phaseSteps, focusList, 0
		m.answers = answersFrom(m.draft, m.profile)
		m.notice = "answers loaded from " + o.path + ": p reviews the plan, enter opens a step"
		return nil, tea.Batch(m.saveDraft(), m.connect())
	case key.Matches(msg, o.no):
		m.offer = nil
		if m.form == nil {
			return nil, m.openForm(m.cursor)
		}
	}
	return nil, nil
}

// offerView asks whether to start from stack.yaml.
func (m *Model) offerView() string {
	s := m.d.Shared.Styles
	o := m.offer
	var b strings.Builder
	b.WriteString(s.Title.Render("Start from stack.yaml?") + "\n\n")
	name := o.spec.Name
	if name == "" {
		name = "(no name)"
	}
	fmt.Fprintf(&b, "%s (stack %s, saved %s) holds answers for every step.\n", o.path, s.Bold.Render(name), ago(m.d.Now().Sub(o.mod)))
	if o.invalid > 0 {
		b.WriteString(s.Warning.Render(fmt.Sprintf("It has %s: the steps that hold them will say which.", plural(o.invalid, "problem"))) + "\n")
	}
	b.WriteString("\nStarting from it fills in every step; you can still change any answer\nbefore the plan and the apply.\n\n")
	b.WriteString(helpLine(s.Key, lipgloss.NewStyle(), []key.Binding{o.yes, o.no}) + "\n")
	return s.Pane.Width(m.width).Height(m.height).Render(b.String())
}

// offerKeyMap is the question's keys, for the footer and the help.
func (m *Model) offerKeyMap() screen.Help {
	k := m.d.Shared.Keys
	return screen.Help{Short: []key.Binding{m.offer.yes, m.offer.no, k.Quit}, Full: [][]key.Binding{{m.offer.yes, m.offer.no}, {k.Help, k.Quit}}}
}
