package main

// The exit statuses the binary promises (EXIT STATUS in the man page; the
// constants of cli/exit.go and cli/status.go), as the tests of the binary
// expect them.
const (
	exitOK            = 0
	exitFailure       = 1
	exitUsage         = 2
	exitCouldNotCheck = 3
)

// versionSchemaVersion is the schema version `stackwiz version --json`
// prints (cli/version.go).
const versionSchemaVersion = 1
