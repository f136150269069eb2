package steps

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// TestSSHFromAutoFailsBeforeAnyMutation: with the whole stack and no way to
// learn this machine's address, apply fails at once with one line naming
// network.bastion.ssh_from and the fix, and the sandbox served no
// mutating request (it used to fail after 48).
func TestSSHFromAutoFailsBeforeAnyMutation(t *testing.T) {
	env := newTestEnv(t, "sectest")
	lookups := 0
	env.Options.PublicIP = func(context.Context) (netip.Addr, error) {
		lookups++
		return netip.Addr{}, errors.New("dial tcp: lookup checkip.amazonaws.com: no such host")
	}
	err := env.engine(env.spec(secYAML)).Apply(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "network.bastion.ssh_from") || !strings.Contains(err.Error(), "/32") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("apply = %v, want one line naming network.bastion.ssh_from and a CIDR to set", err)
	}
	if n := env.Mutations(); n != 0 {
		t.Errorf("apply sent %d mutating requests before failing on the lookup", n)
	}
	if lookups != 1 {
		t.Errorf("%d lookups, want 1", lookups)
	}
	if inv := env.inventory(); len(inv) != 0 {
		t.Errorf("apply left %v", inv)
	}
}

// TestPlanShowsSSHFromAuto: plan names the address auto opens SSH to, or
// says apply will refuse when it cannot be found; it does not fail.
func TestPlanShowsSSHFromAuto(t *testing.T) {
	for name, tc := range map[string]struct {
		lookup func(context.Context) (netip.Addr, error)
		want   string
	}{
		"found": {func(context.Context) (netip.Addr, error) { return netip.MustParseAddr("198.51.100.7"), nil },
			"SSH from 198.51.100.7/32"},
		"offline": {func(context.Context) (netip.Addr, error) { return netip.Addr{}, errors.New("no route to host") },
			"apply will refuse: network.bastion.ssh_from is auto"},
	} {
		t.Run(name, func(t *testing.T) {
			env := newTestEnv(t, "sectest")
			env.Options.PublicIP = tc.lookup
			p, err := env.engine(env.spec(secYAML)).Plan(testContext(t))
			if err != nil {
				t.Fatalf("plan: %v", err)
			}
			var why string
			for _, c := range p.Changes {
				if c.Key == keySGBastion {
					why = c.Why
				}
			}
			if !strings.Contains(why, tc.want) {
				t.Errorf("the bastion group's change says %q, want %q", why, tc.want)
			}
			if n := env.Mutations(); n != 0 {
				t.Errorf("plan sent %d mutating requests", n)
			}
		})
	}
}
