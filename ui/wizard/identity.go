package wizard

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// The Identity step exists to say which account the stack is built in.
// When that cannot be found out (no credentials, an endpoint that refuses
// connections, STS failing) the step fails visibly and blocks: it cannot
// be marked answered, no later step opens with defaults guessed without
// the account, and the plan is not reviewed. Submitting its form again, or
// r from the step list, retries.

// identityErr is why the caller's identity is not known: the connection
// failed, or STS answered with an error. It is nil while the lookup is in
// flight and once it succeeded.
func (m *Model) identityErr() error {
	if m.connErr != nil {
		return m.connErr
	}
	if m.found.done[lookCaller] && m.found.caller.Account == "" {
		return m.found.errs[lookCaller]
	}
	return nil
}

// identityNotice is what a blocked step or the plan says.
const identityNotice = "the Identity step failed: stackwiz does not know which account it would build in; fix it there first (enter on its form, or r from the list, tries again)"

// identityFailed moves the user back to the Identity step after its lookup
// failed, so no later form opens with what the failure left unknown.
func (m *Model) identityFailed() tea.Cmd {
	m.answered[steps.StepIdentity] = false
	if m.phase != phaseSteps || m.formStep == steps.StepIdentity && m.focus == focusForm {
		return nil
	}
	m.notice = identityNotice
	return m.openForm(m.stepIndex(steps.StepIdentity))
}

// retryIdentity connects again with the answers' profile and region, which
// asks every lookup again, and shows the Identity step while it does.
func (m *Model) retryIdentity() tea.Cmd {
	m.notice = "trying again to find out who you are…"
	connect := m.connect()
	return tea.Batch(connect, m.openForm(m.stepIndex(steps.StepIdentity)))
}

// identityFailure is the step list's status note for a failed identity.
func (m *Model) identityFailure() string {
	err := m.identityErr()
	if err == nil {
		return ""
	}
	return "could not find out who you are: " + screen.Describe(err).Summary
}

// keepRecordedRegion keeps a recorded stack with live resources in the
// region its record names. Planned in another region, every resource would
// look deleted and the apply would build a second copy beside the first.
func (m *Model) keepRecordedRegion() {
	if m.store == nil || !m.store.Exists() || m.rec.Region == "" || m.draft.Region == m.rec.Region {
		return
	}
	live := 0
	for _, r := range m.rec.Resources {
		if r.Live() {
			live++
		}
	}
	if live == 0 {
		return
	}
	account := m.rec.AccountID
	if account == "" {
		account = "not recorded"
	}
	m.notice = fmt.Sprintf("stack %s was built in %s (account %s) and stays there; to build in %s, destroy it first or give the new stack another name",
		m.draft.Name, m.rec.Region, account, m.draft.Region)
	m.draft.Region = m.rec.Region
	m.answers.setText("region", m.rec.Region)
}
