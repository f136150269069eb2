package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOnlyCommandLineErrorsPointAtHelp runs the binary into errors of both
// kinds: a malformed command line ends with the --help of the command that
// was meant; an error the command met while running (no stack, an invalid
// spec, a busy port) does not, whatever its exit status.
func TestOnlyCommandLineErrorsPointAtHelp(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: BAD!\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	aFile := filepath.Join(dir, "a-file")
	if err := os.WriteFile(aFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	for _, tc := range []struct {
		args []string
		code int
		says string // in stderr
		hint string // the help line, or "" for none
	}{
		{[]string{"--no-such-flag"}, exitUsage, "unknown flag: --no-such-flag", "Run 'stackwiz --help' for usage."},
		{[]string{"no-such-command"}, exitUsage, `unknown command "no-such-command"`, "Run 'stackwiz --help' for usage."},
		{[]string{"version", "extra"}, exitUsage, `unknown command "extra"`, "Run 'stackwiz version --help' for usage."},
		{[]string{"sandbox", "serve", "--addr"}, exitUsage, "flag needs an argument: --addr", "Run 'stackwiz sandbox serve --help' for usage."},
		{[]string{"sandbox", "serve", "--speed", "fast"}, exitUsage, `invalid argument "fast" for "--speed"`, "Run 'stackwiz sandbox serve --help' for usage."},
		{[]string{"--sandbox", "--endpoint-url", "http://127.0.0.1:1", "version"}, exitUsage, "[endpoint-url sandbox] were all set", "Run 'stackwiz --help' for usage."},

		{[]string{"status"}, exitUsage, "no stack recorded", ""},
		{[]string{"plan", "-f", bad}, exitUsage, "invalid stack spec", ""},
		{[]string{"--state-dir", aFile, "status"}, exitUsage, "is a file, not a directory", ""},
		{[]string{"sandbox", "serve", "--latency", "fast"}, exitUsage, `invalid --latency "fast"`, ""},
		{[]string{"sandbox", "serve", "--addr", busy.Addr().String()}, exitFailure, "--addr " + busy.Addr().String(), ""},
	} {
		r := runBinary(t, tc.args...)
		line := strings.Join(tc.args, " ")
		if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
			t.Errorf("stackwiz %s: exit %d, stderr %q; want exit %d and %q", line, r.code, r.stderr, tc.code, tc.says)
			continue
		}
		switch {
		case tc.hint == "" && strings.Contains(r.stderr, "--help' for usage"):
			t.Errorf("stackwiz %s: a runtime error points at --help:\n%s", line, r.stderr)
		case tc.hint != "" && !strings.HasSuffix(r.stderr, "\n"+tc.hint+"\n"):
			t.Errorf("stackwiz %s: stderr %q; want it to end with %q", line, r.stderr, tc.hint)
		}
	}
}
