package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The apply summary tells the truth about reaching the stack: no ssh line
// for a bastion without a key pair (EC2 Instance Connect instead), and
// commands that carry the flags which reach this same stack.
func TestApplySummaryCommandsReachTheSameStack(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	script, err := os.ReadFile(filepath.Join("examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "start.sh"), script, 0o644); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(dir, "stack.yaml")
	yaml := "name: sumtest\nnetwork:\n  vpc: default\n  bastion:\n    enabled: true\n    ssh_from: 203.0.113.7/32\ninstance:\n  user_data: start.sh\n"
	if err := os.WriteFile(spec, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "state")
	r, _ := w.stackwiz(t, state, 0, "apply", "-f", spec, "--yes")
	if r.code != 0 {
		t.Fatalf("apply exit %d:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr, "ssh ec2-user@") {
		t.Errorf("the summary offers ssh to a bastion that has no key pair:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "Bastion:        aws ec2-instance-connect ssh --instance-id i-") {
		t.Errorf("the summary does not say how to reach the bastion without a key pair:\n%s", r.stderr)
	}
	want := "`stackwiz --state-dir " + state + " --endpoint-url " + w.url + " --stack sumtest console`"
	if !strings.Contains(r.stderr, want) {
		t.Errorf("the console hint does not carry the flags that reach this stack; want %s in:\n%s", want, r.stderr)
	}
}

// The command-line plan warns about what the wizard's review warns about.
func TestPlanShowsTheReviewsWarnings(t *testing.T) {
	w := newWorld(t)
	r, _ := w.stackwiz(t, t.TempDir(), 0, "plan", "-f", examplePath(t, "minimal"))
	if r.code != 0 {
		t.Fatalf("plan exit %d:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"Worth knowing before you apply:", "$ alarms.billing_threshold_usd: no billing alarm", "$ load_balancer.https: no HTTPS"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, r.stdout)
		}
	}
}
