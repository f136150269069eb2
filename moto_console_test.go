package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
)

// TestMotoConsoleShowsWhatTheEndpointServes opens the built binary's
// console in tmux on a stack applied to moto's server, an endpoint that
// implements Auto Scaling, EC2 and ELBv2 but not CloudWatch's protocol nor
// instance refreshes. The console must list the instances moto runs (as
// moto itself reports them), mark the Alarms tab, say in the alarms panel
// which CloudWatch operation that endpoint lacks, and call the picture
// partial — not healthy, not STALE.
func TestMotoConsoleShowsWhatTheEndpointServes(t *testing.T) {
	testkit.NeedTmux(t)
	m := startMoto(t)
	dir := t.TempDir()
	apply := m.stackwiz(t, dir, "apply", "-f", examplePath(t, "minimal"), "--yes")
	if apply.code != 1 || !strings.Contains(apply.stderr, "alarms: ") {
		t.Fatalf("apply on moto: exit %d, want 1 with only the alarms step failed:\n%s", apply.code, apply.stderr)
	}
	var ids []string
	for _, r := range m.stack(t, "demo") {
		if f := strings.Fields(r); len(f) == 3 && f[0] == "instance" && f[2] == "running" {
			ids = append(ids, f[1])
		}
	}
	if len(ids) != 2 {
		t.Fatalf("moto runs %d instances of the group, want 2: %v", len(ids), ids)
	}

	cmd := strings.Join([]string{"env", "AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true",
		"TERM=xterm-256color", binary, "console", "--endpoint-url", m.url, "--region", "us-east-1", "--state-dir", dir}, " ")
	p := testkit.NewPane(t, testkit.PaneOptions{Dir: t.TempDir()})
	p.RunShell(cmd)
	waitFor := func(what string, ok func(string) bool) string {
		t.Helper()
		return p.Wait(45*time.Second, what, ok)
	}

	s := waitFor("the instances", func(s string) bool { return strings.Contains(s, "1 Instances 2") })
	for _, id := range ids {
		if !strings.Contains(s, id+" ") {
			t.Errorf("the console does not list moto's instance %s:\n%s", id, s)
		}
	}
	for _, want := range []string{"InService", "4 Alarms ⊘", "partial:", "2/2 in service",
		"? CPU: the endpoint does not implement CloudWatch GetMetricData at " + m.url} {
		if !strings.Contains(s, want) {
			t.Errorf("the console does not show %q:\n%s", want, s)
		}
	}
	for _, bad := range []string{"STALE", "● healthy", "no alarm firing", "cannot read the stack"} {
		if strings.Contains(s, bad) {
			t.Errorf("the console shows %q on an endpoint without CloudWatch:\n%s", bad, s)
		}
	}

	p.Keys("4")
	want := "Alarms: the endpoint does not implement CloudWatch DescribeAlarms at " + m.url
	waitFor("the alarms panel's line", func(s string) bool { return strings.Contains(s, want) })
}
