package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDualstackThroughTheBinary applies examples/dualstack.yaml with the
// built binary against the sandbox served over HTTP, as a user would: plan
// names the IPv6 work and its cost, status is clean, a second plan wants
// nothing, export writes the IPv6 commands, and destroy leaves nothing.
// A spec pointing at a VPC without IPv6 is refused with the fix.
func TestDualstackThroughTheBinary(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	start, err := filepath.Abs(filepath.Join("examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	text := "name: dual\nnetwork:\n  vpc: new\nload_balancer:\n  ip_address_type: dualstack\ninstance:\n  user_data: " + start +
		"\ndns:\n  zone: example.com\n  record: www.example.com\n"
	state := filepath.Join(dir, "state")
	spec := examplePath(t, "dualstack") // the same stack, as examples/ ships it
	plan, _ := w.stackwiz(t, state, 0, "plan", "-f", spec)
	for _, want := range []string{"www.example.com. AAAA", "dualstack adds nothing"} {
		if plan.code != 0 || !strings.Contains(plan.stdout, want) {
			t.Fatalf("plan (exit %d) does not say %q:\n%s\n%s", plan.code, want, plan.stdout, plan.stderr)
		}
	}
	if r, _ := w.stackwiz(t, state, 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}
	r, _ := w.stackwiz(t, state, 0, "status", "--json")
	if r.code != 0 || !strings.Contains(r.stdout, `"healthy": true`) || !strings.Contains(r.stdout, "dns/record/AAAA") {
		t.Fatalf("status exited %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r, _ := w.stackwiz(t, state, 0, "plan", "-f", spec); r.code != 0 || !strings.Contains(r.stdout, "0 to create, 0 to update, 0 to replace, 0 to delete") {
		t.Fatalf("plan after apply exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r, _ := w.stackwiz(t, state, 0, "export", "cli"); r.code != 0 || !strings.Contains(r.stdout, "--amazon-provided-ipv6-cidr-block") ||
		!strings.Contains(r.stdout, "--ip-address-type dualstack") {
		t.Fatalf("export cli exited %d without the IPv6 commands:\n%s", r.code, r.stderr)
	}
	if r, _ := w.stackwiz(t, state, 0, "destroy", "--yes"); r.code != 0 {
		t.Fatalf("destroy exited %d\n%s", r.code, r.stderr)
	}
	if inv := w.shape(); len(inv) > 0 {
		t.Fatalf("destroy left:\n%s", strings.Join(inv, "\n"))
	}

	// The default VPC of a new sandbox region has no IPv6 block.
	def := filepath.Join(dir, "default.yaml")
	if err := os.WriteFile(def, []byte(strings.Replace(text, "vpc: new", "vpc: default", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	refused, _ := w.stackwiz(t, filepath.Join(dir, "state2"), 0, "apply", "-f", def, "--yes")
	if refused.code == 0 || !strings.Contains(refused.stderr, "--amazon-provided-ipv6-cidr-block") || !strings.Contains(refused.stderr, "network.vpc: new") {
		t.Fatalf("apply of a dualstack stack in the default VPC (no IPv6) exited %d without the fix:\n%s", refused.code, refused.stderr)
	}
	if inv := w.shape(); len(inv) > 0 {
		t.Fatalf("the refused apply made:\n%s", strings.Join(inv, "\n"))
	}
}
