package steps

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// lostAnswerSpec is the minimal example on a new VPC with one NAT gateway:
// every create without a client token (VPC, subnets, internet gateway,
// Elastic IP) and the route tables the issue saw duplicated.
func lostAnswerSpec(t *testing.T) *Spec {
	t.Helper()
	s := exampleSpec(t, "minimal")
	s.Network.VPC, s.Network.NAT = "new", SpecNATSingle
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
		spec func(*testing.T) *Spec
	}{
		{"minimal-new-vpc", lostAnswerSpec},
		{"ha", func(t *testing.T) *Spec { return exampleSpec(t, "ha") }},
	} {
		t.Run(stack.name, func(t *testing.T) {
			t.Parallel()
			applyWithEveryAnswerLost(t, stack.spec)
		})
	}
}

func applyWithEveryAnswerLost(t *testing.T, newSpec func(*testing.T) *Spec) {
	ctx := testContext(t)
	clean := newTestEnv(t, newSpec(t).Name)
	start := time.Now()
	if err := clean.engine(newSpec(t)).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	want, total := inventoryShape(clean), clean.Mutations()
	t.Logf("a clean apply makes %d mutating requests and leaves %d resources (%s)", total, len(want), time.Since(start).Round(time.Millisecond))
	for k := 1; k <= total; k++ {
		t.Run(fmt.Sprintf("k=%02d", k), func(t *testing.T) {
			t.Parallel()
			spec := newSpec(t)
			env := newTestEnv(t, spec.Name)
			env.resetAnswer(k)
			if err := env.engine(spec).Apply(ctx); err != nil {
				t.Logf("apply with answer %d lost failed (%v); applying again", k, err)
				if err := env.engine(spec).Apply(ctx); err != nil {
					t.Fatalf("second apply: %v", err)
				}
			}
			if got := inventoryShape(env); !slices.Equal(got, want) {
				t.Fatalf("with answer %d/%d lost the sandbox holds\n%s\nwant\n%s", k, total,
					strings.Join(got, "\n"), strings.Join(want, "\n"))
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
