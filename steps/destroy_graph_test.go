package steps

import (
	"slices"
	"testing"

	"github.com/stackwiz/stackwiz/sandbox"
)

// TestDeleteAfterFollowsKindOrder: every type the destroy graph names is a
// kind's, and each waits only for types of a lower kind Order, so the
// graph has no cycle and deletes nothing before what level-by-level
// destroy deleted before it.
func TestDeleteAfterFollowsKindOrder(t *testing.T) {
	kinds := newKindRegistry(allKinds())
	for typ, after := range deleteAfter() {
		if _, ok := kinds[typ]; !ok {
			t.Errorf("deleteAfter names %s, which no kind handles", typ)
		}
		for _, u := range after {
			if _, ok := kinds[u]; !ok {
				t.Errorf("deleteAfter[%s] names %s, which no kind handles", typ, u)
			}
			if kinds.order(u) >= kinds.order(typ) {
				t.Errorf("%s (order %d) waits for %s (order %d): a type may wait only for lower orders",
					typ, kinds.order(typ), u, kinds.order(u))
			}
		}
	}
}

// TestDestroyDeletesWhatNothingUsesAtOnce destroys the HA example on the
// realistic clock and checks that the slow deletes overlap: the NAT
// gateways and the bastion start going before the group's instances and
// the load balancer are gone, instead of one level after the other.
func TestDestroyDeletesWhatNothingUsesAtOnce(t *testing.T) {
	env, spec := newExampleEnv(t, "ha", func(o *sandbox.Options) { o.Latency = sandbox.LatencyRealistic; o.Speed = 100 })
	ctx := testContext(t)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	env.mu.Lock()
	from := len(env.events)
	env.mu.Unlock()
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
	env.mu.Lock()
	var order []string
	for _, ev := range env.events[from:] {
		switch ev.Kind {
		case ResourceDeleting:
			order = append(order, "deleting "+ev.Type)
		case ResourceDeleted:
			order = append(order, "deleted "+ev.Type)
		}
	}
	env.mu.Unlock()
	for _, pair := range [][2]string{
		{"deleting " + networkTypeNAT, "deleted " + typeASGGroup},
		{"deleting " + networkTypeNAT, "deleted " + typeLoadBalancer},
		{"deleting " + typeInstance, "deleted " + typeLoadBalancer},
		{"deleting " + typeLoadBalancer, "deleted " + typeASGGroup},
	} {
		a, b := slices.Index(order, pair[0]), slices.Index(order, pair[1])
		if a < 0 || b < 0 || a > b {
			t.Errorf("%q at %d, %q at %d: they should overlap\n%v", pair[0], a, pair[1], b, order)
		}
	}
}
