package steps

import (
	"context"
	"errors"
)

// alarmsStep is the StepAlarms step. (Being written: see the step's owner.)
type alarmsStep struct{}

func (alarmsStep) ID() StepID    { return StepAlarms }
func (alarmsStep) Title() string { return "Alarms" }
func (alarmsStep) Why() string {
	return "Alarms last: they watch the load balancer and the group, and the bill."
}
func (alarmsStep) Enabled(s *Spec) bool { return true }
func (alarmsStep) Needs(s *Spec) []StepID {
	return []StepID{StepLoadBalancer, StepAutoscaling}
}
func (alarmsStep) Desired(s *Spec) []Desired { return nil }
func (alarmsStep) Apply(ctx context.Context, r *Run) error {
	return errors.New("StepAlarms: not built yet")
}

func alarmsKinds() []Kind { return nil }
