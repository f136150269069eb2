package console

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsoleInTmuxBlueGreenSwitchIsOwnedByTheStacks applies blue (with
// api.example.com in a zone it creates) and green with the built binary on
// its sandbox, switches blue's record to green in blue's console, and then
// runs the commands a user would: status of each stack exits 0 and says
// where the traffic goes; apply of blue keeps the record on green and says
// so in one line; destroy of green refuses, naming blue's alias and how to
// switch back; destroy of blue deletes its record (saying it pointed at
// green) and its zone, and green's destroy then goes through.
func TestConsoleInTmuxBlueGreenSwitchIsOwnedByTheStacks(t *testing.T) {
	dir, bin, stateDir, start, env := binaryOnSandbox(t)
	// run runs the binary on the sandbox and returns its output and exit.
	run := func(args ...string) (string, int) {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--sandbox", "--state-dir", stateDir}, args...)...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			return string(out), exit.ExitCode()
		case err != nil:
			t.Fatalf("stackwiz %s: %v", strings.Join(args, " "), err)
		}
		return string(out), 0
	}
	base := "region: us-east-1\nnetwork:\n  vpc: default\ninstance:\n  user_data: " + start + "\nautoscaling:\n  min: 1\n  desired: 1\n  max: 2\n"
	specs := map[string]string{"blue": "name: blue\n" + base + "dns:\n  zone: example.com\n  record: api.example.com\n", "green": "name: green\n" + base}
	for _, name := range []string{"blue", "green"} {
		spec := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(spec, []byte(specs[name]), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, code := run("apply", "-f", spec, "--yes"); code != 0 {
			t.Fatalf("apply %s: exit %d\n%s", name, code, out)
		}
	}

	p := startPane(t, dir, "bluegreen", consoleEnv(dir)+" XDG_CONFIG_HOME= STACKWIZ_SANDBOX_LATENCY=instant "+bin+" --sandbox --state-dir "+stateDir+" --stack blue console")
	waitText(p, "blue's console", "blue · 123456789012 · us-east-1 · api.example.com →", "1/1 in service")
	p.Keys("w")
	waitText(p, "the switch dialog", "> green", "after: A → green-alb-")
	p.Keys("Enter")
	waitText(p, "the switch's outcome", "done: switch api.example.com to stack green")
	p.Keys("q")
	waitFor(p, "stackwiz to exit", func(s string) bool { return !strings.Contains(s, "Instances") })

	out, code := run("--stack", "blue", "status")
	if code != 0 || !strings.Contains(out, "switched to stack green by the console") || !strings.Contains(out, "traffic goes to green-alb-") {
		t.Errorf("status of blue after the switch: exit %d, want 0 and the switch as a fact:\n%s", code, out)
	}
	out, code = run("--stack", "green", "status")
	if code != 0 || !strings.Contains(out, "receives api.example.com (stack blue's alias, switched in the console)") {
		t.Errorf("status of green after the switch: exit %d, want 0 naming blue's alias:\n%s", code, out)
	}
	out, code = run("apply", "-f", filepath.Join(dir, "blue.yaml"), "--yes")
	if code != 0 || strings.Count(out, "api.example.com stays on stack green's load balancer") != 1 || !strings.Contains(out, "To switch back: stackwiz --stack blue console, then w") {
		t.Errorf("apply of blue after the switch: exit %d, want one line keeping the record on green:\n%s", code, out)
	}
	if out, code := run("--stack", "blue", "status"); code != 0 || !strings.Contains(out, "switched to stack green") {
		t.Errorf("status of blue after its apply: exit %d, the switch must hold:\n%s", code, out)
	}
	out, code = run("--stack", "green", "destroy", "--yes")
	if code == 0 || !strings.Contains(out, "the alias api.example.com of stack blue points at this load balancer") ||
		!strings.Contains(out, "stackwiz --stack blue console, then w") || !strings.Contains(out, "nothing was deleted") {
		t.Errorf("destroy of green while blue's alias points at it: exit %d, want a refusal:\n%s", code, out)
	}
	out, code = run("--stack", "blue", "destroy", "--yes")
	if code != 0 || !strings.Contains(out, "A api.example.com points at stack green's load balancer (switched in the console): destroy deletes it") ||
		!strings.Contains(out, `Stack "blue" destroyed`) {
		t.Errorf("destroy of blue with its record on green: exit %d:\n%s", code, out)
	}
	if out, code := run("--stack", "green", "destroy", "--yes"); code != 0 {
		t.Errorf("destroy of green once blue is gone: exit %d:\n%s", code, out)
	}
}
