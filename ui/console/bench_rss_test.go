package console

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkConsolePeakRSS1000 runs the built binary's console in tmux
// (120×40) against a sandbox holding a 1,000-instance group, lets it
// refresh for a while (5 s each) while the Instances view is shown and
// scrolled, and reports the process's peak resident memory (VmHWM in
// /proc/PID/status) and its resident memory at the end. The sandbox runs
// in the benchmark's process, so its world is not counted. Target: < 60 MB.
// Run: go test -run '^$' -bench ConsolePeakRSS1000 -benchtime 1x ./ui/console
func BenchmarkConsolePeakRSS1000(b *testing.B) {
	if _, err := exec.LookPath("tmux"); err != nil {
		b.Skip("tmux is not installed: the console runs in a tmux pane")
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "stackwiz")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/stackwiz/stackwiz").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	// On the wall clock, so the console's ages and its CPU window (the
	// last hour, by its own clock) meet the sandbox's.
	w := newStackWorld(b, worldOptions{size: 1000, wallClock: true})
	stateDir := filepath.Join(dir, "state")
	w.save(stateDir)
	url := *w.Cfg.BaseEndpoint

	for range b.N {
		socket := filepath.Join(dir, "rss.tmux")
		tmux := func(args ...string) string {
			b.Helper()
			out, err := exec.Command("tmux", append([]string{"-S", socket}, args...)...).CombinedOutput()
			if err != nil {
				b.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			return string(out)
		}
		cmd := consoleEnv(dir) + " " + bin + " console --stack demo --state-dir " + stateDir + " --endpoint-url " + url
		tmux("new-session", "-d", "-s", "rss", "-x", "120", "-y", "40", cmd+"; sleep 60")
		b.Cleanup(func() { _ = exec.Command("tmux", "-S", socket, "kill-server").Run() })
		screen := func() string { return tmux("capture-pane", "-p", "-t", "rss") }
		deadline := time.Now().Add(2 * time.Minute)
		for !strings.Contains(screen(), "1000/1000 in service") {
			if time.Now().After(deadline) {
				b.Fatalf("the console did not show the 1,000 instances in 2 minutes:\n%s", screen())
			}
			time.Sleep(200 * time.Millisecond)
		}
		pid := paneChild(b, strings.TrimSpace(tmux("display", "-p", "-t", "rss", "#{pane_pid}")), bin)
		// The Instances view, scrolled page by page through the 1,000
		// rows with the detail pane open, over thirteen refreshes and three reads of the EC2 details and CPU (every 30 s).
		tmux("send-keys", "-t", "rss", "1")
		tmux("send-keys", "-t", "rss", "Enter")
		end := time.Now().Add(65 * time.Second)
		for time.Now().Before(end) {
			tmux("send-keys", "-t", "rss", "PageDown")
			time.Sleep(250 * time.Millisecond)
		}
		hwm, rss := procMemory(b, pid, "VmHWM"), procMemory(b, pid, "VmRSS")
		b.Logf("the console's screen at the end:\n%s", screen())
		b.ReportMetric(hwm, "peak-rss-MB")
		b.ReportMetric(rss, "rss-MB")
		b.Logf("console pid %d with 1,000 instances: peak RSS %.1f MB, RSS %.1f MB after 65 s", pid, hwm, rss)
		tmux("send-keys", "-t", "rss", "q")
	}
}

// paneChild returns the pid of the process running bin under the pane's
// shell.
func paneChild(b *testing.B, shell, bin string) int {
	b.Helper()
	children, err := os.ReadFile("/proc/" + shell + "/task/" + shell + "/children")
	if err != nil {
		b.Fatalf("read the pane's processes: %v", err)
	}
	for _, f := range strings.Fields(string(children)) {
		if exe, err := os.Readlink("/proc/" + f + "/exe"); err == nil && exe == bin {
			pid, _ := strconv.Atoi(f)
			return pid
		}
	}
	b.Fatalf("no %s under the pane's shell %s (children: %q)", bin, shell, children)
	return 0
}

// procMemory reads field (kB) of /proc/PID/status, in MB.
func procMemory(b *testing.B, pid int, field string) float64 {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("read /proc/%d/status: %v", pid, err)
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatalf("%s in /proc/%d/status: %v", field, pid, err)
			}
			return kb / 1024
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
