package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
)

// Set by the linker in release builds (.goreleaser.yaml):
//
//	-X main.version=1.2.3 -X main.commit=<sha> -X main.date=<RFC 3339>
var (
	version = ""
	commit  = ""
	date    = ""
)

// build describes the running binary.
type build struct {
	Version string
	Commit  string
	Date    string
}

// currentBuild returns the linker's values, else what the Go toolchain
// recorded: the module version for `go install ...@v1.2.3`, the VCS
// revision and time for a build inside a git checkout.
func currentBuild() build {
	b := build{Version: version, Commit: commit, Date: date}
	// A snapshot release outside a git checkout links "none" and the zero
	// time; they say nothing, so the build info may do better.
	if b.Commit == "none" {
		b.Commit = ""
	}
	if t, err := time.Parse(time.RFC3339, b.Date); err == nil && t.IsZero() {
		b.Date = ""
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		b = fillFromBuildInfo(b, info)
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	return b
}

// fillFromBuildInfo fills the fields the linker left empty from info.
func fillFromBuildInfo(b build, info *debug.BuildInfo) build {
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	var revision, modified, vcsTime string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			vcsTime = s.Value
		}
	}
	if b.Commit == "" && revision != "" {
		b.Commit = revision
		if modified == "true" {
			b.Commit += "-dirty"
		}
	}
	if b.Date == "" {
		b.Date = vcsTime
	}
	return b
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := currentBuild()
			unknown := func(s string) string {
				if s == "" {
					return "unknown"
				}
				return s
			}
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "stackwiz %s\ncommit  %s\nbuilt   %s\ngo      %s %s/%s\n",
				b.Version, unknown(b.Commit), unknown(b.Date), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
