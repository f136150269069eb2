package sandbox

import (
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
)

// runWithProfile launches one instance with the named profile (or ARN).
func (f *computeFixture) runWithProfile(spec types.IamInstanceProfileSpecification) error {
	_, err := f.ec2.RunInstances(testCtx(f.t), &ec2.RunInstancesInput{
		ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		IamInstanceProfile: &spec,
	})
	return err
}

func TestRunInstancesRejectsANewInstanceProfileUntilIAMHasPropagated(t *testing.T) {
	f := newComputeFixture(t, func(o *Options) { o.IAMPropagation = 10 * time.Second })
	p := f.profileWithRole("app")

	err := f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("app")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameterValue" ||
		ae.ErrorMessage() != "Value (app) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name" {
		t.Fatalf("RunInstances inside the window = %v, want EC2's InvalidParameterValue for the profile name", err)
	}
	err = f.runWithProfile(types.IamInstanceProfileSpecification{Arn: p.Arn})
	wantCode(t, err, "InvalidParameterValue")

	f.Advance(9 * time.Second)
	wantCode(t, f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("app")}), "InvalidParameterValue")
	f.Advance(time.Second)
	if err := f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("app")}); err != nil {
		t.Fatalf("RunInstances after the window: %v", err)
	}
	out := must[*ec2.DescribeInstancesOutput](t)(f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{}))
	got := out.Reservations[0].Instances[0].IamInstanceProfile
	if got == nil || aws.ToString(got.Arn) != aws.ToString(p.Arn) || aws.ToString(got.Id) != aws.ToString(p.InstanceProfileId) {
		t.Fatalf("instance profile on the instance = %+v, want %s", got, aws.ToString(p.Arn))
	}

	// Swapping the role starts the window again.
	must[*iam.RemoveRoleFromInstanceProfileOutput](t)(f.iam.RemoveRoleFromInstanceProfile(testCtx(t), &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: aws.String("app"), RoleName: aws.String("app")}))
	must[*iam.AddRoleToInstanceProfileOutput](t)(f.iam.AddRoleToInstanceProfile(testCtx(t), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("app"), RoleName: aws.String("app")}))
	wantCode(t, f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("app")}), "InvalidParameterValue")
}

func TestIAMPropagationWindowIsSetThroughFaults(t *testing.T) {
	f := newComputeFixture(t)
	f.profileWithRole("app")
	if err := f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("app")}); err != nil {
		t.Fatalf("instant profile without a window: %v", err)
	}
	secs := 30.0
	if err := f.SetFaults(Faults{IAMPropagationSeconds: &secs}); err != nil {
		t.Fatal(err)
	}
	f.profileWithRole("fresh")
	wantCode(t, f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("fresh")}), "InvalidParameterValue")
	f.Advance(31 * time.Second)
	if err := f.runWithProfile(types.IamInstanceProfileSpecification{Name: aws.String("fresh")}); err != nil {
		t.Fatalf("after the 30 s window: %v", err)
	}
}

// Auto Scaling launches through launchFromTemplate and reports EC2's
// refusal as its own ValidationError.
func TestLaunchFromTemplateReportsTheProfileWindowAsAutoScalingDoes(t *testing.T) {
	f := newComputeFixture(t, func(o *Options) { o.IAMPropagation = 10 * time.Second })
	f.profileWithRole("app")
	lt := must[*ec2.CreateLaunchTemplateOutput](t)(f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("web"),
		LaunchTemplateData: &types.RequestLaunchTemplateData{
			ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro,
			IamInstanceProfile: &types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String("app")},
		},
	})).LaunchTemplate
	launch := func() (*Instance, *APIError) {
		var in *Instance
		var err *APIError
		f.withRegion("us-east-1", func(r *Region) {
			now := f.clock.Now()
			in, err = r.launchFromTemplate(now, f.dur, aws.ToString(lt.LaunchTemplateId), "", "$Latest", "", []Tag{{Key: "aws:autoscaling:groupName", Value: "web"}})
		})
		return in, err
	}
	_, err := launch()
	want := "You must use a valid fully-formed launch template. Value (app) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name"
	if err == nil || err.Code != "ValidationError" || err.Message != want {
		t.Fatalf("launch inside the window = %v, want ValidationError %q", err, want)
	}
	f.Advance(10 * time.Second)
	in, err := launch()
	if err != nil {
		t.Fatalf("launch after the window: %v", err)
	}
	if in.LaunchTemplateID != aws.ToString(lt.LaunchTemplateId) || in.LaunchTemplateVersion != "1" || tagMap(in.Tags)["aws:autoscaling:groupName"] != "web" {
		t.Fatalf("launched = template %s v%s, tags %v", in.LaunchTemplateID, in.LaunchTemplateVersion, in.Tags)
	}
	got := f.instance(in.ID)
	if got.State.Name != types.InstanceStateNamePending && got.State.Name != types.InstanceStateNameRunning {
		t.Fatalf("launched instance state = %v", got.State.Name)
	}
}
