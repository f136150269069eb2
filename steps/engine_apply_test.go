package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

// inventoryShape is the sandbox's resources by type and Name tag, the
// things an uninterrupted run must match exactly.
func inventoryShape(env *testEnv) []string {
	var out []string
	for _, it := range env.SB.Inventory() {
		out = append(out, it.Type+" "+it.Tags["Name"]+" "+it.Tags[TagKey])
	}
	slices.Sort(out)
	return out
}

func TestApplyBuildsOnceAndASecondApplyCallsNothingMutating(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	spec := env.spec(engineSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got := env.inventoryTypes(); got["ec2:vpc"] != 3 || got["ec2:securitygroup"]+got["ec2:security-group"] != 1 {
		t.Fatalf("inventory after apply = %v, want 3 VPCs and 1 security group", got)
	}
	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Fatalf("second apply made %d mutating requests, want 0", n)
	}
	for _, id := range []string{"identity", "vpcs", "groups"} {
		if rec, _ := env.Store.Step(id); rec.Status != state.StepDone {
			t.Errorf("step %s is %q, want done", id, rec.Status)
		}
	}
}

func TestApplyResumesAfterACrashAtEveryMutation(t *testing.T) {
	clean := newEngineEnv(t)
	ctx := testContext(t)
	if err := clean.engine(clean.spec(engineSpec)).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	want, total := inventoryShape(clean), clean.Mutations()
	if total < 5 {
		t.Fatalf("clean apply made only %d mutations; the test needs a real run", total)
	}
	for k := 1; k <= total; k++ {
		env := newEngineEnv(t)
		spec := env.spec(engineSpec)
		// The k-th answer is lost (testEnv.loseAnswer): the run must stop.
		if err := env.engine(spec).Apply(env.crashAfter(ctx, k)); err == nil {
			t.Fatalf("k=%d: apply survived its crash", k)
		}
		env.noCrash()
		env.reopen() // the next run is a new process: it reads the record from disk
		if err := env.engine(spec).Apply(ctx); err != nil {
			t.Fatalf("k=%d: resumed apply: %v", k, err)
		}
		if got := inventoryShape(env); !slices.Equal(got, want) {
			t.Fatalf("k=%d: after resume the sandbox holds\n%s\nwant\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

func TestDestroyAfterEveryPartialApplyLeavesNothing(t *testing.T) {
	clean := newEngineEnv(t)
	ctx := testContext(t)
	if err := clean.engine(clean.spec(engineSpec)).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	total := clean.Mutations()
	for k := 1; k <= total; k++ {
		env := newEngineEnv(t)
		spec := env.spec(engineSpec)
		_ = env.engine(spec).Apply(env.crashAfter(ctx, k))
		env.noCrash()
		if err := env.engine(spec).Destroy(ctx); err != nil {
			t.Fatalf("k=%d: destroy: %v", k, err)
		}
		env.mustEmpty()
	}
}

func TestDestroyFindsTaggedResourcesTheRecordLost(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	spec := env.spec(engineSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	// A lost laptop: the record is gone, the resources are not.
	fresh, err := state.OpenNew(t.TempDir(), "eng")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
	warned := slices.ContainsFunc(env.Events(), func(e Event) bool {
		return e.Kind == Warning && strings.Contains(e.Message, "not in the record")
	})
	if !warned {
		t.Error("destroy deleted unrecorded resources without saying so")
	}
}

func TestApplyUpdatesInPlaceReplacesAndPrunesWhatTheSpecDropped(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	if err := env.engine(env.spec(engineSpec)).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	first, _ := env.Store.Resource("vpcs/0")
	changed := env.spec("name: eng\nnetwork:\n  azs: 2\n  nat: none\n")
	plan, err := env.engine(changed).Plan(ctx)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	actions := map[string]Action{}
	for _, c := range plan.Changes {
		actions[c.Key] = c.Action
	}
	want := map[string]Action{"vpcs/0": ActionUpdate, "vpcs/1": ActionUpdate, "vpcs/2": ActionDelete, "groups/app": ActionKeep}
	for k, a := range want {
		if actions[k] != a {
			t.Errorf("plan %s = %q, want %q (plan: %+v)", k, actions[k], a, plan.Changes)
		}
	}
	if err := env.engine(changed).Apply(ctx); err != nil {
		t.Fatalf("apply changed spec: %v", err)
	}
	if got := env.inventoryTypes()["ec2:vpc"]; got != 2 {
		t.Fatalf("after azs 3→2 the sandbox holds %d VPCs, want 2", got)
	}
	updated, _ := env.Store.Resource("vpcs/0")
	if updated.ID != first.ID || updated.Attrs["dns"] != "false" {
		t.Fatalf("vpcs/0 = %s dns=%s, want the same VPC %s updated to dns=false", updated.ID, updated.Attrs["dns"], first.ID)
	}
	if p, err := env.engine(changed).Plan(ctx); err != nil || !p.Empty() {
		t.Fatalf("plan after apply = %+v, %v; want no changes", p, err)
	}
}

func TestApplyReplacesAResourceWhoseFixedAttrChanged(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	spec := env.spec("name: eng\nnetwork:\n  azs: 2\n")
	env.Options.Steps = []Step{identityStep{}, testVPCStep{}}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	old, _ := env.Store.Resource("vpcs/0")
	moved := env.spec("name: eng\nnetwork:\n  azs: 2\n  cidr: 10.200.0.0/16\n")
	plan, err := env.engine(moved).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := plan.Changes[0]; c.Key != "vpcs/0" || c.Action != ActionReplace || !strings.Contains(c.Why, "cidr") {
		t.Fatalf("plan = %+v, want vpcs/0 replaced because of its cidr", plan.Changes[0])
	}
	if err := env.engine(moved).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	now, _ := env.Store.Resource("vpcs/0")
	if now.ID == old.ID || now.Attrs["cidr"] != "10.200.0.0/16" {
		t.Fatalf("vpcs/0 = %s %s, want a new VPC with 10.200.0.0/16", now.ID, now.Attrs["cidr"])
	}
	if got := env.inventoryTypes()["ec2:vpc"]; got != 2 {
		t.Fatalf("sandbox holds %d VPCs, want 2 (the old one deleted)", got)
	}
}

func TestAFailedStepStopsOnlyTheStepsBehindIt(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	env.Options.Steps = append(env.Options.Steps, testBrokenStep{testStepBroken}, testBrokenStep{testStepAfter})
	err := env.engine(env.spec(engineSpec)).Apply(ctx)
	var aerr *ApplyError
	if !errors.As(err, &aerr) {
		t.Fatalf("apply = %v, want an ApplyError", err)
	}
	if len(aerr.Failed) != 1 || aerr.Failed[0].Step != testStepBroken || !slices.Equal(aerr.Blocked, []StepID{testStepAfter}) {
		t.Fatalf("failed %v blocked %v, want broken failed and after_broken blocked", aerr.Failed, aerr.Blocked)
	}
	if rec, _ := env.Store.Step("groups"); rec.Status != state.StepDone {
		t.Fatalf("independent step groups is %q, want done", rec.Status)
	}
	if rec, _ := env.Store.Step(string(testStepBroken)); rec.Status != state.StepFailed || rec.Error == "" {
		t.Fatalf("broken step record = %+v, want failed with its error", rec)
	}
}

func TestStatusReportsHealthyThenMissingAndDrift(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	spec := env.spec(engineSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status = %+v, %v; want healthy", rep, err)
	}
	// Out of band: a VPC deleted and the record's idea of another changed.
	rec, _ := env.Store.Resource("vpcs/2")
	if err := env.Options.Kinds[1].Delete(ctx, Target{Resource: rec}); err != nil {
		t.Fatal(err)
	}
	one, _ := env.Store.Resource("vpcs/1")
	if err := env.Store.RecordCreated("vpcs/1", one.ID, "", map[string]string{"cidr": "10.99.0.0/16"}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(spec).Status(ctx)
	if err != nil || rep.Healthy {
		t.Fatalf("status = %+v, %v; want unhealthy", rep, err)
	}
	byKey := map[string]ResourceReport{}
	for _, r := range rep.Resources {
		byKey[r.Key] = r
	}
	if r := byKey["vpcs/2"]; r.Exists || !strings.Contains(r.Problem, "deleted outside") {
		t.Errorf("vpcs/2 report = %+v, want missing", r)
	}
	if r := byKey["vpcs/1"]; len(r.Drift) != 1 || !strings.Contains(r.Drift[0], "cidr") {
		t.Errorf("vpcs/1 report = %+v, want cidr drift", r)
	}
	// Apply heals the missing VPC.
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got := env.inventoryTypes()["ec2:vpc"]; got != 3 {
		t.Fatalf("after apply the sandbox holds %d VPCs, want 3", got)
	}
}

func TestAdoptRebuildsTheRecordFromTags(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	spec := env.spec(engineSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	fresh, err := state.OpenNew(t.TempDir(), "eng")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	n, err := env.engine(spec).Adopt(ctx)
	if err != nil || n != 4 {
		t.Fatalf("adopt = %d, %v; want 4 resources", n, err)
	}
	want := inventoryShape(env)
	created := env.SB.Stats().Count("ec2", "CreateVpc") + env.SB.Stats().Count("ec2", "CreateSecurityGroup")
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply after adopt: %v", err)
	}
	if again := env.SB.Stats().Count("ec2", "CreateVpc") + env.SB.Stats().Count("ec2", "CreateSecurityGroup"); again != created {
		t.Fatalf("apply after adopt created %d resources, want none", again-created)
	}
	if got := inventoryShape(env); !slices.Equal(got, want) {
		t.Fatalf("apply after adopt changed the inventory:\n%s", strings.Join(got, "\n"))
	}
}

func TestApplyAndDestroyCompleteUnderThrottlingAndServerErrors(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	env.SB.SetFaults(sandbox.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.05, Seed: 7})
	spec := env.spec(engineSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply under faults: %v", err)
	}
	if got := env.inventoryTypes()["ec2:vpc"]; got != 3 {
		t.Fatalf("sandbox holds %d VPCs, want 3", got)
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy under faults: %v", err)
	}
	env.mustEmpty()
}

func relock(t *testing.T, s *state.Store) *state.Store {
	t.Helper()
	unlock, err := s.Lock(testContext(t), "test")
	if err != nil {
		t.Fatalf("lock: %v", err)
	}
	t.Cleanup(func() { _ = unlock() })
	return s
}

func TestDestroyDoesNotTakeAnotherResourcesNotFoundForItsOwn(t *testing.T) {
	env := newEngineEnv(t)
	ctx := testContext(t)
	spec := env.spec("name: eng\nnetwork:\n  azs: 2\n")
	env.Options.Steps = []Step{identityStep{}, testVPCStep{}}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	// Each VPC's first delete fails with AWS's NotFound for some other
	// VPC, as a delete that also cleans up a peer can.
	api := ec2.NewFromConfig(env.Cfg)
	tried := map[string]bool{}
	var mu sync.Mutex
	for i, k := range env.Options.Kinds {
		if k.Type != "test:vpc" {
			continue
		}
		del := k.Delete
		env.Options.Kinds[i].Delete = func(ctx context.Context, t Target) error {
			mu.Lock()
			first := !tried[t.Resource.ID]
			tried[t.Resource.ID] = true
			mu.Unlock()
			if first {
				_, err := api.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: sdkaws.String("vpc-0000000000000dead")})
				return err
			}
			return del(ctx, t)
		}
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}
