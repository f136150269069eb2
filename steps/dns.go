package steps

import (
	"context"
	"errors"
)

// dnsStep is the StepDNS step. (Being written: see the step's owner.)
type dnsStep struct{}

func (dnsStep) ID() StepID    { return StepDNS }
func (dnsStep) Title() string { return "DNS record" }
func (dnsStep) Why() string {
	return "The name points at the load balancer once it exists, with an alias, never a CNAME to an IP."
}
func (dnsStep) Enabled(s *Spec) bool { return s.DNS.Zone != "" }
func (dnsStep) Needs(s *Spec) []StepID {
	return []StepID{StepLoadBalancer}
}
func (dnsStep) Desired(s *Spec) []Desired { return nil }
func (dnsStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepDNS: not built yet")
}

func dnsKinds() []Kind { return nil }
