package steps

import (
	"context"
	"errors"
)

// securityStep is the StepSecurity step. (Being written: see the step's owner.)
type securityStep struct{}

func (securityStep) ID() StepID    { return StepSecurity }
func (securityStep) Title() string { return "Security groups" }
func (securityStep) Why() string {
	return "Firewalls before servers: the app admits only the load balancer, SSH only from the bastion."
}
func (securityStep) Enabled(s *Spec) bool { return true }
func (securityStep) Needs(s *Spec) []StepID {
	return []StepID{StepNetwork}
}
func (securityStep) Desired(s *Spec) []Desired { return nil }
func (securityStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepSecurity: not built yet")
}

func securityKinds() []Kind { return nil }
