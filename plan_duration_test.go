package main

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/steps"
)

// planDuration is the duration part of `plan --json`.
type planDuration struct {
	Seconds float64 `json:"seconds"`
	Path    []struct {
		Step    string  `json:"step"`
		Wait    string  `json:"wait"`
		Seconds float64 `json:"seconds"`
	} `json:"path"`
	Note string `json:"note"`
}

func planDurationOf(t *testing.T, w *world, dir, spec string) planDuration {
	t.Helper()
	r, _ := w.stackwiz(t, dir, 0, "plan", "-f", spec, "--json")
	if r.code != 0 {
		t.Fatalf("plan --json exited %d\n%s", r.code, r.stderr)
	}
	var doc struct {
		Duration planDuration `json:"duration"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("plan --json: %v\n%s", err, r.stdout)
	}
	return doc.Duration
}

// The tolerance of plan's estimate against the critical path written
// independently in bench_test.go (AWS's own dependencies, not the
// engine's graph). The estimate is never below it: apply cannot beat AWS.
// Above it, it may be by what the engine's scheduling adds; since steps
// start on the outputs they read (steps/schedule.go) both examples
// estimate 1.00 × the path. The bound is the apply target, 1.10.
const estimateOverPath = 1.10

// TestPlanSaysHowLongApplyTakes: plan of each example prints the expected
// duration on AWS and the chain of waits that sets it, in text and JSON;
// the figure agrees with the benchmark's independently written critical
// path within estimateOverPath; once applied, plan says there is nothing
// to wait for.
func TestPlanSaysHowLongApplyTakes(t *testing.T) {
	for _, example := range []string{"minimal", "ha"} {
		t.Run(example, func(t *testing.T) {
			w := newWorld(t)
			dir := t.TempDir()
			spec := examplePath(t, example)
			if example == "ha" {
				spec = haSpec(t, t.TempDir())
			}
			d := planDurationOf(t, w, dir, spec)
			if len(d.Path) == 0 || d.Note == "" {
				t.Fatalf("plan --json of %s: no critical path or note: %+v", example, d)
			}
			var sum float64
			for _, l := range d.Path {
				sum += l.Seconds
			}
			if sum != d.Seconds {
				t.Errorf("the path's waits add up to %v s, the estimate is %v s", sum, d.Seconds)
			}
			path, chain := criticalPath(applyGraph(example))
			ratio := d.Seconds / path.Seconds()
			t.Logf("%s: plan estimates %v s; the independent critical path is %v s (%s); ratio %.2f",
				example, d.Seconds, path.Seconds(), strings.Join(chain, " → "), ratio)
			if ratio < 1 || ratio > estimateOverPath {
				t.Errorf("plan estimates %v s for %s, the critical path is %v s: ratio %.2f, want within [1, %.2f]",
					d.Seconds, example, path.Seconds(), ratio, estimateOverPath)
			}

			r, _ := w.stackwiz(t, dir, 0, "plan", "-f", spec)
			if r.code != 0 {
				t.Fatalf("plan exited %d\n%s", r.code, r.stderr)
			}
			total := steps.ShortDuration(time.Duration(d.Seconds) * time.Second)
			if !strings.Contains(r.stdout, "Time: apply takes ≈ "+total+" on AWS") {
				t.Errorf("plan's text does not say apply takes ≈ %s:\n%s", total, r.stdout)
			}
			for _, l := range d.Path {
				if !regexp.MustCompile(regexp.QuoteMeta(l.Step) + ` +` + regexp.QuoteMeta(l.Wait)).MatchString(r.stdout) {
					t.Errorf("plan's text lacks the path's wait %s: %s:\n%s", l.Step, l.Wait, r.stdout)
				}
			}

			if example == "minimal" {
				if r, _ := w.stackwiz(t, dir, 0, "apply", "-f", spec, "--yes"); r.code != 0 {
					t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
				}
				if d := planDurationOf(t, w, dir, spec); d.Seconds != 0 || len(d.Path) != 0 {
					t.Errorf("plan after apply: %v s along %d waits, want nothing to wait for", d.Seconds, len(d.Path))
				}
				r, _ := w.stackwiz(t, dir, 0, "plan", "-f", spec)
				if !strings.Contains(r.stdout, "apply waits for nothing AWS takes long over") {
					t.Errorf("plan after apply does not say there is nothing to wait for:\n%s", r.stdout)
				}
			}
		})
	}
}

// etaLine is a step's start line in apply's progress and its ETA.
var etaLine = regexp.MustCompile(`▶ .*  (?:≈ (\d+) min|(< 1 min)) left$`)

// TestApplyProgressCountsDownAlongThePath: every step's start line in the
// binary's apply progress ends with the time left; the first says the
// plan's estimate, and it only ever counts down.
func TestApplyProgressCountsDownAlongThePath(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	spec := haSpec(t, t.TempDir())
	d := planDurationOf(t, w, dir, spec)
	r, _ := w.stackwiz(t, dir, 0, "apply", "-f", spec, "--yes")
	if r.code != 0 {
		t.Fatalf("apply exited %d\n%s", r.code, r.stderr)
	}
	var left []int
	for line := range strings.Lines(r.stderr) {
		line = strings.TrimRight(line, "\n")
		if !strings.Contains(line, "▶ ") {
			continue
		}
		m := etaLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("a step's start line has no time left: %q", line)
			continue
		}
		n := 0
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		}
		left = append(left, n)
	}
	if len(left) < 5 {
		t.Fatalf("apply printed %d step start lines:\n%s", len(left), r.stderr)
	}
	first := "≈ " + steps.Minutes(time.Duration(d.Seconds)*time.Second)
	if want, _ := strconv.Atoi(strings.Fields(first)[1]); left[0] != want {
		t.Errorf("the first step starts with %d min left, want the plan's %s", left[0], first)
	}
	for i := 1; i < len(left); i++ {
		if left[i] > left[i-1] {
			t.Errorf("the time left went up: %v\n%s", left, r.stderr)
			break
		}
	}
	if left[len(left)-1] >= left[0] {
		t.Errorf("the time left never counted down: %v\n%s", left, r.stderr)
	}
	t.Logf("minutes left at each step start: %v", left)
}
