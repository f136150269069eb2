package main

import (
	"archive/tar"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// releaseConfig is the part of .goreleaser.yaml these tests read.
type releaseConfig struct {
	Before struct {
		Hooks []string `yaml:"hooks"`
	} `yaml:"before"`
	Builds []struct {
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Casks []struct {
		Manpages    []string          `yaml:"manpages"`
		Completions map[string]string `yaml:"completions"`
		Hooks       struct {
			Post struct {
				Install string `yaml:"install"`
			} `yaml:"post"`
		} `yaml:"hooks"`
	} `yaml:"homebrew_casks"`
}

// generateHook is a before hook that writes one file from the binary's
// own output: sh -c "go run . completion zsh > completions/stackwiz.zsh".
// The man page's hook also links the release's version and date, which
// its header shows: go run -ldflags='-X github.com/stackwiz/stackwiz/cli.version={{ .Version }} ...'.
var generateHook = regexp.MustCompile(`^sh -c "go run (?:-ldflags='[^']*' )?\. ([a-z ]+) > (\S+)"$`)

// manHeader is the start of stackwiz's man page: .TH "STACKWIZ" "1" ...
var manHeader = regexp.MustCompile(`^\.TH "STACKWIZ" "1" `)

// TestReleaseArchivesCarryWhatTheCaskInstalls runs the release's before
// hooks with the built binary and checks that every file the cask
// installs is generated, is in the archive, and is what its shell or man
// expects; and that the archive carries README, LICENSE and CHANGELOG.
func TestReleaseArchivesCarryWhatTheCaskInstalls(t *testing.T) {
	b, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg releaseConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("parse .goreleaser.yaml: %v", err)
	}
	if len(cfg.Archives) != 1 || len(cfg.Casks) != 1 || len(cfg.Builds) != 1 {
		t.Fatalf("want one build, one archive and one cask; got %d, %d, %d", len(cfg.Builds), len(cfg.Archives), len(cfg.Casks))
	}
	archive, cask := cfg.Archives[0], cfg.Casks[0]

	for _, f := range []string{"README.md", "LICENSE", "CHANGELOG.md"} {
		if !slices.Contains(archive.Files, f) {
			t.Errorf("the archive's files %v lack %s", archive.Files, f)
		}
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the archive lists %s: %v", f, err)
		}
	}

	// Run each generating hook as goreleaser would, with the binary in
	// place of `go run .`.
	dist := t.TempDir()
	generated := map[string]bool{}
	for _, h := range cfg.Before.Hooks {
		m := generateHook.FindStringSubmatch(h)
		if m == nil {
			continue
		}
		r := runBinary(t, strings.Fields(m[1])...)
		if r.code != 0 || r.stdout == "" {
			t.Errorf("hook %q: stackwiz %s exited %d with %d bytes; stderr %q", h, m[1], r.code, len(r.stdout), r.stderr)
			continue
		}
		path := filepath.Join(dist, m[2])
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
		generated[m[2]] = true
	}

	// What each installed file must start with or hold to work.
	installs := map[string]string{} // path in the archive -> what it is
	for _, p := range cask.Manpages {
		installs[p] = "man"
	}
	for shell, p := range cask.Completions {
		installs[p] = shell
	}
	for _, want := range []string{"man", "bash", "zsh", "fish"} {
		if !slices.Contains(mapValues(installs), want) {
			t.Errorf("the cask installs no %s file: manpages %v, completions %v", want, cask.Manpages, cask.Completions)
		}
	}
	looksRight := map[string]func(string) bool{
		"man":  func(s string) bool { return manHeader.MatchString(s) && strings.Contains(s, `.SH "NAME"`) },
		"bash": func(s string) bool { return strings.Contains(s, "complete -o default -F __start_stackwiz stackwiz") },
		"zsh":  func(s string) bool { return strings.HasPrefix(s, "#compdef stackwiz") },
		"fish": func(s string) bool { return strings.Contains(s, "complete -c stackwiz") },
	}
	for p, kind := range installs {
		if !generated[p] {
			t.Errorf("the cask installs %s (%s), which no before hook generates", p, kind)
			continue
		}
		if !slices.ContainsFunc(archive.Files, func(glob string) bool { ok, _ := filepath.Match(glob, p); return ok }) {
			t.Errorf("the cask installs %s, which the archive's files %v do not carry", p, archive.Files)
		}
		body, err := os.ReadFile(filepath.Join(dist, p))
		if err != nil {
			t.Fatal(err)
		}
		if check := looksRight[kind]; check != nil && !check(string(body)) {
			t.Errorf("%s is not a %s file stackwiz's %s would load; it starts %q", p, kind, kind, firstBytes(string(body), 80))
		}
	}

	if h := cask.Hooks.Post.Install; !strings.Contains(h, `"-dr", "com.apple.quarantine"`) || !strings.Contains(h, "/usr/bin/xattr") {
		t.Errorf("the cask's post-install hook no longer lifts the quarantine on macOS:\n%s", h)
	}
	ldflags := strings.Join(cfg.Builds[0].Ldflags, " ")
	for _, v := range []string{"version=", "commit=", "date=", "modified="} {
		if !strings.Contains(ldflags, "-X github.com/stackwiz/stackwiz/cli."+v) {
			t.Errorf("the build's ldflags do not set cli.%s (cli/version.go): %s", strings.TrimSuffix(v, "="), ldflags)
		}
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func firstBytes(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// releaseDist is where a snapshot release was built (goreleaser's dist/):
// $STACKWIZ_RELEASE_DIST, else dist/ beside this file. CI builds one
// (.ci/run) and sets STACKWIZ_REQUIRE_RELEASE=1, so that a missing or
// empty dist/ fails instead of skipping.
func releaseDist(t *testing.T) string {
	t.Helper()
	dist := cmp.Or(os.Getenv("STACKWIZ_RELEASE_DIST"), "dist")
	casks, _ := filepath.Glob(filepath.Join(dist, "homebrew", "*", "*.rb"))
	if len(casks) > 0 {
		return dist
	}
	msg := fmt.Sprintf("no snapshot release in %s (no homebrew/*/*.rb): build one with "+
		"`go build -C tools -o \"$PWD/.tools/\" tool && .tools/goreleaser release --snapshot --clean`", dist)
	if os.Getenv("STACKWIZ_REQUIRE_RELEASE") == "1" {
		t.Fatal(msg + " (STACKWIZ_REQUIRE_RELEASE=1)")
	}
	t.Skip(msg)
	return ""
}

// caskStanza matches a one-string stanza of a cask: manpage "x".
var caskStanza = regexp.MustCompile(`(?m)^\s*(binary|manpage|bash_completion|zsh_completion|fish_completion)\s+"([^"]+)"`)

// brewTarget is where Homebrew installs a cask's artifact, relative to
// its prefix, by the rules of brew's Cask::Artifact classes: a man page in
// share/man/man<section>/ by its extension; a bash completion without its
// extension; a zsh completion as _<name> without its extension unless it
// starts with _; a fish completion as <name>.fish.
func brewTarget(stanza, source string) string {
	base := filepath.Base(source)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	switch stanza {
	case "binary":
		return "bin/" + base
	case "manpage":
		return "share/man/man" + strings.TrimPrefix(filepath.Ext(base), ".") + "/" + base
	case "bash_completion":
		return "etc/bash_completion.d/" + stem
	case "zsh_completion":
		if strings.HasPrefix(source, "_") {
			return "share/zsh/site-functions/" + base
		}
		return "share/zsh/site-functions/_" + stem
	case "fish_completion":
		if strings.HasSuffix(source, ".fish") {
			return "share/fish/vendor_completions.d/" + base
		}
		return "share/fish/vendor_completions.d/" + stem + ".fish"
	}
	return ""
}

// TestSnapshotReleaseInstallsCompletionsAndManPage reads what a snapshot
// release built (the cask goreleaser generated and the archive it points
// at) and checks that the cask installs the bash, zsh and fish completions
// and the man page where Homebrew puts them, from files the archive
// carries and that are what each shell and man load; that it keeps the
// macOS quarantine hook; that the archive carries README, LICENSE and
// CHANGELOG; and that the archived binary says which version and commit it
// is.
func TestSnapshotReleaseInstallsCompletionsAndManPage(t *testing.T) {
	dist := releaseDist(t)
	casks, _ := filepath.Glob(filepath.Join(dist, "homebrew", "*", "*.rb"))
	if len(casks) != 1 {
		t.Fatalf("want one cask in %s/homebrew; got %v", dist, casks)
	}
	caskBody, err := os.ReadFile(casks[0])
	if err != nil {
		t.Fatal(err)
	}
	cask := string(caskBody)
	if !strings.Contains(cask, `cask "stackwiz" do`) {
		t.Fatalf("%s is not the stackwiz cask:\n%s", casks[0], cask)
	}

	// The archive of the platform the test runs on, whose binary it can
	// run: CI builds linux/amd64 only.
	platform := "_" + runtime.GOOS + "_" + runtime.GOARCH + ".tar.gz"
	archives, _ := filepath.Glob(filepath.Join(dist, "stackwiz_*"+platform))
	if len(archives) != 1 {
		all, _ := filepath.Glob(filepath.Join(dist, "*"))
		t.Fatalf("want the %s/%s archive in %s; it holds %v", runtime.GOOS, runtime.GOARCH, dist, all)
	}
	files := readTarGz(t, archives[0])
	names := slices.Sorted(maps.Keys(files))
	// The cask downloads this archive (by its name).
	var caskVersion string
	if m := regexp.MustCompile(`(?m)^\s*version "([^"]+)"`).FindStringSubmatch(cask); m != nil {
		caskVersion = m[1]
	}
	if urls := strings.ReplaceAll(cask, "#{version}", caskVersion); !strings.Contains(urls, "/"+filepath.Base(archives[0])+`"`) {
		t.Errorf("the cask (version %q) does not download %s:\n%s", caskVersion, filepath.Base(archives[0]), cask)
	}

	for _, f := range []string{"README.md", "LICENSE", "CHANGELOG.md"} {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		firstLine := func(b []byte) string { l, _, _ := bytes.Cut(b, []byte("\n")); return string(l) }
		if got, ok := files[f]; !ok {
			t.Errorf("the archive lacks %s; it holds %v", f, names)
		} else if firstLine(got) != firstLine(want) {
			t.Errorf("the archive's %s starts %q, the repository's %q (is %s stale? rebuild it)", f, firstLine(got), firstLine(want), dist)
		}
	}

	installed := map[string]string{} // brew target -> source in the archive
	for _, m := range caskStanza.FindAllStringSubmatch(cask, -1) {
		installed[brewTarget(m[1], m[2])] = m[2]
	}
	looksRight := map[string]func([]byte) bool{
		"bin/stackwiz": func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x7fELF")) },
		"share/man/man1/stackwiz.1": func(b []byte) bool {
			s := string(b)
			return manHeader.MatchString(s) && strings.Contains(s, "\n.SH \"EXIT STATUS\"\n") && strings.Contains(s, "\n.SH \"ENVIRONMENT\"\n")
		},
		"etc/bash_completion.d/stackwiz": func(b []byte) bool {
			return bytes.Contains(b, []byte("complete -o default -F __start_stackwiz stackwiz"))
		},
		"share/zsh/site-functions/_stackwiz": func(b []byte) bool { return bytes.HasPrefix(b, []byte("#compdef stackwiz")) },
		"share/fish/vendor_completions.d/stackwiz.fish": func(b []byte) bool {
			return bytes.Contains(b, []byte("complete -c stackwiz"))
		},
	}
	for target, check := range looksRight {
		source, ok := installed[target]
		if !ok {
			t.Errorf("the cask installs nothing as %s; it installs %v:\n%s", target, installed, cask)
			continue
		}
		body, ok := files[source]
		if !ok {
			t.Errorf("the cask installs %s from %s, which the archive lacks; it holds %v", target, source, names)
			continue
		}
		if !check(body) {
			t.Errorf("%s (installed as %s) is not what it should be; it starts %q", source, target, firstBytes(string(body), 80))
		}
	}

	// The binaries are not notarized: without lifting the quarantine,
	// macOS refuses to run them.
	if !regexp.MustCompile(`(?s)postflight do.*if OS\.mac\?.*system_command "/usr/bin/xattr", args: \["-dr", "com\.apple\.quarantine", "#\{staged_path\}/stackwiz"\]`).MatchString(cask) {
		t.Errorf("the cask does not lift the quarantine after installing on macOS:\n%s", cask)
	}

	// The archived binary is the release's: it says its version and commit.
	bin := filepath.Join(t.TempDir(), "stackwiz")
	if err := os.WriteFile(bin, files[installed["bin/stackwiz"]], 0o755); err != nil {
		t.Fatal(err)
	}
	r := runCommand(t, exec.Command(bin, "version", "--json"))
	var v struct {
		Version, Commit string
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || r.code != 0 {
		t.Fatalf("the archived stackwiz version --json exited %d: %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	version := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(archives[0]), "stackwiz_"), platform)
	if v.Version != version || !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(v.Commit) {
		t.Errorf("the archived binary says version %q commit %q; want %q and the full commit", v.Version, v.Commit, version)
	}
	// The man page's header names the release too (its before hook links
	// the version in).
	man, _, _ := strings.Cut(string(files[installed["share/man/man1/stackwiz.1"]]), "\n")
	// Roff takes a bare dash for a hyphen: the page writes each of the
	// version's dashes as \- (escapeRoff in cli/manpage.go).
	if !strings.Contains(man, `"stackwiz `+strings.ReplaceAll(version, "-", `\-`)+`"`) {
		t.Errorf("the man page's header does not name release %s: %s", version, man)
	}
}

// readTarGz returns the regular files of a .tar.gz by path.
func readTarGz(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	tr := tar.NewReader(zr)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %s: %v", path, h.Name, err)
		}
		out[strings.TrimPrefix(h.Name, "./")] = b
	}
}
