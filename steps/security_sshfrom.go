package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// network.bastion.ssh_from: auto is this machine's public address as a /32.
// It is an environment lookup, so it is resolved before apply sends any
// mutating request (an offline apply used to fail after 48 of them), and
// plan shows the address it would open SSH to.

// sshCIDRKey carries the resolved ssh_from through an apply's context to
// the security step.
type sshCIDRKey struct{}

// sshFromAuto reports whether spec needs auto resolved: a bastion whose
// ssh_from is auto.
func sshFromAuto(s *spec.Spec) bool {
	return s.Network.Bastion.Enabled && s.Network.Bastion.SSHFrom == spec.SSHFromAuto
}

// securityStepOf returns the engine's security step, if it has one.
func (e *Engine) securityStepOf() (securityStep, bool) {
	for _, s := range e.steps {
		if st, ok := s.(securityStep); ok {
			return st, true
		}
	}
	return securityStep{}, false
}

// resolveSSHFrom returns the CIDR ssh_from: auto stands for: the address
// the stack's bastion group was given when auto was first resolved (kept,
// so an apply from another network does not move the rule), else this
// machine's public address, looked up now. recorded says which.
func (e *Engine) resolveSSHFrom(ctx context.Context) (cidr string, recorded bool, err error) {
	if rec, ok := e.store.Resource(keySGBastion); ok && rec.Live() && rec.Attrs["ssh_cidr"] != "" &&
		(rec.Attrs["ssh_from"] == spec.SSHFromAuto || rec.Attrs["ssh_from"] == "") {
		return rec.Attrs["ssh_cidr"], true, nil
	}
	st, _ := e.securityStepOf()
	lookup := st.publicIP
	if lookup == nil {
		lookup = func(ctx context.Context) (netip.Addr, error) {
			return aws.PublicIP(ctx, &http.Client{Timeout: checkIPTimeout}, aws.CheckIPURL)
		}
	}
	ip, err := lookup(ctx)
	if err != nil {
		return "", false, fmt.Errorf("network.bastion.ssh_from is auto, but this machine's public IP address could not be found (%w): set network.bastion.ssh_from to your address as a CIDR, like 203.0.113.7/32", err)
	}
	return netip.PrefixFrom(ip, ip.BitLen()).String(), false, nil
}

// withSSHFrom resolves ssh_from: auto before apply changes anything and
// returns ctx carrying the CIDR for the security step. A failed lookup
// fails the apply here, before its first mutating request.
func (e *Engine) withSSHFrom(ctx context.Context) (context.Context, error) {
	if !sshFromAuto(e.spec) {
		return ctx, nil
	}
	if _, ok := e.securityStepOf(); !ok {
		return ctx, nil
	}
	cidr, _, err := e.resolveSSHFrom(ctx)
	if err != nil {
		return ctx, err
	}
	return context.WithValue(ctx, sshCIDRKey{}, cidr), nil
}

// planSSHFrom says, on the bastion group's change, which address auto
// opens SSH to, or that apply will refuse because it cannot be found.
func (e *Engine) planSSHFrom(ctx context.Context, p *PlanResult) {
	if !sshFromAuto(e.spec) {
		return
	}
	if _, ok := e.securityStepOf(); !ok {
		return
	}
	cidr, recorded, err := e.resolveSSHFrom(ctx)
	note := fmt.Sprintf("SSH from %s (ssh_from: auto, this machine's public address)", cidr)
	switch {
	case err != nil:
		note = "apply will refuse: " + err.Error()
	case recorded:
		note = fmt.Sprintf("SSH from %s (ssh_from: auto, as first resolved; set a CIDR to move it)", cidr)
	}
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Key == keySGBastion {
			if c.Why == "" {
				c.Why = note
			} else {
				c.Why += "; " + note
			}
		}
	}
}
