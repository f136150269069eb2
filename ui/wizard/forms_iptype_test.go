package wizard

import (
	"github.com/stackwiz/stackwiz/spec"
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
	if got := m.draft.LoadBalancer.IPAddressType; got != spec.IPv4 {
		t.Fatalf("before a choice the spec has %q, want ipv4 (the default)", got)
	}
	r.press("down", "enter")
	if got := m.focusedKey(); got != "load_balancer.access_logs.enabled" {
		t.Fatalf("after the IP type focused %s, want load_balancer.access_logs.enabled", got)
	}
	r.press("enter")
	if got := m.draft.LoadBalancer.IPAddressType; got != spec.Dualstack {
		t.Fatalf("choosing dualstack left the spec at %q:\n%s", got, r.view())
	}
}

// TestTheLogStepsAskForTheirLogs answers Yes to the network step's flow
// logs and the load balancer step's access logs: each question says what
// it records, what it costs and that destroy deletes it, and the answer
// lands in the spec.
func TestTheLogStepsAskForTheirLogs(t *testing.T) {
	e := newEnv(t)
	m, r := e.wizard("", 120, 38)
	r.press("demo", "enter", "enter", "esc")
	for _, tc := range []struct {
		step  steps.StepID
		key   string
		says  []string
		taken func() bool
	}{
		{steps.StepNetwork, "network.flow_logs.enabled", []string{"VPC flow logs", "EC2.6", "$0.25 per GB", "destroy deletes them"},
			func() bool { return m.draft.Network.FlowLogs.Enabled }},
		{steps.StepLoadBalancer, "load_balancer.access_logs.enabled", []string{"Access logs", "ELB.5", "per GB-month", "destroy deletes them"},
			func() bool { return m.draft.LoadBalancer.AccessLogs.Enabled }},
	} {
		r.m.cursor = m.stepIndex(tc.step)
		r.press("enter")
		for range 12 {
			if m.focusedKey() == tc.key {
				break
			}
			r.press("enter")
		}
		if got := m.focusedKey(); got != tc.key {
			t.Fatalf("%s: never reached %s (focused %s)", tc.step, tc.key, got)
		}
		v := flat(r.view())
		for _, want := range tc.says {
			if !strings.Contains(v, want) {
				t.Errorf("%s: the question lacks %q:\n%s", tc.step, want, r.view())
			}
		}
		if tc.taken() {
			t.Fatalf("%s: the logs are on before anyone said so", tc.step)
		}
		r.press("left", "enter")
		if !tc.taken() {
			t.Errorf("%s: answering Yes left %s off:\n%s", tc.step, tc.key, r.view())
		}
		r.press("esc")
	}
}
