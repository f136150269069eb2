// Command stackwiz builds a classic AWS web stack step by step, in the
// recommended order, and then stays on as the day-to-day console for it.
// The command line is package cli; main stays at the module's root so that
// `go install github.com/stackwiz/stackwiz@latest` installs stackwiz.
package main

import (
	"os"

	"github.com/stackwiz/stackwiz/cli"
)

func main() { os.Exit(cli.Main()) }
