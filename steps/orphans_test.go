package steps

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/state"
)

func TestPlanStatusAndApplyDealWithTaggedResourcesTheRecordLacks(t *testing.T) {
	spec := lostAnswerSpec(t)
	env := newTestEnv(t, spec.Name)
	ctx := testContext(t)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	want := inventoryShape(env)
	// What a create sent twice leaves: a second VPC under the stack's
	// key; and a leftover whose key the spec does not want.
	dup, err := env.AWS.Network.CreateVPC(ctx, "10.9.0.0/16", StackTags(spec.Name, "network", keyVPC, spec.Name+"-vpc"))
	if err != nil {
		t.Fatalf("create duplicate VPC: %v", err)
	}
	left, err := env.AWS.Network.CreateInternetGateway(ctx, StackTags(spec.Name, "network", "network/igw/old", spec.Name+"-old"))
	if err != nil {
		t.Fatalf("create leftover gateway: %v", err)
	}

	p, err := env.engine(spec).Plan(ctx)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	var deletes []string
	for _, c := range p.Changes {
		if c.Action == ActionDelete {
			deletes = append(deletes, c.ID)
		} else if c.Action != ActionKeep {
			t.Errorf("plan: unexpected %s %s %s (%s)", c.Action, c.Type, c.Key, c.Why)
		}
	}
	slices.Sort(deletes)
	if wantDel := slices.Sorted(slices.Values([]string{dup.ID, left.ID})); !slices.Equal(deletes, wantDel) {
		t.Fatalf("plan deletes %v, want the duplicate and the leftover %v", deletes, wantDel)
	}

	rep, err := env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if rep.Healthy {
		t.Errorf("status is healthy with two resources of the stack that the record does not know")
	}
	var listed []string
	for _, r := range rep.Resources {
		if r.Record == "not recorded" {
			listed = append(listed, r.ID)
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, deletes) {
		t.Errorf("status lists %v as not recorded, want %v", listed, deletes)
	}

	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply with orphans: %v", err)
	}
	if got := inventoryShape(env); !slices.Equal(got, want) {
		t.Fatalf("after apply the sandbox holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p, err := env.engine(spec).Plan(ctx); err != nil || !p.Empty() {
		t.Fatalf("plan after apply = %+v, %v; want no changes", p, err)
	}
	if rep, err := env.engine(spec).Status(ctx); err != nil || !rep.Healthy {
		t.Fatalf("status after apply: %v\n%s", err, describeReport(rep))
	}
}

// A record lost (or another state dir): apply adopts the live stack by its
// tags instead of building a second one.
func TestApplyFromAnEmptyRecordAdoptsTheTaggedStack(t *testing.T) {
	spec := lostAnswerSpec(t)
	env := newTestEnv(t, spec.Name)
	ctx := testContext(t)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	want := inventoryShape(env)

	other, err := state.OpenNew(t.TempDir(), spec.Name)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := other.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = unlock() })
	fresh := New(spec, env.AWS, other, env.record, env.Options)
	p, err := fresh.Plan(ctx)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if n := p.Count(ActionUpdate); n < len(want)/2 {
		t.Errorf("plan from an empty record adopts %d resources, want most of the %d live ones", n, len(want))
	}
	if n := p.Count(ActionDelete); n != 0 {
		t.Errorf("plan from an empty record deletes %d resources, want 0", n)
	}
	if err := fresh.Apply(ctx); err != nil {
		t.Fatalf("apply from an empty record: %v", err)
	}
	if got := inventoryShape(env); !slices.Equal(got, want) {
		t.Fatalf("after apply from an empty record the sandbox holds\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p, err := New(spec, env.AWS, other, env.record, env.Options).Plan(ctx); err != nil || !p.Empty() {
		t.Fatalf("plan after adopting apply = %+v, %v; want no changes", p, err)
	}
}
