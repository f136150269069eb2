package console

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Why a console is read-only, as its header and refusals say it. The
// reasons are given to fleet.Fleet.WithReadOnly, which refuses every action
// below the UI; the console only reads them back.
const (
	// ReadOnlyFlag is `--read-only` on the command line.
	ReadOnlyFlag = "--read-only"
	// ReadOnlyEnv is the environment variable.
	ReadOnlyEnv = "STACKWIZ_READ_ONLY=1"
	// ReadOnlySetting is the stack's setting in the state dir.
	ReadOnlySetting = "the stack's read-only setting"
)

// readOnlyFix says how to leave read-only mode, for each reason.
func readOnlyFix(reason string) string {
	switch reason {
	case ReadOnlyFlag:
		return "start the console without --read-only to change the stack"
	case ReadOnlyEnv:
		return "unset STACKWIZ_READ_ONLY to change the stack"
	case ReadOnlySetting:
		return "`stackwiz console read-only off` clears it"
	}
	return "start the console writable to change the stack"
}

// actionKeys are the keys that change the stack.
func (k keyMap) actionKeys() []key.Binding {
	return []key.Binding{k.Capacity, k.StartRefresh, k.CancelRefr, k.Terminate, k.Standby, k.Policies, k.Switch}
}

// refuseReadOnly answers an action key in a read-only console: the key
// does nothing and the footer says so, why, and how to change it.
func (m *Model) refuseReadOnly(msg tea.KeyPressMsg) bool {
	if m.readOnly == "" || !key.Matches(msg, m.keys.actionKeys()...) {
		return false
	}
	what := msg.String()
	for _, b := range m.keys.actionKeys() {
		if key.Matches(msg, b) {
			what = b.Help().Key + " " + strings.TrimSuffix(b.Help().Desc, offSuffix)
		}
	}
	m.lastMsg = line{text: what + ": disabled, read-only (" + m.readOnly + ") — " + readOnlyFix(m.readOnly), tone: toneWarn}
	return true
}

// offSuffix marks an action's help in a read-only console.
const offSuffix = " (off: read-only)"

// markReadOnly makes the help say that the action keys are off.
func (k *keyMap) markReadOnly() {
	for _, b := range []*key.Binding{&k.Capacity, &k.StartRefresh, &k.CancelRefr, &k.Terminate, &k.Standby, &k.Policies, &k.Switch} {
		h := b.Help()
		b.SetHelp(h.Key, h.Desc+offSuffix)
	}
}
