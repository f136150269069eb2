package main

import (
	"os"
	"path/filepath"
	"regexp"
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
var generateHook = regexp.MustCompile(`^sh -c "go run \. ([a-z ]+) > (\S+)"$`)

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
		"man":  func(s string) bool { return strings.HasPrefix(s, ".TH STACKWIZ 1 ") && strings.Contains(s, ".SH NAME") },
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
	for _, v := range []string{"main.version=", "main.commit=", "main.date=", "main.modified="} {
		if !strings.Contains(ldflags, "-X "+v) {
			t.Errorf("the build's ldflags do not set %s (version.go): %s", strings.TrimSuffix(v, "="), ldflags)
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
