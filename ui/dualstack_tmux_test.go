package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBinaryWizardBuildsADualstackStack drives `stackwiz --sandbox` in a
// real terminal: the load balancer step's last page asks how clients reach
// it, Down chooses IPv4 and IPv6, the plan review lists the work and the
// apply completes; then `status` exits 0 (clean) and `destroy --yes`
// leaves nothing in the sandbox's world.
func TestBinaryWizardBuildsADualstackStack(t *testing.T) {
	p, work, dir := startWizard(t, "demo")
	script, err := os.ReadFile(filepath.Join("..", "examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	start := filepath.Join(work, "start.sh")
	if err := os.WriteFile(start, script, 0o600); err != nil {
		t.Fatal(err)
	}
	enterUntil(p, "┃ User data", 60)
	p.Type(start)
	enterUntil(p, "Clients reach it over", 60)
	p.WaitText(5*time.Second, "IPv4 and IPv6 (dualstack)", "No extra cost")
	p.Keys("Down")
	enterUntil(p, "Review: demo", 60)
	p.WaitText(30*time.Second, "to create")
	p.Keys("a", "y")
	p.WaitText(30*time.Second, "Applying demo")
	p.WaitText(3*time.Minute, "Stack demo is complete")
	p.Keys("q")
	p.Exited(20 * time.Second)

	rec := record(t, dir, "demo")
	if !strings.Contains(rec.Spec, "ip_address_type: dualstack") {
		t.Fatalf("the wizard recorded no dualstack choice:\n%s", rec.Spec)
	}
	if out, err := stackwiz(t, work, "--sandbox", "--state-dir", dir, "status"); err != nil {
		t.Fatalf("status of the dualstack stack is not clean: %v\n%s", err, out)
	}
	if out, err := stackwiz(t, work, "--sandbox", "--state-dir", dir, "destroy", "--yes"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
	if left := liveResources(t, dir); len(left) > 0 {
		t.Fatalf("destroy left in the sandbox:\n%s", strings.Join(left, "\n"))
	}
}
