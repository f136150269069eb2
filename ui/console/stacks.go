package console

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// The stack switcher (o), like k9s's contexts: every stack recorded in the
// state dir, each with its region and account, and the stacks the tags
// find in the account's regions that no record names. Choosing a recorded
// stack asks the root to reopen the console on it, with clients for its
// recorded region and its own read-only setting; a stack found only by
// its tags is shown with the `stackwiz adopt` command that records it (y
// copies it), not opened half-known. The search of the regions runs in the
// background with a deadline; a region that fails says why on its own
// line and hides nothing found elsewhere.

// Scan bounds: each region, and the whole search.
const (
	DefaultScanRegionTimeout = 10 * time.Second
	DefaultScanTimeout       = 30 * time.Second
)

// stackEntry is one line of the switcher.
type stackEntry struct {
	name, region, account string
	// recorded: in the state dir; found: its tags were found in region.
	recorded, found bool
	// unbuilt is why a recorded stack cannot be watched yet ("" when it
	// can): it has no Auto Scaling group recorded.
	unbuilt string
}

// adoptCommand is what records a stack found only by its tags.
func (e stackEntry) adoptCommand() string {
	return fmt.Sprintf("stackwiz --region %s --stack %s adopt", e.region, e.name)
}

// stackPicker is the open switcher.
type stackPicker struct {
	cursor   int
	recorded []stackEntry
	recErr   error
	scanning bool
	scanSeq  int
	scans    []steps.RegionScan
	scanErr  error // the search could not start (the regions were not listed)
}

// recordedStacksMsg carries the stacks recorded in the state dir.
type recordedStacksMsg struct {
	stacks []stackEntry
	err    error
}

// regionScanMsg carries the search of the regions.
type regionScanMsg struct {
	seq   int
	scans []steps.RegionScan
	err   error
}

func (recordedStacksMsg) Screen() screen.ID { return screen.Console }
func (regionScanMsg) Screen() screen.ID     { return screen.Console }

// openPicker opens the switcher and starts reading the records and
// searching the regions.
func (m *Model) openPicker() (screen.Action, tea.Cmd) {
	if m.stateDir == "" {
		return screen.Notice{Text: "no state directory: the other stacks cannot be listed"}, nil
	}
	m.picker = &stackPicker{}
	return nil, tea.Batch(loadRecordedStacks(m.stateDir), m.scanRegions())
}

// loadRecordedStacks reads every record in dir (only reads: no lock).
func loadRecordedStacks(dir string) tea.Cmd {
	return func() tea.Msg {
		names, err := state.List(dir)
		if err != nil {
			return recordedStacksMsg{err: err}
		}
		var out []stackEntry
		var errs []error
		for _, n := range names {
			st, err := state.Open(dir, n)
			if err != nil {
				errs = append(errs, fmt.Errorf("read stack %s: %w", n, err))
				continue
			}
			snap := st.Snapshot()
			o := steps.OutputsOf(snap)
			e := stackEntry{name: n, recorded: true, region: cmp.Or(snap.Region, o.Region()), account: cmp.Or(snap.AccountID, o.Account())}
			if o.ConsoleTarget(n).ASGName == "" {
				e.unbuilt = "not built yet (no Auto Scaling group recorded): stackwiz --stack " + n + " apply"
			}
			out = append(out, e)
		}
		return recordedStacksMsg{stacks: out, err: errors.Join(errs...)}
	}
}

// scanRegions lists the account's regions from the console's own, then
// searches them all for stacks by tag.
func (m *Model) scanRegions() tea.Cmd {
	if m.connect == nil {
		return nil
	}
	m.picker.scanning = true
	m.picker.scanSeq++
	seq, connect, home, ctx := m.picker.scanSeq, m.connect, m.stack.region, m.ctx()
	perRegion, whole := m.scanRegionTimeout, m.scanTimeout
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(ctx, whole)
		defer cancel()
		c, err := connect(ctx, home)
		if err != nil {
			return regionScanMsg{seq: seq, err: fmt.Errorf("connect to %s to list the regions: %w", home, err)}
		}
		rctx, rcancel := context.WithTimeout(ctx, perRegion)
		regions, err := c.Discover.Regions(rctx)
		rcancel()
		if err != nil {
			return regionScanMsg{seq: seq, err: fmt.Errorf("list the account's regions: %w", err)}
		}
		return regionScanMsg{seq: seq, scans: steps.ScanRegions(ctx, regions, perRegion, connect)}
	}
}

// onRecordedStacks and onRegionScan fill the open switcher.
func (m *Model) onRecordedStacks(msg recordedStacksMsg) {
	if m.picker == nil {
		return
	}
	m.picker.recorded, m.picker.recErr = msg.stacks, msg.err
	m.picker.clamp(m.stack.name)
}

func (m *Model) onRegionScan(msg regionScanMsg) {
	p := m.picker
	if p == nil || msg.seq != p.scanSeq {
		return
	}
	p.scanning = false
	p.scans, p.scanErr = msg.scans, msg.err
	p.clamp("")
}

// entries are the switcher's stacks: the recorded ones (marked found when
// the search saw their tags), then those found only by their tags.
func (p *stackPicker) entries() []stackEntry {
	out := slices.Clone(p.recorded)
	for _, sc := range p.scans {
		for _, ts := range sc.Stacks {
			i := slices.IndexFunc(out, func(e stackEntry) bool { return e.name == ts.Name && (e.region == sc.Region || e.region == "") })
			if i >= 0 {
				out[i].found = true
				continue
			}
			if slices.ContainsFunc(out, func(e stackEntry) bool { return !e.recorded && e.name == ts.Name && e.region == sc.Region }) {
				continue // two groups of one stack
			}
			out = append(out, stackEntry{name: ts.Name, region: sc.Region, found: true})
		}
	}
	return out
}

// failed are the regions whose search failed.
func (p *stackPicker) failed() []steps.RegionScan {
	var out []steps.RegionScan
	for _, sc := range p.scans {
		if sc.Err != nil {
			out = append(out, sc)
		}
	}
	return out
}

// clamp keeps the cursor on an entry; on the first list it starts on
// the stack named.
func (p *stackPicker) clamp(start string) {
	es := p.entries()
	if start != "" {
		if i := slices.IndexFunc(es, func(e stackEntry) bool { return e.name == start && e.recorded }); i >= 0 {
			p.cursor = i
		}
	}
	p.cursor = max(0, min(p.cursor, len(es)-1))
}

// pickerKeys are the switcher's keys, for the footer and the help.
func (m *Model) pickerKeys() []key.Binding {
	k := m.keys
	return []key.Binding{k.shared.Up, k.shared.Down, k.picker.open, k.picker.copy, k.picker.rescan, k.picker.close}
}

// updatePicker handles a key while the switcher is open.
func (m *Model) updatePicker(msg tea.KeyPressMsg) (screen.Action, tea.Cmd) {
	p, k := m.picker, m.keys
	es := p.entries()
	switch {
	case key.Matches(msg, k.picker.close), key.Matches(msg, k.Stacks):
		m.picker = nil
	case key.Matches(msg, k.shared.Up):
		p.cursor = max(0, p.cursor-1)
	case key.Matches(msg, k.shared.Down):
		p.cursor = max(0, min(len(es)-1, p.cursor+1))
	case key.Matches(msg, k.picker.rescan):
		return screen.Notice{Text: "searching the regions again"}, m.scanRegions()
	case key.Matches(msg, k.picker.copy):
		if len(es) == 0 {
			return nil, nil
		}
		e := es[p.cursor]
		if e.recorded {
			text := "stackwiz --stack " + e.name + " console"
			return screen.Notice{Text: "copied " + text + " to the clipboard"}, tea.SetClipboard(text)
		}
		return screen.Notice{Text: "copied " + e.adoptCommand() + " to the clipboard"}, tea.SetClipboard(e.adoptCommand())
	case key.Matches(msg, k.picker.open):
		if len(es) == 0 {
			return nil, nil
		}
		e := es[p.cursor]
		switch {
		case !e.recorded && slices.ContainsFunc(es, func(r stackEntry) bool { return r.recorded && r.name == e.name }):
			return screen.Notice{Text: "a stack " + e.name + " is recorded here in another region: adopt the one in " + e.region + " into another state dir (" + e.adoptCommand() + " --state-dir DIR)"}, nil
		case !e.recorded:
			return screen.Notice{Text: "stack " + e.name + " is not recorded here: run " + e.adoptCommand() + " (y copies it), then choose it"}, nil
		case e.unbuilt != "":
			return screen.Notice{Text: "stack " + e.name + " is " + e.unbuilt}, nil
		case e.name == m.stack.name:
			m.picker = nil
			return screen.Notice{Text: "already watching stack " + e.name}, nil
		}
		m.picker = nil
		return screen.OpenStack{Name: e.name}, nil
	}
	return nil, nil
}

// pickerLines is the switcher as lines of text for the body.
func (m *Model) pickerLines(width int) []line {
	p := m.picker
	out := []line{{text: "Stacks — enter opens one in this console · y copies its command · r searches the regions again · esc closes", tone: toneInfo}, {}}
	es := p.entries()
	nameW := 10
	for _, e := range es {
		nameW = max(nameW, len(e.name))
	}
	out = append(out, line{text: fmt.Sprintf("  %-*s  %-15s  %-12s  %s", nameW, "STACK", "REGION", "ACCOUNT", "WHERE FROM"), tone: toneMuted})
	if len(es) == 0 && !p.scanning {
		out = append(out, line{text: "  no stack recorded in this state dir, and none found by its tags", tone: toneWarn})
	}
	for i, e := range es {
		cur := "  "
		if i == p.cursor {
			cur = "> "
		}
		from, tn := "recorded", toneNone
		switch {
		case !e.recorded && slices.ContainsFunc(es, func(r stackEntry) bool { return r.recorded && r.name == e.name }):
			// adopt here would mix it into the recorded stack of that name.
			from, tn = "tags only; a stack of this name is recorded in another region: adopt it into another state dir (--state-dir DIR)", toneWarn
		case !e.recorded:
			from, tn = "tags only, not recorded: "+e.adoptCommand(), toneWarn
		case e.unbuilt != "":
			from, tn = "recorded, "+e.unbuilt, toneMuted
		case e.name == m.stack.name:
			from, tn = "recorded · this console", toneOK
		case e.found:
			from = "recorded · tags found in its region"
		}
		out = append(out, line{text: fmt.Sprintf("%s%-*s  %-15s  %-12s  %s", cur, nameW, e.name, orDash(e.region), orDash(e.account), from), tone: tn})
	}
	out = append(out, line{})
	if p.recErr != nil {
		out = append(out, line{text: "✗ " + screen.Describe(p.recErr).Summary, tone: toneBad})
	}
	switch {
	case p.scanning:
		out = append(out, line{text: "searching the account's regions for stacks by their stackwiz:stack tag…", tone: toneInfo})
	case p.scanErr != nil:
		out = append(out, line{text: "✗ the regions were not searched: " + screen.Describe(p.scanErr).Summary, tone: toneBad})
	case p.scans != nil:
		found := 0
		for _, sc := range p.scans {
			found += len(sc.Stacks)
		}
		failed := p.failed()
		summary := fmt.Sprintf("searched %d regions for the stackwiz:stack tag: %d found", len(p.scans), found)
		if len(failed) > 0 {
			summary += fmt.Sprintf("; %d could not be searched:", len(failed))
		}
		out = append(out, line{text: summary, tone: toneMuted})
		for _, sc := range failed {
			out = append(out, line{text: "✗ " + sc.Region + ": " + steps.ScanWords(sc.Err), tone: toneBad, wrap: true})
		}
	}
	return out
}

// pickerBody draws the switcher in exactly height lines of width cells.
func (m *Model) pickerBody(width, height int) string {
	p := m.paint.of(m.sh.Styles)
	var out []string
	for _, l := range m.pickerLines(width) {
		texts := []string{l.text}
		if l.wrap {
			texts = wrapWords(l.text, width)
		}
		for _, t := range texts {
			out = append(out, p.apply(l.tone, fitText(t, width)))
		}
	}
	if len(out) > height {
		out = out[:height]
	}
	for len(out) < height {
		out = append(out, spaces(width))
	}
	return strings.Join(out, "\n")
}

// Connector builds clients for a region, for the switcher's search.
type Connector func(ctx context.Context, region string) (*aws.Clients, error)
