package ui

import (
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/ui/console"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// consoleConnectedMsg carries what the console needs, read and connected
// in the background: the stack's record and clients for its region.
type consoleConnectedMsg struct {
	stack   string
	rec     state.Stack
	clients *aws.Clients
	// fleet is the console's Fleet: clients.Fleet, made read-only when the
	// stack's setting says so.
	fleet *aws.Fleet
	err   error
}

// connection is what the wizard knows of the stack it built: its name,
// and the profile and region the user chose.
type connection interface {
	Connection() (stack, profile, region string)
}

// buildConsole opens the stack's record and connects to its region in the
// background; the console itself is built in Update when that arrives.
func (r *root) buildConsole() tea.Cmd {
	stack, profile, region := r.stack, r.opts.Profile, r.opts.Region
	if w, ok := r.screens[screen.Wizard].(connection); ok {
		if s, p, reg := w.Connection(); s != "" {
			stack, profile, region = s, p, reg
		}
	}
	ctx, dir, connect := r.shared.Ctx, r.opts.StateDir, r.opts.Connect
	return func() tea.Msg {
		if stack == "" {
			return consoleConnectedMsg{err: ErrNoStackForConsole}
		}
		st, err := state.Open(dir, stack)
		if err != nil {
			return consoleConnectedMsg{stack: stack, err: err}
		}
		rec := st.Snapshot()
		if rec.Region != "" {
			region = rec.Region
		}
		ctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		clients, err := connect(ctx, profile, region)
		if err != nil {
			return consoleConnectedMsg{stack: stack, err: fmt.Errorf("connect to %s for the console: %w", region, err)}
		}
		fleet := clients.Fleet
		if fleet.ReadOnly() == "" {
			set, err := state.ReadSettings(dir, stack)
			if err != nil {
				return consoleConnectedMsg{stack: stack, err: err}
			}
			if set.ReadOnly {
				fleet = fleet.WithReadOnly(console.ReadOnlySetting)
			}
		}
		return consoleConnectedMsg{stack: stack, rec: rec, clients: clients, fleet: fleet}
	}
}

// consoleConnected builds the console screen, or falls back to the
// wizard with the reason.
func (r *root) consoleConnected(msg consoleConnectedMsg) tea.Cmd {
	var sc screen.Screen
	err := msg.err
	if err == nil {
		var m *console.Model
		m, err = console.New(r.shared, console.Deps{Fleet: msg.fleet, Stack: msg.rec, StateDir: r.opts.StateDir, Now: r.opts.Now})
		sc = m
	}
	if err != nil {
		e := screen.Describe(err)
		r.failure = &e
		if r.opts.Start == StartConsole && r.screens[screen.Wizard] == nil {
			r.fatal = err
			return tea.Quit
		}
		if r.screens[screen.Wizard] == nil {
			w, werr := r.newWizard()
			if werr != nil {
				r.fatal = werr
				return tea.Quit
			}
			r.screens[screen.Wizard] = w
		}
		return r.startScreen(screen.Wizard)
	}
	r.stack = msg.stack
	r.screens[screen.Console] = sc
	return r.startScreen(screen.Console)
}
