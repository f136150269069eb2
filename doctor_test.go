package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
)

// doctorEnv is an environment with throwaway credentials and no AWS
// config files, so that nothing of the machine's own setup leaks in.
func doctorEnv(t *testing.T) []string {
	t.Helper()
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "STACKWIZ_STATE_DIR="+t.TempDir(), "NO_COLOR=1",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE="+os.DevNull, "AWS_SHARED_CREDENTIALS_FILE="+os.DevNull, "AWS_EC2_METADATA_DISABLED=true")
}

// doctorRun runs `stackwiz doctor` with args in env.
func doctorRun(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append([]string{"doctor"}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("stackwiz doctor %s did not finish in 90s:\n%s", strings.Join(args, " "), stdout.String())
	}
	code, ran := exitCode(err)
	if !ran {
		t.Fatalf("run stackwiz doctor: %v", err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// deniedSandbox serves a sandbox over HTTP with deny set, as
// `stackwiz sandbox serve` would after POST /_sandbox/faults.
func deniedSandbox(t *testing.T, deny ...string) string {
	t.Helper()
	srv := testkit.NewServer(t, testkit.ServerOptions{})
	body, _ := json.Marshal(map[string]any{"deny": deny})
	resp, err := http.Post(srv.URL+"/_sandbox/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /_sandbox/faults: %s", resp.Status)
	}
	return srv.URL
}

// failLines are the table's fail rows.
func failLines(out string) []string {
	var fails []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "fail ") {
			fails = append(fails, strings.TrimSpace(l))
		}
	}
	return fails
}

func TestDoctorOnTheEmbeddedSandboxPasses(t *testing.T) {
	r := doctorRun(t, doctorEnv(t), "--sandbox")
	if r.code != 0 || !strings.Contains(r.stdout, ", 0 fail — ready.") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"credentials", "identity", "permissions", "quota Elastic IPs", "billing alerts", "endpoint CloudWatch"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestDoctorExitsOneNamingTheDeniedAction(t *testing.T) {
	for _, tc := range []struct {
		deny  string
		names []string // words some fail row must hold
	}{
		{"ec2:RunInstances", []string{"ec2:RunInstances denied"}},
		{"monitoring:*", []string{"permissions CloudWatch", "endpoint CloudWatch"}},
	} {
		t.Run(tc.deny, func(t *testing.T) {
			url := deniedSandbox(t, tc.deny)
			r := doctorRun(t, doctorEnv(t), "--endpoint-url", url)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			fails := strings.Join(failLines(r.stdout), "\n")
			for _, w := range tc.names {
				if !strings.Contains(fails, w) {
					t.Errorf("no fail row names %q; fail rows:\n%s", w, fails)
				}
			}
			if tc.deny == "ec2:RunInstances" && !strings.Contains(r.stdout, "ec2:RunInstances denied — allow it in your IAM policy (docs/iam-policy.json)") {
				t.Errorf("the fix is not shown:\n%s", r.stdout)
			}
		})
	}
}

func TestDoctorJSONKeepsEveryKey(t *testing.T) {
	url := deniedSandbox(t, "ec2:RunInstances")
	r := doctorRun(t, doctorEnv(t), "--endpoint-url", url, "--json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r.stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON document")
	}
	for _, k := range []string{"schema_version", "endpoint", "region", "ok", "checks"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q key", k)
		}
	}
	if string(doc["schema_version"]) != "1" || string(doc["ok"]) != "false" {
		t.Errorf("schema_version %s, ok %s", doc["schema_version"], doc["ok"])
	}
	var checks []map[string]any
	if err := json.Unmarshal(doc["checks"], &checks); err != nil || len(checks) < 15 {
		t.Fatalf("checks: %v (%d)", err, len(checks))
	}
	sawDenied := false
	for _, c := range checks {
		for _, k := range []string{"name", "status", "detail", "fix"} {
			if _, ok := c[k].(string); !ok {
				t.Errorf("check %v: key %q missing or not a string", c["name"], k)
			}
		}
		switch c["status"] {
		case "ok", "warn", "fail":
		default:
			t.Errorf("check %v: status %v", c["name"], c["status"])
		}
		if c["status"] == "fail" && strings.Contains(c["fix"].(string), "ec2:RunInstances") {
			sawDenied = true
		}
	}
	if !sawDenied {
		t.Errorf("no failed check names ec2:RunInstances in its fix:\n%s", r.stdout)
	}
}

// TestDoctorAgainstMoto runs doctor against moto's server, an AWS
// emulator that does not answer CloudWatch's RPC v2 CBOR protocol: doctor
// must say so, naming CloudWatch, and end (not hang).
func TestDoctorAgainstMoto(t *testing.T) {
	url := startMoto(t).url
	start := time.Now()
	r := doctorRun(t, doctorEnv(t), "--endpoint-url", url)
	t.Logf("doctor against moto took %v:\n%s", time.Since(start).Round(time.Millisecond), r.stdout)
	if r.code != 1 {
		t.Errorf("exit %d, want 1 (moto lacks CloudWatch's protocol)\n%s", r.code, r.stderr)
	}
	fails := failLines(r.stdout)
	if len(fails) == 0 || !strings.Contains(strings.Join(fails, "\n"), "endpoint CloudWatch") {
		t.Errorf("no fail row for CloudWatch: %q", fails)
	}
	for _, svc := range []string{"EC2", "Elastic Load Balancing", "Auto Scaling", "IAM", "Route 53", "ACM", "SNS", "SSM", "STS"} {
		if !strings.Contains(r.stdout, "ok    endpoint "+svc+" ") {
			t.Errorf("endpoint %s is not ok on moto", svc)
		}
	}
}

func TestDoctorWithoutCredentialsOrEndpointFailsNamingIt(t *testing.T) {
	noCreds := []string{}
	for _, kv := range doctorEnv(t) {
		if !strings.HasPrefix(kv, "AWS_ACCESS_KEY_ID=") && !strings.HasPrefix(kv, "AWS_SECRET_ACCESS_KEY=") {
			noCreds = append(noCreds, kv)
		}
	}
	r := doctorRun(t, noCreds)
	if r.code != 1 || !strings.Contains(r.stdout, "fail  credentials") || !strings.Contains(r.stdout, "aws configure") {
		t.Errorf("no credentials: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	start := time.Now()
	r = doctorRun(t, doctorEnv(t), "--endpoint-url", closed, "--json")
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("doctor took %v against a closed port", d)
	}
	var rep struct {
		OK     bool `json:"ok"`
		Checks []struct{ Name, Status, Detail, Fix string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if r.code != 1 || rep.OK || len(rep.Checks) != 1 || rep.Checks[0].Name != "endpoint" || rep.Checks[0].Status != "fail" {
		t.Errorf("closed endpoint: exit %d, %+v", r.code, rep)
	}
}
