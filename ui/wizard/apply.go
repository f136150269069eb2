package wizard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
	"github.com/stackwiz/stackwiz/ui/theme"
)

type liveState int

const (
	liveRunning liveState = iota + 1
	liveDone
	liveFailed
	liveBlocked
)

// liveStep is one step as the apply's events tell it.
type liveStep struct {
	state   liveState
	started time.Time
	elapsed time.Duration
	doing   string
	err     string
	hint    string
	code    string
}

// liveResource is one resource as the events tell it.
type liveResource struct {
	key, typ, id string
	step         steps.StepID
	kind         steps.EventKind
	message      string
	started      time.Time
	elapsed      time.Duration
}

// applyRun is one apply: started from the review, fed by the engine's
// events through a channel, finished by applyDoneMsg.
type applyRun struct {
	run     int
	started time.Time
	ended   time.Time
	cancel  context.CancelFunc
	steps   map[steps.StepID]*liveStep
	res     map[string]*liveResource
	order   []string
	notes   []string
	planned int
	// The run finishes when both Apply has returned (done) and every
	// event it emitted has been shown (closed): the one can arrive first.
	done, closed bool
	doneErr      error
	finished     bool
	err          error
}

// applyEventMsg is one engine event; ok is false when the channel closed.
type applyEventMsg struct {
	run int
	ev  steps.Event
	ok  bool
	ch  <-chan steps.Event
}

func (applyEventMsg) Screen() screen.ID { return screen.Wizard }

// applyDoneMsg is Apply's return.
type applyDoneMsg struct {
	run int
	err error
}

func (applyDoneMsg) Screen() screen.ID { return screen.Wizard }

// applyTickMsg refreshes elapsed times once a second while nothing else
// happens.
type applyTickMsg struct{ run int }

func (applyTickMsg) Screen() screen.ID { return screen.Wizard }

// startApply locks the stack and applies the draft in the background; the
// events stream back through waitEvent, re-armed after each one.
func (m *Model) startApply() tea.Cmd {
	run := 1
	if m.apply != nil {
		run = m.apply.run + 1
	}
	ctx, cancel := context.WithCancel(m.d.Shared.Ctx)
	planned := 0
	if m.review != nil && m.review.plan != nil {
		planned = len(m.review.plan.Changes) - m.review.plan.Count(steps.ActionKeep)
	}
	m.apply = &applyRun{run: run, started: m.d.Now(), cancel: cancel,
		steps: map[steps.StepID]*liveStep{}, res: map[string]*liveResource{}, planned: planned}
	m.phase = phaseApply
	sp := m.engineSpec()
	sink, ch := steps.ChannelSink(256)
	m.d.Jobs.Add(1)
	return tea.Batch(
		applyCmd(ctx, run, sp, m.clients, m.store, sink, ch, m.d.Engine, m.d.Jobs),
		waitEvent(run, ch),
		tickCmd(run),
		m.applyStarted(),
	)
}

// applyCmd runs the engine's Apply holding the stack's lock.
func applyCmd(ctx context.Context, run int, sp *spec.Spec, clients *aws.Clients, store *state.Store,
	sink steps.Sink, ch chan steps.Event, opts steps.Options, jobs *sync.WaitGroup) tea.Cmd {
	return func() tea.Msg {
		defer jobs.Done()
		defer close(ch)
		unlock, err := store.Lock(ctx, "stackwiz wizard")
		if err != nil {
			return applyDoneMsg{run: run, err: err}
		}
		defer func() { _ = unlock() }()
		err = steps.New(sp, clients, store, sink, opts).Apply(ctx)
		return applyDoneMsg{run: run, err: err}
	}
}

func waitEvent(run int, ch <-chan steps.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		return applyEventMsg{run: run, ev: ev, ok: ok, ch: ch}
	}
}

func tickCmd(run int) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return applyTickMsg{run: run} })
}

func (m *Model) updateApply(msg tea.Msg) (screen.Action, tea.Cmd) {
	a := m.apply
	switch msg := msg.(type) {
	case applyEventMsg:
		if a == nil || msg.run != a.run {
			return nil, nil
		}
		if !msg.ok {
			a.closed = true
			return m.finishApply()
		}
		a.record(msg.ev)
		return nil, waitEvent(msg.run, msg.ch)
	case applyTickMsg:
		if a == nil || msg.run != a.run || a.finished {
			return nil, nil
		}
		return nil, tickCmd(msg.run)
	case applyDoneMsg:
		if a == nil || msg.run != a.run {
			return nil, nil
		}
		a.done, a.doneErr = true, msg.err
		return m.finishApply()
	}
	return nil, nil
}

// finishApply ends the run once Apply returned and its events are shown.
func (m *Model) finishApply() (screen.Action, tea.Cmd) {
	a := m.apply
	if !a.done || !a.closed || a.finished {
		return nil, nil
	}
	a.finished, a.err, a.ended = true, a.doneErr, m.d.Now()
	a.cancel()
	if m.store != nil {
		m.rec = m.store.Snapshot()
	}
	if a.err == nil {
		m.phase = phaseDone
		clear(m.edited)
		return nil, m.applyFinished()
	}
	if a.failedStep() == "" {
		// Not one step's failure (the lock, the context): say it plainly.
		return screen.Fail{Err: a.err}, nil
	}
	return nil, nil
}

// record folds one event into the live view.
func (a *applyRun) record(ev steps.Event) {
	ls := a.steps[ev.Step]
	if ls == nil && ev.Step != "" {
		ls = &liveStep{}
		a.steps[ev.Step] = ls
	}
	switch ev.Kind {
	case steps.StepStarted:
		ls.state, ls.started, ls.doing = liveRunning, ev.Time, ""
	case steps.StepDone:
		ls.state, ls.elapsed, ls.doing = liveDone, ev.Elapsed, ""
	case steps.StepFailed:
		ls.state, ls.elapsed = liveFailed, ev.Elapsed
		e := screen.Describe(ev.Err)
		ls.err, ls.code = e.Summary, e.Code
		ls.hint = ev.Hint
		if ls.hint == "" {
			ls.hint = e.Hint
		}
		if ev.Err == nil {
			ls.err = ev.Message
		}
	case steps.StepBlocked:
		ls.state, ls.doing = liveBlocked, ev.Message
	case steps.Warning, steps.Info:
		mark := "• "
		if ev.Kind == steps.Warning {
			mark = "! "
		}
		a.notes = append(a.notes, mark+string(ev.Step)+": "+ev.Message)
	default:
		if ev.Key == "" {
			return
		}
		r := a.res[ev.Key]
		if r == nil {
			r = &liveResource{key: ev.Key, step: ev.Step, started: ev.Time}
			a.res[ev.Key] = r
			a.order = append(a.order, ev.Key)
		}
		r.kind, r.message, r.elapsed = ev.Kind, ev.Message, ev.Elapsed
		if ev.Type != "" {
			r.typ = ev.Type
		}
		if ev.ID != "" {
			r.id = ev.ID
		}
		if ls != nil && ls.state == liveRunning {
			switch ev.Kind {
			case steps.ResourceWaiting:
				ls.doing = "waiting for " + ev.Message
			case steps.ResourceCreating:
				ls.doing = "creating " + ev.Key
			}
		}
	}
}

// failedStep returns the first failed step, in the recommended order.
func (a *applyRun) failedStep() steps.StepID {
	var ids []steps.StepID
	for id, ls := range a.steps {
		if ls.state == liveFailed {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return ""
	}
	order := steps.All()
	slices.SortFunc(ids, func(x, y steps.StepID) int {
		return slices.IndexFunc(order, func(s steps.Step) bool { return s.ID() == x }) -
			slices.IndexFunc(order, func(s steps.Step) bool { return s.ID() == y })
	})
	return ids[0]
}

func (m *Model) applyKey(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	a := m.apply
	if a == nil || !a.finished {
		return nil, nil // only quit (the root asks first) while running
	}
	switch {
	case m.phase == phaseDone && key.Matches(msg, m.keys.Console):
		return screen.Open{To: screen.Console}, nil
	case a.err != nil && key.Matches(msg, m.keys.Retry):
		return nil, m.startApply()
	case a.err != nil && key.Matches(msg, m.keys.EditStep):
		id := a.failedStep()
		if id == "" {
			id = steps.StepIdentity
		}
		return nil, m.openForm(m.stepIndex(id))
	case key.Matches(msg, m.keys.Abort):
		m.phase, m.focus = phaseSteps, focusList
		m.apply = nil
	}
	return nil, nil
}

// applyView shows the apply: overall progress, the steps running at once,
// one line per resource with what it waits for and how long, and the
// error with its hint and choices.
func (m *Model) applyView() string {
	s := m.d.Shared.Styles
	a := m.apply
	if a == nil {
		return ""
	}
	now := m.d.Now()
	inner := max(10, m.width-4)
	enabled := steps.Enabled(m.draft, m.all)
	done, ready := 0, 0
	var running []string
	for _, st := range enabled {
		if ls := a.steps[st.ID()]; ls != nil {
			switch ls.state {
			case liveDone:
				done++
			case liveRunning:
				running = append(running, st.Title())
			}
		}
	}
	for _, r := range a.res {
		if r.kind == steps.ResourceReady || r.kind == steps.ResourceUnchanged {
			ready++
		}
	}
	end := now
	if a.finished {
		end = a.ended
	}
	var head string
	switch {
	case m.phase == phaseDone:
		head = s.Success.Render("✓ ") + s.Title.Render("Stack "+m.draft.Name+" is complete")
	case a.finished:
		head = s.Error.Render("✗ ") + s.Title.Render("Apply stopped")
	default:
		head = s.Title.Render("Applying " + m.draft.Name)
	}
	head += s.Muted.Render(fmt.Sprintf("  %d/%d steps · %d resources ready · %s", done, len(enabled), ready, fmtDuration(end.Sub(a.started))))
	lines := []string{screen.Truncate(head, inner), progressBar(s, done, len(enabled), inner)}
	if sum := m.preflightSummary(); sum != "" {
		lines = append(lines, screen.Truncate(sum, inner))
	}
	if len(running) > 1 {
		lines = append(lines, s.Info.Render(fmt.Sprintf("%d branches at once: %s", len(running), strings.Join(running, ", "))))
	} else {
		lines = append(lines, "")
	}
	var body []string
	for _, st := range enabled {
		ls := a.steps[st.ID()]
		status, _ := m.status(st)
		row := m.glyph(status) + " " + st.Title()
		switch {
		case ls == nil:
			row += s.Muted.Render("  waiting for " + joinNeeds(st.Needs(m.draft)))
		case ls.state == liveRunning:
			row += s.Muted.Render("  " + fmtDuration(now.Sub(ls.started)))
		case ls.state == liveDone:
			row += s.Muted.Render("  " + fmtDuration(ls.elapsed))
		case ls.state == liveBlocked:
			row += s.Muted.Render("  not started: " + ls.doing)
		case ls.state == liveFailed:
			row += s.Error.Render("  failed after " + fmtDuration(ls.elapsed))
		}
		body = append(body, screen.Truncate(row, inner))
		if ls != nil && (ls.state == liveRunning || ls.state == liveFailed) {
			for _, k := range a.order {
				if r := a.res[k]; r.step == st.ID() {
					body = append(body, screen.Truncate("   "+m.resourceLine(r, now), inner))
				}
			}
		}
	}
	var foot []string
	if a.finished && a.err != nil {
		foot = m.applyErrorView(inner)
	} else if m.phase == phaseDone {
		foot = m.doneView()
	}
	room := max(1, m.height-2-len(lines)-len(foot))
	if len(body) > room {
		body = body[len(body)-room:] // the latest steps matter most
	}
	out := strings.Join(append(append(lines, body...), foot...), "\n")
	return s.PaneFocused.Width(m.width).Height(m.height).Render(screen.Fit(out, inner, max(1, m.height-2)))
}

// resourceLine is one resource: state, key, type and id, what it waits for.
func (m *Model) resourceLine(r *liveResource, now time.Time) string {
	s := m.d.Shared.Styles
	var mark, what string
	switch r.kind {
	case steps.ResourceCreating:
		mark, what = s.Info.Render(m.spin.View()), "creating"
	case steps.ResourceWaiting:
		mark, what = s.Info.Render(m.spin.View()), "waiting for "+r.message
	case steps.ResourceReady:
		mark, what = s.Success.Render("✓"), "ready"
	case steps.ResourceUnchanged:
		mark, what = s.Muted.Render("="), "unchanged"
	case steps.ResourceDeleting:
		mark, what = s.Info.Render(m.spin.View()), "deleting"
	case steps.ResourceDeleted:
		mark, what = s.Muted.Render("-"), "deleted"
	}
	id := r.typ
	if r.id != "" {
		id += " " + r.id
	}
	// What it waits for comes before the id, which may be a long ARN and
	// is cut first.
	line := fmt.Sprintf("%s %-32s ", mark, r.key)
	if r.kind == steps.ResourceCreating || r.kind == steps.ResourceWaiting || r.kind == steps.ResourceDeleting {
		line += what + s.Muted.Render(" "+fmtDuration(now.Sub(r.started)))
	} else {
		line += s.Muted.Render(what)
	}
	return line + "  " + s.Subtle.Render(id)
}

// applyErrorView is the failure: AWS's message, what it means, the choices.
func (m *Model) applyErrorView(inner int) []string {
	s := m.d.Shared.Styles
	a := m.apply
	var out []string
	id := a.failedStep()
	if id == "" {
		e := screen.Describe(a.err)
		out = append(out, s.Error.Render("✗ "+e.Summary))
		if e.Hint != "" {
			out = append(out, s.Muted.Render("  "+e.Hint))
		}
	} else {
		st, _ := steps.Lookup(m.all, id)
		ls := a.steps[id]
		out = append(out, s.Error.Render("✗ "+st.Title()+": ")+screen.Truncate(ls.err, inner-len(st.Title())-4))
		if ls.hint != "" {
			out = append(out, screen.Truncate(s.Warning.Render("  what it means: ")+ls.hint, inner))
		}
	}
	out = append(out, s.Muted.Render("  nothing is lost: the record keeps every resource made so far"),
		s.Key.Render("r")+" retry   "+s.Key.Render("e")+" edit the step   "+s.Key.Render("esc")+" back to the steps   "+s.Key.Render("q")+" quit")
	return out
}

// doneView lists what the user needs next: where the stack answers.
func (m *Model) doneView() []string {
	s := m.d.Shared.Styles
	out := []string{""}
	o := steps.OutputsOf(m.rec)
	if dns := o.LoadBalancerDNS(); dns != "" {
		out = append(out, "load balancer  "+s.Bold.Render("http://"+dns))
	}
	if fqdn := o.RecordFQDN(); fqdn != "" {
		scheme := "http://"
		if m.draft.LoadBalancer.HTTPS {
			scheme = "https://"
		}
		out = append(out, "your name      "+s.Bold.Render(scheme+fqdn))
	}
	if n := len(m.apply.notes); n > 0 {
		out = append(out, m.apply.notes[max(0, n-3):]...)
	}
	out = append(out, s.Key.Render("enter")+" open the console   "+s.Key.Render("esc")+" back to the steps   "+s.Key.Render("q")+" quit")
	return out
}

// progressBar draws done of total as a bar width cells wide, with the
// percentage.
func progressBar(s *theme.Styles, done, total, width int) string {
	barW := max(4, width-6)
	filled := 0
	if total > 0 {
		filled = barW * done / total
	}
	pct := 0
	if total > 0 {
		pct = 100 * done / total
	}
	return s.Success.Render(strings.Repeat("█", filled)) + s.Subtle.Render(strings.Repeat("░", barW-filled)) + fmt.Sprintf(" %3d%%", pct)
}

func joinNeeds(ids []steps.StepID) string {
	var out []string
	for _, id := range ids {
		out = append(out, string(id))
	}
	if len(out) == 0 {
		return "its turn"
	}
	return strings.Join(out, ", ")
}

// fmtDuration prints 4s, 1m05s, 1h02m.
func fmtDuration(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
