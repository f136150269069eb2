package console

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/internal/testkit"
)

// BenchmarkConsolePeakRSS runs the built binary's console in tmux
// (120×40) against a sandbox holding a group of 10 and of 1,000 instances,
// lets it refresh (every 5 s) while the Instances view is shown and
// scrolled with the detail pane open, and reports the process's peak
// resident memory (VmHWM in /proc/PID/status) and its resident memory at
// the end. The sandbox runs in the benchmark's process, so its world is
// not counted. The 10-instance figure is the console's floor (the Go
// runtime, the SDK clients, Bubble Tea); target at 1,000: < 60 MB.
// Run: go test -run '^$' -bench ConsolePeakRSS -benchtime 1x ./ui/console
func BenchmarkConsolePeakRSS(b *testing.B) {
	testkit.NeedTmux(b)
	// The kit's binary is built without -race: no shadow memory counted.
	bin := testkit.Binary(b)
	for _, size := range []int{10, 1000} {
		b.Run(fmt.Sprintf("instances_%d", size), func(b *testing.B) { consolePeakRSS(b, bin, size) })
	}
}

func consolePeakRSS(b *testing.B, bin string, size int) {
	dir := b.TempDir()
	// On the wall clock, so the console's ages and its CPU window (the
	// last hour, by its own clock) meet the sandbox's.
	w := newStackWorld(b, worldOptions{size: size, wallClock: true})
	stateDir := filepath.Join(dir, "state")
	w.save(stateDir)
	url := *w.Cfg.BaseEndpoint
	inService := fmt.Sprintf("%d/%d in service", size, size)

	for range b.N {
		// The runtime's GC trace (stderr; the screen is on the terminal)
		// says how much of the resident memory is the Go heap.
		gclog := filepath.Join(dir, "gctrace.log")
		cmd := consoleEnv(dir) + " GODEBUG=gctrace=1 " + bin + " console --stack demo --state-dir " + stateDir + " --endpoint-url " + url + " 2>" + gclog
		p := startPane(b, dir, "rss", cmd)
		screen := p.Screen
		deadline := time.Now().Add(2 * time.Minute)
		for !strings.Contains(screen(), inService) {
			if time.Now().After(deadline) {
				b.Fatalf("the console did not show %s in 2 minutes:\n%s", inService, screen())
			}
			time.Sleep(200 * time.Millisecond)
		}
		pid := paneChild(b, strconv.Itoa(p.ShellPID()), bin)
		// The Instances view, scrolled page by page through the rows
		// with the detail pane open, over thirteen refreshes and three
		// reads of the EC2 details and CPU (every 30 s).
		p.Keys("1")
		p.Keys("Enter")
		end := time.Now().Add(65 * time.Second)
		for time.Now().Before(end) {
			p.Keys("PageDown")
			time.Sleep(250 * time.Millisecond)
		}
		hwm, rss := procMemory(b, pid, "VmHWM"), procMemory(b, pid, "VmRSS")
		// What is resident at the end: anonymous memory (the Go heap,
		// stacks, the runtime's own) and file pages (the binary's code and
		// data, mapped from disk).
		anon, file := procMemory(b, pid, "RssAnon"), procMemory(b, pid, "RssFile")
		lines := strings.SplitAfterN(screen(), "\n", 9)
		b.Logf("the console's screen at the end:\n%s", strings.Join(lines[:min(8, len(lines))], ""))
		heapAtGC, live, gcs := gcTrace(b, gclog)
		b.ReportMetric(hwm, "peak-rss-MB")
		b.ReportMetric(rss, "rss-MB")
		b.ReportMetric(anon, "rss-anon-MB")
		b.ReportMetric(file, "rss-file-MB")
		b.ReportMetric(heapAtGC, "peak-heap-MB")
		b.ReportMetric(live, "peak-live-heap-MB")
		b.Logf("console pid %d with %d instances: peak RSS %.1f MB, RSS %.1f MB after 65 s (%.1f MB anonymous, %.1f MB the binary's file pages); Go heap at most %.0f MB when a GC started, %.0f MB live after one (%d GCs)",
			pid, size, hwm, rss, anon, file, heapAtGC, live, gcs)
		p.Keys("q")
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

// gcLine is a line of GODEBUG=gctrace=1: heap at the GC's start, at its
// end, and live after it ("12->13->6 MB").
var gcLine = regexp.MustCompile(`(\d+)->(\d+)->(\d+) MB`)

// gcTrace reads a GC trace: the largest heap a GC started at, the largest
// live heap one left, and how many GCs ran.
func gcTrace(b *testing.B, path string) (peak, live float64, gcs int) {
	b.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		b.Fatalf("read the console's GC trace: %v", err)
	}
	for _, m := range gcLine.FindAllStringSubmatch(string(text), -1) {
		start, _ := strconv.ParseFloat(m[1], 64)
		after, _ := strconv.ParseFloat(m[3], 64)
		peak, live, gcs = max(peak, start), max(live, after), gcs+1
	}
	return peak, live, gcs
}
