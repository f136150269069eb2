package steps

import (
	"context"
	"errors"
)

// loadBalancerStep is the StepLoadBalancer step. (Being written: see the step's owner.)
type loadBalancerStep struct{}

func (loadBalancerStep) ID() StepID    { return StepLoadBalancer }
func (loadBalancerStep) Title() string { return "Load balancer" }
func (loadBalancerStep) Why() string {
	return "The load balancer and its health check come before the group that registers into it."
}
func (loadBalancerStep) Enabled(s *Spec) bool { return true }
func (loadBalancerStep) Needs(s *Spec) []StepID {
	needs := []StepID{StepNetwork, StepSecurity}
	if s.LoadBalancer.HTTPS {
		needs = append(needs, StepCertificate)
	}
	return needs
}
func (loadBalancerStep) Desired(s *Spec) []Desired { return nil }
func (loadBalancerStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepLoadBalancer: not built yet")
}

func loadBalancerKinds() []Kind { return nil }
