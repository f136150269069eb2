// Package testkit is what the tests of every package share: a sandbox
// served over HTTP with the real SDK clients pointed at it (sandbox.go),
// the key presses and plain-text helpers of the Bubble Tea tests
// (terminal.go), a tmux session driver for the tests of the built binary
// (tmux.go), and that binary, built once per test run for every package
// (binary.go).
//
// Only tests import it. It imports aws and sandbox, never steps or
// ui, so the tests of those packages can use it without a cycle.
package testkit
