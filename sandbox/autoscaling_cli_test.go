package sandbox

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
)

func TestAWSCLIDescribesAutoScaling(t *testing.T) {
	t.Parallel() // the CLI's start-up is wall time, not CPU
	w := newASGWorld(t)
	w.createGroup("cli", 0, 2, 2, func(in *autoscaling.CreateAutoScalingGroupInput) {
		in.Tags = []astypes.Tag{{Key: aws.String("Name"), Value: aws.String("cli"), PropagateAtLaunch: aws.Bool(true)}}
	})
	g := w.settle("cli")
	if _, err := w.as.PutScalingPolicy(w.ctx, &autoscaling.PutScalingPolicyInput{AutoScalingGroupName: aws.String("cli"), PolicyName: aws.String("cpu"),
		PolicyType: aws.String("TargetTrackingScaling"), TargetTrackingConfiguration: &astypes.TargetTrackingConfiguration{
			PredefinedMetricSpecification: &astypes.PredefinedMetricSpecification{PredefinedMetricType: astypes.MetricTypeASGAverageCPUUtilization}, TargetValue: aws.Float64(50)}}); err != nil {
		t.Fatal(err)
	}
	f := &netFixture{testSandbox: w.testSandbox, t: t}

	var groups struct {
		AutoScalingGroups []struct {
			AutoScalingGroupName, VPCZoneIdentifier, HealthCheckType string
			DesiredCapacity, HealthCheckGracePeriod                  int
			CreatedTime                                              string
			Instances                                                []struct{ InstanceId, LifecycleState, HealthStatus, AvailabilityZone string }
			Tags                                                     []struct{ Key, Value string }
		}
	}
	awsCLI(t, f, &groups, "autoscaling", "describe-auto-scaling-groups", "--auto-scaling-group-names", "cli")
	if len(groups.AutoScalingGroups) != 1 {
		t.Fatalf("describe-auto-scaling-groups = %+v", groups)
	}
	cg := groups.AutoScalingGroups[0]
	if cg.DesiredCapacity != 2 || len(cg.Instances) != 2 || cg.Instances[0].LifecycleState != "InService" || cg.VPCZoneIdentifier != *g.VPCZoneIdentifier ||
		cg.CreatedTime == "" || len(cg.Tags) != 1 || cg.HealthCheckType != "EC2" {
		t.Errorf("describe-auto-scaling-groups = %+v", cg)
	}
	var acts struct {
		Activities []struct{ Description, StatusCode, Cause string }
	}
	awsCLI(t, f, &acts, "autoscaling", "describe-scaling-activities", "--auto-scaling-group-name", "cli")
	if len(acts.Activities) != 2 || !strings.HasPrefix(acts.Activities[0].Description, "Launching a new EC2 instance: i-") || acts.Activities[0].StatusCode != "Successful" {
		t.Errorf("describe-scaling-activities = %+v", acts)
	}
	var instances struct {
		AutoScalingInstances []struct{ InstanceId, AutoScalingGroupName, HealthStatus string }
	}
	awsCLI(t, f, &instances, "autoscaling", "describe-auto-scaling-instances")
	if len(instances.AutoScalingInstances) != 2 || instances.AutoScalingInstances[0].AutoScalingGroupName != "cli" {
		t.Errorf("describe-auto-scaling-instances = %+v", instances)
	}
	var policies struct {
		ScalingPolicies []struct {
			PolicyName, PolicyType      string
			Alarms                      []struct{ AlarmName string }
			TargetTrackingConfiguration struct{ TargetValue float64 }
		}
	}
	awsCLI(t, f, &policies, "autoscaling", "describe-policies", "--auto-scaling-group-name", "cli")
	if len(policies.ScalingPolicies) != 1 || len(policies.ScalingPolicies[0].Alarms) != 2 || policies.ScalingPolicies[0].TargetTrackingConfiguration.TargetValue != 50 {
		t.Errorf("describe-policies = %+v", policies)
	}
	var failure cliFailure
	awsCLI(t, f, &failure, "autoscaling", "update-auto-scaling-group", "--auto-scaling-group-name", "cli", "--desired-capacity", "9")
	if !strings.Contains(failure.Stderr, "ValidationError") {
		t.Errorf("update-auto-scaling-group beyond max: stderr %q", failure.Stderr)
	}
}
