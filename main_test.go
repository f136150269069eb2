package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
)

// The binary under test, built by the test kit with these linker values,
// as a release build sets them, and with -race when these tests have it:
// the binary runs the same code as the tests, so it is race-checked too.
var (
	binary      string
	testVersion = testkit.Version
	testCommit  = testkit.Commit
	testDate    = testkit.Date
)

func TestMain(m *testing.M) {
	var err error
	if binary, err = testkit.BuildBinary(testkit.RaceEnabled()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// exitCode is the exit status of a command from its Run or Wait error;
// ran is false when it could not run at all.
func exitCode(err error) (code int, ran bool) {
	var exitErr *exec.ExitError
	switch {
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), true
	case err != nil:
		return 0, false
	}
	return 0, true
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

// runBinary runs the binary with args and an empty state dir, and waits
// for it to exit.
func runBinary(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), "STACKWIZ_STATE_DIR="+t.TempDir(), "NO_COLOR=1")
	return runCommand(t, cmd)
}

// runCommand runs cmd to its end and returns what it printed and its exit
// code; a command that could not run at all fails t.
func runCommand(t testing.TB, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code, ran := exitCode(err)
	if !ran {
		t.Fatalf("run %s: %v", strings.Join(cmd.Args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// endpointEnv is the environment of the binary talking to a test
// endpoint: static credentials, no profile files, no instance metadata,
// and region (empty: none) as the shell's region.
func endpointEnv(region string) []string {
	return append(os.Environ(), "NO_COLOR=1", "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_PROFILE=", "AWS_REGION="+region, "AWS_DEFAULT_REGION="+region)
}

// designed is the command line stackwiz promises (README.md, "Commands";
// docs/architecture.md): every command with the flags it must offer. The root row holds the global flags.
var designed = []struct {
	path  string // command path below stackwiz
	flags []string
}{
	{"", []string{"--stack", "--profile", "--region", "--endpoint-url", "--sandbox", "--state-dir"}},
	{"wizard", nil},
	{"console", nil},
	{"plan", []string{"-f", "--json"}},
	{"apply", []string{"-f", "--yes", "--json"}},
	{"status", []string{"--json"}},
	{"destroy", []string{"--yes", "--json"}},
	{"export", nil},
	{"export cli", nil},
	{"adopt", nil},
	{"sandbox", nil},
	{"sandbox serve", []string{"--addr", "--data", "--latency", "--speed"}},
	{"version", nil},
}

// notYetWired lists the promised commands that addStackCommands does not
// add yet. Remove a command from it when it is wired: the test fails while
// a listed command exists, so this list cannot go stale.
var notYetWired = map[string]bool{}

func TestHelpListsEveryDesignedCommandAndFlag(t *testing.T) {
	helps := map[string]string{}
	help := func(path string) string {
		if h, ok := helps[path]; ok {
			return h
		}
		args := append(strings.Fields(path), "--help")
		r := runBinary(t, args...)
		if r.code != 0 {
			t.Fatalf("stackwiz %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
		}
		helps[path] = r.stdout
		return r.stdout
	}
	for _, d := range designed {
		if d.path == "" {
			continue
		}
		parent, name := "", d.path
		if i := strings.LastIndex(d.path, " "); i >= 0 {
			parent, name = d.path[:i], d.path[i+1:]
		}
		listed := slices.Contains(helpCommands(help(parent)), name)
		if notYetWired[d.path] {
			if listed {
				t.Errorf("stackwiz %s exists now: remove it from notYetWired so its flags are checked", d.path)
			}
			continue
		}
		if !listed {
			t.Errorf("%s --help does not list the command %q; it lists %v", commandLine(parent), name, helpCommands(help(parent)))
		}
	}
	for _, d := range designed {
		if notYetWired[d.path] {
			continue
		}
		h := help(d.path)
		for _, f := range d.flags {
			if !regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(f) + `(\s|$)`).MatchString(h) {
				t.Errorf("%s --help does not list the flag %s:\n%s", commandLine(d.path), f, h)
			}
		}
	}
	if h := help(""); !strings.Contains(h, "STACKWIZ_STATE_DIR") {
		t.Errorf("--help does not say that STACKWIZ_STATE_DIR sets the state dir:\n%s", h)
	}
}

// commandLine is how a command path reads on the command line.
func commandLine(path string) string { return strings.TrimSpace("stackwiz " + path) }

// helpCommands returns the command names in the COMMANDS section of a
// help text.
func helpCommands(help string) []string {
	var names []string
	in := false
	for line := range strings.SplitSeq(help, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "COMMANDS":
			in = true
		case trimmed == strings.ToUpper(trimmed) && trimmed != "" && !strings.HasPrefix(trimmed, "-"):
			in = false // the next section
		case in && trimmed != "":
			names = append(names, strings.Fields(trimmed)[0])
		}
	}
	return names
}

func TestBadUsageExitsTwoAndSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--no-such-flag"}, "unknown flag: --no-such-flag"},
		{[]string{"no-such-command"}, `unknown command "no-such-command"`},
		{[]string{"version", "extra"}, `unknown command "extra" for "stackwiz version"`},
		{[]string{"sandbox", "no-such-command"}, `unknown command "no-such-command" for "stackwiz sandbox"`},
		{[]string{"sandbox", "serve", "--addr"}, "flag needs an argument: --addr"},
		{[]string{"sandbox", "serve", "--latency", "fast"}, `invalid --latency "fast"`},
		{[]string{"sandbox", "serve", "--latency", "realistic", "--speed", "0"}, "invalid --speed 0"},
		{[]string{"sandbox", "serve", "--speed", "10"}, "--speed only applies to --latency realistic"},
		{[]string{"--sandbox", "--endpoint-url", "http://127.0.0.1:1", "version"}, "[endpoint-url sandbox] were all set"},
	} {
		r := runBinary(t, tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("stackwiz %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tc.args, " "), r.code, r.stderr, tc.want)
		}
		if r.stdout != "" {
			t.Errorf("stackwiz %s printed on stdout: %q", strings.Join(tc.args, " "), r.stdout)
		}
	}
}

func TestServeOnABusyAddressFailsWithExitOne(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := runBinary(t, "sandbox", "serve", "--addr", ln.Addr().String())
	if r.code != exitFailure || !strings.Contains(r.stderr, "--addr "+ln.Addr().String()) {
		t.Errorf("serve on a busy port: exit %d, stderr %q; want exit 1 naming --addr", r.code, r.stderr)
	}
}

// TestSandboxServeAnswersTheSDKAndKeepsItsWorld runs `stackwiz sandbox
// serve` on a free port, talks to it with the real SDK clients and the
// control endpoint, stops it with SIGINT, and starts it again on the same
// --data to find the world it left.
func TestSandboxServeAnswersTheSDKAndKeepsItsWorld(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	srv := startServe(t, "--addr", "127.0.0.1:0", "--data", data)
	cfg := sandbox.Config(srv.url, "eu-west-1")
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(id.Account) != sandbox.AccountID || !strings.HasPrefix(aws.ToString(id.Arn), "arn:aws:iam::"+sandbox.AccountID+":") {
		t.Errorf("GetCallerIdentity = account %q, arn %q; want the sandbox account %s", aws.ToString(id.Account), aws.ToString(id.Arn), sandbox.AccountID)
	}
	vpc, err := ec2.NewFromConfig(cfg).CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatalf("CreateVpc: %v", err)
	}
	vpcID := aws.ToString(vpc.Vpc.VpcId)
	if got := inventoryIDs(t, srv.url); !slices.Contains(got, vpcID) || len(got) != 1 {
		t.Fatalf("inventory = %v, want just the new VPC %s", got, vpcID)
	}
	srv.interrupt(t)

	again := startServe(t, "--addr", "127.0.0.1:0", "--data", data)
	if got := inventoryIDs(t, again.url); !slices.Contains(got, vpcID) {
		t.Errorf("after a restart on the same --data, inventory = %v; want the VPC %s kept", got, vpcID)
	}
	again.interrupt(t)
}

// served is a running `stackwiz sandbox serve`.
type served struct {
	cmd    *exec.Cmd
	url    string
	stderr *bytes.Buffer
	done   chan error
}

// startServe starts `stackwiz sandbox serve` with args and waits until it
// prints its endpoint. The process is killed at the end of the test if it
// is still running.
func startServe(t *testing.T, args ...string) *served {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"sandbox", "serve"}, args...)...)
	cmd.Env = append(os.Environ(), "STACKWIZ_STATE_DIR="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start sandbox serve: %v", err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done
		}
	})

	urlRe := regexp.MustCompile(`AWS endpoint at (http://127\.0\.0\.1:\d+) `)
	found := make(chan string, 1)
	var printed strings.Builder
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			printed.WriteString(sc.Text() + "\n")
			if m := urlRe.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
		s.done <- cmd.Wait()
	}()
	select {
	case s.url = <-found:
	case err := <-s.done:
		s.done <- err
		t.Fatalf("sandbox serve exited before printing its endpoint: %v\nstderr: %s", err, s.stderr)
	case <-time.After(60 * time.Second):
		t.Fatalf("sandbox serve printed no endpoint in 60 s\nstderr: %s", s.stderr)
	}
	return s
}

// interrupt sends SIGINT and expects a clean exit (0) within 15 s.
func (s *served) interrupt(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatalf("SIGINT: %v", err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Fatalf("sandbox serve after SIGINT: %v\nstderr: %s", err, s.stderr)
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("sandbox serve still running 15 s after SIGINT\nstderr: %s", s.stderr)
	}
	if !strings.Contains(s.stderr.String(), "stopping the sandbox") {
		t.Errorf("stderr after SIGINT = %q; want it to say it is stopping", s.stderr)
	}
}

// inventoryIDs returns the ids GET /_sandbox/inventory lists.
func inventoryIDs(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url + "/_sandbox/inventory")
	if err != nil {
		t.Fatalf("GET /_sandbox/inventory: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /_sandbox/inventory: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	var inv struct {
		Resources []sandbox.InventoryItem `json:"resources"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&inv); err != nil {
		t.Fatalf("decode inventory: %v", err)
	}
	ids := []string{}
	for _, r := range inv.Resources {
		ids = append(ids, r.ID)
	}
	return ids
}
