package ui

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/ui/console"
)

// buildConsole builds the console screen for the stack, in the
// background: it reads the stack's record and connects to its region.
func (r *root) buildConsole() tea.Cmd {
	// Copies for the command: it must not read the root.
	dir, name, profile, connect, shared, now := r.opts.StateDir, r.stack, r.opts.Profile, r.opts.Connect, r.shared, r.opts.Now
	return func() tea.Msg {
		if name == "" {
			return consoleReadyMsg{err: errors.New("no stack recorded yet: build one with `stackwiz wizard` or `stackwiz apply -f stack.yaml`")}
		}
		st, err := state.Open(dir, name)
		if err != nil {
			return consoleReadyMsg{err: fmt.Errorf("open the console: %w", err)}
		}
		if !st.Exists() {
			return consoleReadyMsg{err: fmt.Errorf("open the console: stack %q has no record in %s: build it with `stackwiz wizard`", name, dir)}
		}
		rec := st.Snapshot()
		if connect == nil {
			return consoleReadyMsg{err: errors.New("open the console: no way to connect to AWS (Options.Connect is nil)")}
		}
		clients, err := connect(shared.Ctx, profile, rec.Region)
		if err != nil {
			return consoleReadyMsg{err: fmt.Errorf("open the console: %w", err)}
		}
		c, err := console.New(shared, console.Deps{Fleet: clients.Fleet, Stack: rec, StateDir: dir, Now: now})
		if err != nil {
			return consoleReadyMsg{err: err}
		}
		return consoleReadyMsg{screen: c}
	}
}
