package main

import "github.com/spf13/cobra"

// addUICommands wires the terminal UI (wizard, console, and stackwiz with
// no command). The UI lands in ui/; until then the root prints its help.
func addUICommands(root *cobra.Command, g *globals) {}
