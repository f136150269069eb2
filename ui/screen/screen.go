// Package screen is the contract between stackwiz's root model (package ui)
// and its screens (ui/wizard, ui/console): what a screen offers, how it tells
// the root what happened, what the root shares with every screen, the keys
// all screens agree on, and the one helper that does width math.
//
// The root handles quit, resize, the terminal's background colour, errors
// and help first; everything else goes to the current screen, except a
// message that names its screen (Addressed), which goes to that screen or
// nowhere. A screen never broadcasts: it returns an Action.
package screen

import (
	"context"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/ui/theme"
)

// ID names a screen.
type ID string

// The screens of stackwiz.
const (
	Wizard  ID = "wizard"
	Console ID = "console"
)

// Screen is one full-window view of stackwiz. Update gets every message the
// root does not handle itself and returns what happened (nil: nothing the
// root must act on) and a command; View draws the screen into exactly
// width × height cells (the root has already taken its header and status
// lines away).
type Screen interface {
	Update(msg tea.Msg) (Action, tea.Cmd)
	View(width, height int) string
}

// Initializer is a screen with work to start when it opens (loading what it
// shows). The root calls Init once, when the screen is first shown.
type Initializer interface {
	Init() tea.Cmd
}

// KeyMapper is a screen whose keys the root shows: the short help in the
// status line and the full help on ?. Return the bindings that work now;
// disabled bindings are left out of help.
type KeyMapper interface {
	KeyMap() help.KeyMap
}

// Busier is a screen doing work that quitting would interrupt (an apply).
// Busy returns what would be interrupted ("apply is creating 3 resources"),
// or "" when quitting is safe; the root asks before quitting when it is not.
type Busier interface {
	Busy() string
}

// Capturer is a screen whose focused field takes typed text. While Capturing
// is true the root leaves q, ?, h/j/k/l to the screen; ctrl+c still quits.
type Capturer interface {
	Capturing() bool
}

// Addressed is a message for one screen only: an async result carries the
// screen it belongs to (and its own run counter, which the screen checks to
// drop a stale one). The root drops it when that screen is not open.
type Addressed interface {
	Screen() ID
}

// Action is what a screen tells the root. A nil Action means nothing to do.
type Action interface{ isAction() }

// Quit asks the root to end the program (it confirms first if a screen is Busy).
type Quit struct{}

// Open asks the root to show another screen, creating it if needed.
type Open struct{ To ID }

// Notice is a passing note for the status line; it clears itself.
type Notice struct{ Text string }

// Fail is an error the screen cannot show itself; the root shows it with
// its hint (see Describe) until the next key.
type Fail struct{ Err error }

// OpenStack asks the root to reopen the console on another recorded stack
// (the console's stack switcher), with clients for that stack's region.
type OpenStack struct{ Name string }

func (Quit) isAction()      {}
func (Open) isAction()      {}
func (Notice) isAction()    {}
func (Fail) isAction()      {}
func (OpenStack) isAction() {}

// Shared is what the root shares with every screen. The root owns it and
// changes it only in its Update (a new Styles when the terminal reports its
// background); screens read it in Update and View, and copy what a command
// needs into locals before returning the command.
type Shared struct {
	// Ctx is the program's context: cancelled when stackwiz quits, so every
	// command's AWS calls stop with it. Derive per-command contexts from it.
	Ctx context.Context
	// Styles is the current theme.
	Styles *theme.Styles
	// Keys are the bindings every screen shares.
	Keys *Keys
	// Sandbox is true when stackwiz runs against its embedded sandbox.
	Sandbox bool
}
