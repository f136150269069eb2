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

	"github.com/stackwiz/stackwiz/sandbox"
)

// TestGoldenDenied runs the console as a program on a stack whose caller
// may not read CloudWatch (the sandbox's deny fault, answered with
// CloudWatch's own AccessDenied) and compares what it draws with
// testdata/TestGoldenDenied/<view>_<size>.golden (-update rewrites them).
// Beyond the goldens it checks the promises: the instances show, the CPU
// column says ? rather than nothing, the alarms panel names the action to
// allow, its tab is marked, and the header neither claims health nor says
// STALE for a gap that asking again will not close.
func TestGoldenDenied(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	for range 10 {
		w.Advance(time.Minute)
	}
	if err := w.SB.SetFaults(sandbox.Faults{Deny: []string{"cloudwatch:*"}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		keys []string
		size [2]int
		want []string
	}{
		{"instances", nil, [2]int{120, 40}, []string{
			"? CPU hidden: cloudwatch:GetMetricData denied — allow it (docs/iam-policy.json)",
		}},
		{"alarms", []string{"4"}, [2]int{120, 40}, []string{
			"Alarms hidden: cloudwatch:DescribeAlarms denied — allow it (docs/iam-policy.json)",
			"asked again every 1m",
		}},
		{"alarms", []string{"4"}, [2]int{80, 24}, []string{"Alarms hidden: cloudwatch:DescribeAlarms denied"}},
	}
	for _, c := range cases {
		width, height := c.size[0], c.size[1]
		t.Run(fmt.Sprintf("%s_%dx%d", c.name, width, height), func(t *testing.T) {
			h := &host{c: newConsole(t, w, time.Hour, ""), script: c.keys, done: func(*Model) bool { return true }}
			tm := teatest.NewTestModel(t, h, teatest.WithInitialTermSize(width, height))
			fm := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second)).(*host)
			out := ansi.Strip(fm.c.View(width, height))
			if lines := strings.Count(out, "\n") + 1; lines != height {
				t.Fatalf("view is %d lines, want %d", lines, height)
			}
			head := strings.Join(strings.SplitN(out, "\n", 4)[:3], "\n")
			for _, want := range append(c.want, "partial: 1 panel unavailable (Alarms)", "4 Alarms "+gapMark) {
				if !strings.Contains(out, want) {
					t.Errorf("the console does not show %q:\n%s", want, out)
				}
			}
			for _, bad := range []string{"STALE", "healthy:", "no alarm firing"} {
				if strings.Contains(head, bad) {
					t.Errorf("the header says %q with CloudWatch denied:\n%s", bad, head)
				}
			}
			if c.name == "instances" {
				for _, in := range fm.c.snap.Instances {
					row := rowOf(out, in.ID)
					f := strings.Fields(row)
					if len(f) < 6 || f[2] != "InService" || f[4] != "healthy" || !slices.Contains(f[5:], "?") {
						t.Errorf("instance %s: row %q, want it listed with ? for CPU", in.ID, row)
					}
				}
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}

// rowOf is the line of out that holds id.
func rowOf(out, id string) string {
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, id+" ") {
			return l
		}
	}
	return ""
}

// A gap is not a failed refresh: the header stays live (no STALE, no
// retry countdown), and the denied part is not asked on the next tick.
func TestDeniedPanelIsNotStaleAndNotAskedEveryRefresh(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	if err := w.SB.SetFaults(sandbox.Faults{Deny: []string{"elasticloadbalancing:DescribeTargetHealth"}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
	d.start()
	for range 3 {
		w.Advance(5 * time.Second)
		w.SB.ResetStats()
		d.send(d.ticks[len(d.ticks)-1])
		if n := w.SB.Stats().Count("elasticloadbalancing", "DescribeTargetHealth"); n != 0 {
			t.Errorf("a refresh 5 s later asked DescribeTargetHealth %d times", n)
		}
	}
	if st := d.m.status(true); strings.Contains(st.text, "STALE") || strings.Contains(st.text, "retry") {
		t.Errorf("status = %q: a denied part is no stale refresh", st.text)
	}
	v := d.m.verdict
	if v.word != "partial" || !strings.Contains(v.String(), "1 panel unavailable (Targets)") || strings.Contains(v.String(), "down") {
		t.Errorf("verdict = %q, want partial naming Targets and no down from targets it cannot see", v.String())
	}
	d.keys("2")
	out := ansi.Strip(d.m.View(120, 40))
	if !strings.Contains(out, "Target health hidden: elasticloadbalancing:DescribeTargetHealth denied — allow it (docs/iam-policy.json)") {
		t.Errorf("targets panel:\n%s", out)
	}
	d.keys("1")
	out = ansi.Strip(d.m.View(120, 40))
	for _, in := range d.m.snap.Instances {
		if f := strings.Fields(rowOf(out, in.ID)); len(f) < 5 || f[2] != "InService" || f[4] != "?" {
			t.Errorf("instance %s: row %q, want TARGET ?", in.ID, rowOf(out, in.ID))
		}
	}
}

// A part inside a panel that shows (the alias record in the load balancer
// view) gets its line in its section; the rest of the panel stays.
func TestDeniedRecordIsALineInTheLoadBalancerView(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	if err := w.SB.SetFaults(sandbox.Faults{Deny: []string{"route53:*"}}); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
	d.start()
	d.keys("3")
	out := ansi.Strip(d.m.View(120, 40))
	for _, want := range []string{"Load balancer  demo-alb", "HTTP:80", "3 Load balancer  4 Alarms",
		"Record         Alias record hidden: route53:ListResourceRecordSets denied — allow it (docs/iam-policy.json)"} {
		if !strings.Contains(out, want) {
			t.Errorf("the load balancer view does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "no A/AAAA record found") {
		t.Errorf("a record it may not read is called missing:\n%s", out)
	}
	if v := d.m.verdict.String(); !strings.HasPrefix(v, "partial: Alias record hidden") {
		t.Errorf("verdict = %q", v)
	}
}
