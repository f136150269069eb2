package theme

import (
	"testing"
)

func TestStylesFollowTheBackground(t *testing.T) {
	dark, light := New(true), New(false)
	if dark.Palette.Text == light.Palette.Text || dark.Palette.Accent == light.Palette.Accent {
		t.Fatal("dark and light palettes use the same text or accent colour")
	}
	if got := dark.Title.GetForeground(); got != dark.Palette.Accent {
		t.Fatalf("dark title colour %v, want the accent %v", got, dark.Palette.Accent)
	}
}

func TestHuhThemeIsDerivedFromThePalette(t *testing.T) {
	for _, isDark := range []bool{true, false} {
		s := New(isDark)
		// huh passes its own guess of the background; the theme must follow
		// the styles' background instead.
		h := s.Huh().Theme(!isDark)
		if got := h.Focused.Title.GetForeground(); got != s.Palette.Accent {
			t.Errorf("dark=%v: focused title %v, want accent %v", isDark, got, s.Palette.Accent)
		}
		if got := h.Focused.ErrorMessage.GetForeground(); got != s.Palette.Error {
			t.Errorf("dark=%v: error message %v, want error colour %v", isDark, got, s.Palette.Error)
		}
	}
}
