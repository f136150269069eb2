package console

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/ui/screen"
	"github.com/stackwiz/stackwiz/ui/theme"
)

// View draws the console into exactly width × height cells: three header
// lines (the stack, the verdict, the views and the refresh state), the
// body, an open dialog, and the footer line.
func (m *Model) View(width, height int) string {
	m.width, m.height = width, height
	head := m.header(width)
	foot := m.footer(width)
	var dlg string
	if m.dialog != nil {
		dlg = m.dialog.view(m, width)
	}
	body := height - screen.Lines(head) - 1 - screen.Lines(dlg)
	m.bodyRows = max(1, body)
	parts := []string{head}
	if body > 0 {
		parts = append(parts, screen.Fit(m.body(width, body), width, body))
	}
	if dlg != "" {
		parts = append(parts, dlg)
	}
	parts = append(parts, foot)
	return screen.Fit(strings.Join(parts, "\n"), width, height)
}

// header is the stack line (with the refresh state at its right), the
// verdict line and the tab line.
func (m *Model) header(width int) string {
	s := m.sh.Styles
	st := m.stack
	where := []string{s.Title.Render(st.name), st.account, st.region}
	if m.sh.Sandbox {
		where = append(where, s.Badge.Render("sandbox"))
	}
	dest := st.lbDNS
	if st.record != "" {
		dest = strings.TrimSuffix(st.record, ".") + " → " + orDash(st.lbDNS)
	}
	left := strings.Join(where, s.Subtle.Render(" · ")) + s.Subtle.Render(" · ") + s.Text.Render(dest)
	stLine := m.status(width >= 110)
	stText := stLine.tone.style(s).Render(stLine.text)
	room := width - lipgloss.Width(stText) - 2
	l1 := screen.Pad(screen.Truncate(left, room), room) + "  " + stText

	v := judge(m.snap)
	l2 := v.tone.style(s).Render(verdictGlyph(v.tone)+" "+v.word) + s.Text.Render(": "+strings.Join(v.facts, " · "))

	var tabs []string
	for i := range viewCount {
		name := fmt.Sprintf("%d %s", i+1, viewNames[i])
		if n := m.count(i); n != "" {
			name += " " + n
		}
		if i == m.tab {
			tabs = append(tabs, s.Title.Underline(true).Render(name))
		} else {
			tabs = append(tabs, s.Muted.Render(name))
		}
	}
	return l1 + "\n" + l2 + "\n" + strings.Join(tabs, "  ")
}

// count is the number a tab shows beside its name.
func (m *Model) count(v view) string {
	if m.snap == nil {
		return ""
	}
	switch v {
	case viewInstances:
		return fmt.Sprint(len(m.snap.Instances))
	case viewTargets:
		return fmt.Sprint(len(m.snap.Targets))
	case viewAlarms:
		firing := 0
		for _, a := range m.snap.Alarms {
			if a.State == "ALARM" {
				firing++
			}
		}
		if firing > 0 {
			return fmt.Sprintf("%d!", firing)
		}
		return fmt.Sprint(len(m.snap.Alarms))
	case viewLog:
		if len(m.log) > 0 {
			return fmt.Sprint(len(m.log))
		}
	}
	return ""
}

// body draws the current view, with the detail pane beside a table when open.
func (m *Model) body(width, height int) string {
	s := m.sh.Styles
	if m.snap == nil && m.tab != viewLog {
		st := m.status(true)
		return st.tone.style(s).Render(st.text)
	}
	t := m.tables[m.tab]
	if t == nil { // the load balancer view
		end := min(len(m.lbLines), m.lbOffset+height)
		var b strings.Builder
		for i := m.lbOffset; i < end; i++ {
			if i > m.lbOffset {
				b.WriteByte('\n')
			}
			b.WriteString(m.lbLines[i].tone.style(s).Render(m.lbLines[i].text))
		}
		return b.String()
	}
	var above, below []line
	switch m.tab {
	case viewInstances:
		above = m.instancesTitle()
	case viewTargets:
		above = m.targetsTitle()
	case viewActivity:
		above = m.refreshPanel(width)
	case viewAlarms:
		if !m.detail {
			below = m.historyLines(height / 3)
		}
	case viewLog:
		if len(m.log) == 0 {
			return s.Muted.Render("No action taken from the console yet.") + "\n\n" +
				s.Muted.Render("c capacity · R instance refresh · C cancel it · x terminate · b standby · t termination policies · w switch alias")
		}
	}
	tableH := height - len(above) - len(below)
	tw := width
	var detail []line
	if m.detail && t.selected() != nil {
		var dw int
		tw, dw = screen.Split(width, 0.5, 40, width-30)
		detail = m.detailLines(t.selected().id, dw-3)
	}
	var b strings.Builder
	for _, l := range above {
		b.WriteString(l.tone.style(s).Render(l.text) + "\n")
	}
	tbl := t.render(s, tw, tableH)
	if detail != nil {
		tbl = sideBySide(s, tbl, detail, tw, width-tw, tableH)
	}
	b.WriteString(tbl)
	if len(below) > 0 {
		b.WriteString("\n" + strings.Repeat("\n", max(0, tableH-screen.Lines(tbl))))
		for i, l := range below {
			if i > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(l.tone.style(s).Render(l.text))
		}
	}
	return b.String()
}

// sideBySide puts the detail pane, with a rule before it, right of the
// table: height lines, the table's lw cells wide, the pane's rw.
func sideBySide(s *theme.Styles, left string, right []line, lw, rw, height int) string {
	ll := strings.Split(left, "\n")
	var b strings.Builder
	for i := range height {
		if i > 0 {
			b.WriteByte('\n')
		}
		l := ""
		if i < len(ll) {
			l = ll[i]
		}
		b.WriteString(screen.Pad(screen.Truncate(l, lw), lw))
		b.WriteString(s.Subtle.Render(" │ "))
		if i < len(right) {
			b.WriteString(right[i].tone.style(s).Render(screen.Truncate(right[i].text, rw-3)))
		}
	}
	return b.String()
}

// footer is the filter being typed, the last action's outcome, or hints.
func (m *Model) footer(width int) string {
	s := m.sh.Styles
	switch {
	case m.filtering:
		m.filter.SetWidth(width - 2)
		return m.filter.View()
	case m.dialog != nil:
		return s.Muted.Render(m.dialog.hint())
	case m.lastMsg.text != "":
		return m.lastMsg.tone.style(s).Render(m.lastMsg.text)
	}
	hint := "tab views · / filter · enter details · s sort · y copy · p pause · r refresh · ? help"
	if f := m.filter.Value(); f != "" {
		hint = "filter " + f + " (esc clears) · " + hint
	}
	return s.Subtle.Render(hint)
}
