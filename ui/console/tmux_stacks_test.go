package console

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

// TestConsoleInTmuxSwitchesBetweenStacksInTwoRegions applies two stacks
// with the built binary on its embedded sandbox, blue in ap-northeast-2
// (one instance) and green in us-west-2 (two), then opens the console
// without --stack: two recorded stacks no longer stop it. The switcher (o)
// moves it from blue to green and back; each time the header names the
// stack, its account and its region, and the Instances view holds that
// stack's own instances and none of the other's. The choice is remembered
// for the user: the next console opened without --stack opens the stack
// chosen last.
func TestConsoleInTmuxSwitchesBetweenStacksInTwoRegions(t *testing.T) {
	dir, bin, stateDir, start, env := binaryOnSandbox(t)
	stacks := []struct{ name, region, desired string }{{"blue", "ap-northeast-2", "1"}, {"green", "us-west-2", "2"}}
	for _, s := range stacks {
		spec := filepath.Join(dir, s.name+".yaml")
		yaml := "name: " + s.name + "\nregion: " + s.region + "\nnetwork:\n  vpc: default\ninstance:\n  user_data: " + start +
			"\nautoscaling:\n  min: 1\n  desired: " + s.desired + "\n  max: 2\n"
		if err := os.WriteFile(spec, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--sandbox", "--state-dir", stateDir, "apply", "-f", spec, "--yes")
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("apply %s: %v\n%s", s.name, err, out)
		}
	}
	// Green's own setting makes its console read-only; blue's stays
	// writable: each stack opened by the switcher keeps its own.
	ro := exec.Command(bin, "--sandbox", "--state-dir", stateDir, "--stack", "green", "console", "read-only", "on")
	ro.Env = env
	if out, err := ro.CombinedOutput(); err != nil {
		t.Fatalf("console read-only on: %v\n%s", err, out)
	}
	instances := groupInstances(t, filepath.Join(stateDir, "sandbox", "world"), map[string]string{"blue": "ap-northeast-2", "green": "us-west-2"})
	if len(instances["blue"]) != 1 || len(instances["green"]) != 2 {
		t.Fatalf("the applied groups hold %v, want 1 instance in blue and 2 in green", instances)
	}

	console := consoleEnv(dir) + " XDG_CONFIG_HOME= STACKWIZ_CONFIG_DIR= STACKWIZ_SANDBOX_LATENCY=instant " + bin + " console --sandbox --state-dir " + stateDir
	// shows waits for the console on stack name: its header, and its own
	// instances only.
	shows := func(p *tmuxPane, name, region string) {
		t.Helper()
		other := map[string]string{"blue": "green", "green": "blue"}[name]
		s := waitFor(p, "the console on "+name, func(s string) bool {
			for _, id := range instances[name] {
				if !strings.Contains(s, id) {
					return false
				}
			}
			return strings.Contains(s, name+" · 123456789012 · "+region) && strings.Contains(s, "stackwiz · console · "+name)
		})
		for _, id := range instances[other] {
			if strings.Contains(s, id) {
				t.Errorf("the console on %s lists %s's instance %s:\n%s", name, other, id, s)
			}
		}
		if ro := strings.Contains(s, "READ-ONLY"); ro != (name == "green") {
			t.Errorf("the console on %s says READ-ONLY: %v, want it only on green (its own setting):\n%s", name, ro, s)
		}
	}
	// choose opens the switcher and picks name, moving with key.
	choose := func(p *tmuxPane, key, name string) {
		t.Helper()
		p.Keys("o")
		waitText(p, "the switcher", "Stacks — enter opens one", "blue        ap-northeast-2   123456789012  recorded",
			"green       us-west-2        123456789012  recorded", "regions for the stackwiz:stack tag: 2 found")
		p.Keys(key)
		waitText(p, "the cursor on "+name, "> "+name)
		p.Keys("Enter")
	}

	p := startPane(t, dir, "stacks", console)
	shows(p, "blue", "ap-northeast-2") // the first by name: no choice remembered yet
	choose(p, "Down", "green")
	shows(p, "green", "us-west-2")
	choose(p, "Up", "blue")
	shows(p, "blue", "ap-northeast-2")
	choose(p, "Down", "green")
	shows(p, "green", "us-west-2")
	p.Keys("q")
	waitFor(p, "stackwiz to exit", func(s string) bool { return !strings.Contains(s, "Instances") })

	// The next console without --stack opens the stack chosen last.
	data, err := os.ReadFile(filepath.Join(dir, ".config", "stackwiz", "console.json"))
	if err != nil || !strings.Contains(string(data), `"green"`) {
		t.Fatalf("the choice is not remembered under the user's config dir: %v\n%s", err, data)
	}
	if fi, _ := os.Stat(filepath.Join(dir, ".config", "stackwiz", "console.json")); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the remembered choice's mode is %v, want 0600", fi.Mode().Perm())
	}
	p2 := startPane(t, dir, "again", console)
	shows(p2, "green", "us-west-2")
	p2.Keys("q")
	waitFor(p2, "stackwiz to exit", func(s string) bool { return !strings.Contains(s, "Instances") })
}

// groupInstances reads, from a saved sandbox world, the instances of each
// stack's group (<name>-asg in its region).
func groupInstances(t *testing.T, world string, regions map[string]string) map[string][]string {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{DataDir: world})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		sb.Close()
		t.Fatal(err)
	}
	defer func() { srv.Close(); sb.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out := map[string][]string{}
	for name, region := range regions {
		cfg := aws.WithRetryer(sandbox.Config(srv.URL, region), aws.Options{MaxAttempts: 2})
		g, err := autoscaling.NewFromConfig(cfg).DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name + "-asg"}})
		if err != nil || len(g.AutoScalingGroups) != 1 {
			t.Fatalf("describe %s-asg in %s: %v", name, region, err)
		}
		for _, in := range g.AutoScalingGroups[0].Instances {
			out[name] = append(out[name], *in.InstanceId)
		}
	}
	return out
}
