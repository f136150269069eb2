package console

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// actionTimeout bounds one action's AWS calls.
const actionTimeout = 30 * time.Second

// actionDoneMsg is an action's outcome.
type actionDoneMsg struct {
	seq    int
	what   string
	detail []string
	err    error
	// lb asks the refresh that follows to read the load balancer part too.
	lb bool
}

func (actionDoneMsg) Screen() screen.ID { return screen.Console }

// startAction opens the dialog of an action key, or does nothing for
// another key.
func (m *Model) startAction(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	k := m.keys
	if m.refuseReadOnly(msg) {
		return nil, nil
	}
	if m.snap == nil {
		if key.Matches(msg, k.actionKeys()...) {
			return screen.Notice{Text: "wait for the first snapshot of the stack"}, nil
		}
		return nil, nil
	}
	if m.acting != "" && key.Matches(msg, k.actionKeys()...) {
		return screen.Notice{Text: m.acting + " is still running"}, nil
	}
	g := m.snap.Group
	var d *dialog
	switch {
	case key.Matches(msg, k.Capacity):
		d = &dialog{kind: dialogCapacity, title: "Set the group's capacity",
			labels: []string{"min", "desired", "max"},
			inputs: []textinput.Model{newInput(strconv.Itoa(g.Min)), newInput(strconv.Itoa(g.Desired)), newInput(strconv.Itoa(g.Max))}}
		d.focus = 1
	case key.Matches(msg, k.StartRefresh):
		if g.Refresh != nil {
			return screen.Notice{Text: "an instance refresh is already running (" + g.Refresh.ID + "): C cancels it"}, nil
		}
		d = &dialog{kind: dialogStartRefresh, title: "Start an instance refresh", labels: []string{"min healthy %"},
			inputs: []textinput.Model{newInput("90")}}
	case key.Matches(msg, k.CancelRefr):
		if g.Refresh == nil {
			return screen.Notice{Text: "no instance refresh is running"}, nil
		}
		d = &dialog{kind: dialogCancelRefresh, title: "Cancel instance refresh " + g.Refresh.ID}
	case key.Matches(msg, k.Terminate), key.Matches(msg, k.Standby):
		in := m.selectedInstance()
		if in == nil {
			return screen.Notice{Text: "select an instance in the Instances view (1) first"}, nil
		}
		if key.Matches(msg, k.Terminate) {
			d = &dialog{kind: dialogTerminate, title: "Terminate " + in.ID, instance: *in,
				choices: []string{
					fmt.Sprintf("replace it: desired stays %d, the group launches a new instance", g.Desired),
					fmt.Sprintf("shrink the group: desired goes %d → %d", g.Desired, g.Desired-1),
				}}
			if g.Desired-1 < g.Min {
				d.choices = d.choices[:1]
			}
			break
		}
		switch in.Lifecycle {
		case "InService":
			d = &dialog{kind: dialogStandby, title: "Move " + in.ID + " to standby", instance: *in,
				choices: []string{
					fmt.Sprintf("keep capacity: desired stays %d, the group launches a replacement", g.Desired),
					fmt.Sprintf("shrink: desired goes %d → %d while it is out", g.Desired, g.Desired-1),
				}}
			if g.Desired-1 < g.Min {
				d.choices = d.choices[:1]
			}
		case "Standby":
			d = &dialog{kind: dialogStandby, title: "Return " + in.ID + " to service", instance: *in}
		default:
			return screen.Notice{Text: in.ID + " is " + in.Lifecycle + ": only InService instances go to standby, only Standby ones come back"}, nil
		}
	case key.Matches(msg, k.Policies):
		d = &dialog{kind: dialogPolicies, title: "Termination policies of " + g.Name, policies: policyEditor(g.TerminationPolicies)}
	case key.Matches(msg, k.Switch):
		if m.stateDir == "" {
			return screen.Notice{Text: "no state directory: the other stacks cannot be listed"}, nil
		}
		d = &dialog{kind: dialogSwitch, title: "Switch " + strings.TrimSuffix(m.target.RecordFQDN, ".") + " to another stack", loading: true,
			zone: m.target.ZoneID, record: m.target.RecordFQDN}
		if m.target.ZoneID == "" || m.target.RecordFQDN == "" || m.borrowedFrom != "" {
			// No record of its own: the other stacks' records.
			d.borrow, d.title = true, "Switch another stack's record"
		}
		m.dialog = d
		return nil, loadPeers(m.stateDir, m.stack.name)
	default:
		return nil, nil
	}
	m.dialog = d
	m.lastMsg = line{}
	if len(d.inputs) > 0 {
		return nil, d.inputs[d.focus].Focus()
	}
	return nil, nil
}

// selectedInstance is the instance under the cursor of the Instances view.
func (m *Model) selectedInstance() *fleet.Instance {
	t := m.tables[viewInstances]
	if m.tab != viewInstances || t.selected() == nil {
		return nil
	}
	return findInstance(m.snap, t.selected().id)
}

// dialogBody says what the dialog's action will do, from the snapshot.
func (m *Model) dialogBody(d *dialog) []line {
	s := m.snap
	g := s.Group
	switch d.kind {
	case dialogCapacity:
		out := []line{{text: fmt.Sprintf("now min %d, desired %d, max %d (%d instances)", g.Min, g.Desired, g.Max, len(s.Instances)), tone: toneMuted}}
		v, err := d.inputInts()
		if err == nil && len(v) == 3 && v[1] < g.Desired {
			out = append(out, m.scaleInLines(g.TerminationPolicies, g.Desired-v[1])...)
		} else if err == nil && len(v) == 3 && v[1] > g.Desired {
			out = append(out, line{text: fmt.Sprintf("the group launches %s", plural(v[1]-g.Desired, "instance")), tone: toneInfo})
		}
		if err == nil && len(v) == 3 && (v[0] != g.Min || v[2] != g.Max) {
			out = append(out, line{text: fmt.Sprintf("stack.yaml is not changed: `stackwiz status` reports drift until it says autoscaling.min: %d and max: %d (desired is not compared)", v[0], v[2]), tone: toneMuted, wrap: true})
		}
		return out
	case dialogStartRefresh:
		return []line{
			{text: fmt.Sprintf("replaces every instance with %s %s, a few at a time, keeping at least this share of the group in service",
				orDash(g.LaunchTemplateName), orDash(g.LaunchTemplateVersion)), tone: toneMuted},
		}
	case dialogCancelRefresh:
		return []line{{text: fmt.Sprintf("stops at %d%%: instances already replaced stay replaced; enter cancels it", g.Refresh.Percent), tone: toneWarn}}
	case dialogTerminate:
		in := d.instance
		return []line{{text: fmt.Sprintf("%s in %s, %s, target %s: Auto Scaling terminates it now", in.ID, in.AZ, in.Lifecycle, orDash(in.Target.State)), tone: toneWarn}}
	case dialogStandby:
		if d.instance.Lifecycle == "Standby" {
			return []line{{text: fmt.Sprintf("it re-registers with the target group and counts again: desired goes %d → %d", g.Desired, g.Desired+1), tone: toneMuted}}
		}
		return []line{{text: "it leaves the target group but keeps running, for debugging; b brings it back", tone: toneMuted}}
	case dialogPolicies:
		return m.policyLines(d)
	case dialogSwitch:
		return m.switchLines(d)
	}
	return nil
}

// scaleInLines previews which instances a shrink of n terminates.
func (m *Model) scaleInLines(policies []string, n int) []line {
	picks := scaleIn(m.snap, policies, n)
	out := []line{{text: fmt.Sprintf("scale-in terminates %s, chosen by %s:", plural(n, "instance"), strings.Join(policies, ", ")), tone: toneWarn}}
	for i, p := range picks {
		if i == previewPicks {
			out = append(out, line{text: fmt.Sprintf("  … and %d more", len(picks)-i), tone: toneMuted})
			break
		}
		if p.Random {
			out = append(out, line{text: fmt.Sprintf("  %d. %s", i+1, pickText(p)), tone: toneWarn})
			continue
		}
		out = append(out, line{text: fmt.Sprintf("  %d. %s — %s", i+1, p.ID, p.Why[len(p.Why)-1]), tone: toneWarn})
	}
	return out
}

// policyLines is the policies editor and its live preview.
func (m *Model) policyLines(d *dialog) []line {
	var out []line
	for i, p := range d.policies {
		mark := "[ ]"
		if p.on {
			mark = "[x]"
		}
		cur := "  "
		if i == d.cursor {
			cur = "> "
		}
		t := toneMuted
		if p.on {
			t = toneNone
		}
		out = append(out, line{text: fmt.Sprintf("%s%s %-26s %s", cur, mark, p.name, aws.TerminationPolicyDoes(p.name)), tone: t})
	}
	chosen := d.chosenPolicies()
	if len(chosen) == 0 {
		return append(out, line{text: "choose at least one policy (Default is AWS's own order)", tone: toneWarn})
	}
	if !slices.Equal(chosen, m.snap.Group.TerminationPolicies) {
		out = append(out, line{text: "stack.yaml is not changed: `stackwiz status` reports drift until it says autoscaling.termination_policies: [" + strings.Join(chosen, ", ") + "]", tone: toneMuted, wrap: true})
	}
	picks := scaleIn(m.snap, chosen, 1)
	if len(picks) == 0 {
		return append(out, line{text: "next on scale-in: none (every instance is protected or out of service)", tone: toneMuted})
	}
	p := picks[0]
	out = append(out, line{text: "next on scale-in: " + pickText(p), tone: toneWarn})
	for _, w := range p.Why {
		out = append(out, line{text: "  " + w, tone: toneMuted})
	}
	return out
}

// confirm runs the dialog's action: it validates, closes the dialog, and
// returns the command that calls AWS.
func (m *Model) confirm(d *dialog) (screen.Action, tea.Cmd) {
	fl, group, ctx := m.fleet, m.snap.Group.Name, m.ctx()
	var what string
	var run func(context.Context) ([]string, error)
	lb := false
	switch d.kind {
	case dialogCapacity:
		v, err := d.inputInts()
		if err == nil {
			err = checkCapacity(v[0], v[1], v[2])
		}
		if err != nil {
			d.err = err.Error()
			return nil, nil
		}
		g := m.snap.Group
		what = fmt.Sprintf("set capacity of %s: min %d→%d, desired %d→%d, max %d→%d", group, g.Min, v[0], g.Desired, v[1], g.Max, v[2])
		var detail []string
		if v[1] < g.Desired {
			for _, p := range scaleIn(m.snap, g.TerminationPolicies, g.Desired-v[1]) {
				detail = append(detail, "expected to terminate "+pickText(p))
			}
		}
		run = func(ctx context.Context) ([]string, error) {
			return detail, fl.SetCapacity(ctx, group, v[0], v[1], v[2])
		}
	case dialogStartRefresh:
		v, err := d.inputInts()
		if err == nil && (v[0] > 100) {
			err = fmt.Errorf("min healthy %% must be 0–100 (got %d)", v[0])
		}
		if err != nil {
			d.err = err.Error()
			return nil, nil
		}
		what = fmt.Sprintf("start instance refresh of %s (min healthy %d%%)", group, v[0])
		run = func(ctx context.Context) ([]string, error) {
			id, err := fl.StartInstanceRefresh(ctx, group, fleet.RefreshOptions{MinHealthyPercentage: v[0], MinHealthyExplicit: true})
			return []string{"refresh " + id}, err
		}
	case dialogCancelRefresh:
		what = "cancel instance refresh of " + group
		run = func(ctx context.Context) ([]string, error) {
			id, err := fl.CancelInstanceRefresh(ctx, group)
			return []string{"cancelled " + id}, err
		}
	case dialogTerminate:
		id, dec := d.instance.ID, d.choice == 1
		what = "terminate " + id + map[bool]string{true: " and decrement desired", false: " (replaced)"}[dec]
		run = func(ctx context.Context) ([]string, error) {
			a, err := fl.TerminateInstance(ctx, id, dec)
			return []string{a.Description}, err
		}
	case dialogStandby:
		id := d.instance.ID
		if d.instance.Lifecycle == "Standby" {
			what = "return " + id + " from standby"
			run = func(ctx context.Context) ([]string, error) {
				acts, err := fl.ExitStandby(ctx, group, []string{id})
				return descriptions(acts), err
			}
		} else {
			dec := d.choice == 1
			what = "move " + id + " to standby" + map[bool]string{true: " and decrement desired", false: ""}[dec]
			run = func(ctx context.Context) ([]string, error) {
				acts, err := fl.EnterStandby(ctx, group, []string{id}, dec)
				return descriptions(acts), err
			}
		}
	case dialogPolicies:
		chosen := d.chosenPolicies()
		if len(chosen) == 0 {
			d.err = "choose at least one policy"
			return nil, nil
		}
		what = fmt.Sprintf("termination policies of %s: %s → %s", group, strings.Join(m.snap.Group.TerminationPolicies, ","), strings.Join(chosen, ","))
		var detail []string
		if p := scaleIn(m.snap, chosen, 1); len(p) > 0 {
			detail = append(detail, "next on scale-in: "+pickText(p[0]))
		}
		run = func(ctx context.Context) ([]string, error) {
			return detail, fl.SetTerminationPolicies(ctx, group, chosen)
		}
	case dialogSwitch:
		if d.loading || len(d.peers) == 0 {
			d.err = "no other stack to switch to"
			return nil, nil
		}
		p := d.peers[d.cursor]
		zone, record, dir, owner, now := d.zone, d.record, m.stateDir, cmp.Or(d.owner, m.stack.name), m.now()
		what = "switch " + strings.TrimSuffix(record, ".") + " to stack " + p.name
		lb = true
		run = func(ctx context.Context) ([]string, error) {
			return switchAndRecord(ctx, fl, dir, owner, zone, record, p, now)
		}
	}
	if !m.confirmRisks(d) {
		return nil, nil
	}
	m.dialog = nil
	m.actSeq++
	m.acting = what
	m.lastMsg = line{text: what + "…", tone: toneInfo}
	seq := m.actSeq
	// The outcome is the console's to report, on its footer and in its
	// log: the root's status line would only repeat it.
	return nil, func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, actionTimeout)
		defer cancel()
		detail, err := run(ctx)
		return actionDoneMsg{seq: seq, what: what, detail: detail, err: err, lb: lb}
	}
}

// checkCapacity is the sizes Auto Scaling accepts.
func checkCapacity(minSize, desired, maxSize int) error {
	switch {
	case minSize > maxSize:
		return fmt.Errorf("min %d is above max %d", minSize, maxSize)
	case desired < minSize || desired > maxSize:
		return fmt.Errorf("desired %d must lie between min %d and max %d", desired, minSize, maxSize)
	}
	return nil
}

func descriptions(acts []fleet.Activity) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.Description)
	}
	return out
}

// onActionDone logs an action's outcome, reports it on the footer, and
// refreshes now so the view shows its effect.
func (m *Model) onActionDone(msg actionDoneMsg) (screen.Action, tea.Cmd) {
	if msg.seq == m.actSeq {
		m.acting = ""
	}
	e := logEntry{at: m.now(), what: msg.what, ok: msg.err == nil, detail: msg.detail}
	var note string
	if msg.err != nil {
		summary, hint := actionWords(msg.err)
		e.detail = append(e.detail, summary)
		if hint != "" {
			e.detail = append(e.detail, hint)
		}
		note = "failed: " + msg.what + ": " + summary
		if hint != "" {
			note += " — " + hint
		}
		m.lastMsg = line{text: note, tone: toneBad}
	} else {
		note = "done: " + msg.what
		if len(msg.detail) > 0 && msg.detail[0] != "" {
			note += " — " + msg.detail[0]
		}
		m.lastMsg = line{text: note, tone: toneOK}
	}
	m.addLog(e)
	return nil, tea.Batch(m.fetchNow(fetchAfter(msg.lb)), m.saveLog(e))
}
