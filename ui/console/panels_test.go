package console

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// Every part a snapshot reads is named by a panel (its shows): a gap in
// it is then a line in that panel and words of the verdict, not a line
// without a name counted against the first tab.
func TestEveryPartIsShownByAPanel(t *testing.T) {
	for _, p := range fleet.Parts() {
		if _, ok := partPanel(p); !ok || partLabels[p] == "" {
			t.Errorf("no panel shows the part %q: add it to a panel's shows()", p)
		}
	}
}

// TestTextPanelScrollsToItsLastLineAndNoFurther: G on the load balancer
// panel brings its last line to the body's last row, under the panel's
// title, and no blank row follows it however often G is pressed.
func TestTextPanelScrollsToItsLastLineAndNoFurther(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	d.keys(strconv.Itoa(int(viewLB) + 1))
	const width, height = 100, 12
	body := func() []string {
		rows := strings.Split(ansi.Strip(d.m.View(width, height)), "\n")
		return rows[3 : 3+d.m.bodyRows]
	}
	first := body()
	lines := d.m.lines[viewLB]
	if len(lines) <= d.m.bodyRows {
		t.Fatalf("the load balancer panel has %d lines, fewer than the %d rows of its body: the test needs it to scroll", len(lines), d.m.bodyRows)
	}
	d.keys("G", "G")
	rows := body()
	if rows[0] != first[0] {
		t.Errorf("scrolling moved the panel's title: %q, then %q", first[0], rows[0])
	}
	last := strings.TrimSpace(ansi.Strip(fitText(lines[len(lines)-1].text, width)))
	if got := strings.TrimSpace(rows[len(rows)-1]); got != last {
		t.Errorf("after G the body's last row is %q, want the panel's last line %q:\n%s", got, last, strings.Join(rows, "\n"))
	}
}
