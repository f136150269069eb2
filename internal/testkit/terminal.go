package testkit

import (
	"regexp"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// namedKeys are the key names Keys knows; any other string is text.
var namedKeys = map[string]tea.KeyPressMsg{
	"enter":     {Code: tea.KeyEnter},
	"tab":       {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
	"esc":       {Code: tea.KeyEscape},
	"up":        {Code: tea.KeyUp},
	"down":      {Code: tea.KeyDown},
	"left":      {Code: tea.KeyLeft},
	"right":     {Code: tea.KeyRight},
	"space":     {Code: tea.KeySpace, Text: " "},
	"backspace": {Code: tea.KeyBackspace},
	"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
	"ctrl+u":    {Code: 'u', Mod: tea.ModCtrl},
}

// Keys turns a key name ("enter", "tab", "shift+tab", "esc", "up", "down",
// "left", "right", "space", "backspace", "ctrl+c", "ctrl+u"), or text
// typed as is, into key presses.
func Keys(k string) []tea.KeyPressMsg {
	if msg, ok := namedKeys[k]; ok {
		return []tea.KeyPressMsg{msg}
	}
	var out []tea.KeyPressMsg
	for _, r := range k {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// IsNamed reports whether k is one of Keys' key names (not text).
func IsNamed(k string) bool {
	_, ok := namedKeys[k]
	return ok
}

var (
	idPattern      = regexp.MustCompile(`\b(vpc|subnet|sg|ami|igw|nat|rtb|eipalloc|lt|i)-([0-9a-f]{8,17})\b`)
	spinnerPattern = regexp.MustCompile(`[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]`)
	// requestIDPattern is a sandbox request id, numbered by how many
	// requests came before: a screen should not change when another
	// part of the program makes one request more.
	requestIDPattern = regexp.MustCompile(`\b[0-9a-f]{8}-5a4d-4b0c-9e1f-[0-9a-f]{12}\b`)
)

// Plain strips styles, pins spinner frames, replaces AWS ids' random
// digits and sandbox request ids' counters with x's of the same length,
// and trims each line's trailing blanks, so a frame can be a golden file.
func Plain(s string) string {
	s = ansi.Strip(s)
	s = spinnerPattern.ReplaceAllString(s, "⠋")
	s = requestIDPattern.ReplaceAllStringFunc(s, func(id string) string { return strings.Repeat("x", 8) + id[8:31] + strings.Repeat("x", 12) })
	s = idPattern.ReplaceAllStringFunc(s, func(id string) string {
		i := strings.LastIndexByte(id, '-')
		return id[:i+1] + strings.Repeat("x", len(id)-i-1)
	})
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n") + "\n"
}

// Flat joins a frame's words, without box borders, so text wrapped over
// lines can be found.
func Flat(view string) string {
	view = strings.NewReplacer("│", " ", "╭", " ", "╮", " ", "╰", " ", "╯", " ", "─", " ", "┃", " ").Replace(view)
	return strings.Join(strings.Fields(view), " ")
}
