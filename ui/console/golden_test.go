package console

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// goldenWorld is the stack the goldens show: four instances on AWS's
// real timings (speed 1 on a fixed clock), half an hour of CPU history, a
// CPU alarm firing, one instance whose app failed and was replaced, and an
// instance refresh to a new launch template version under way. Every id,
// time and metric is a function of that story, so the goldens are stable.
func goldenWorld(t *testing.T) *stackWorld {
	t.Helper()
	w := newStackWorld(t, worldOptions{size: 4, realistic: true, cpuAlarm: 15})
	for range 30 {
		w.Advance(time.Minute)
	}
	g := w.DescribeGroup()
	if err := w.SB.SetAppHealth(*g.Instances[1].InstanceId, false); err != nil {
		t.Fatal(err)
	}
	w.NewTemplateVersion()
	if _, err := w.Fleet.StartInstanceRefresh(w.Ctx, "demo-asg", fleet.RefreshOptions{MinHealthyPercentage: 75}); err != nil {
		t.Fatal(err)
	}
	for range 8 {
		w.Advance(10 * time.Second)
		w.DescribeGroup()
	}
	return w
}

// TestGoldenViews runs the console as a program (teatest) on the golden
// stack, opens each view at 80x24 and 120x40, and compares what it draws,
// without colours, with testdata/TestGoldenViews/<view>_<size>.golden
// (go test ./ui/console -run TestGoldenViews -update rewrites them; review
// the diff like code).
func TestGoldenViews(t *testing.T) {
	w := goldenWorld(t)
	type goldenCase struct {
		name string
		keys []string
		// own is true for a case that changes the stack: it gets a world
		// of its own.
		own bool
	}
	// Every panel, by its digit key, so a new panel has its golden: the
	// file is named after the panel ("Load balancer": load_balancer).
	var cases []goldenCase
	for i, p := range panels {
		c := goldenCase{name: strings.ReplaceAll(strings.ToLower(p.name()), " ", "_")}
		switch {
		case i == 0: // the console opens on it
		case c.name == "log":
			// The log after an action: capacity 2, confirmed.
			c.keys, c.own = []string{"c", "tab", "backspace", "1", "2", "enter", tabDigits()[i]}, true
		default:
			c.keys = []string{tabDigits()[i]}
		}
		cases = append(cases, c)
	}
	cases = slices.Insert(cases, 1, goldenCase{"instances_detail", []string{"enter"}, false})
	cases = append(cases,
		goldenCase{"capacity_dialog", []string{"c", "backspace", "2"}, false},
		goldenCase{"policies_dialog", []string{"t", "down", "down", "space", "K"}, false},
	)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s_%dx%d", c.name, size[0], size[1]), func(t *testing.T) {
				world := w
				if c.own {
					world = goldenWorld(t)
				}
				done := func(*Model) bool { return true }
				if c.name == "log" {
					// The action's answer arrives as a command: wait for the log.
					done = func(m *Model) bool { return len(m.log) == 1 && m.acting == "" && !m.refresh.inflight }
				}
				h := &host{c: newConsole(t, world, time.Hour, ""), script: c.keys, done: done}
				tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(size[0], size[1]))
				fm := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*host)
				out := ansi.Strip(fm.c.View(size[0], size[1]))
				if lines := strings.Count(out, "\n") + 1; lines != size[1] {
					t.Fatalf("view is %d lines, want %d", lines, size[1])
				}
				golden.RequireEqual(t, []byte(out))
			})
		}
	}
}
