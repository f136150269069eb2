package steps

import (
	"context"
	"errors"
)

// launchTemplateStep is the StepLaunchTemplate step. (Being written: see the step's owner.)
type launchTemplateStep struct{}

func (launchTemplateStep) ID() StepID    { return StepLaunchTemplate }
func (launchTemplateStep) Title() string { return "Launch template" }
func (launchTemplateStep) Why() string {
	return "One template says how every instance starts: image, type, role, firewall, IMDSv2, encrypted disk."
}
func (launchTemplateStep) Enabled(s *Spec) bool { return true }
func (launchTemplateStep) Needs(s *Spec) []StepID {
	return []StepID{StepIAM, StepSecurity, StepAMI}
}
func (launchTemplateStep) Desired(s *Spec) []Desired { return nil }
func (launchTemplateStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepLaunchTemplate: not built yet")
}

func launchTemplateKinds() []Kind { return nil }
