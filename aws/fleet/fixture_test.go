package fleet

import (
	"testing"

	"github.com/stackwiz/stackwiz/aws/fleet/fleettest"
)

// fleetWorld is the shared fixture stack (fleettest.World: a sandbox
// served over HTTP holding one stack's running pieces) with the Fleet
// under test, on the fixture's clock, and the stack's Ref.
type fleetWorld struct {
	*fleettest.World
	Fleet  *Fleet
	Target Ref
}

// newFleetWorld builds the stack with size instances (min = desired =
// size), another stack's alarm beside its own, and the alias record.
func newFleetWorld(t testing.TB, size int) *fleetWorld {
	t.Helper()
	w := &fleetWorld{World: fleettest.New(t, fleettest.Options{Size: size, MinSize: size, ForeignAlarm: true})}
	w.Fleet = New(w.Cfg).WithClock(w.Now)
	w.Target = Ref{
		ASGName: w.ASGName(), TargetGroupARN: w.TGARN, LoadBalancerARN: w.LBARN,
		LBDimension: w.LBDimension(), TGDimension: w.TGDimension(),
		AlarmPrefix: w.Name + "-", ZoneID: w.Zone, RecordFQDN: w.Record,
	}
	return w
}
