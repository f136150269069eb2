package console

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/steps"
)

// A panel is one of the console's tabs. Each lives in its own file
// (panel_*.go) and registers itself at its tab's position with
// registerPanel: the tab bar, the digit keys, the help, the bodies, the
// detail pane and the gaps all come from the panels slice, so a new panel
// is one new file (and its golden).
type panel interface {
	// name is the tab's title.
	name() string
	// part is the snapshot part the whole panel shows: when it cannot be
	// read (a gap) the panel is replaced by one line saying why. "" when
	// the panel has none (the instances come with the group; the log is
	// the console's own).
	part() fleet.Part
	// shows are the parts drawn inside the panel as a section or a column,
	// its own part included, with their names: the verdict names a gap in
	// one by the panel, and the freshness line by its label.
	shows() []section
	// count is the number the tab shows beside its name, "" for none.
	// It is asked only once a snapshot has arrived (m.snap is not nil).
	count(m *Model) string
	// newTable is the panel's table, nil for a panel of text lines.
	newTable() *table
	// prepare builds what the panel draws from a snapshot: rows for a
	// table, lines for a text panel. It runs in the fetch command, off
	// the UI goroutine, and reads only s and st. ok is false for a panel
	// whose content does not come from the snapshot.
	prepare(s *fleet.Snapshot, st stackInfo) (c content, ok bool)
	// needsSnapshot is false for a panel that draws before the first
	// snapshot arrives.
	needsSnapshot() bool
	// placeholder is what the panel shows instead of its table, nil to
	// show the table.
	placeholder(m *Model, width int) []line
	// above and below are the lines drawn over and under the panel's
	// table or text, in a body of height lines.
	above(m *Model, width int) []line
	below(m *Model, height int) []line
	// detail writes the detail pane of the row id into d.
	detail(m *Model, id string, d *detailPane)
}

// section is a part of the snapshot a panel draws, and its name there.
type section struct {
	part  fleet.Part
	label string
}

// content is a panel's share of a snapshot: the rows of its table, or
// the lines of a text panel.
type content struct {
	rows  []row
	lines []line
}

// basePanel is what a panel does not do unless it says so: embed it and
// override what the panel needs.
type basePanel struct{}

func (basePanel) part() fleet.Part                                   { return "" }
func (basePanel) shows() []section                                   { return nil }
func (basePanel) count(*Model) string                                { return "" }
func (basePanel) newTable() *table                                   { return nil }
func (basePanel) prepare(*fleet.Snapshot, stackInfo) (content, bool) { return content{}, false }
func (basePanel) needsSnapshot() bool                                { return true }
func (basePanel) placeholder(*Model, int) []line                     { return nil }
func (basePanel) above(*Model, int) []line                           { return nil }
func (basePanel) below(*Model, int) []line                           { return nil }
func (basePanel) detail(*Model, string, *detailPane)                 {}

// view is a tab: its panel's position in panels.
type view int

// panels are the console's tabs in order; registerPanel fills it while
// the package's variables are initialized, before any code runs.
var panels []panel

// registerPanel puts p at tab position pos (1 is the first tab, its digit
// key) and returns its view. Two panels at one position, a position left
// empty, or a part two panels show stop the program at start (see init).
func registerPanel(pos int, p panel) view {
	for len(panels) < pos {
		panels = append(panels, nil)
	}
	if panels[pos-1] != nil {
		panic(fmt.Sprintf("console: panels %q and %q both at tab %d", panels[pos-1].name(), p.name(), pos))
	}
	panels[pos-1] = p
	return view(pos - 1)
}

func init() {
	if len(panels) > 9 {
		panic(fmt.Sprintf("console: %d panels: the digit keys reach 9", len(panels)))
	}
	for i, p := range panels {
		if p == nil {
			panic(fmt.Sprintf("console: no panel at tab %d", i+1))
		}
		for _, s := range p.shows() {
			// One panel names each part: its gap line and the verdict's
			// words point there.
			if _, twice := partLabels[s.part]; twice {
				panic(fmt.Sprintf("console: part %q shown by two panels (the second is %q)", s.part, p.name()))
			}
			partLabels[s.part] = s.label
		}
	}
}

// partLabels name the parts as the panels do (filled by init from the
// panels' sections).
var partLabels = map[fleet.Part]string{}

// viewCount is the number of tabs.
func viewCount() view { return view(len(panels)) }

// tabDigits are the digit keys of the tabs, "1" to the last.
func tabDigits() []string {
	ds := make([]string, len(panels))
	for i := range panels {
		ds[i] = fmt.Sprint(i + 1)
	}
	return ds
}

// prepared is everything the views draw from one snapshot.
type prepared struct {
	panels  []*content // by view; nil for a panel not drawn from snapshots
	picks   []steps.TerminationPick
	verdict verdict
}

// prepare builds the views' rows from a snapshot. It reads only s and st,
// so it runs in the fetch command.
func prepare(s *fleet.Snapshot, st stackInfo) *prepared {
	p := &prepared{panels: make([]*content, len(panels))}
	for i, pn := range panels {
		if c, ok := pn.prepare(s, st); ok {
			p.panels[i] = &c
		}
	}
	p.picks = scaleIn(s, s.Group.TerminationPolicies, previewPicks)
	p.verdict = judge(s)
	return p
}

// setPanels shows a prepared snapshot in every panel drawn from one.
func (m *Model) setPanels(v *prepared) {
	for i, c := range v.panels {
		switch {
		case c == nil:
		case m.tables[i] != nil:
			m.tables[i].setRows(c.rows)
		default:
			m.lines[i] = c.lines
		}
	}
}

// count is the number a tab shows beside its name.
func (m *Model) count(v view) string {
	if m.snap == nil {
		return ""
	}
	return panels[v].count(m)
}

// detailPane is the detail pane being written, wrapped to width cells.
type detailPane struct {
	width int
	out   []line
}

// add writes a labelled line (label "" for none), wrapping the text under
// the label.
func (d *detailPane) add(t tone, label, text string) {
	if label != "" {
		label = fmt.Sprintf("%-11s ", label)
	}
	wrapped := ansi.Wordwrap(label+text, max(10, d.width), "")
	for i, l := range strings.Split(wrapped, "\n") {
		if i > 0 && label != "" {
			l = strings.Repeat(" ", 12) + strings.TrimLeft(l, " ")
		}
		d.out = append(d.out, line{text: l, tone: t})
	}
}

// blank writes an empty line.
func (d *detailPane) blank() { d.out = append(d.out, line{}) }

// detailLines is the detail pane of the row id in the current view,
// wrapped to width cells.
func (m *Model) detailLines(id string, width int) []line {
	d := &detailPane{width: width}
	panels[m.tab].detail(m, id, d)
	return d.out
}
