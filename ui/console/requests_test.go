package console

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/sandbox"
)

// refreshWindow is a minute of the console's 5-second refresh: every part
// with a cadence of a minute or less is read in it at least once.
const refreshWindow = 12

// windowFigures are the requests a window of refreshes made.
type windowFigures struct {
	total    int
	byOp     []string
	changing int // refreshes that found the group changing
}

func (f windowFigures) perRefresh() float64 { return float64(f.total) / refreshWindow }

func (f windowFigures) String() string {
	return fmt.Sprintf("%.2f per refresh (%d in %d: %s)", f.perRefresh(), f.total, refreshWindow, strings.Join(f.byOp, ", "))
}

// window runs refreshWindow refreshes of the console 5 s apart, as its
// ticks do, and counts what the sandbox served for them. After each, it
// checks what the console shows against the parts' ages: a part older
// than the refresh says so in its panel.
func (d *driver) window(w *stackWorld) windowFigures {
	d.t.Helper()
	w.SB.ResetStats()
	var f windowFigures
	for range refreshWindow {
		w.Advance(5 * time.Second)
		d.send(d.ticks[len(d.ticks)-1])
		s := d.m.snap
		if d.m.refresh.lastErr != nil {
			d.t.Fatalf("refresh failed: %v", d.m.refresh.lastErr)
		}
		if s.Changing != "" {
			f.changing++
		}
		d.checkAges()
	}
	st := w.SB.Stats()
	f.total = st.Total
	for svc, ops := range st.ByService {
		for op, n := range ops {
			f.byOp = append(f.byOp, fmt.Sprintf("%s:%s %d", svc, op, n))
		}
	}
	sort.Strings(f.byOp)
	return f
}

// checkAges asserts that the instances, activity and load balancer views
// name the age of their parts when they are older than the refresh, and
// do not when they are as fresh.
func (d *driver) checkAges() {
	d.t.Helper()
	s := d.m.snap
	show := func(v view) string {
		d.m.tab = v
		defer func() { d.m.tab = viewInstances }()
		return d.m.View(200, 40)
	}
	inst := show(viewInstances)
	for _, p := range []fleet.Part{fleet.PartInstances, fleet.PartMetrics} {
		old := s.ReadAt(p).Before(s.TakenAt)
		want := fmt.Sprintf("%s read %s ago", partLabels[p], ago(d.m.now().Sub(s.ReadAt(p))))
		if shown := strings.Contains(inst, want); shown != old {
			d.t.Errorf("snapshot %d: %s read %s before the refresh; the instances view says %q: %v", s.Seq, p, s.TakenAt.Sub(s.ReadAt(p)), want, shown)
		}
	}
	act := show(viewActivity)
	oldest := s.ReadAt(fleet.PartActivities)
	if r := s.ReadAt(fleet.PartRefreshes); r.Before(oldest) {
		oldest = r
	}
	old := oldest.Before(s.TakenAt)
	want := "Activity read " + ago(d.m.now().Sub(oldest)) + " ago"
	if shown := strings.Contains(act, want); shown != old {
		d.t.Errorf("snapshot %d: activities older than the refresh = %v, the activity view says %q = %v", s.Seq, old, want, shown)
	}
	lb := show(viewLB)
	if want := "Read at " + clock(s.LB.ReadAt, d.m.now()) + " (" + ago(d.m.now().Sub(s.LB.ReadAt)) + " ago)"; !strings.Contains(lb, want) {
		d.t.Errorf("snapshot %d: the load balancer view does not say %q", s.Seq, want)
	}
}

// The bar, through the console: a refresh costs at most 5 AWS
// requests on average over a minute, for a group of 10, 100 or 1,000
// instances, and no panel claims a freshness its part does not have.
// During a scale-out (a tenth more instances, on AWS's timings) the cost
// is logged beside it.
func TestRefreshCostsAtMostFiveRequestsOnAverage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1,000-instance group")
	}
	type figures struct {
		first            int
		steady, scaleOut windowFigures
	}
	got := map[int]figures{}
	for _, size := range []int{10, 100, 1000} {
		w := newStackWorld(t, worldOptions{size: size})
		d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
		w.SB.ResetStats()
		d.start()
		var f figures
		f.first = w.SB.Stats().Total
		if len(d.m.snap.Instances) != size || len(d.m.tables[viewInstances].view) != size {
			t.Fatalf("%d: the first refresh shows %d instances", size, len(d.m.tables[viewInstances].view))
		}
		f.steady = d.window(w)
		if f.steady.changing > 0 {
			t.Errorf("%d: a steady group was seen changing on %d refreshes", size, f.steady.changing)
		}

		w.Must(w.SB.SetFaults(sandbox.Faults{Latency: "realistic", Speed: 1}), "SetFaults")
		g := d.m.snap.Group
		w.Must(w.Fleet.SetCapacity(w.Ctx, g.Name, g.Min, g.Desired+max(1, size/10), g.Max), "SetCapacity")
		f.scaleOut = d.window(w)
		if f.scaleOut.changing < refreshWindow/2 {
			t.Errorf("%d: the scale-out was seen changing on %d of %d refreshes", size, f.scaleOut.changing, refreshWindow)
		}
		if n := len(d.m.tables[viewInstances].view); n != g.Desired+max(1, size/10) {
			t.Errorf("%d: after the scale-out the instances view has %d rows", size, n)
		}
		t.Logf("%4d instances: first refresh %d requests; steady %s", size, f.first, f.steady)
		t.Logf("%4d instances: scale-out +%d, changing on %d of %d refreshes: %s", size, max(1, size/10), f.scaleOut.changing, refreshWindow, f.scaleOut)
		got[size] = f
	}
	for size, f := range got {
		if f.steady.perRefresh() > 5 {
			t.Errorf("%d instances: %.2f requests per refresh in steady state, want ≤ 5", size, f.steady.perRefresh())
		}
	}
}
