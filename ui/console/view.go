package console

import (
	"cmp"
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/ui/screen"
)

// View draws the console into exactly width × height cells: three header
// lines (the stack, the verdict, the views and the refresh state), the
// body, an open dialog, and the footer line. Table rows come out of the
// table exactly width cells wide and are not measured again: with a
// thousand instances only the rows on screen are drawn, and drawing them
// measures nothing.
func (m *Model) View(width, height int) string {
	m.width, m.height = width, height
	head := screen.Fit(m.header(width), width, 3)
	// One footer: the root draws the keys; this line is the console's own
	// news (an outcome, a refusal, the filter), and the body's when there
	// is none.
	var foot string
	if f := m.footer(width); f != "" {
		foot = screen.Fit(f, width, screen.Lines(f))
	}
	var dlg string
	if m.dialog != nil {
		d := m.dialog.view(m, width)
		dlg = screen.Fit(d, width, screen.Lines(d))
	}
	body := height - 3 - screen.Lines(foot) - screen.Lines(dlg)
	m.bodyRows = max(1, body)
	if body < 0 {
		return screen.Fit(strings.Join(nonEmpty(head, dlg, foot), "\n"), width, height)
	}
	parts := []string{head}
	switch {
	case body > 0 && m.picker != nil:
		parts = append(parts, m.pickerBody(width, body))
	case body > 0:
		parts = append(parts, m.body(width, body))
	}
	if dlg != "" {
		parts = append(parts, dlg)
	}
	if foot != "" {
		parts = append(parts, foot)
	}
	return strings.Join(parts, "\n")
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// header is the stack line (with the refresh state at its right), the
// verdict line and the tab line.
func (m *Model) header(width int) string {
	s := m.sh.Styles
	st := m.stack
	// The root's header already says "sandbox" when it is one.
	// Always the stack, its account and its region, the stack switcher's
	// choice included: a record that does not say shows that it does not.
	where := []string{s.Title.Render(st.name), cmp.Or(st.account, "account not recorded"), cmp.Or(st.region, "region not recorded")}
	dest := s.Text.Render(st.lbDNS)
	if st.record != "" {
		text, news := m.recordDest()
		dest = s.Text.Render(text)
		if news {
			dest = s.Warning.Render(text)
		}
	}
	left := strings.Join(where, s.Subtle.Render(" · ")) + s.Subtle.Render(" · ") + dest
	if m.readOnly != "" {
		left = s.WarnBadge.Render("READ-ONLY") + " " + left
	}
	stLine := m.status(width >= 110)
	stText := stLine.tone.style(s).Render(screen.Truncate(stLine.text, max(20, width*2/3)))
	room := width - lipgloss.Width(stText) - 2
	l1 := screen.Pad(screen.Truncate(left, room), room) + "  " + stText

	v := m.verdict
	l2 := v.tone.style(s).Render(verdictGlyph(v.tone)+" "+v.word) + s.Text.Render(": "+strings.Join(v.facts, " · "))
	if age := m.dataAge(); age != "" {
		// Old data is not shown as fresh: not green, and dated. An outage
		// stays red: it was true then and may be still.
		t := v.tone
		if t != toneBad {
			t = toneMuted
		}
		l2 = t.style(s).Render(verdictGlyph(t)+" "+v.word+" "+age) + s.Muted.Render(": "+strings.Join(v.facts, " · "))
	}

	var tabs []string
	for i := range viewCount() {
		name := fmt.Sprintf("%d %s", i+1, panels[i].name())
		_, gap := panelGap(m.snap, i)
		if n := m.count(i); n != "" && !gap {
			name += " " + n
		}
		switch {
		case gap && i == m.tab:
			tabs = append(tabs, s.Subtle.Underline(true).Render(name+" "+gapMark))
		case gap:
			tabs = append(tabs, s.Subtle.Render(name+" "+gapMark))
		case i == m.tab:
			tabs = append(tabs, s.Title.Underline(true).Render(name))
		default:
			tabs = append(tabs, s.Muted.Render(name))
		}
	}
	if v.outage() {
		// An outage is the first thing the console says.
		return l2 + "\n" + l1 + "\n" + strings.Join(tabs, "  ")
	}
	return l1 + "\n" + l2 + "\n" + strings.Join(tabs, "  ")
}

// body draws the current view in exactly height lines of width cells,
// with the detail pane beside a table when it is open.
func (m *Model) body(width, height int) string {
	s := m.sh.Styles
	p := m.paint.of(s)
	out := make([]string, 0, height)
	text := func(ls ...line) {
		for _, l := range ls {
			out = append(out, p.apply(l.tone, fitText(l.text, width)))
		}
	}
	finish := func() string {
		if len(out) > height {
			out = out[:height]
		}
		for len(out) < height {
			out = append(out, spaces(width))
		}
		return strings.Join(out, "\n")
	}
	t := m.tables[m.tab]
	pn := panels[m.tab]
	gap, hidden := panelGap(m.snap, m.tab)
	switch {
	case m.snap == nil && pn.needsSnapshot():
		text(m.status(true))
		return finish()
	case hidden:
		// The line names an endpoint's URL or a long action: wrapped, not
		// cut, as it is the whole panel.
		for _, l := range gapLines(gap, m.snap.TakenAt) {
			for _, w := range wrapWords(l.text, width) {
				text(line{text: w, tone: l.tone})
			}
		}
		return finish()
	case t == nil: // a text panel, under its title
		above := pn.above(m, width)
		text(above...)
		rows := height - len(above)
		lines, off := m.lines[m.tab], m.offsets[m.tab]
		end := min(len(lines), off+max(0, rows))
		text(lines[off:end]...)
		return finish()
	}
	if ph := pn.placeholder(m, width); ph != nil {
		text(ph...)
		return finish()
	}
	above, below := pn.above(m, width), pn.below(m, height)
	text(above...)
	tableH := height - len(above) - len(below)
	tw := width
	var detail []line
	if m.detail && t.selected() != nil {
		var dw int
		tw, dw = screen.Split(width, 0.5, 40, width-30)
		detail = m.detailLines(t.selected().id, dw-3)
	}
	rows := t.render(s, p, tw, tableH)
	rule := p.apply(toneMuted, " │ ")
	for i := range tableH {
		l := spaces(tw)
		if i < len(rows) {
			l = rows[i]
		}
		if detail != nil {
			var d line
			if i < len(detail) {
				d = detail[i]
			}
			l += rule + p.apply(d.tone, fitText(d.text, width-tw-3))
		}
		out = append(out, l)
	}
	text(below...)
	return finish()
}

// fitText cuts or pads plain text to exactly w cells.
func fitText(s string, w int) string { return fit(s, w, false) }

// footer is the filter being typed, the last action's outcome, or the
// filter in force; "" when there is none of these. It names no keys: the
// root's one footer does, from KeyMap.
func (m *Model) footer(width int) string {
	s := m.sh.Styles
	switch {
	case m.filtering:
		m.filter.SetWidth(width - 2)
		return m.filter.View()
	case m.dialog != nil:
		return ""
	case m.lastMsg.text != "":
		// An outcome or a refusal is read whole: up to two lines, wrapped.
		ws := wrapWords(m.lastMsg.text, width)
		if len(ws) > 2 {
			ws = []string{ws[0], screen.Truncate(strings.Join(ws[1:], " "), width)}
		}
		st := m.lastMsg.tone.style(s)
		for i, w := range ws {
			ws[i] = st.Render(w)
		}
		return strings.Join(ws, "\n")
	case m.filter.Value() != "":
		return s.Subtle.Render("filter " + m.filter.Value() + " (esc clears)")
	}
	return ""
}
