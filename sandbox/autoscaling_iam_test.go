package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// instanceProfile creates a role for EC2 and an instance profile holding it.
func (w *asgWorld) instanceProfile(name string) {
	w.t.Helper()
	ic := iam.NewFromConfig(w.Cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := ic.CreateRole(w.ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := ic.CreateInstanceProfile(w.ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil {
		w.t.Fatal(err)
	}
	if _, err := ic.AddRoleToInstanceProfile(w.ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(name)}); err != nil {
		w.t.Fatal(err)
	}
}

// TestCreateGroupRejectsAFreshInstanceProfileUntilIAMPropagates: AWS
// validates the launch template's instance profile when the group is created.
func TestCreateGroupRejectsAFreshInstanceProfileUntilIAMPropagates(t *testing.T) {
	w := newASGWorld(t, func(o *Options) { o.IAMPropagation = 30 * time.Second })
	w.instanceProfile("web")
	w.template = w.createTemplate("web-with-role", "web")
	in := &autoscaling.CreateAutoScalingGroupInput{
		AutoScalingGroupName: aws.String("web"), LaunchTemplate: &astypes.LaunchTemplateSpecification{LaunchTemplateId: aws.String(w.template)},
		MinSize: aws.Int32(1), MaxSize: aws.Int32(1), VPCZoneIdentifier: aws.String(w.subnets[0]),
	}
	_, err := w.as.CreateAutoScalingGroup(w.ctx, in)
	wantAPIError(t, err, "ValidationError", "Value (web) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name")
	w.Advance(31 * time.Second)
	if _, err := w.as.CreateAutoScalingGroup(w.ctx, in); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if g := w.settle("web"); len(g.Instances) != 1 {
		t.Fatalf("group = %s", groupString(g))
	}
}

// TestLaunchInsideTheIAMWindowFailsThenSucceeds: a group on $Latest meets a
// new template version whose instance profile IAM has not propagated yet.
// The launch fails with AWS's message as a failed scaling activity and a
// later retry succeeds.
func TestLaunchInsideTheIAMWindowFailsThenSucceeds(t *testing.T) {
	w := newASGWorld(t, func(o *Options) { o.IAMPropagation = 30 * time.Second })
	w.createGroup("web", 0, 0, 1)
	w.instanceProfile("web")
	w.newVersion(w.template, "web")
	if _, err := w.as.SetDesiredCapacity(w.ctx, &autoscaling.SetDesiredCapacityInput{AutoScalingGroupName: aws.String("web"), DesiredCapacity: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	w.Advance(time.Second)
	acts := w.activities("web")
	if len(acts) == 0 {
		t.Fatal("no activity inside the IAM window, want a failed launch")
	}
	for _, a := range acts {
		if a.StatusCode != astypes.ScalingActivityStatusCodeFailed {
			t.Fatalf("activity inside the IAM window: %s %s, want failed", *a.Description, a.StatusCode)
		}
	}
	failed := acts[0]
	if *failed.StatusMessage != "Value (web) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name." ||
		*failed.Description != "Launching a new EC2 instance.  Status Reason: "+*failed.StatusMessage+" Launching EC2 instance failed." {
		t.Fatalf("failed launch: description %q, status message %q", *failed.Description, *failed.StatusMessage)
	}
	w.Advance(40 * time.Second)
	g := w.settle("web")
	if len(g.Instances) != 1 {
		t.Fatalf("after the window: %s", groupString(g))
	}
	if acts := w.activities("web"); acts[0].StatusCode != astypes.ScalingActivityStatusCodeSuccessful || !strings.HasPrefix(*acts[0].Description, "Launching a new EC2 instance: i-") {
		t.Fatalf("newest activity = %s %s, want a successful launch", *acts[0].Description, acts[0].StatusCode)
	}
}
