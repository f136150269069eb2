package ui

import (
	"cmp"
	"context"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/aws/fleet"
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
	// fleet is the console's Fleet, built from clients by Options.Fleet
	// and made read-only when the stack's setting says so.
	fleet *fleet.Fleet
	// profile is the one the clients were built with: the stack
	// switcher's search uses it for the other regions.
	profile string
	// seq is the build's number: only the newest is shown.
	seq int
	err error
}

// connection is what the wizard knows of the stack it built: its name,
// and the profile and region the user chose.
type connection interface {
	Connection() (stack, profile, region string)
}

// buildConsole opens the stack's record and connects to its region in the
// background; the console itself is built in Update when that arrives.
// Without chosen, the wizard's stack (the one it built) wins over r.stack.
func (r *root) buildConsole(stack string, chosen bool) tea.Cmd {
	profile, region := r.opts.Profile, r.opts.Region
	if w, ok := r.screens[screen.Wizard].(connection); ok && !chosen {
		if s, p, reg := w.Connection(); s != "" {
			stack, profile, region = s, p, reg
		}
	}
	if chosen {
		// Another stack lives where its record says, not where --region
		// pointed the first one.
		region = ""
	}
	r.buildSeq++
	seq := r.buildSeq
	ctx, dir, connect := r.shared.Ctx, r.opts.StateDir, r.opts.Connect
	newFleet := r.opts.Fleet
	if newFleet == nil {
		newFleet = func(c *aws.Clients) *fleet.Fleet { return fleet.New(c.Config()) }
	}
	return func() tea.Msg {
		if stack == "" {
			return consoleConnectedMsg{seq: seq, err: ErrNoStackForConsole}
		}
		st, err := state.Open(dir, stack)
		if err != nil {
			return consoleConnectedMsg{seq: seq, stack: stack, err: err}
		}
		rec := st.Snapshot()
		if rec.Region != "" {
			region = rec.Region
		}
		ctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		clients, err := connect(ctx, profile, region)
		if err != nil {
			return consoleConnectedMsg{seq: seq, stack: stack, err: fmt.Errorf("connect to %s for the console: %w", region, err)}
		}
		if rec.AccountID != "" {
			// The header names the record's account: the clients must be
			// in it, or every read would say the stack is gone.
			caller, err := clients.Identity.Caller(ctx)
			if err != nil {
				return consoleConnectedMsg{seq: seq, stack: stack, err: fmt.Errorf("check which account the console reads stack %s in: %w", stack, err)}
			}
			if caller.Account != rec.AccountID {
				return consoleConnectedMsg{seq: seq, stack: stack, err: fmt.Errorf("stack %s was built in account %s (%s), but these credentials are account %s (%s): "+
					"open it with a profile of account %s (--profile)", stack, rec.AccountID, cmp.Or(rec.Region, "region not recorded"), caller.Account, caller.ARN, rec.AccountID)}
			}
		}
		fl := newFleet(clients)
		if fl.ReadOnly() == "" {
			set, err := state.ReadSettings(dir, stack)
			if err != nil {
				return consoleConnectedMsg{seq: seq, stack: stack, err: err}
			}
			if set.ReadOnly {
				fl = fl.WithReadOnly(console.ReadOnlySetting)
			}
		}
		return consoleConnectedMsg{seq: seq, stack: stack, rec: rec, clients: clients, fleet: fl, profile: profile}
	}
}

// consoleConnected builds the console screen, or falls back to the
// wizard with the reason. A console that replaces another (the stack
// switcher's choice) keeps the old one on screen when it fails.
func (r *root) consoleConnected(msg consoleConnectedMsg) tea.Cmd {
	if msg.seq != r.buildSeq {
		return nil // a newer choice replaced this one
	}
	switching := r.switching
	r.switching = ""
	var sc screen.Screen
	var cancel context.CancelFunc
	err := msg.err
	if err == nil {
		sc, cancel, err = r.newConsole(msg)
	}
	if err != nil && switching != "" && r.screens[screen.Console] != nil {
		e := screen.Describe(fmt.Errorf("open stack %s: %w", switching, err))
		r.failure = &e
		return nil
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
	if r.consoleCancel != nil {
		r.consoleCancel()
	}
	r.consoleCancel = cancel
	r.consoleGen++
	r.started[screen.Console] = false
	r.stack = msg.stack
	r.screens[screen.Console] = sc
	var remember tea.Cmd
	if switching != "" {
		remember = r.rememberStack(msg.stack)
	}
	return tea.Batch(remember, r.startScreen(screen.Console))
}

// newConsole builds the console of a connected stack. Each console works
// under a context of its own: replacing it cancels the calls it has in
// flight, and its late answers are dropped (consoleMsg).
func (r *root) newConsole(msg consoleConnectedMsg) (screen.Screen, context.CancelFunc, error) {
	sh := *r.shared
	ctx, cancel := context.WithCancel(r.shared.Ctx)
	sh.Ctx = ctx
	profile, connect := msg.profile, r.opts.Connect
	m, err := console.New(&sh, console.Deps{Fleet: msg.fleet, Stack: msg.rec, StateDir: r.opts.StateDir, Now: r.opts.Now,
		Connect: func(ctx context.Context, region string) (*aws.Clients, error) { return connect(ctx, profile, region) }})
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return m, cancel, nil
}

// switchStack reopens the console on another recorded stack: the old one
// stays until the new one is connected.
func (r *root) switchStack(name string) tea.Cmd {
	if name == "" || name == r.stack && r.screens[screen.Console] != nil {
		return nil
	}
	r.switching = name
	return tea.Batch(r.act(screen.Notice{Text: "opening stack " + name + "…"}), r.buildConsole(name, true))
}

// rememberStack writes the switcher's choice to the user's file, so the
// next console opened without --stack on this state dir opens it.
func (r *root) rememberStack(name string) tea.Cmd {
	path, dir := r.opts.LastStackFile, r.opts.StateDir
	return func() tea.Msg {
		if path == "" {
			p, err := state.LastStackPath()
			if err != nil {
				return nil
			}
			path = p
		}
		return stackRememberedMsg{err: state.WriteLastStack(path, dir, name)}
	}
}

// stackRememberedMsg says whether the choice was written.
type stackRememberedMsg struct{ err error }

// consoleMsg is a message of the console generation gen: the root gives
// it to the console only while that console is shown, so a switched-away
// console's late snapshot never lands on the new one.
type consoleMsg struct {
	gen int
	msg tea.Msg
}

// tagConsole makes the messages cmd returns for the console carry gen,
// through batches.
func tagConsole(gen int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case tea.BatchMsg:
			out := make(tea.BatchMsg, len(msg))
			for i, c := range msg {
				out[i] = tagConsole(gen, c)
			}
			return out
		case screen.Addressed:
			if msg.Screen() == screen.Console {
				return consoleMsg{gen: gen, msg: msg}
			}
			return msg
		default:
			return msg
		}
	}
}
