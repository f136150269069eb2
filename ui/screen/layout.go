package screen

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// The smallest window stackwiz lays out for; below it, screens draw what
// fits and the root says the window is too small.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Truncate cuts s (which may hold styles) to width cells, ending in an
// ellipsis when it was longer. Rows are truncated, never wrapped.
func Truncate(s string, width int) string {
	if width <= 0 {
		return ""
	}
	return ansi.Truncate(s, width, "…")
}

// Split divides width into a left and a right column: the left gets frac of
// it, at least minLeft and at most maxLeft cells; the right gets the rest.
// It is the one place the screens' two-pane width math lives.
func Split(width int, frac float64, minLeft, maxLeft int) (left, right int) {
	left = int(float64(width) * frac)
	left = max(minLeft, min(maxLeft, left))
	left = min(left, width)
	return left, width - left
}

// Fit makes s exactly width × height cells: each line truncated with an
// ellipsis or padded with spaces, lines cut at height or padded with empty
// ones. A screen's View ends with it, so a resize never leaves stray cells
// or pushes the status line off the window.
func Fit(s string, width, height int) string {
	if width <= 0 || height <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > height {
		lines = lines[:height]
	}
	for i, l := range lines {
		lines[i] = Pad(Truncate(l, width), width)
	}
	for len(lines) < height {
		lines = append(lines, strings.Repeat(" ", width))
	}
	return strings.Join(lines, "\n")
}

// Pad right-pads s with spaces to width cells (s no wider than width).
func Pad(s string, width int) string {
	if w := lipgloss.Width(s); w < width {
		return s + strings.Repeat(" ", width-w)
	}
	return s
}

// Lines returns how many lines s takes.
func Lines(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, "\n") + 1
}
