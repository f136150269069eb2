package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runEnv runs the binary with args in a clean AWS environment plus env,
// and returns what it did and how long it took.
func runEnv(t *testing.T, env []string, args ...string) (result, time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	none := filepath.Join(t.TempDir(), "none")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "STACKWIZ_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "STACKWIZ_STATE_DIR="+t.TempDir(), "NO_COLOR=1",
		"AWS_CONFIG_FILE="+none, "AWS_SHARED_CREDENTIALS_FILE="+none, "HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	elapsed := time.Since(start)
	code, ran := exitCode(err)
	if !ran {
		t.Fatalf("run stackwiz %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}, elapsed
}

var staticCredentials = []string{"AWS_ACCESS_KEY_ID=AKIATESTEXAMPLE00000", "AWS_SECRET_ACCESS_KEY=SECRET-MARKER-main"}

func TestEndpointURLThatIsNotAnEndpointIsBadUsage(t *testing.T) {
	for _, v := range []string{"not a url", "localhost:4566", "ftp://example.com/x", "http://"} {
		r, elapsed := runEnv(t, staticCredentials, "--endpoint-url", v, "--stack", "demo", "--region", "us-east-1", "adopt")
		if r.code != exitUsage {
			t.Errorf("--endpoint-url %q: exit %d, want 2\n%s", v, r.code, r.stderr)
		}
		if !strings.Contains(r.stderr, `--endpoint-url "`+v+`"`) || !strings.Contains(r.stderr, "e.g. http://") {
			t.Errorf("--endpoint-url %q: the message does not name the flag and give an example:\n%s", v, r.stderr)
		}
		if elapsed > 5*time.Second {
			t.Errorf("--endpoint-url %q: took %s", v, elapsed)
		}
	}
	r, _ := runEnv(t, append([]string{"AWS_ENDPOINT_URL=localhost:4566"}, staticCredentials...), "--stack", "demo", "--region", "us-east-1", "adopt")
	if r.code != exitUsage || !strings.Contains(r.stderr, `AWS_ENDPOINT_URL "localhost:4566"`) {
		t.Errorf("AWS_ENDPOINT_URL=localhost:4566: exit %d, want 2 naming the variable:\n%s", r.code, r.stderr)
	}
}

// errorLines returns stderr's lines that report the failure.
func errorLines(stderr string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		if strings.HasPrefix(l, "stackwiz: ") || strings.HasPrefix(l, "list ") {
			out = append(out, l)
		}
	}
	return out
}

func TestAdoptAgainstAnEndpointThatIsNotRunningSaysSoOnceAtOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close()
	r, elapsed := runEnv(t, staticCredentials, "--endpoint-url", url, "--stack", "demo", "--region", "us-east-1", "adopt")
	if r.code != exitFailure {
		t.Errorf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	want := "stackwiz: cannot reach " + url + " (connection refused): is the endpoint running? check --endpoint-url"
	if lines := errorLines(r.stderr); len(lines) != 1 || lines[0] != want {
		t.Errorf("stderr:\n%s\nwant the one line %q", r.stderr, want)
	}
	if elapsed > 5*time.Second {
		t.Errorf("took %s, want under 5s", elapsed)
	}
}

func TestAdoptWithoutCredentialsSaysSoOnceWithinSeconds(t *testing.T) {
	// An instance metadata endpoint that never answers, as off EC2.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r, elapsed := runEnv(t, []string{"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://" + ln.Addr().String()}, "--stack", "demo", "--region", "us-east-1", "adopt")
	if r.code != exitFailure {
		t.Errorf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	want := "stackwiz: no AWS credentials found: set AWS_PROFILE or run `aws configure` / `aws sso login`"
	if lines := errorLines(r.stderr); len(lines) != 1 || lines[0] != want {
		t.Errorf("stderr:\n%s\nwant the one line %q", r.stderr, want)
	}
	if elapsed > 5*time.Second {
		t.Errorf("took %s, want under 5s", elapsed)
	}
}

func TestDebugLogsEveryAWSRequestWithoutCredentials(t *testing.T) {
	logLine := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\S+ aws \S+ \S+ region=us-east-1 status=\d+ duration=\S+ request_id=\S+ retries=\d+`)
	t.Run("stderr", func(t *testing.T) {
		r, _ := runEnv(t, []string{"STACKWIZ_SANDBOX_LATENCY=instant"}, "--sandbox", "--debug", "plan", "-f", "examples/minimal.yaml")
		if r.code != exitOK {
			t.Fatalf("plan exited %d\n%s", r.code, r.stderr)
		}
		if !logLine.MatchString(r.stderr) || !strings.Contains(r.stderr, " aws EC2 DescribeAvailabilityZones ") {
			t.Errorf("no request line on stderr for plan's DescribeAvailabilityZones:\n%s", r.stderr)
		}
		if strings.Contains(r.stderr, "sandbox-secret") || strings.Contains(r.stderr, "Authorization") {
			t.Errorf("the debug log shows a credential:\n%s", r.stderr)
		}
	})
	t.Run("file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "aws.log")
		r, _ := runEnv(t, append([]string{"STACKWIZ_SANDBOX_LATENCY=instant"}, staticCredentials...), "--sandbox", "--debug-file", file, "plan", "-f", "examples/minimal.yaml")
		if r.code != exitOK {
			t.Fatalf("plan exited %d\n%s", r.code, r.stderr)
		}
		if logLine.MatchString(r.stderr) {
			t.Errorf("request lines went to stderr with --debug-file:\n%s", r.stderr)
		}
		log, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !logLine.Match(log) || !bytes.Contains(log, []byte(" aws EC2 DescribeAvailabilityZones ")) {
			t.Errorf("no request line in %s for plan's DescribeAvailabilityZones:\n%s", file, log)
		}
		if bytes.Contains(log, []byte("sandbox-secret")) || bytes.Contains(log, []byte("SECRET-MARKER")) {
			t.Errorf("the debug log shows a credential:\n%s", log)
		}
	})
}
