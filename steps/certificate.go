package steps

import (
	"context"
	"errors"
)

// certificateStep is the StepCertificate step. (Being written: see the step's owner.)
type certificateStep struct{}

func (certificateStep) ID() StepID    { return StepCertificate }
func (certificateStep) Title() string { return "Certificate" }
func (certificateStep) Why() string {
	return "HTTPS needs a certificate, and DNS validation takes minutes: start it early."
}
func (certificateStep) Enabled(s *Spec) bool { return s.LoadBalancer.HTTPS }
func (certificateStep) Needs(s *Spec) []StepID {
	return []StepID{StepIdentity}
}
func (certificateStep) Desired(s *Spec) []Desired { return nil }
func (certificateStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepCertificate: not built yet")
}

func certificateKinds() []Kind { return nil }
