package console

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

// TestConsoleInTmux runs the built binary in tmux: `stackwiz console
// --sandbox` on a stack recorded in a state dir, with its sandbox world
// beside it, as `stackwiz --sandbox` keeps them (<state dir>/sandbox/).
// It waits for the live view, sets the desired capacity through the
// dialog, quits, and reads the saved world: the group has what was asked.
func TestConsoleInTmux(t *testing.T) {
	bin := consoleBinary(t)
	dir := t.TempDir()
	if out, err := exec.Command(bin, "console", "--help").CombinedOutput(); err != nil || !strings.Contains(string(out), "stackwiz console") {
		t.Fatalf("the built binary has no `stackwiz console` command (cli/tui.go wires it): %v\n%s", err, out)
	}
	stateDir := filepath.Join(dir, "state")
	sbDir := filepath.Join(stateDir, "sandbox")
	w := newStackWorld(t, worldOptions{size: 3, wallClock: true, dataDir: filepath.Join(sbDir, "world")})
	w.save(sbDir)
	group := w.DescribeGroup()
	w.Close()

	cmd := strings.Join([]string{"env", "STACKWIZ_SANDBOX_LATENCY=instant", "TERM=xterm-256color", bin, "console", "--sandbox", "--state-dir", stateDir}, " ")
	p := startPane(t, dir, "console", cmd)

	s := waitFor(p, "the console's live view", func(s string) bool { return strings.Contains(s, "3/3 in service") })
	for _, want := range []string{"demo", "healthy", "1 Instances 3", "api.example.com", "updated"} {
		if !strings.Contains(s, want) {
			t.Errorf("the console does not show %q:\n%s", want, s)
		}
	}
	for _, in := range group.Instances {
		if !strings.Contains(s, *in.InstanceId) {
			t.Errorf("instance %s is not listed:\n%s", *in.InstanceId, s)
		}
	}

	// The action: desired 3 → 4 through the capacity dialog.
	p.Keys("c")
	waitFor(p, "the capacity dialog", func(s string) bool { return strings.Contains(s, "Set the group's capacity") })
	p.Keys("BSpace", "4")
	waitFor(p, "the dialog's preview", func(s string) bool { return strings.Contains(s, "the group launches 1 instance") })
	p.Keys("Enter")
	waitFor(p, "the action's report", func(s string) bool {
		return strings.Contains(s, "done: set capacity of demo-asg: min 1→1, desired 3→4, max 6→6")
	})
	waitFor(p, "the fourth instance", func(s string) bool { return strings.Contains(s, "1 Instances 4") })
	if os.Getenv("STACKWIZ_SHOW_TMUX") != "" {
		t.Logf("after the action:\n%s", p.Screen())
	}
	p.Keys(tabKey(viewLog))
	waitFor(p, "the action in the log", func(s string) bool { return strings.Contains(s, "ok     set capacity of demo-asg") })
	p.Keys("q")
	waitFor(p, "stackwiz to exit", func(s string) bool { return !strings.Contains(s, "Instances") })

	// The world the binary saved holds the group as asked.
	sb, err := sandbox.New(sandbox.Options{DataDir: filepath.Join(sbDir, "world")})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Close(); sb.Close() }()
	cfg := aws.WithRetryer(sandbox.Config(srv.URL, "us-east-1"), aws.Options{MaxAttempts: 2})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"demo-asg"}})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.AutoScalingGroups[0]; sdk.ToInt32(g.DesiredCapacity) != 4 || len(g.Instances) != 4 {
		t.Errorf("after the console's action the group has desired %d and %d instances, want 4 and 4", sdk.ToInt32(g.DesiredCapacity), len(g.Instances))
	}
}
