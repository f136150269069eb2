package console

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// The action log survives a restart: each entry is appended to the
// stack's console log in the state dir (state.AppendConsoleLog) as the
// action ends, and the log is read back when the console opens. Both in
// commands: Update does no I/O.

// logLoadedMsg is the log read back from the state dir.
type logLoadedMsg struct {
	entries []state.ConsoleEntry
	err     error
}

// logSavedMsg is the outcome of saving one entry.
type logSavedMsg struct{ err error }

func (logLoadedMsg) Screen() screen.ID { return screen.Console }
func (logSavedMsg) Screen() screen.ID  { return screen.Console }

func (m *Model) loadLog() tea.Cmd {
	dir, name := m.stateDir, m.stack.name
	if dir == "" {
		return nil
	}
	return func() tea.Msg {
		es, err := state.ReadConsoleLog(dir, name)
		return logLoadedMsg{entries: es, err: err}
	}
}

func (m *Model) saveLog(e logEntry) tea.Cmd {
	dir, name := m.stateDir, m.stack.name
	if dir == "" {
		return nil
	}
	ce := state.ConsoleEntry{At: e.at, What: e.what, OK: e.ok, Detail: append([]string(nil), e.detail...)}
	return func() tea.Msg { return logSavedMsg{err: state.AppendConsoleLog(dir, name, ce)} }
}

// onLogLoaded puts the earlier runs' entries after this run's (the log is
// newest first).
func (m *Model) onLogLoaded(msg logLoadedMsg) {
	if msg.err != nil {
		m.lastMsg = line{text: "the earlier action log could not be read: " + screen.Describe(msg.err).Summary, tone: toneWarn}
		return
	}
	for i := len(msg.entries) - 1; i >= 0; i-- {
		e := msg.entries[i]
		m.log = append(m.log, logEntry{at: e.At, what: e.What, ok: e.OK, detail: e.Detail})
	}
	m.setLogRows()
}

func (m *Model) onLogSaved(msg logSavedMsg) {
	if msg.err != nil {
		m.lastMsg = line{text: strings.TrimSpace(m.lastMsg.text + fmt.Sprintf(" (not kept in the action log: %s)", screen.Describe(msg.err).Summary)), tone: m.lastMsg.tone}
	}
}
