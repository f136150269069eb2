package cli

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
)

// Set by the linker in release builds (.goreleaser.yaml):
//
//	-X github.com/stackwiz/stackwiz/cli.version=1.2.3
//	-X github.com/stackwiz/stackwiz/cli.commit=<sha>
//	-X github.com/stackwiz/stackwiz/cli.date=<RFC 3339>
//	-X github.com/stackwiz/stackwiz/cli.modified=<true|false>
var (
	version  = ""
	commit   = ""
	date     = ""
	modified = ""
)

// versionSchemaVersion versions `stackwiz version --json`.
const versionSchemaVersion = 1

// build describes the running binary.
type build struct {
	// Version is a release's version, else the module version Go stamped
	// (a tag, or a pseudo-version with +dirty), else "dev".
	Version string
	// Commit is the full revision the binary was built from; empty when
	// nobody recorded it (a build outside a git checkout, or with
	// -buildvcs=false).
	Commit string
	// Date is the commit's time (RFC 3339): both goreleaser's
	// {{ .CommitDate }} and Go's vcs.time are that, not the build's time,
	// which keeps builds reproducible.
	Date string
	// Modified reports uncommitted changes in the tree the binary was built
	// from.
	Modified bool
}

// currentBuild returns the linker's values, else what the Go toolchain
// recorded: the module version for `go install ...@v1.2.3`, the VCS
// revision, time and modified flag for a build inside a git checkout.
func currentBuild() build {
	b := build{Version: version, Commit: commit, Date: date, Modified: modified == "true"}
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

// fillFromBuildInfo fills the fields the linker left empty from info. The
// revision and the modified flag go together: a linked commit keeps the
// linker's modified flag.
func fillFromBuildInfo(b build, info *debug.BuildInfo) build {
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	var revision, vcsModified, vcsTime string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			vcsModified = s.Value
		case "vcs.time":
			vcsTime = s.Value
		}
	}
	if b.Commit == "" && revision != "" {
		b.Commit = revision
		b.Modified = vcsModified == "true"
	}
	if b.Date == "" {
		b.Date = vcsTime
	}
	return b
}

// versionReport is what `version --json` prints. Every key is always
// there: an unknown commit or date is "".
type versionReport struct {
	SchemaVersion int    `json:"schema_version"`
	Version       string `json:"version"`
	Commit        string `json:"commit"`
	Date          string `json:"date"`
	Modified      bool   `json:"modified"`
	GoVersion     string `json:"go_version"`
	OS            string `json:"os"`
	Arch          string `json:"arch"`
}

func (b build) report() versionReport {
	return versionReport{
		SchemaVersion: versionSchemaVersion,
		Version:       b.Version,
		Commit:        b.Commit,
		Date:          b.Date,
		Modified:      b.Modified,
		GoVersion:     runtime.Version(),
		OS:            runtime.GOOS,
		Arch:          runtime.GOARCH,
	}
}

// writeText prints b for people, one field a line.
func (b build) writeText(w io.Writer) error {
	unknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	rev := unknown(b.Commit)
	if b.Modified {
		rev += " (with uncommitted changes)"
	}
	_, err := fmt.Fprintf(w, "stackwiz %s\ncommit  %s\ndate    %s\ngo      %s %s/%s\n",
		b.Version, rev, unknown(b.Date), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return err
}

func newVersionCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "version [--json]",
		Short: "Print the version, commit and commit date",
		Long: `version prints what the binary was built from: the release version (or the
module version Go recorded), the git revision, the commit's date, whether the
tree had uncommitted changes, and the Go version and platform.`,
		Example: "  stackwiz version\n  stackwiz version --json | jq -r .commit",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			b := currentBuild()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), b.report())
			}
			return b.writeText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the version as one JSON document")
	return cmd
}
