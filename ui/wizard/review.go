package wizard

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// review is the plan review: what apply would do, grouped by step, the
// monthly estimate, the AWS CLI script and the stack.yaml.
type review struct {
	run      int
	loading  bool
	plan     *steps.PlanResult
	err      error
	script   string
	yaml     string
	problems []spec.FieldError
	tab      int // 0 plan, 1 script, 2 yaml
	vp       viewport.Model
	// saving is the path prompt while saving a file; saveWhat says which.
	saving   *huh.Form
	savePath string
	saveWhat int
	saved    string
	// confirming is the question a asks before the apply starts.
	confirming bool
}

var reviewTabs = [...]string{"Plan", "AWS CLI script", "stack.yaml"}

// planMsg is the plan's result.
type planMsg struct {
	run    int
	plan   *steps.PlanResult
	script string
	yaml   string
	err    error
}

func (planMsg) Screen() screen.ID { return screen.Wizard }

// savedMsg says a file was written (or not).
type savedMsg struct {
	path string
	err  error
}

func (savedMsg) Screen() screen.ID { return screen.Wizard }

// saveDoneMsg is the path prompt's submit.
type saveDoneMsg struct{}

func (saveDoneMsg) Screen() screen.ID { return screen.Wizard }

// startReview validates the whole spec and, when it holds, plans.
func (m *Model) startReview() (screen.Action, tea.Cmd) {
	if err := spec.ValidateName(m.draft.Name); err != nil {
		m.phase, m.focus = phaseSteps, focusForm
		m.notice = "name the stack first"
		return nil, m.openForm(m.stepIndex(steps.StepIdentity))
	}
	if m.identityErr() != nil {
		m.phase, m.focus = phaseSteps, focusForm
		m.notice = identityNotice
		return nil, m.openForm(m.stepIndex(steps.StepIdentity))
	}
	run := 1
	if m.review != nil {
		run = m.review.run + 1
	}
	m.review = &review{run: run, loading: true, vp: viewport.New()}
	m.review.resize(m.width, m.height)
	m.phase = phaseReview
	var errs []spec.FieldError
	for _, p := range m.draft.Validate(m.env()) {
		if !p.IsWarning() {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		m.review.loading, m.review.problems = false, errs
		m.review.render(m)
		return nil, nil
	}
	if m.store == nil {
		st, err := state.Open(m.d.StateDir, m.draft.Name)
		if err != nil {
			return screen.Fail{Err: err}, nil
		}
		m.store, m.rec = st, st.Snapshot()
	}
	// The YAML keeps script paths as typed; the engine gets them resolved.
	y, yerr := m.specYAMLFor(m.d.WorkDir)
	return nil, planCmd(m.d.Shared.Ctx, run, m.engineSpec(), y, yerr, m.clients, m.store, m.d.Engine, m.all)
}

// planCmd plans in the background: the engine reads the record and, with
// clients, asks AWS whether recorded resources still exist.
func planCmd(ctx context.Context, run int, sp *spec.Spec, y string, yerr error, clients *aws.Clients, store *state.Store, opts steps.Options, all []steps.Step) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, lookupTimeout*2)
		defer cancel()
		eng := steps.New(sp, clients, store, nil, opts)
		p, err := eng.Plan(ctx)
		if err == nil {
			err = yerr
		}
		return planMsg{run: run, plan: p, script: steps.ExportCLI(sp, all), yaml: y, err: err}
	}
}

func (r *review) resize(w, h int) {
	r.vp.SetWidth(max(10, w-4))
	r.vp.SetHeight(max(3, h-6))
}

func (m *Model) updateReview(msg tea.Msg) (screen.Action, tea.Cmd) {
	r := m.review
	switch msg := msg.(type) {
	case planMsg:
		if r == nil || msg.run != r.run {
			return nil, nil
		}
		r.loading, r.plan, r.err, r.script, r.yaml = false, msg.plan, msg.err, msg.script, msg.yaml
		r.render(m)
	case saveDoneMsg:
		if r == nil || r.saving == nil {
			return nil, nil
		}
		path := resolved(strings.TrimSpace(r.savePath), m.d.WorkDir)
		content, mode := r.yaml, os.FileMode(0o644)
		if r.saveWhat == 1 {
			content, mode = r.script, 0o755
		} else if y, err := m.specYAMLFor(filepath.Dir(path)); err == nil {
			content = y // script paths relative to where the file goes
		}
		r.saving = nil
		return nil, saveCmd(path, content, mode)
	case savedMsg:
		if r == nil {
			return nil, nil
		}
		if msg.err != nil {
			return screen.Fail{Err: msg.err}, nil
		}
		r.saved = msg.path
		return screen.Notice{Text: "saved " + msg.path}, nil
	}
	return nil, nil
}

func (m *Model) reviewKey(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	r := m.review
	k := m.d.Shared.Keys
	if r.saving != nil {
		if key.Matches(msg, k.Back) {
			r.saving = nil
			return nil, nil
		}
		return nil, r.forwardSave(msg)
	}
	if r.confirming {
		return m.confirmKey(msg)
	}
	switch {
	case key.Matches(msg, k.Back):
		m.phase, m.focus = phaseSteps, focusList
		return nil, nil
	case key.Matches(msg, m.keys.Tab):
		r.tab = (r.tab + 1) % len(reviewTabs)
		r.render(m)
	case key.Matches(msg, k.Prev), key.Matches(msg, k.Left):
		r.tab = (r.tab + len(reviewTabs) - 1) % len(reviewTabs)
		r.render(m)
	case key.Matches(msg, k.Up):
		r.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		r.vp.ScrollDown(1)
	case msg.String() == "pgdown" || msg.String() == "space":
		r.vp.PageDown()
	case msg.String() == "pgup":
		r.vp.PageUp()
	case key.Matches(msg, m.keys.Save), key.Matches(msg, m.keys.SaveScript):
		if r.loading || r.plan == nil {
			return nil, nil
		}
		r.saveWhat, r.savePath = 0, "stack.yaml"
		if key.Matches(msg, m.keys.SaveScript) {
			r.saveWhat, r.savePath = 1, m.draft.Name+"-aws-cli.sh"
		}
		r.saving = huh.NewForm(huh.NewGroup(huh.NewInput().Key("path").Title("Save to:").Prompt(" ").Value(&r.savePath).Inline(true).
			Validate(func(p string) error {
				if strings.TrimSpace(p) == "" {
					return fmt.Errorf("type a file name")
				}
				return nil
			}))).WithShowHelp(false).WithTheme(m.d.Shared.Styles.Huh()).WithWidth(max(20, m.width-4))
		r.saving.SubmitCmd = func() tea.Msg { return saveDoneMsg{} }
		return nil, r.saving.Init()
	case key.Matches(msg, m.keys.Apply):
		switch {
		case r.loading:
			return nil, nil
		case len(r.problems) > 0 || r.err != nil:
			return screen.Notice{Text: "fix what the plan lists first (esc: back to the steps)"}, nil
		case m.clients == nil:
			return screen.Notice{Text: "not connected to AWS: choose a profile and region in Identity"}, nil
		}
		r.confirming = true
		return nil, nil
	}
	return nil, nil
}

// forwardSave passes a message to the path prompt.
func (r *review) forwardSave(msg tea.Msg) tea.Cmd {
	f, cmd := r.saving.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		r.saving = ff
	}
	return cmd
}

func saveCmd(path, content string, mode os.FileMode) tea.Cmd {
	return func() tea.Msg {
		path = strings.TrimSpace(path)
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		if err := os.WriteFile(path, []byte(content), mode); err != nil {
			return savedMsg{path: path, err: fmt.Errorf("save %s: %w", path, err)}
		}
		return savedMsg{path: path}
	}
}

// render fills the viewport with the current tab.
func (r *review) render(m *Model) {
	switch {
	case len(r.problems) > 0:
		r.vp.SetContent(r.problemsText(m))
	case r.tab == 1:
		r.vp.SetContent(r.script)
	case r.tab == 2:
		r.vp.SetContent(r.yaml)
	default:
		r.vp.SetContent(r.planText(m))
	}
	r.vp.GotoTop()
}

func (r *review) problemsText(m *Model) string {
	s := m.d.Shared.Styles
	var b strings.Builder
	b.WriteString(s.Error.Render(fmt.Sprintf("The answers have %d problems; apply would be refused:", len(r.problems))) + "\n\n")
	for _, p := range r.problems {
		st, _ := steps.Lookup(m.all, stepOfPath(p.Path))
		title := string(stepOfPath(p.Path))
		if st != nil {
			title = st.Title()
		}
		item := lipgloss.NewStyle().Width(max(20, r.vp.Width()-2)).Render(s.Bold.Render(title) + " — " + p.Error())
		b.WriteString(s.Error.Render("✗ ") + strings.ReplaceAll(item, "\n", "\n  ") + "\n")
	}
	b.WriteString("\n" + s.Muted.Render("esc: back to the steps to fix them"))
	return b.String()
}

// actionStyle returns the style and sign of a plan action.
func (m *Model) actionStyle(a steps.Action) (lipgloss.Style, string) {
	s := m.d.Shared.Styles
	switch a {
	case steps.ActionCreate:
		return s.Create, "+"
	case steps.ActionUpdate:
		return s.Update, "~"
	case steps.ActionReplace:
		return s.Replace, "±"
	case steps.ActionDelete:
		return s.Delete, "-"
	}
	return s.Keep, "="
}

func (r *review) planText(m *Model) string {
	s := m.d.Shared.Styles
	if r.err != nil {
		e := screen.Describe(r.err)
		return s.Error.Render("✗ planning failed: ") + e.Summary + "\n" + s.Muted.Render(e.Hint)
	}
	p := r.plan
	if p == nil {
		return ""
	}
	var b strings.Builder
	width := max(20, r.vp.Width())
	fmt.Fprintf(&b, "%s  %s  %s  %s\n",
		s.Create.Render(fmt.Sprintf("%d to create", p.Count(steps.ActionCreate))),
		s.Update.Render(fmt.Sprintf("%d to update", p.Count(steps.ActionUpdate))),
		s.Replace.Render(fmt.Sprintf("%d to replace", p.Count(steps.ActionReplace))),
		s.Delete.Render(fmt.Sprintf("%d to delete", p.Count(steps.ActionDelete))))
	if p.Empty() {
		b.WriteString(s.Success.Render("Nothing to change: AWS already matches the answers.") + "\n")
	}
	byStep := map[steps.StepID][]steps.Change{}
	for _, c := range p.Changes {
		byStep[c.Step] = append(byStep[c.Step], c)
	}
	for _, st := range m.all {
		changes := byStep[st.ID()]
		if !st.Enabled(m.draft) && len(changes) == 0 {
			continue
		}
		head := s.Bold.Render(st.Title())
		if m.edited[st.ID()] {
			head += s.Update.Render("  (edited)")
		}
		if len(changes) == 0 {
			head += s.Muted.Render("  — no resources of its own")
		}
		b.WriteString("\n" + head + "\n")
		keep := 0
		for _, c := range changes {
			if c.Action == steps.ActionKeep {
				keep++
				continue
			}
			style, sign := m.actionStyle(c.Action)
			name := c.Name
			if name == "" {
				name = c.Key
			}
			line := fmt.Sprintf("  %s %-8s %-26s %-24s", sign, c.Action, c.Type, name)
			if c.Why != "" && c.Why != "not created yet" { // a new resource needs no reason
				line += s.Muted.Render("  " + c.Why)
			}
			b.WriteString(screen.Truncate(style.Render(line), width) + "\n")
		}
		if keep > 0 {
			b.WriteString(s.Keep.Render(fmt.Sprintf("  = %d unchanged", keep)) + "\n")
		}
	}
	b.WriteString("\n" + s.Bold.Render("Monthly estimate ("+p.Cost.Region+")") + "\n")
	for _, l := range p.Cost.Lines {
		line := fmt.Sprintf("  %-40s %6g × $%-8g $%8.2f", l.Item, l.Quantity, l.UnitPrice, l.Monthly)
		if l.PriceUnknown {
			line = fmt.Sprintf("  %-40s %6g × %s", l.Item, l.Quantity, "price unknown")
		}
		b.WriteString(screen.Truncate(line, width) + "\n")
	}
	total := fmt.Sprintf("  %-58s $%8.2f", "total", p.Cost.Total)
	if len(p.Cost.Unknown) > 0 {
		total += " + what is unknown"
	}
	b.WriteString(s.Bold.Render(total) + "\n")
	b.WriteString(s.Muted.Render(lipgloss.NewStyle().Width(width-2).Render(p.Cost.Note)) + "\n")
	var warn []string
	for _, a := range spec.Advise(m.draft) {
		if a.Warn {
			warn = append(warn, s.Warning.Render("$ ")+lipgloss.NewStyle().Width(width-4).Render(a.Text))
		}
	}
	for _, fe := range m.draft.Validate(m.env()) {
		if fe.IsWarning() {
			warn = append(warn, s.Warning.Render("! ")+lipgloss.NewStyle().Width(width-4).Render(fe.Error()))
		}
	}
	if len(warn) > 0 {
		b.WriteString("\n" + s.Bold.Render("Worth knowing") + "\n" + strings.Join(warn, "\n") + "\n")
	}
	return b.String()
}

// reviewView draws the review: tabs, the content, the save prompt.
func (m *Model) reviewView() string {
	s := m.d.Shared.Styles
	r := m.review
	var tabs []string
	for i, t := range reviewTabs {
		if i == r.tab {
			tabs = append(tabs, s.Selected.Render("["+t+"]"))
		} else {
			tabs = append(tabs, s.Muted.Render(" "+t+" "))
		}
	}
	title := s.Title.Render("Review: "+m.draft.Name) + "  " + strings.Join(tabs, " ")
	var body string
	switch {
	case r.loading:
		body = m.spin.View() + " planning: reading the record and asking AWS what still exists…"
	default:
		body = r.vp.View()
	}
	// The keys are in the root's footer, from reviewKeys: not repeated here.
	foot := ""
	if r.confirming {
		foot = s.Warning.Render(m.confirmQuestion()) // the answers' keys are in the footer
	} else if r.saving != nil {
		foot = r.saving.View()
	} else if r.saved != "" {
		foot = s.Success.Render("saved " + r.saved)
	}
	inner := max(10, m.width-4)
	content := screen.Truncate(title, inner) + "\n\n" + screen.Fit(body, inner, max(1, m.height-6)) + "\n" + screen.Truncate(foot, inner)
	return s.PaneFocused.Width(m.width).Height(m.height).Render(screen.Fit(content, inner, max(1, m.height-2)))
}
