package ui

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestBinaryWizardKeepsAChosenOptionAcrossCtrlC: a select's choice is
// kept when the user quits on the field at once, without leaving it: the
// AZs (an inline select, →) and the NAT (a list, end). Quitting asks
// nothing, as nothing typed is lost, and the next start shows the choice.
func TestBinaryWizardKeepsAChosenOptionAcrossCtrlC(t *testing.T) {
	p, _, dir := startWizard(t, "chosen")
	enterUntil(p, "Network · to do", 20)
	p.WaitText(10*time.Second, "VPC")
	p.Keys("Enter") // VPC: new; on to the AZs
	p.WaitText(10*time.Second, "AZs")
	p.Keys("Right") // 2 → 3
	p.WaitText(10*time.Second, "3 (")
	ctrlC(t, p)
	if data, _ := os.ReadFile(draftFile(dir)); !strings.Contains(string(data), `"network.azs": "3"`) {
		t.Fatalf("the draft does not keep the AZs chosen before ctrl+c:\n%s", data)
	}

	p.Run("--sandbox", "--state-dir", dir)
	p.WaitText(30*time.Second, "Network · to do", "VPC")
	p.Keys("Enter") // the step reopens on the VPC; on to the AZs
	p.WaitText(10*time.Second, "AZs", "3 (us-east-1a, us-east-1b, us-east-1c)")

	// A select shown as a list: the NAT, its last option with end.
	p.Keys("Enter", "Enter") // AZs: 3, the CIDR as it is
	p.WaitText(10*time.Second, "NAT", "per-az")
	p.Keys("End")
	ctrlC(t, p)
	if data, _ := os.ReadFile(draftFile(dir)); !strings.Contains(string(data), `"network.nat": "none"`) {
		t.Fatalf("the draft does not keep the NAT chosen before ctrl+c:\n%s", data)
	}
	p.Run("--sandbox", "--state-dir", dir)
	p.WaitText(30*time.Second, "Network · to do", "VPC")
	p.Keys("Enter", "Enter", "Enter") // VPC, AZs, CIDR: the NAT shows its answer
	p.Wait(10*time.Second, "the NAT's answer none", func(s string) bool {
		// ✓ marks the answer of a select left, > the option under the cursor.
		return strings.Contains(s, "✓ none — instances") || strings.Contains(s, "> none — instances")
	})
	ctrlC(t, p)
}
