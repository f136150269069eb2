package wizard

import (
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/steps"
)

// TestTheLoadBalancerStepOffersDualstack walks the load balancer step's
// fields to its last page: it asks how clients reach the load balancer,
// says what dualstack does and costs, and choosing it writes
// load_balancer.ip_address_type: dualstack into the spec.
func TestTheLoadBalancerStepOffersDualstack(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	r.m.cursor = m.stepIndex(steps.StepLoadBalancer)
	r.press("enter", "enter", "enter", "enter", "enter", "enter", "enter")
	if got := m.focusedKey(); got != "load_balancer.ip_address_type" {
		t.Fatalf("focused %s, want load_balancer.ip_address_type", got)
	}
	v := flat(r.view())
	for _, want := range []string{"Clients reach it over", "IPv4 only", "IPv4 and IPv6 (dualstack)", "No extra cost"} {
		if !strings.Contains(v, want) {
			t.Fatalf("the page lacks %q:\n%s", want, r.view())
		}
	}
	if got := m.draft.LoadBalancer.IPAddressType; got != steps.SpecIPv4 {
		t.Fatalf("before a choice the spec has %q, want ipv4 (the default)", got)
	}
	r.press("down", "enter")
	if got := m.draft.LoadBalancer.IPAddressType; got != steps.SpecDualstack {
		t.Fatalf("choosing dualstack left the spec at %q:\n%s", got, r.view())
	}
}
