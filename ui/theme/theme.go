// Package theme owns how stackwiz's terminal UI looks: a palette of named
// roles, the Styles every screen draws with (built from the palette for a
// light or a dark background), and the huh form theme derived from the same
// palette. View code uses these styles and never a literal colour.
//
// Light or dark is chosen from the terminal's answer to
// tea.RequestBackgroundColor (a tea.BackgroundColorMsg): the root model
// rebuilds the styles with New(msg.IsDark()). NO_COLOR is honoured by Bubble
// Tea's renderer, which downsamples every colour to the terminal's profile
// (none under NO_COLOR, while bold and underline stay): no view checks it.
package theme

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Palette is the colours of the UI by role, never by hue: a view asks for
// "the warning colour", and the palette decides what that is on this
// background.
type Palette struct {
	Text   color.Color // body text
	Muted  color.Color // secondary text: explanations, elapsed times
	Subtle color.Color // tertiary: separators, disabled items, borders at rest
	Border color.Color // pane borders at rest
	// Accent marks focus: the focused pane's border, the selected row, titles.
	Accent color.Color
	// OnAccent is text drawn on an Accent background (badges, buttons).
	OnAccent  color.Color
	Highlight color.Color // background of the selected row
	Success   color.Color // done, healthy, create
	Warning   color.Color // needs attention, cost warnings, update
	Error     color.Color // failed, delete
	Info      color.Color // in progress, notes, replace
}

// NewPalette returns stackwiz's palette for a dark or a light background.
func NewPalette(isDark bool) Palette {
	ld := lipgloss.LightDark(isDark)
	c := lipgloss.Color
	return Palette{
		Text:      ld(c("#1F2328"), c("#E6EDF3")),
		Muted:     ld(c("#57606A"), c("#9DA7B3")),
		Subtle:    ld(c("#8C959F"), c("#6E7681")),
		Border:    ld(c("#D0D7DE"), c("#3D444D")),
		Accent:    ld(c("#6639BA"), c("#B48EFF")),
		OnAccent:  ld(c("#FFFFFF"), c("#1B1030")),
		Highlight: ld(c("#EFE7FF"), c("#2E2447")),
		Success:   ld(c("#1A7F37"), c("#3FB950")),
		Warning:   ld(c("#9A6700"), c("#D29922")),
		Error:     ld(c("#CF222E"), c("#F85149")),
		Info:      ld(c("#0969DA"), c("#58A6FF")),
	}
}

// Styles is every style the screens use. Build it with New; a screen keeps
// a pointer to the root's copy, which the root overwrites in place when the
// terminal reports its background (so every holder sees the change).
type Styles struct {
	Dark    bool
	Palette Palette

	// Text roles.
	Text     lipgloss.Style
	Muted    lipgloss.Style
	Subtle   lipgloss.Style
	Bold     lipgloss.Style
	Title    lipgloss.Style // a screen's or pane's title
	Subtitle lipgloss.Style // one line under a title: why, what next
	Key      lipgloss.Style // a key named in running text ("press enter")

	// Outcome roles, for words and glyphs alike.
	Success lipgloss.Style
	Warning lipgloss.Style
	Error   lipgloss.Style
	Info    lipgloss.Style

	// Frames.
	Pane        lipgloss.Style // a bordered pane at rest
	PaneFocused lipgloss.Style // the pane that has the keyboard
	Header      lipgloss.Style // the top line: program, stack, account
	StatusBar   lipgloss.Style // the bottom line: notices and short help
	Badge       lipgloss.Style // a short label on the header ("sandbox")
	WarnBadge   lipgloss.Style // a label that needs attention
	Selected    lipgloss.Style // the row under the cursor in a list
	ErrorBox    lipgloss.Style // an error with its hint and choices
	Dialog      lipgloss.Style // a question that stops the screen (quit?)

	// Plan actions.
	Create  lipgloss.Style
	Update  lipgloss.Style
	Replace lipgloss.Style
	Delete  lipgloss.Style
	Keep    lipgloss.Style

	Spinner lipgloss.Style
	Help    help.Styles
}

// New builds the styles for a dark or a light background.
func New(isDark bool) *Styles {
	p := NewPalette(isDark)
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := &Styles{Dark: isDark, Palette: p}

	s.Text = fg(p.Text)
	s.Muted = fg(p.Muted)
	s.Subtle = fg(p.Subtle)
	s.Bold = fg(p.Text).Bold(true)
	s.Title = fg(p.Accent).Bold(true)
	s.Subtitle = fg(p.Muted).Italic(true)
	s.Key = fg(p.Accent).Bold(true)

	s.Success = fg(p.Success)
	s.Warning = fg(p.Warning)
	s.Error = fg(p.Error).Bold(true)
	s.Info = fg(p.Info)

	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Border).Padding(0, 1)
	s.PaneFocused = s.Pane.BorderForeground(p.Accent)
	s.Header = fg(p.Text).Bold(true)
	s.StatusBar = fg(p.Muted)
	s.Badge = lipgloss.NewStyle().Foreground(p.OnAccent).Background(p.Accent).Bold(true).Padding(0, 1)
	s.WarnBadge = lipgloss.NewStyle().Foreground(p.OnAccent).Background(p.Warning).Bold(true).Padding(0, 1)
	s.Selected = fg(p.Text).Background(p.Highlight).Bold(true)
	s.ErrorBox = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.Error).Padding(0, 1)
	s.Dialog = lipgloss.NewStyle().Border(lipgloss.DoubleBorder()).BorderForeground(p.Warning).Padding(0, 2)

	s.Create = fg(p.Success)
	s.Update = fg(p.Warning)
	s.Replace = fg(p.Info)
	s.Delete = fg(p.Error)
	s.Keep = fg(p.Subtle)

	s.Spinner = fg(p.Info)
	s.Help = help.Styles{
		Ellipsis:       fg(p.Subtle),
		ShortKey:       fg(p.Muted).Bold(true),
		ShortDesc:      fg(p.Subtle),
		ShortSeparator: fg(p.Border),
		FullKey:        fg(p.Accent).Bold(true),
		FullDesc:       fg(p.Muted),
		FullSeparator:  fg(p.Border),
	}
	return s
}

// Huh returns the form theme derived from the same palette. huh asks its
// theme for light or dark itself; the answer follows these styles' own
// background, so forms and the rest of the screen never disagree.
//
// The theme reads s when huh asks, so a form built before the terminal
// reported its background follows the root's updated styles.
func (s *Styles) Huh() huh.Theme {
	return huh.ThemeFunc(func(bool) *huh.Styles {
		p := s.Palette
		t := huh.ThemeBase(s.Dark)
		fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }

		t.Focused.Base = t.Focused.Base.BorderForeground(p.Accent)
		t.Focused.Card = t.Focused.Base
		t.Focused.Title = fg(p.Accent).Bold(true)
		t.Focused.NoteTitle = fg(p.Accent).Bold(true).MarginBottom(1)
		t.Focused.Description = fg(p.Muted)
		t.Focused.ErrorIndicator = fg(p.Error).SetString(" *")
		t.Focused.ErrorMessage = fg(p.Error)
		t.Focused.SelectSelector = fg(p.Accent).SetString("> ")
		t.Focused.NextIndicator = fg(p.Accent).MarginLeft(1).SetString("→")
		t.Focused.PrevIndicator = fg(p.Accent).MarginRight(1).SetString("←")
		t.Focused.Option = fg(p.Text)
		t.Focused.MultiSelectSelector = fg(p.Accent).SetString("> ")
		t.Focused.SelectedOption = fg(p.Success)
		t.Focused.SelectedPrefix = fg(p.Success).SetString("[x] ")
		t.Focused.UnselectedPrefix = fg(p.Subtle).SetString("[ ] ")
		t.Focused.UnselectedOption = fg(p.Text)
		t.Focused.FocusedButton = t.Focused.FocusedButton.Foreground(p.OnAccent).Background(p.Accent)
		t.Focused.BlurredButton = t.Focused.BlurredButton.Foreground(p.Text).Background(p.Highlight)
		t.Focused.Next = t.Focused.FocusedButton
		t.Focused.TextInput.Cursor = fg(p.Accent)
		t.Focused.TextInput.Placeholder = fg(p.Subtle)
		t.Focused.TextInput.Prompt = fg(p.Accent)
		t.Focused.TextInput.Text = fg(p.Text)

		t.Blurred = t.Focused
		t.Blurred.Base = t.Focused.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Card = t.Blurred.Base
		t.Blurred.Title = fg(p.Muted)
		t.Blurred.NextIndicator = lipgloss.NewStyle()
		t.Blurred.PrevIndicator = lipgloss.NewStyle()
		t.Blurred.MultiSelectSelector = lipgloss.NewStyle().SetString("  ")
		t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("  ")
		t.Blurred.TextInput.Prompt = fg(p.Muted)

		t.Group.Title = t.Focused.Title
		t.Group.Description = t.Focused.Description
		t.Help = s.Help
		return t
	})
}
