package steps

import (
	"context"
	"errors"
)

// autoscalingStep is the StepAutoscaling step. (Being written: see the step's owner.)
type autoscalingStep struct{}

func (autoscalingStep) ID() StepID    { return StepAutoscaling }
func (autoscalingStep) Title() string { return "Auto Scaling group" }
func (autoscalingStep) Why() string {
	return "The group launches from the template into the target group, with its termination policy set on purpose."
}
func (autoscalingStep) Enabled(s *Spec) bool { return true }
func (autoscalingStep) Needs(s *Spec) []StepID {
	return []StepID{StepNetwork, StepLaunchTemplate, StepLoadBalancer}
}
func (autoscalingStep) Desired(s *Spec) []Desired { return nil }
func (autoscalingStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepAutoscaling: not built yet")
}

func autoscalingKinds() []Kind { return nil }
