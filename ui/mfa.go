package ui

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/stackwiz/stackwiz/aws"
)

// ErrMFANotGiven is what an MFA request returns when the user closes the
// prompt without a code.
var ErrMFANotGiven = errors.New("MFA code not given")

// mfaCodeLen is how many digits an MFA device shows.
const mfaCodeLen = 6

// MFAPrompter asks for MFA codes inside the TUI. The SDK asks for a code
// from whatever goroutine retrieves credentials (a tea.Cmd building
// clients); Token hands the request to the program over a channel, the
// root shows a prompt, and the answer comes back on the request's own
// reply channel. main passes Token as aws.Options.MFA and the prompter as
// Options.MFA, so both sides meet here.
type MFAPrompter struct {
	requests chan mfaRequest

	mu sync.Mutex
	// ctx is the program's work context, set when the root is built:
	// quitting cancels it, and with it any request still waiting.
	ctx context.Context
}

// mfaRequest is one question for a code; reply holds one answer, so the
// root never blocks on a requester that has gone. gone is the requester's
// context ending; settled closes when the root has answered.
type mfaRequest struct {
	aws.MFARequest
	reply   chan mfaReply
	gone    <-chan struct{}
	settled chan struct{}
}

type mfaReply struct {
	code string
	err  error
}

// mfaAskedMsg brings a request into the program.
type mfaAskedMsg struct{ req mfaRequest }

// mfaWithdrawnMsg closes the prompt of a requester that stopped waiting.
type mfaWithdrawnMsg struct{ reply chan mfaReply }

// NewMFAPrompter returns a prompter for Options.MFA.
func NewMFAPrompter() *MFAPrompter {
	return &MFAPrompter{requests: make(chan mfaRequest)}
}

// Token asks the user for the code of req's device; it is an
// aws.MFATokenFunc. The SDK gives it no context: it waits until the user
// answers or the program's work is cancelled.
func (p *MFAPrompter) Token(req aws.MFARequest) (string, error) {
	p.mu.Lock()
	ctx := p.ctx
	p.mu.Unlock()
	if ctx == nil {
		return "", &aws.CredentialsError{Profile: req.Profile,
			Problem: "its role needs an MFA code (mfa_serial " + req.Serial + ") and the terminal UI is not running to ask for it",
			Fix:     "start stackwiz on a terminal"}
	}
	return p.Ask(ctx, req)
}

// Ask shows the prompt for req and returns the code typed, an error
// wrapping ErrMFANotGiven when the user cancels, or ctx's error.
func (p *MFAPrompter) Ask(ctx context.Context, req aws.MFARequest) (string, error) {
	r := mfaRequest{MFARequest: req, reply: make(chan mfaReply, 1), gone: ctx.Done(), settled: make(chan struct{})}
	select {
	case p.requests <- r:
	case <-ctx.Done():
		return "", fmt.Errorf("ask for the MFA code of AWS profile %q: %w", req.Profile, ctx.Err())
	}
	select {
	case a := <-r.reply:
		return a.code, a.err
	case <-ctx.Done():
		return "", fmt.Errorf("ask for the MFA code of AWS profile %q: %w", req.Profile, ctx.Err())
	}
}

// attach binds the prompter to the program's work context.
func (p *MFAPrompter) attach(ctx context.Context) {
	p.mu.Lock()
	p.ctx = ctx
	p.mu.Unlock()
}

// wait is the one bridge from requesters into the program: it waits for
// the next request and is re-armed after each. It copies what it needs, so
// it never touches the model.
func (p *MFAPrompter) wait(ctx context.Context) tea.Cmd {
	requests := p.requests
	return func() tea.Msg {
		select {
		case r := <-requests:
			return mfaAskedMsg{req: r}
		case <-ctx.Done():
			return nil
		}
	}
}

// mfaPrompt is the root's part: the requests waiting, the first one shown.
type mfaPrompt struct {
	queue   []mfaRequest
	input   textinput.Model
	problem string
}

// active reports whether the prompt is showing.
func (m *mfaPrompt) active() bool { return len(m.queue) > 0 }

// mfaAsked queues a request and re-arms the bridge; the first request opens
// the prompt, and watches for the requester to stop waiting.
func (r *root) mfaAsked(msg mfaAskedMsg) tea.Cmd {
	m := &r.mfa
	m.queue = append(m.queue, msg.req)
	gone, settled, reply := msg.req.gone, msg.req.settled, msg.req.reply
	cmds := []tea.Cmd{r.opts.MFA.wait(r.shared.Ctx), func() tea.Msg {
		select {
		case <-gone:
			return mfaWithdrawnMsg{reply: reply}
		case <-settled:
			return nil
		}
	}}
	if len(m.queue) == 1 {
		cmds = append(cmds, m.open())
	}
	return tea.Batch(cmds...)
}

// open readies the input for the request at the head of the queue.
func (m *mfaPrompt) open() tea.Cmd {
	m.input = textinput.New()
	m.input.Prompt = "> "
	m.input.CharLimit = mfaCodeLen
	m.input.SetWidth(mfaCodeLen + 1)
	m.problem = ""
	return m.input.Focus()
}

// answer replies to the request shown and moves to the next one.
func (m *mfaPrompt) answer(a mfaReply) tea.Cmd {
	m.queue[0].reply <- a
	close(m.queue[0].settled)
	return m.next()
}

// next drops the request shown and opens the one after it, if any.
func (m *mfaPrompt) next() tea.Cmd {
	m.queue = m.queue[1:]
	if len(m.queue) > 0 {
		return m.open()
	}
	m.input.Blur()
	return nil
}

// withdrawn forgets a request whose requester stopped waiting.
func (m *mfaPrompt) withdrawn(msg mfaWithdrawnMsg) tea.Cmd {
	for i, q := range m.queue {
		if q.reply != msg.reply {
			continue
		}
		if i == 0 {
			return m.next()
		}
		m.queue = append(m.queue[:i], m.queue[i+1:]...)
		return nil
	}
	return nil
}

// notGiven is the error the request's func returns when the user cancels.
func notGiven(req mfaRequest) error {
	return &aws.CredentialsError{Profile: req.Profile, Problem: "MFA code not given for " + req.Serial,
		Fix: "enter the 6-digit code from the device when asked", Err: ErrMFANotGiven}
}

// mfaKey handles a key while the prompt shows: every key is the prompt's.
// Ctrl+C cancels the request and asks to quit.
func (r *root) mfaKey(msg tea.KeyPressMsg) tea.Cmd {
	m := &r.mfa
	k := r.shared.Keys
	switch {
	case key.Matches(msg, k.ForceQuit):
		cmd := m.answer(mfaReply{err: notGiven(m.queue[0])})
		return tea.Batch(cmd, r.askQuit())
	case msg.String() == "esc":
		return m.answer(mfaReply{err: notGiven(m.queue[0])})
	case msg.String() == "enter":
		code := m.input.Value()
		if !isMFACode(code) {
			m.problem = fmt.Sprintf("the code is the %d digits the device shows", mfaCodeLen)
			return nil
		}
		return m.answer(mfaReply{code: code})
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	m.problem = ""
	return cmd
}

func isMFACode(s string) bool {
	if len(s) != mfaCodeLen {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// mfaView is the prompt, centred over the body.
func (r *root) mfaView(height int) string {
	s := r.shared.Styles
	m := &r.mfa
	req := m.queue[0]
	w := min(r.width-4, 70)
	text := s.Bold.Render(fmt.Sprintf("MFA code for AWS profile %q", req.Profile)) + "\n\n" +
		lipgloss.NewStyle().Width(w-6).Render(s.Muted.Render("device "+req.Serial)) + "\n\n" +
		m.input.View()
	if m.problem != "" {
		text += "\n" + s.Error.Render(m.problem)
	}
	text += "\n\n" + s.Key.Render("enter") + " submit   " + s.Key.Render("esc") + " cancel"
	box := s.Dialog.Width(w).Render(text)
	return lipgloss.Place(r.width, height, lipgloss.Center, lipgloss.Center, box)
}
