package steps

import (
	"errors"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the group's capacity, grace period, CPU target and
// termination policies (in the order AWS applies them).
func (autoscalingStep) Form() Form {
	number := func(path, title string, validate func(int) error) FormField {
		return FormField{Path: path, Title: title, Kind: FieldNumber,
			Validate: func(a Answers, _ string) error { return spec.ValidateNumber(a.Text(path), validate) }}
	}
	capacity := func(path, title string) FormField {
		return FormField{Path: path, Title: title, Kind: FieldNumber, Validate: capacityCheck(path)}
	}
	return Form{
		Owns: []string{"autoscaling"},
		Groups: []FormGroup{
			{Fields: []FormField{
				capacity("autoscaling.min", "Min"),
				capacity("autoscaling.desired", "Desired"),
				capacity("autoscaling.max", "Max"),
				number("autoscaling.health_check_grace_seconds", "Grace period (s)", spec.ValidateGraceSeconds),
				number("autoscaling.cpu_target_percent", "CPU target %", spec.ValidateCPUTarget),
			}},
			{Fields: []FormField{
				{Path: "autoscaling.termination_policies", Title: "Termination policies", Kind: FieldTerminationPolicies,
					Validate: func(a Answers, _ string) error {
						return spec.ValidateTerminationPolicies(a.List("autoscaling.termination_policies"))
					}},
			}},
		},
	}
}

// capacityCheck validates min, desired and max together (each problem
// names its field) and keeps the problems of path.
func capacityCheck(path string) func(a Answers, _ string) error {
	return func(a Answers, _ string) error {
		paths := []string{"autoscaling.min", "autoscaling.desired", "autoscaling.max"}
		var parsed [3]int
		for i, p := range paths {
			text := a.Text(p)
			n, err := strconv.Atoi(strings.TrimSpace(text))
			if err != nil {
				if p == path {
					return spec.ValidateNumber(text, func(int) error { return nil })
				}
				return nil // the other field says so
			}
			parsed[i] = n
		}
		var mine []error
		for _, e := range spec.SplitErrors(spec.ValidateCapacity(parsed[0], parsed[1], parsed[2])) {
			var fe *spec.FieldError
			if !errors.As(e, &fe) {
				mine = append(mine, &spec.FieldError{Problem: e.Error()})
				continue
			}
			if fe.Path != "" && fe.Path != path {
				continue
			}
			text := fe.Problem
			if fe.Fix != "" {
				text += ": " + fe.Fix
			}
			mine = append(mine, &spec.FieldError{Problem: text, Severity: fe.Severity})
		}
		return errors.Join(mine...)
	}
}
