package steps

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
)

// lostAnswerSpec is the minimal example on a new VPC with one NAT gateway:
// every create without a client token (VPC, subnets, internet gateway,
// Elastic IP) and the route tables the issue saw duplicated.
func lostAnswerSpec(t *testing.T) *spec.Spec {
	t.Helper()
	s := exampleSpec(t, "minimal")
	s.Network.VPC, s.Network.NAT = "new", spec.NATSingle
	// Both log buckets: CreateBucket has no token, and is idempotent by
	// the bucket's name; CreateFlowLogs takes one.
	s.Network.FlowLogs.Enabled, s.LoadBalancer.AccessLogs.Enabled = true, true
	return s
}

// TestApplyCreatesOnceWhenAnyAnswerIsLost drops the answer of every
// mutating request of a new-VPC minimal stack and of the HA example in
// turn as a reset connection — the request took
// effect, the response never arrived, the run goes on — and checks that
// the apply (or, if it gives up, the next one) ends with exactly the
// resources of a clean run, and that plan then has nothing to do.
func TestApplyCreatesOnceWhenAnyAnswerIsLost(t *testing.T) {
	for _, stack := range []struct {
		name string
		spec func(*testing.T) *spec.Spec
	}{
		{"minimal-new-vpc", lostAnswerSpec},
		{"ha", func(t *testing.T) *spec.Spec { return exampleSpec(t, "ha") }},
	} {
		t.Run(stack.name, func(t *testing.T) {
			t.Parallel()
			applyWithEveryAnswerLost(t, stack.spec)
		})
	}
}

func applyWithEveryAnswerLost(t *testing.T, newSpec func(*testing.T) *spec.Spec) {
	ctx := testContext(t)
	// The clean run's mutating requests, each named by its operation and
	// which of that operation's calls it is: steps run side by side, so
	// "the k-th mutation" would name a different call from run to run.
	var (
		mu   sync.Mutex
		cuts []lostCall
		seen = map[string]int{}
	)
	clean := newTestEnv(t, newSpec(t).Name, func(o *sandbox.Options) {
		o.AfterServe = func(s sandbox.Served) {
			if s.Mutating() {
				mu.Lock()
				seen[s.Op]++
				cuts = append(cuts, lostCall{s.Op, seen[s.Op]})
				mu.Unlock()
			}
		}
	})
	start := time.Now()
	if err := clean.engine(newSpec(t)).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	want, total := inventoryShape(clean), clean.Mutations()
	cleanDeletes := deletedKeys(clean.Events())
	t.Logf("a clean apply makes %d mutating requests and leaves %d resources (%s)", total, len(want), time.Since(start).Round(time.Millisecond))
	for k, cut := range cuts {
		t.Run(fmt.Sprintf("%s#%d", cut.op, cut.n), func(t *testing.T) {
			t.Parallel()
			// Its own deadline: parallel subtests queue behind -parallel,
			// and a shared one would run out on a slow (-race, loaded) run.
			ctx := testContext(t)
			spec := newSpec(t)
			env := newTestEnv(t, spec.Name)
			env.resetAnswer(cut.op, cut.n)
			if err := env.engine(spec).Apply(ctx); err != nil {
				t.Logf("apply with the answer to %s #%d lost failed (%v); applying again", cut.op, cut.n, err)
				if err := env.engine(spec).Apply(ctx); err != nil {
					t.Fatalf("second apply: %v", err)
				}
			}
			if got := inventoryShape(env); !slices.Equal(got, want) {
				t.Fatalf("with the answer to %s #%d (%d/%d) lost the sandbox holds\n%s\nwant\n%s", cut.op, cut.n, k+1, total,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			// Apply deletes what carries the stack's tags and is not
			// recorded, so a duplicate would not show in the inventory:
			// it must never have been made at all.
			for key := range deletedKeys(env.Events()) {
				if !cleanDeletes[key] {
					t.Errorf("with the answer to %s #%d lost, apply deleted %s: a create was sent twice", cut.op, cut.n, key)
				}
			}
			p, err := env.engine(spec).Plan(ctx)
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			if !p.Empty() {
				t.Fatalf("plan after apply is not empty: %+v", p.Changes)
			}
		})
	}
}

// lostCall names one request: the n-th call of op.
type lostCall struct {
	op string
	n  int
}

// deletedKeys returns the keys of the resources whose delete the events
// report.
func deletedKeys(evs []Event) map[string]bool {
	keys := map[string]bool{}
	for _, ev := range evs {
		if ev.Kind == ResourceDeleting {
			keys[ev.Key] = true
		}
	}
	return keys
}
