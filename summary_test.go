package main

import (
	"encoding/json"
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

// --json answers an invalid spec with a JSON document on stdout, field by
// field, and exit 2.
func TestJSONAnswersAnInvalidSpecWithADocument(t *testing.T) {
	w := newWorld(t)
	spec := filepath.Join(t.TempDir(), "stack.yaml")
	if err := os.WriteFile(spec, []byte("name: demo\nautoscaling:\n  min: 5\n  desired: 1\n  max: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"plan"}, {"apply", "--yes"}} {
		command := args[0]
		r, _ := w.stackwiz(t, t.TempDir(), 0, append(args, "-f", spec, "--json")...)
		if r.code != exitUsage {
			t.Errorf("%s --json exit %d, want 2", command, r.code)
		}
		var doc struct {
			Error    string `json:"error"`
			Problems []struct {
				Path, Severity string
			} `json:"problems"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
			t.Fatalf("%s --json printed no JSON document for an invalid spec: %v\n%q", command, err, r.stdout)
		}
		var paths []string
		for _, p := range doc.Problems {
			if p.Severity == "error" {
				paths = append(paths, p.Path)
			}
		}
		if doc.Error != "invalid stack spec" || strings.Join(paths, ",") != "autoscaling.min,autoscaling.min" {
			t.Errorf("%s --json = %+v, want both violated bounds of autoscaling.min", command, doc)
		}
	}
}
