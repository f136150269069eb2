package console

import (
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/aws/fleet/fleettest"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

// stackWorld is the shared fixture stack (fleettest.World: one stack's
// running pieces in a sandbox, built through the real SDK as the steps
// build them) with the Fleet the console reads it through and the stack's
// state record with the outputs the console reads.
type stackWorld struct {
	*fleettest.World
	Fleet *fleet.Fleet
	Stack state.Stack

	outputs map[string]map[string]string
}

// worldOptions shape a stackWorld.
type worldOptions struct {
	name string // "demo" unless set
	size int
	// wallClock runs the sandbox on the real clock (the built binary's
	// sandbox does); otherwise it starts at fleettest.Base and moves only
	// with advance.
	wallClock bool
	dataDir   string
	// realistic makes AWS processes take AWS's time (speed 1) on the
	// fixed clock: boots, health checks and draining show in between.
	realistic bool
	// cpuAlarm is the threshold of the CPU alarm; 0 means 80.
	cpuAlarm float64
	// sb reuses a sandbox (a second stack for blue/green).
	sb  *sandbox.Sandbox
	cfg *sdk.Config
}

func newStackWorld(t testing.TB, o worldOptions) *stackWorld {
	t.Helper()
	w := &stackWorld{World: fleettest.New(t, fleettest.Options{
		Name: o.name, Size: o.size, WallClock: o.wallClock, DataDir: o.dataDir, Realistic: o.realistic,
		CPUAlarm: o.cpuAlarm, TreatMissingData: "notBreaching", Sandbox: o.sb, Cfg: o.cfg,
	})}
	w.Fleet = fleet.New(w.Cfg)
	if w.Fixed {
		w.Fleet = w.Fleet.WithClock(w.Now)
	}
	w.Stack = w.record0()
	return w
}

// record0 is the stack's state record as the steps leave it.
func (w *stackWorld) record0() state.Stack {
	w.outputs = map[string]map[string]string{
		"identity":      {"account": "123456789012", "region": "us-east-1"},
		"autoscaling":   {"asg_name": w.ASGName()},
		"load_balancer": {"lb_arn": w.LBARN, "lb_dns": w.LBDNS, "lb_zone_id": w.LBZone, "tg_arn": w.TGARN, "lb_dimension": w.LBDimension(), "tg_dimension": w.TGDimension()},
	}
	if w.Zone != "" {
		w.outputs["dns"] = map[string]string{"zone_id": w.Zone, "record_fqdn": w.Record}
	}
	st := state.Stack{Name: w.Name, Region: "us-east-1", AccountID: "123456789012", Steps: map[string]*state.StepRecord{}}
	for step, out := range w.outputs {
		st.Steps[step] = &state.StepRecord{Status: state.StepDone, Outputs: out}
	}
	return st
}

// save writes the stack's record into dir, as apply leaves it.
func (w *stackWorld) save(dir string) {
	w.T.Helper()
	st, err := state.OpenNew(dir, w.Name)
	w.Must(err, "state.OpenNew")
	unlock, err := st.Lock(w.Ctx, "test")
	w.Must(err, "lock")
	defer unlock()
	w.Must(st.SetIdentity("us-east-1", "123456789012"), "SetIdentity")
	for step, out := range w.outputs {
		w.Must(st.SetOutputs(step, out), "SetOutputs "+step)
		w.Must(st.SetStep(step, state.StepDone, nil), "SetStep "+step)
	}
	if w.Zone != "" {
		// The alias record, as the dns step records it: the blue/green
		// switch records itself on it.
		name := w.Record + "."
		attrs := map[string]string{"zone_id": w.Zone, "name": name, "type": "A", "target": strings.ToLower(w.LBDNS) + ".", "alias_zone": w.LBZone, "evaluate_target_health": "true"}
		_, err := st.RecordIntent(state.Intent{Key: "dns/record/A", Step: "dns", Type: "route53:record", Attrs: attrs})
		w.Must(err, "RecordIntent dns/record/A")
		w.Must(st.RecordCreated("dns/record/A", w.Zone+"/"+name+"/A", "", attrs), "RecordCreated dns/record/A")
	}
}
