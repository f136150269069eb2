package steps

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Script writes the group and its scaling policy as AWS CLI commands. It
// reads LAUNCH_TEMPLATE_ID, LAUNCH_TEMPLATE_VERSION, PRIVATE_SUBNET_IDS (or
// PUBLIC_SUBNET_IDS) and TG_ARN, and sets ASG_NAME.
func (autoscalingStep) Script(s *spec.Spec, w *Script) {
	a := s.Autoscaling
	subnets := "PRIVATE_SUBNET_IDS"
	if s.Network.VPC == spec.VPCDefault || s.Network.NAT == spec.NATNone {
		subnets = "PUBLIC_SUBNET_IDS"
		w.Comment("No private subnets (nat: none or the default VPC): the instances get public IPs.")
	}
	w.Comment("Termination policies are set explicitly: the console never asks, and Default picks from the")
	w.Comment("fullest AZ the instance of the oldest launch template (a hand-built instance is the first to go).")
	w.Comment("The API's default grace period is 0, which lets ELB health checks kill booting instances.")
	w.Line("ASG_NAME=%s", shellQuote(asgName(s)))
	w.Line("aws autoscaling create-auto-scaling-group \\")
	w.Line("  --auto-scaling-group-name \"$ASG_NAME\" \\")
	w.Line("  --launch-template LaunchTemplateId=\"$LAUNCH_TEMPLATE_ID\",Version=\"$LAUNCH_TEMPLATE_VERSION\" \\")
	w.Line("  --min-size %d --max-size %d --desired-capacity %d \\", a.Min, a.Max, a.Desired)
	w.Line("  --vpc-zone-identifier \"${%s// /,}\" \\", subnets)
	w.Line("  --traffic-sources Identifier=\"$TG_ARN\",Type=elbv2 \\")
	w.Line("  --health-check-type ELB --health-check-grace-period %d \\", a.HealthCheckGraceSeconds)
	w.Line("  --default-instance-warmup %d \\", asgWarmupSeconds(s))
	w.Line("  --termination-policies %s \\", strings.Join(asgTerminationPolicies(s), " "))
	tags := StackTags(s.Name, StepAutoscaling, asgKeyGroup, asgName(s))
	keys := slices.Sorted(maps.Keys(tags))
	w.Line("  --tags \\")
	for i, k := range keys {
		end := " \\"
		if i == len(keys)-1 {
			end = ""
		}
		// The instances carry the stack's tags, not the group's key.
		w.Line("    ResourceId=\"$ASG_NAME\",ResourceType=auto-scaling-group,Key=%s,Value=%s,PropagateAtLaunch=%t%s",
			k, shellQuote(tags[k]), k != TagKey, end)
	}
	w.Comment("Wait until the load balancer finds the instances healthy (about grace + %d checks × %d s).",
		s.LoadBalancer.HealthCheck.HealthyThreshold, s.LoadBalancer.HealthCheck.IntervalSeconds)
	w.Line("aws elbv2 wait target-in-service --target-group-arn \"$TG_ARN\"")
	if a.CPUTargetPercent > 0 {
		w.Comment("Keep the average CPU near %d%%: AWS creates and owns the alarms behind it.", a.CPUTargetPercent)
		w.Line("aws autoscaling put-scaling-policy --auto-scaling-group-name \"$ASG_NAME\" \\")
		w.Line("  --policy-name %s --policy-type TargetTrackingScaling \\", shellQuote(asgPolicyName(s)))
		w.Line("  --target-tracking-configuration %s",
			shellQuote(fmt.Sprintf(`{"PredefinedMetricSpecification":{"PredefinedMetricType":"ASGAverageCPUUtilization"},"TargetValue":%d}`, a.CPUTargetPercent)))
	}
	w.Comment("A new launch template version later: update the group, then roll it through:")
	w.Comment("  aws autoscaling update-auto-scaling-group --auto-scaling-group-name \"$ASG_NAME\" --launch-template LaunchTemplateId=...,Version=N")
	w.Comment("  aws autoscaling start-instance-refresh --auto-scaling-group-name \"$ASG_NAME\" --preferences MinHealthyPercentage=%d,SkipMatching=true",
		refreshMinHealthyPercent)
}
