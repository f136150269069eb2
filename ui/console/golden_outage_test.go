package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestGoldenOutage: when no target behind the load balancer is healthy —
// here both apps fail their health checks while the group is otherwise
// in service — the console's first line is the outage, in the bad tone,
// before the stack line, and it never reads "starting". Compared with
// testdata/TestGoldenOutage/<size>.golden (-update rewrites them).
func TestGoldenOutage(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	for _, in := range w.DescribeGroup().Instances {
		if err := w.SB.SetAppHealth(*in.InstanceId, false); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		w.Advance(30 * time.Second)
		if w.HealthyTargets() == 0 {
			break
		}
	}
	if n := w.HealthyTargets(); n != 0 {
		t.Fatalf("%d targets still healthy after their apps failed", n)
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			h := &host{c: newConsole(t, w, time.Hour, ""), done: func(*Model) bool { return true }}
			tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(size[0], size[1]))
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*host)
			if v := fm.c.verdict; !v.outage() || v.tone != toneBad {
				t.Errorf("verdict %s (tone %d), want OUTAGE in the bad tone", v, v.tone)
			}
			out := ansi.Strip(fm.c.View(size[0], size[1]))
			first := strings.SplitN(out, "\n", 2)[0]
			if !strings.HasPrefix(first, "■ OUTAGE: no healthy target behind the load balancer") {
				t.Errorf("the first line is %q, want the outage", first)
			}
			if strings.Contains(out, "starting") {
				t.Errorf("an outage reads as starting:\n%s", out)
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}
