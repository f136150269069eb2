package steps

import (
	"context"
	"errors"
)

// iamStep is the StepIAM step. (Being written: see the step's owner.)
type iamStep struct{}

func (iamStep) ID() StepID    { return StepIAM }
func (iamStep) Title() string { return "IAM role" }
func (iamStep) Why() string {
	return "The role comes first: instances launched without it need access keys baked in, and IAM takes a while to propagate."
}
func (iamStep) Enabled(s *Spec) bool { return true }
func (iamStep) Needs(s *Spec) []StepID {
	return []StepID{StepIdentity}
}
func (iamStep) Desired(s *Spec) []Desired { return nil }
func (iamStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepIAM: not built yet")
}

func iamKinds() []Kind { return nil }
