package console

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/ui/theme"
)

// column is one column of a table.
type column struct {
	title string
	// width is the column's width; a flex column takes what the others
	// leave, at least width.
	width int
	// prio orders the columns by importance: when the window is narrow,
	// the highest prio go first. 0 always stays.
	prio int
	flex bool
	// fit, when set, lets the column grow to its longest cell, up to fit
	// cells, before less important columns join: reasons and names get
	// the spare width rather than an ellipsis.
	fit     int
	right   bool
	numeric bool // sorts by row.nums, not the text
}

// cell is one table cell: its text and what it means.
type cell struct {
	text string
	tone tone
	// width is text's width in cells, measured once when the row is built.
	width int
}

// row is a table row, built once when a snapshot arrives: View only cuts
// and styles the rows it draws.
type row struct {
	// id is what the row is about (an instance id, an alarm name): what y
	// copies, what keeps the cursor in place across refreshes.
	id    string
	cells []cell
	// nums are the sort keys of numeric columns (NaN sorts last).
	nums []float64
	// text is the lowercased cells, for the filter.
	text string
	// rowTone colours a whole row (a failed activity) when set.
	rowTone tone
}

func newRow(id string, cells []cell, nums []float64) row {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToLower(c.text))
		cells[i].width = textWidth(c.text)
	}
	return row{id: id, cells: cells, nums: nums, text: b.String()}
}

// table is a list of rows with a cursor, a filter and a sort order.
type table struct {
	cols []column
	rows []row
	// view is the rows shown, filtered and sorted, as indexes into rows.
	view    []int
	cursor  int // position in view
	offset  int // first position in view drawn
	sortCol int
	desc    bool
	filter  string
	// noSort keeps the rows in the order they were built (newest first).
	noSort bool
	// want is each fit column's longest cell (capped at its fit).
	want []int
}

// setRows replaces the rows, keeping the cursor on the same id.
func (t *table) setRows(rows []row) {
	id := t.selectedID()
	t.rows = rows
	t.want = make([]int, len(t.cols))
	for i, c := range t.cols {
		if c.fit == 0 {
			continue
		}
		for _, r := range rows {
			if i < len(r.cells) {
				t.want[i] = max(t.want[i], min(c.fit, r.cells[i].width))
			}
		}
	}
	t.apply()
	if id == "" {
		return
	}
	for pos, i := range t.view {
		if t.rows[i].id == id {
			t.cursor = pos
			return
		}
	}
}

// apply recomputes view from rows, the filter and the sort order.
func (t *table) apply() {
	t.view = t.view[:0]
	f := strings.ToLower(strings.TrimSpace(t.filter))
	for i := range t.rows {
		if f == "" || strings.Contains(t.rows[i].text, f) {
			t.view = append(t.view, i)
		}
	}
	if !t.noSort && t.sortCol >= 0 && t.sortCol < len(t.cols) {
		c, numeric := t.sortCol, t.cols[t.sortCol].numeric
		slices.SortStableFunc(t.view, func(a, b int) int {
			ra, rb := &t.rows[a], &t.rows[b]
			var r int
			if numeric {
				r = compareNum(ra.nums[c], rb.nums[c], t.desc)
			} else {
				r = cmp.Compare(ra.cells[c].text, rb.cells[c].text)
				if t.desc {
					r = -r
				}
			}
			if r == 0 {
				r = cmp.Compare(ra.id, rb.id)
			}
			return r
		})
	}
	t.cursor = max(0, min(t.cursor, len(t.view)-1))
}

// compareNum orders numbers, NaN last whatever the direction.
func compareNum(a, b float64, desc bool) int {
	switch an, bn := math.IsNaN(a), math.IsNaN(b); {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	if desc {
		return cmp.Compare(b, a)
	}
	return cmp.Compare(a, b)
}

// selected returns the row under the cursor, or nil.
func (t *table) selected() *row {
	if t.cursor < 0 || t.cursor >= len(t.view) {
		return nil
	}
	return &t.rows[t.view[t.cursor]]
}

func (t *table) selectedID() string {
	if r := t.selected(); r != nil {
		return r.id
	}
	return ""
}

// move moves the cursor by delta rows and keeps it within a page of
// height rows.
func (t *table) move(delta, height int) {
	t.cursor = max(0, min(len(t.view)-1, t.cursor+delta))
	t.scroll(height)
}

// scroll keeps the cursor on the page of height rows drawn from offset.
func (t *table) scroll(height int) {
	height = max(1, height)
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+height {
		t.offset = t.cursor - height + 1
	}
	t.offset = max(0, min(t.offset, len(t.view)-height))
}

// nextSort sorts by the next column, ascending.
func (t *table) nextSort() {
	t.sortCol = (t.sortCol + 1) % len(t.cols)
	t.desc = false
	t.noSort = false
	t.apply()
}

// reverse flips the sort order.
func (t *table) reverse() {
	t.desc = !t.desc
	t.noSort = false
	t.apply()
}

// sortName says how the table is sorted ("age ↓").
func (t *table) sortName() string {
	if t.noSort || t.sortCol < 0 || t.sortCol >= len(t.cols) {
		return "newest first"
	}
	arrow := "↑"
	if t.desc {
		arrow = "↓"
	}
	return strings.ToLower(t.cols[t.sortCol].title) + " " + arrow
}

// layout gives each column its width in a table width cells wide, 0 for a
// column left out: columns join by importance while they fit, and the flex
// column takes what is left.
func (t *table) layout(width int) []int {
	widths := make([]int, len(t.cols))
	order := make([]int, len(t.cols))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(t.cols[a].prio, t.cols[b].prio) })
	used, flex := 0, -1
	for _, i := range order {
		c := t.cols[i]
		w := c.width
		if i < len(t.want) && t.want[i] > w && used+t.want[i]+1 <= width {
			w = t.want[i]
		}
		need := w
		if used > 0 {
			need++ // the gap before it
		}
		if used+need > width && c.prio > 0 {
			continue
		}
		widths[i] = w
		used += need
		if c.flex {
			flex = i
		}
	}
	if flex >= 0 && used < width {
		widths[flex] += width - used
	}
	return widths
}

// render draws the header and the rows from offset: at most height lines,
// each exactly width cells wide.
func (t *table) render(s *theme.Styles, p *paint, width, height int) []string {
	if height <= 0 {
		return nil
	}
	widths := t.layout(width)
	used := -1
	for _, w := range widths {
		if w > 0 {
			used += w + 1
		}
	}
	tail := spaces(max(0, width-used))
	lines := make([]string, 0, height)
	var b strings.Builder
	for i, c := range t.cols {
		if widths[i] == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		title := c.title
		if !t.noSort && i == t.sortCol {
			title += map[bool]string{false: "↑", true: "↓"}[t.desc]
		}
		b.WriteString(fit(title, widths[i], c.right))
	}
	lines = append(lines, s.Muted.Bold(true).Render(b.String()+tail))
	if len(t.view) == 0 {
		msg := "  nothing to show"
		if t.filter != "" {
			msg += " (filter: " + t.filter + ")"
		}
		return append(lines, p.apply(toneMuted, fit(msg, width, false)))
	}
	t.scroll(height - 1)
	end := min(len(t.view), t.offset+height-1)
	for pos := t.offset; pos < end; pos++ {
		r := &t.rows[t.view[pos]]
		b.Reset()
		first := true
		for i, c := range t.cols {
			if widths[i] == 0 {
				continue
			}
			if !first {
				b.WriteByte(' ')
			}
			first = false
			txt := fitCell(r.cells[i], widths[i], c.right)
			if pos != t.cursor {
				tn := r.cells[i].tone
				if tn == toneNone {
					tn = r.rowTone
				}
				txt = p.apply(tn, txt)
			}
			b.WriteString(txt)
		}
		b.WriteString(tail)
		if pos == t.cursor {
			lines = append(lines, p.sel[0]+b.String()+p.sel[1])
		} else {
			lines = append(lines, b.String())
		}
	}
	return lines
}

// fit pads or cuts plain text to exactly w cells.
func fit(s string, w int, right bool) string {
	return fitCell(cell{text: s, width: textWidth(s)}, w, right)
}

// fitCell pads or cuts a cell's text to exactly w cells, with the width
// measured when the row was built: drawing a row measures nothing.
func fitCell(c cell, w int, right bool) string {
	switch {
	case w <= 0:
		return ""
	case c.width > w:
		return ansi.Truncate(c.text, w, "…")
	case c.width == w:
		return c.text
	}
	pad := spaces(w - c.width)
	if right {
		return pad + c.text
	}
	return c.text + pad
}

// blanks is a run of spaces that spaces slices.
var blanks = strings.Repeat(" ", 512)

func spaces(n int) string {
	if n <= len(blanks) {
		return blanks[:n]
	}
	return strings.Repeat(" ", n)
}

// textWidth is the width of plain text in cells, without a grapheme walk
// for ASCII.
func textWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}
