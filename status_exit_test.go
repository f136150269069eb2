package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/stackwiz/stackwiz/sandbox"
)

// specWithEmail writes the minimal example with alarms that e-mail addr.
func specWithEmail(t *testing.T, addr string) string {
	t.Helper()
	dir := t.TempDir()
	text, err := os.ReadFile(examplePath(t, "minimal"))
	if err != nil {
		t.Fatal(err)
	}
	start, err := os.ReadFile(filepath.Join("examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "start.sh"), start, 0o600); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "stack.yaml")
	if err := os.WriteFile(p, append(text, []byte("alarms:\n  email: "+addr+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestStatusExitTellsUnhealthyFromCouldNotCheck drives `status` through
// the binary against a sandbox: 1 while the alarm e-mail is unconfirmed
// (the alarms notify nobody), 0 once it is confirmed, 3 when a permission
// status needs is denied, 3 when the endpoint does not answer, and 1
// again when something it could check is wrong even though another part
// could not be checked.
func TestStatusExitTellsUnhealthyFromCouldNotCheck(t *testing.T) {
	const addr = "ops@example.com"
	w := newWorld(t)
	dir := t.TempDir()
	if r, _ := w.stackwiz(t, dir, 0, "apply", "-f", specWithEmail(t, addr), "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}

	// Unconfirmed: the alarms notify nobody.
	r, _ := w.stackwiz(t, dir, 0, "status")
	if r.code != exitFailure {
		t.Fatalf("status with an unconfirmed alarm e-mail exited %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"NOT healthy", addr + " has not confirmed", "notify nobody",
		"aws sns subscribe --region us-east-1 --topic-arn arn:aws:sns:us-east-1:" + sandbox.AccountID + ":demo-alarms --protocol email --notification-endpoint " + addr} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status with an unconfirmed alarm e-mail does not say %q:\n%s", want, r.stdout)
		}
	}
	r, _ = w.stackwiz(t, dir, 0, "status", "--json")
	doc := validDocument(t, "status", "status --json with an unconfirmed e-mail", r)
	if r.code != exitFailure || doc["verdict"] != "unhealthy" {
		t.Errorf("status --json with an unconfirmed e-mail: exit %d, verdict %v; want 1, unhealthy", r.code, doc["verdict"])
	}

	// The recipient clicks the link.
	if n := w.sb.ConfirmSubscriptionsTo(addr); n != 1 {
		t.Fatalf("confirmed %d subscriptions of %s, want 1", n, addr)
	}
	if r, _ := w.stackwiz(t, dir, 0, "status"); r.code != exitOK {
		t.Fatalf("status once the e-mail is confirmed exited %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// A permission status needs is denied: the stack may be fine.
	if err := w.sb.SetFaults(sandbox.Faults{Deny: []string{"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetGroups"}}); err != nil {
		t.Fatal(err)
	}
	r, _ = w.stackwiz(t, dir, 0, "status", "--json")
	doc = validDocument(t, "status", "status --json with a denied describe", r)
	if r.code != exitCouldNotCheck || doc["verdict"] != "unknown" {
		t.Errorf("status with a denied describe: exit %d, verdict %v; want 3, unknown\n%s", r.code, doc["verdict"], r.stderr)
	}
	unchecked := 0
	for _, res := range doc["resources"].([]any) {
		if res := res.(map[string]any); res["checked"] == false {
			unchecked++
			if !strings.Contains(res["problem"].(string), "denied") {
				t.Errorf("unchecked %s: problem %q does not say what was denied", res["key"], res["problem"])
			}
		}
	}
	if unchecked == 0 {
		t.Errorf("status with a denied describe reports every resource checked:\n%s", r.stdout)
	}
	r, _ = w.stackwiz(t, dir, 0, "status")
	if r.code != exitCouldNotCheck || !strings.Contains(r.stdout, "UNKNOWN") {
		t.Errorf("status (text) with a denied describe: exit %d, want 3 and UNKNOWN:\n%s", r.code, r.stdout)
	}

	// Who the caller is cannot be asked: nothing is checked.
	if err := w.sb.SetFaults(sandbox.Faults{Deny: []string{"sts:GetCallerIdentity"}}); err != nil {
		t.Fatal(err)
	}
	r, _ = w.stackwiz(t, dir, 0, "status", "--json")
	doc = validDocument(t, "error", "status --json with sts:GetCallerIdentity denied", r)
	if r.code != exitCouldNotCheck || doc["exit_code"] == nil || !strings.Contains(r.stderr, "could not check") {
		t.Errorf("status with sts:GetCallerIdentity denied: exit %d (doc %v), want 3 saying it could not check\n%s", r.code, doc["exit_code"], r.stderr)
	}

	// Something checked is wrong: that wins over what could not be checked.
	if err := w.sb.SetFaults(sandbox.Faults{Deny: []string{"elasticloadbalancing:DescribeTargetHealth", "elasticloadbalancing:DescribeTargetGroups"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cloudwatch.NewFromConfig(sandbox.Config(w.url, "us-east-1")).DeleteAlarms(context.Background(),
		&cloudwatch.DeleteAlarmsInput{AlarmNames: []string{"demo-cpu-high"}}); err != nil {
		t.Fatalf("delete the alarm behind stackwiz's back: %v", err)
	}
	r, _ = w.stackwiz(t, dir, 0, "status")
	if r.code != exitFailure {
		t.Errorf("status with an alarm deleted and a describe denied exited %d, want 1 (unhealthy wins)\n%s", r.code, r.stdout)
	}
	if err := w.sb.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}

	// The endpoint does not answer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := &world{url: "http://" + ln.Addr().String()}
	ln.Close()
	r, _ = closed.stackwiz(t, dir, 0, "status", "--json")
	if r.code != exitCouldNotCheck || !strings.Contains(r.stderr, "could not check") {
		t.Errorf("status against a closed port exited %d, want 3 saying it could not check:\n%s", r.code, r.stderr)
	}
	validDocument(t, "error", "status --json against a closed port", r)
}

// confirmEmail plays the recipient of the alarm e-mails for a stack
// applied by the binary on `--sandbox`: it opens the world the embedded
// sandbox keeps in worldDir and confirms every subscription of addr, as
// clicking the link in AWS's e-mail does.
func confirmEmail(t *testing.T, worldDir, addr string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{DataDir: worldDir})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	if sb.ConfirmSubscriptionsTo(addr) == 0 {
		t.Fatalf("no subscription of %s to confirm in %s", addr, worldDir)
	}
}
