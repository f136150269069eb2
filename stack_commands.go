package main

import "github.com/spf13/cobra"

// addStackCommands adds the commands that work on a stack.
func addStackCommands(root *cobra.Command, g *globals) {
	// The lead wires wizard, console, plan, apply, status, destroy, export, adopt here.
}
