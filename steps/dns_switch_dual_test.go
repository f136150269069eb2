package steps

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/state"
)

// TestAliasSwitchFromDualstackToIPv4AndBack: blue is dualstack (A and
// AAAA aliases), green IPv4 only. The console's switch to green removes
// the AAAA alias (IPv6 clients would stay on blue otherwise); the record
// keeps that as part of the fact, so status of blue is healthy and apply
// does not bring the AAAA back. Switching back restores both aliases and
// clears the fact; status is clean and another apply changes nothing.
func TestAliasSwitchFromDualstackToIPv4AndBack(t *testing.T) {
	env := newTestEnv(t, "dual")
	ctx := testContext(t)
	blue := dualSpec(t, env, dualstackYAML)
	if err := env.engine(blue).Apply(ctx); err != nil {
		t.Fatalf("apply blue: %v", err)
	}
	green, err := state.OpenNew(env.Dir, "green")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := green.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unlock() }()
	greenSpec := dualSpec(t, env, "name: green\nregion: us-east-1\nnetwork: {vpc: default}\nalarms: {encrypt_topic: false}\n")
	if err := New(greenSpec, env.AWS, green, env.record, env.Options).Apply(ctx); err != nil {
		t.Fatalf("apply green: %v", err)
	}
	zone := outputs(t, env, StepDNS)["zone_id"]
	lbOf := func(s *state.Store) string { rec, _ := s.Step(string(StepLoadBalancer)); return rec.Outputs["lb_arn"] }
	switchTo := func(to string, s *state.Store) {
		t.Helper()
		target, err := fleet.New(env.AWS.Config()).LoadBalancerAlias(ctx, lbOf(s))
		if err != nil {
			t.Fatal(err)
		}
		sw, err := fleet.New(env.AWS.Config()).SwitchAlias(ctx, zone, "www.example.com", target)
		if err != nil {
			t.Fatalf("switch to %s: %v", to, err)
		}
		if err := env.unlock(); err != nil {
			t.Fatal(err)
		}
		if err := RecordAliasSwitch(ctx, env.Dir, AliasSwitch{Owner: "dual", Record: "www.example.com", To: to, Target: sw.After.TargetDNS,
			TargetZone: sw.After.TargetZoneID, Types: sw.After.Types, At: time.Now()}); err != nil {
			t.Fatalf("record the switch to %s: %v", to, err)
		}
		env.reopen()
	}

	switchTo("green", green)
	if got := strings.Join(aliasesAt(t, env, zone), ","); got != "A" {
		t.Fatalf("after the switch to IPv4-only green the name has %q, want A alone", got)
	}
	rep, err := env.engine(blue).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status of blue after the switch: %v\n%s", err, describeReport(rep))
	}
	for _, rr := range rep.Resources {
		if rr.Key == aliasKey("AAAA") && !strings.Contains(rr.State, "removed by the console's switch to stack green") {
			t.Errorf("the AAAA alias's report: %+v", rr)
		}
	}
	if err := env.engine(blue).Apply(ctx); err != nil {
		t.Fatalf("apply blue after the switch: %v", err)
	}
	if got := strings.Join(aliasesAt(t, env, zone), ","); got != "A" {
		t.Errorf("apply of blue brought its aliases back to %q while the switch holds", got)
	}
	if cur, _, _ := env.AWS.DNS.Record(ctx, zone, "www.example.com.", "A"); cur.Alias == nil || !strings.Contains(cur.Alias.DNSName, "green-alb-") {
		t.Errorf("apply of blue moved the A alias to %+v", cur.Alias)
	}

	switchTo("dual", env.Store)
	if got := strings.Join(aliasesAt(t, env, zone), ","); got != "A,AAAA" {
		t.Errorf("switching back to dualstack blue left %q, want A,AAAA", got)
	}
	rep, err = env.engine(blue).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status of blue after switching back: %v\n%s", err, describeReport(rep))
	}
	before := env.Mutations()
	if err := env.engine(blue).Apply(ctx); err != nil {
		t.Fatalf("apply blue after switching back: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("apply after switching back made %d mutating requests, want 0", n)
	}
}

// aliasesAt lists the alias record types www.example.com has in zone.
func aliasesAt(t *testing.T, env *testEnv, zone string) []string {
	t.Helper()
	rs, err := env.AWS.DNS.RecordsNamed(testContext(t), zone, "www.example.com.")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		if r.Alias != nil {
			out = append(out, r.Type)
		}
	}
	slices.Sort(out)
	return out
}
