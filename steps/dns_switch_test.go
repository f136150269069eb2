package steps

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// blueGreen is two stacks in one state dir and one sandbox: blue owns
// api.example.com (its dns step wrote it, in a zone it created), green has
// a load balancer and no record.
type blueGreen struct {
	env          *testEnv
	green        *state.Store
	greenUnlock  func() error
	blueSpec     *spec.Spec
	greenSpec    *spec.Spec
	zone         string
	blueLB       map[string]string
	greenLB      map[string]string
	record, name string
}

func newBlueGreen(t *testing.T) *blueGreen {
	t.Helper()
	env, net := newEdgeEnv(t, "blue", 2)
	bg := &blueGreen{env: env, record: "api.example.com", name: "api.example.com."}
	bg.blueSpec = env.spec("name: blue\ndns:\n  zone: example.com\n  record: api.example.com\n")
	bg.greenSpec = env.spec("name: green\n")
	mustApply(t, env, bg.blueSpec)
	bg.lockGreen(t)
	green := bg.green
	if err := green.SetOutputs(string(StepNetwork), map[string]string{"vpc_id": net.VPC, "vpc_cidr": "10.20.0.0/16",
		"azs": strings.Join(net.AZs, ","), "public_subnets": strings.Join(net.Subnets, ","), "private_subnets": ""}); err != nil {
		t.Fatal(err)
	}
	if err := green.SetOutputs(string(StepSecurity), map[string]string{"alb_sg": net.SG}); err != nil {
		t.Fatal(err)
	}
	if err := bg.greenEngine().Apply(testContext(t)); err != nil {
		t.Fatalf("apply green: %v", err)
	}
	bg.zone = outputs(t, env, StepDNS)["zone_id"]
	bg.blueLB = outputs(t, env, StepLoadBalancer)
	rec, _ := green.Step(string(StepLoadBalancer))
	bg.greenLB = rec.Outputs
	return bg
}

func (bg *blueGreen) lockGreen(t *testing.T) {
	t.Helper()
	s, err := state.OpenNew(bg.env.Dir, "green")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	bg.green, bg.greenUnlock = s, unlock
	t.Cleanup(func() { _ = unlock() })
}

func (bg *blueGreen) greenEngine() *Engine {
	return New(bg.greenSpec, bg.env.AWS, bg.green, bg.env.record, bg.env.Options)
}

// switchTo points blue's record at stack to's load balancer as the
// console does (the Fleet's switch), and records it in blue's record
// while neither stack's lock is held (the console holds none).
func (bg *blueGreen) switchTo(t *testing.T, to string) {
	t.Helper()
	ctx := testContext(t)
	lb := map[string]map[string]string{"blue": bg.blueLB, "green": bg.greenLB}[to]
	sw, err := fleet.New(bg.env.AWS.Config()).SwitchAlias(ctx, bg.zone, bg.record, fleet.SwitchTarget{DNSName: lb["lb_dns"], ZoneID: lb["lb_zone_id"]})
	if err != nil || sw.After == nil {
		t.Fatalf("switch to %s: %v (%+v)", to, err, sw)
	}
	if err := bg.env.unlock(); err != nil {
		t.Fatal(err)
	}
	if err := RecordAliasSwitch(ctx, bg.env.Dir, AliasSwitch{Owner: "blue", Record: bg.record, To: to,
		Target: sw.After.TargetDNS, TargetZone: sw.After.TargetZoneID, Types: sw.After.Types, At: time.Date(2026, 12, 4, 14, 30, 0, 0, time.UTC)}); err != nil {
		t.Fatalf("record the switch to %s: %v", to, err)
	}
	bg.env.reopen()
}

func (bg *blueGreen) pointsAt(t *testing.T, lb map[string]string) bool {
	t.Helper()
	cur, found, err := bg.env.AWS.DNS.Record(testContext(t), bg.zone, bg.name, "A")
	if err != nil || !found || cur.Alias == nil {
		t.Fatalf("record %s: found %v, %v", bg.name, found, err)
	}
	return sameAliasHost(cur.Alias.DNSName, lb["lb_dns"])
}

func reportOf(rep *StatusReport, typ string) ResourceReport {
	for _, r := range rep.Resources {
		if r.Type == typ {
			return r
		}
	}
	return ResourceReport{}
}

// TestAliasSwitchedByTheConsoleIsARecordedFact: after the console points
// blue's name at green, status of both stacks is healthy and says where
// the traffic goes, apply of blue keeps the record on green and says so,
// destroy of green refuses while blue's name sends it traffic, switching
// back clears the fact, and destroy of blue deletes its switched record
// and its zone, saying where the record pointed.
func TestAliasSwitchedByTheConsoleIsARecordedFact(t *testing.T) {
	bg := newBlueGreen(t)
	env := bg.env
	ctx := testContext(t)
	bg.switchTo(t, "green")
	if !bg.pointsAt(t, bg.greenLB) {
		t.Fatal("the switch did not point the record at green")
	}

	rep, err := env.engine(bg.blueSpec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rr := reportOf(rep, typeRecord)
	if rep.Verdict != VerdictHealthy || !strings.Contains(rr.State, "switched to stack green") || !strings.Contains(rr.State, strings.ToLower(bg.greenLB["lb_dns"])) || len(rr.Drift) != 0 {
		t.Errorf("status of blue after the switch: verdict %s, record %+v; want healthy and the switch to green as its state", rep.Verdict, rr)
	}
	rep, err = bg.greenEngine().Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lb := reportOf(rep, typeLoadBalancer); rep.Verdict != VerdictHealthy || !strings.Contains(lb.State, "receives api.example.com (stack blue's alias") {
		t.Errorf("status of green after the switch: verdict %s, load balancer %+v; want healthy and naming blue's alias", rep.Verdict, lb)
	}

	// Apply of blue keeps the record on green and says so once.
	before := len(env.Events())
	mustApply(t, env, bg.blueSpec)
	if !bg.pointsAt(t, bg.greenLB) {
		t.Error("apply of blue flipped the record back to blue")
	}
	said := 0
	for _, ev := range env.Events()[before:] {
		if strings.Contains(ev.Message, "api.example.com stays on stack green's load balancer") && strings.Contains(ev.Message, "stackwiz --stack blue console") {
			said++
		}
	}
	if said != 1 {
		t.Errorf("apply of blue said %d times that the record stays on green, want once", said)
	}
	if p, err := env.engine(bg.blueSpec).Plan(ctx); err != nil || !p.Empty() {
		t.Errorf("plan of blue with its record switched = %+v, %v; want no changes", p, err)
	}

	// Destroy of green refuses and deletes nothing.
	err = bg.greenEngine().Destroy(ctx)
	if !errors.Is(err, ErrAliasHeld) {
		t.Fatalf("destroy of green = %v, want the refusal", err)
	}
	for _, want := range []string{"alias api.example.com of stack blue", "stackwiz --stack blue console", "destroy stack blue first", "nothing was deleted"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal %q does not say %q", err, want)
		}
	}
	if _, found, err := env.AWS.LB.LoadBalancer(ctx, bg.greenLB["lb_arn"]); err != nil || !found {
		t.Fatalf("green's load balancer after the refusal: found %v, %v", found, err)
	}

	// Switching back clears the fact.
	bg.switchTo(t, "blue")
	if rec, _ := env.Store.Resource(aliasKey("A")); rec.Attrs[attrSwitchedTo] != "" || rec.Attrs[attrSwitchedTarget] != "" {
		t.Errorf("switching back left the switch recorded: %v", rec.Attrs)
	}
	rep, err = env.engine(bg.blueSpec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rr := reportOf(rep, typeRecord); rep.Verdict != VerdictHealthy || strings.Contains(rr.State, "switched") {
		t.Errorf("status of blue after switching back: verdict %s, record %+v", rep.Verdict, rr)
	}

	// Destroy of blue (the owner) deletes its record wherever it points,
	// says so, and its zone goes with it.
	bg.switchTo(t, "green")
	before = len(env.Events())
	if err := env.engine(bg.blueSpec).Destroy(ctx); err != nil {
		t.Fatalf("destroy of blue with its record on green: %v", err)
	}
	said = 0
	for _, ev := range env.Events()[before:] {
		if strings.Contains(ev.Message, "api.example.com points at stack green's load balancer") {
			said++
		}
	}
	if said == 0 {
		t.Error("destroy of blue did not say that its record pointed at green")
	}
	if z, found, err := env.AWS.DNS.Zone(ctx, bg.zone); err != nil || found {
		t.Errorf("blue's zone after its destroy: %+v found %v, %v", z, found, err)
	}
	if _, err := env.Store.Delete(); err != nil {
		t.Fatal(err)
	}
	if err := bg.greenEngine().Destroy(ctx); err != nil {
		t.Fatalf("destroy of green once blue is gone: %v", err)
	}
	mustHaveNoEdge(t, env)
}
