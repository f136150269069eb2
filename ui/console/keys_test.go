package console

import (
	"slices"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/help"
	"github.com/charmbracelet/x/ansi"
)

func viewIDs(t *table) []string {
	var ids []string
	for _, i := range t.view {
		ids = append(ids, t.rows[i].id)
	}
	return ids
}

func TestFilterSortDetailAndCopy(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 4})
	w.Advance(20 * time.Minute)
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	tbl := d.m.tables[viewInstances]
	all := viewIDs(tbl)
	if len(all) != 4 || !slices.IsSorted(all) {
		t.Fatalf("instances = %v, want 4 sorted by id", all)
	}

	// Filter: the typed text narrows every table; q is text, not quit.
	d.keys("/")
	if !d.m.Capturing() {
		t.Fatal("the filter does not capture typing")
	}
	d.typeText(all[2][:8] + "q")
	if got := viewIDs(tbl); len(got) != 0 {
		t.Errorf("filter %q kept %v", d.m.filter.Value(), got)
	}
	d.keys("backspace")
	if got := viewIDs(tbl); !slices.Equal(got, all[2:3]) && !strings.HasPrefix(all[3], all[2][:8]) {
		t.Errorf("filter %q = %v, want %v", d.m.filter.Value(), got, all[2:3])
	}
	d.keys("enter")
	if d.m.Capturing() || d.m.filter.Value() == "" {
		t.Error("enter should keep the filter and stop typing")
	}
	if !strings.Contains(ansi.Strip(d.m.View(120, 40)), "filter "+all[2][:8]) {
		t.Error("the footer does not say a filter is on")
	}
	d.keys("esc")
	if got := viewIDs(tbl); len(got) != 4 {
		t.Errorf("esc left %v", got)
	}

	// Sort by the next column (AZ), then reverse.
	d.keys("s")
	zones := func() []string {
		var z []string
		for _, i := range tbl.view {
			z = append(z, tbl.rows[i].cells[colAZ].text)
		}
		return z
	}
	if z := zones(); !slices.IsSorted(z) || z[0] == z[3] {
		t.Errorf("sorted by AZ: %v", z)
	}
	d.keys("S")
	if z := zones(); !slices.IsSortedFunc(z, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("reversed: %v", z)
	}
	if !strings.Contains(tbl.sortName(), "az ↓") {
		t.Errorf("sort name = %q", tbl.sortName())
	}

	// Detail pane of the row under the cursor; esc closes it.
	d.keys("down", "enter")
	sel := tbl.selected().id
	v := ansi.Strip(d.m.View(120, 40))
	if !d.m.detail || !strings.Contains(v, "│ "+sel) || !strings.Contains(v, "private ip") || !strings.Contains(v, "scale-in") {
		t.Errorf("detail pane of %s missing:\n%s", sel, v)
	}
	d.keys("esc")
	if d.m.detail {
		t.Error("esc did not close the detail pane")
	}

	// The cursor stays on the same instance across a refresh.
	d.send(d.ticks[len(d.ticks)-1])
	if tbl.selected().id != sel {
		t.Errorf("after a refresh the cursor moved from %s to %s", sel, tbl.selected().id)
	}

	// Copy the id under the cursor (OSC 52 through tea.SetClipboard).
	d.keys("y")
	if len(d.clips) != 1 || d.clips[0] != sel || !strings.Contains(d.notices[len(d.notices)-1], sel) {
		t.Errorf("copied %v, notice %q", d.clips, d.notices[len(d.notices)-1])
	}

	// Views by number and by tab.
	// The tabs as registered: a panel added does not change this test.
	d.keys(tabKey(viewAlarms))
	if d.m.tab != viewAlarms {
		t.Errorf("%s opened view %d", tabKey(viewAlarms), d.m.tab)
	}
	for range viewCount() - viewAlarms {
		d.keys("tab")
	}
	if d.m.tab != viewInstances {
		t.Errorf("tab ×%d from Alarms (past the last tab) opened view %d", viewCount()-viewAlarms, d.m.tab)
	}
	d.keys("shift+tab")
	if last := viewCount() - 1; d.m.tab != last {
		t.Errorf("shift+tab from Instances opened view %d, not the last (%d)", d.m.tab, last)
	}
	if km := d.m.KeyMap(); len(km.FullHelp()) != 3 || len(km.ShortHelp()) == 0 {
		t.Errorf("help: %d groups", len(km.FullHelp()))
	}
}

func TestPagingKeepsTheCursorOnScreen(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 60})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	tbl := d.m.tables[viewInstances]
	d.m.View(80, 24)
	d.keys("G")
	if tbl.cursor != 59 {
		t.Fatalf("G: cursor %d", tbl.cursor)
	}
	v := ansi.Strip(d.m.View(80, 24))
	if !strings.Contains(v, tbl.selected().id) {
		t.Errorf("the last row is not on screen:\n%s", v)
	}
	d.keys("g")
	d.m.View(80, 24)
	d.keys("pgdown")
	if tbl.cursor != d.m.bodyRows-1 {
		t.Errorf("pgdown: cursor %d, want %d", tbl.cursor, d.m.bodyRows-1)
	}
	v = ansi.Strip(d.m.View(80, 24))
	if !strings.Contains(v, tbl.selected().id) || strings.Count(v, "\n") != 23 {
		t.Errorf("after pgdown the cursor's row is off screen:\n%s", v)
	}
}

// The full help lists every console key, and at 80 columns none of it is cut.
func TestHelpFitsEightyColumns(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	m := newConsole(t, w, time.Hour, "")
	h := help.New()
	h.SetWidth(74) // the root draws help in a bordered box
	out := h.FullHelpView(m.KeyMap().FullHelp())
	if strings.Contains(out, "…") {
		t.Errorf("the help is cut at 80 columns:\n%s", out)
	}
	for _, want := range []string{"capacity", "instance refresh", "cancel refresh", "terminate", "standby", "termination policies", "blue/green", "filter", "pause", "copy id"} {
		if !strings.Contains(out, want) {
			t.Errorf("the help does not name %q:\n%s", want, out)
		}
	}
}

// tabKey is the digit key of view v's tab.
func tabKey(v view) string { return tabDigits()[v] }
