package console

import (
	"testing"
	"time"
)

// The bar, through the console: a refresh costs the same number of
// AWS requests for a group of 10, 100 or 1,000 instances.
func TestRefreshRequestsDoNotGrowWithTheGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 1,000-instance group")
	}
	perRefresh := map[int]int{}
	for _, size := range []int{10, 100, 1000} {
		w := newStackWorld(t, worldOptions{size: size})
		d := newDriver(t, newConsole(t, w, 5*time.Second, ""))
		d.start()
		w.advance(5 * time.Second)
		w.SB.ResetStats()
		d.send(d.ticks[len(d.ticks)-1])
		st := w.SB.Stats()
		if len(d.m.snap.Instances) != size || d.m.snap.Seq != 1 {
			t.Fatalf("%d: refresh holds %d instances, seq %d", size, len(d.m.snap.Instances), d.m.snap.Seq)
		}
		if n := len(d.m.tables[viewInstances].view); n != size {
			t.Fatalf("%d: the instances view has %d rows", size, n)
		}
		t.Logf("%4d instances: %d requests per refresh %v", size, st.Total, st.ByService)
		perRefresh[size] = st.Total
	}
	if perRefresh[10] != perRefresh[100] || perRefresh[10] != perRefresh[1000] || perRefresh[10] != 9 {
		t.Errorf("requests per refresh by group size = %v, want 9 for each", perRefresh)
	}
}
