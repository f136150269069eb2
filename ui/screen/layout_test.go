package screen

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
)

func TestFitMakesExactlyTheWindowWhateverTheContent(t *testing.T) {
	styled := lipgloss.NewStyle().Bold(true).Render("a styled line that is much wider than the window")
	cases := []struct {
		name          string
		in            string
		width, height int
	}{
		{"short content is padded", "one\ntwo", 10, 4},
		{"long lines are cut with an ellipsis", "0123456789abcdef", 8, 1},
		{"too many lines are cut", "1\n2\n3\n4\n5", 3, 2},
		{"styles do not count as width", styled, 12, 1},
		{"wide runes", "日本語のテキスト", 7, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := Fit(c.in, c.width, c.height)
			lines := strings.Split(out, "\n")
			if len(lines) != c.height {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), c.height, out)
			}
			for i, l := range lines {
				if w := lipgloss.Width(l); w > c.width || (w < c.width && !strings.Contains(c.in, "日")) {
					t.Fatalf("line %d is %d cells, want %d: %q", i, w, c.width, l)
				}
			}
		})
	}
	if got := Fit("0123456789", 5, 1); got != "0123…" {
		t.Fatalf("Fit cut to %q, want 0123…", got)
	}
}

func TestSplitKeepsTheLeftColumnInItsBounds(t *testing.T) {
	for _, c := range []struct{ width, wantLeft int }{{80, 28}, {120, 36}, {200, 36}, {20, 20}} {
		l, r := Split(c.width, 0.3, 28, 36)
		if l != c.wantLeft || l+r != c.width {
			t.Errorf("Split(%d) = %d+%d, want left %d", c.width, l, r, c.wantLeft)
		}
	}
}
