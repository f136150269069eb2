package steps

import (
	"context"
	"errors"
)

// networkStep is the StepNetwork step. (Being written: see the step's owner.)
type networkStep struct{}

func (networkStep) ID() StepID    { return StepNetwork }
func (networkStep) Title() string { return "Network" }
func (networkStep) Why() string {
	return "Everything else lives in the network: subnets in two or more AZs, an internet gateway, NAT for private subnets."
}
func (networkStep) Enabled(s *Spec) bool { return true }
func (networkStep) Needs(s *Spec) []StepID {
	return []StepID{StepIdentity}
}
func (networkStep) Desired(s *Spec) []Desired { return nil }
func (networkStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepNetwork: not built yet")
}

func networkKinds() []Kind { return nil }
