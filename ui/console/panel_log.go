package console

import (
	"fmt"
	"strings"
	"time"
)

// viewLog is the actions taken from the console, newest first: the
// console's own, so it shows before any snapshot.
var viewLog = registerPanel(6, logPanel{})

type logPanel struct{ basePanel }

func (logPanel) name() string { return "Log" }

func (logPanel) count(m *Model) string {
	if len(m.log) > 0 {
		return fmt.Sprint(len(m.log))
	}
	return ""
}

func (logPanel) newTable() *table { return &table{cols: logColumns(), noSort: true} }

func (logPanel) needsSnapshot() bool { return false }

// placeholder says no action was taken yet, and which there are.
func (logPanel) placeholder(m *Model, width int) []line {
	if len(m.log) > 0 {
		return nil
	}
	out := []line{{text: "No action taken from the console yet.", tone: toneMuted}, {}}
	if m.readOnly != "" {
		for _, w := range wrapWords("This console is read-only ("+m.readOnly+"): its actions are off; "+readOnlyFix(m.readOnly)+".", width) {
			out = append(out, line{text: w, tone: toneWarn})
		}
		return out
	}
	return append(out, line{text: "c capacity · R instance refresh · C cancel it · x terminate · b standby · t termination policies · w switch alias", tone: toneMuted})
}

func (logPanel) detail(m *Model, id string, d *detailPane) {
	for i, l := range m.log {
		if fmt.Sprint(len(m.log)-i) != id {
			continue
		}
		d.add(map[bool]tone{true: toneOK, false: toneBad}[l.ok], "", l.what)
		d.add(toneNone, "at", l.at.UTC().Format("2006-01-02 15:04:05"))
		for _, x := range l.detail {
			d.add(toneMuted, "", x)
		}
	}
}

func logColumns() []column {
	return []column{
		{title: "TIME", width: 8},
		{title: "RESULT", width: 6},
		{title: "ACTION", width: 20, flex: true},
	}
}

// logEntry is one action taken from the console.
type logEntry struct {
	at     time.Time
	what   string
	ok     bool
	detail []string
}

func (m *Model) addLog(e logEntry) {
	m.log = append([]logEntry{e}, m.log...)
	m.setLogRows()
}

// setLogRows shows m.log, newest first, in the Log view.
func (m *Model) setLogRows() {
	rows := make([]row, 0, len(m.log))
	for i, l := range m.log {
		res, tn := "ok", toneOK
		if !l.ok {
			res, tn = "failed", toneBad
		}
		text := l.what
		if len(l.detail) > 0 {
			text += " — " + strings.Join(l.detail, "; ")
		}
		rows = append(rows, newRow(fmt.Sprint(len(m.log)-i), []cell{{text: clock(l.at, m.now())}, {text: res, tone: tn}, {text: text}}, make([]float64, 3)))
	}
	m.tables[viewLog].setRows(rows)
}
