package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"

	"github.com/stackwiz/stackwiz/aws"
)

// SetCapacity sets the group's minimum, desired and maximum sizes in one
// UpdateAutoScalingGroup.
func (f *Fleet) SetCapacity(ctx context.Context, group string, minSize, desired, maxSize int) error {
	if err := f.guard("set capacity of " + group); err != nil {
		return err
	}
	switch {
	case minSize < 0:
		return fmt.Errorf("set capacity of %s: min %d is negative", group, minSize)
	case minSize > maxSize:
		return fmt.Errorf("set capacity of %s: min %d is above max %d: raise max or lower min", group, minSize, maxSize)
	case desired < minSize || desired > maxSize:
		return fmt.Errorf("set capacity of %s: desired %d must lie between min %d and max %d", group, desired, minSize, maxSize)
	}
	_, err := f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(group),
		MinSize:              sdk.Int32(int32(minSize)),
		DesiredCapacity:      sdk.Int32(int32(desired)),
		MaxSize:              sdk.Int32(int32(maxSize)),
	})
	if err != nil {
		return fmt.Errorf("set capacity of %s to min %d, desired %d, max %d: %w", group, minSize, desired, maxSize, err)
	}
	return nil
}

// SetTerminationPolicies replaces the group's termination policies, applied
// in the given order.
func (f *Fleet) SetTerminationPolicies(ctx context.Context, group string, policies []string) error {
	if err := f.guard("set termination policies of " + group); err != nil {
		return err
	}
	if len(policies) == 0 {
		return fmt.Errorf("set termination policies of %s: none given (Default is AWS's own choice)", group)
	}
	for _, p := range policies {
		if aws.TerminationPolicyDoes(p) == "" {
			return fmt.Errorf("set termination policies of %s: %q is not a termination policy (one of %s)", group, p, strings.Join(aws.TerminationPolicyNames(), ", "))
		}
	}
	_, err := f.asg.UpdateAutoScalingGroup(ctx, &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: sdk.String(group),
		TerminationPolicies:  policies,
	})
	if err != nil {
		return fmt.Errorf("set termination policies of %s to %s: %w", group, strings.Join(policies, ", "), err)
	}
	return nil
}

// RefreshOptions are an instance refresh's preferences.
type RefreshOptions struct {
	// MinHealthyPercentage of the group kept in service; 0 means AWS's 90
	// unless MinHealthyExplicit says it is meant.
	MinHealthyPercentage int
	// MinHealthyExplicit sends MinHealthyPercentage even when it is 0
	// (replace every instance at once), as a user who typed 0 asked.
	MinHealthyExplicit bool
	// InstanceWarmupSeconds; 0 leaves AWS's default (the group's
	// DefaultInstanceWarmup, else its health check grace period).
	InstanceWarmupSeconds int
	// SkipMatching leaves instances already on the desired launch template
	// version alone.
	SkipMatching bool
}

// StartInstanceRefresh rolls the group's current launch template version
// through its instances and returns the refresh's id.
func (f *Fleet) StartInstanceRefresh(ctx context.Context, group string, o RefreshOptions) (string, error) {
	if err := f.guard("start instance refresh of " + group); err != nil {
		return "", err
	}
	if o.MinHealthyPercentage < 0 || o.MinHealthyPercentage > 100 {
		return "", fmt.Errorf("start instance refresh of %s: min healthy percentage %d must be 0–100", group, o.MinHealthyPercentage)
	}
	prefs := &astypes.RefreshPreferences{SkipMatching: sdk.Bool(o.SkipMatching)}
	if o.MinHealthyPercentage > 0 || o.MinHealthyExplicit {
		prefs.MinHealthyPercentage = sdk.Int32(int32(o.MinHealthyPercentage))
	}
	if o.InstanceWarmupSeconds > 0 {
		prefs.InstanceWarmup = sdk.Int32(int32(o.InstanceWarmupSeconds))
	}
	out, err := f.asg.StartInstanceRefresh(ctx, &autoscaling.StartInstanceRefreshInput{
		AutoScalingGroupName: sdk.String(group),
		Strategy:             astypes.RefreshStrategyRolling,
		Preferences:          prefs,
	})
	if err != nil {
		if aws.IsCode(err, "InstanceRefreshInProgress") {
			return "", fmt.Errorf("start instance refresh of %s: one is already in progress (cancel it first, or wait): %w", group, err)
		}
		return "", fmt.Errorf("start instance refresh of %s: %w", group, err)
	}
	return sdk.ToString(out.InstanceRefreshId), nil
}

// CancelInstanceRefresh cancels the group's refresh in progress and returns
// its id. Instances already replaced stay replaced.
func (f *Fleet) CancelInstanceRefresh(ctx context.Context, group string) (string, error) {
	if err := f.guard("cancel instance refresh of " + group); err != nil {
		return "", err
	}
	out, err := f.asg.CancelInstanceRefresh(ctx, &autoscaling.CancelInstanceRefreshInput{AutoScalingGroupName: sdk.String(group)})
	if err != nil {
		if aws.IsCode(err, "ActiveInstanceRefreshNotFound") {
			return "", fmt.Errorf("cancel instance refresh of %s: no refresh is in progress: %w", group, err)
		}
		return "", fmt.Errorf("cancel instance refresh of %s: %w", group, err)
	}
	return sdk.ToString(out.InstanceRefreshId), nil
}

// TerminateInstance terminates one group instance. With decrementDesired
// the group shrinks by one; without, it launches a replacement.
func (f *Fleet) TerminateInstance(ctx context.Context, id string, decrementDesired bool) (Activity, error) {
	if err := f.guard("terminate instance " + id); err != nil {
		return Activity{}, err
	}
	if id == "" {
		return Activity{}, errors.New("terminate instance: no instance id")
	}
	out, err := f.asg.TerminateInstanceInAutoScalingGroup(ctx, &autoscaling.TerminateInstanceInAutoScalingGroupInput{
		InstanceId:                     sdk.String(id),
		ShouldDecrementDesiredCapacity: sdk.Bool(decrementDesired),
	})
	if err != nil {
		return Activity{}, fmt.Errorf("terminate instance %s: %w", id, err)
	}
	if out.Activity == nil {
		return Activity{}, nil
	}
	return activityOf(*out.Activity), nil
}

// EnterStandby moves InService instances to Standby: out of the load
// balancer, still running. With decrementDesired the group does not
// launch replacements.
func (f *Fleet) EnterStandby(ctx context.Context, group string, ids []string, decrementDesired bool) ([]Activity, error) {
	if err := f.guard("move " + strings.Join(ids, ", ") + " to standby in " + group); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("enter standby in %s: no instance ids", group)
	}
	out, err := f.asg.EnterStandby(ctx, &autoscaling.EnterStandbyInput{
		AutoScalingGroupName:           sdk.String(group),
		InstanceIds:                    ids,
		ShouldDecrementDesiredCapacity: sdk.Bool(decrementDesired),
	})
	if err != nil {
		return nil, fmt.Errorf("move %s to standby in %s: %w", strings.Join(ids, ", "), group, err)
	}
	return activitiesOf(out.Activities), nil
}

// ExitStandby returns Standby instances to service; the group's desired
// capacity grows by one for each.
func (f *Fleet) ExitStandby(ctx context.Context, group string, ids []string) ([]Activity, error) {
	if err := f.guard("return " + strings.Join(ids, ", ") + " from standby in " + group); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("exit standby in %s: no instance ids", group)
	}
	out, err := f.asg.ExitStandby(ctx, &autoscaling.ExitStandbyInput{AutoScalingGroupName: sdk.String(group), InstanceIds: ids})
	if err != nil {
		return nil, fmt.Errorf("return %s from standby in %s: %w", strings.Join(ids, ", "), group, err)
	}
	return activitiesOf(out.Activities), nil
}

func activitiesOf(as []astypes.Activity) []Activity {
	out := make([]Activity, 0, len(as))
	for _, a := range as {
		out = append(out, activityOf(a))
	}
	return out
}
