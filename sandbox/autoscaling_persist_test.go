package sandbox

import (
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// TestGroupSurvivesARestartAndKeepsReconciling: a group launched just
// before the sandbox stops comes back with the same pending instances,
// which then come into service.
func TestGroupSurvivesARestartAndKeepsReconciling(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { o.Latency, o.Speed, o.DataDir = LatencyRealistic, 1, dir }
	w := newASGWorld(t, withData)
	w.createGroup("web", 2, 2, 2)
	before := w.group("web")
	if countState(before, "Pending") != 2 {
		t.Fatalf("before the restart: %s, want 2 pending", groupString(before))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	ts := newTestSandbox(t, withData)
	again := &asgWorld{testSandbox: ts, t: t, ctx: testCtx(t), as: autoscaling.NewFromConfig(ts.Cfg)}
	g := again.group("web")
	if !slices.Equal(instanceIDs(g), instanceIDs(before)) || countState(g, "Pending") != 2 {
		t.Fatalf("after the restart: %s, want %v still pending", groupString(g), instanceIDs(before))
	}
	again.Advance(time.Minute)
	if g := again.group("web"); countState(g, "InService") != 2 || !slices.Equal(instanceIDs(g), instanceIDs(before)) {
		t.Fatalf("a minute after the restart: %s", groupString(g))
	}
	acts := again.activities("web")
	if len(acts) != 2 || *acts[0].Progress != 100 {
		t.Fatalf("activities after the restart: %d, newest at %d%%", len(acts), aws.ToInt32(acts[0].Progress))
	}
}
