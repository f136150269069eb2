package console

import (
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
)

// BenchmarkInstancesView1000 measures the console with a 1,000-instance
// group: drawing the Instances view (what every key press and refresh
// costs), and building the rows when a snapshot arrives (once per
// refresh). Run: go test ./ui/console -run '^$' -bench InstancesView1000
func BenchmarkInstancesView1000(b *testing.B) {
	w := newStackWorld(b, worldOptions{size: 1000})
	w.Advance(30 * time.Minute)
	m := newConsole(b, w, time.Hour, "")
	var snap *fleet.Snapshot
	for range 2 { // two snapshots: 500 sparklines each
		s, err := w.Fleet.Snapshot(w.Ctx, m.target, fleet.SnapshotOptions{Prev: snap})
		if err != nil {
			b.Fatal(err)
		}
		snap = s
	}
	m.setSnapshot(snap, nil)
	m.refresh.updated = w.Now()
	if n := len(m.tables[viewInstances].view); n != 1000 {
		b.Fatalf("%d rows", n)
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"render_80x24", 80, 24}, {"render_120x40", 120, 40}, {"render_240x70", 240, 70}} {
		b.Run(size.name, func(b *testing.B) {
			for b.Loop() {
				m.View(size.w, size.h)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/render")
		})
	}
	b.Run("render_120x40_scrolling_with_detail", func(b *testing.B) {
		m.detail = true
		defer func() { m.detail = false }()
		t := m.tables[viewInstances]
		for b.Loop() {
			t.move(1, m.bodyRows-1)
			if t.cursor == len(t.view)-1 {
				t.cursor = 0
			}
			m.View(120, 40)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/render")
	})
	b.Run("prepare_in_the_fetch_command", func(b *testing.B) {
		for b.Loop() {
			prepare(snap, m.stack)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/snapshot")
	})
	b.Run("arrival_in_update", func(b *testing.B) {
		v := prepare(snap, m.stack)
		for b.Loop() {
			m.setSnapshot(snap, v)
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/snapshot")
	})
	b.Run("filter_keystroke", func(b *testing.B) {
		for b.Loop() {
			m.filter.SetValue("i-0a")
			m.applyFilter()
			m.filter.SetValue("")
			m.applyFilter()
		}
	})
}
