package steps

import (
	"context"
	"errors"
)

// amiStep is the StepAMI step. (Being written: see the step's owner.)
type amiStep struct{}

func (amiStep) ID() StepID    { return StepAMI }
func (amiStep) Title() string { return "Machine image" }
func (amiStep) Why() string {
	return "Pick or bake the image before the template that launches it."
}
func (amiStep) Enabled(s *Spec) bool { return true }
func (amiStep) Needs(s *Spec) []StepID {
	if s.AMI.Source == "bake" {
		return []StepID{StepIdentity, StepNetwork}
	}
	return []StepID{StepIdentity}
}
func (amiStep) Desired(s *Spec) []Desired { return nil }
func (amiStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepAMI: not built yet")
}

func amiKinds() []Kind { return nil }
