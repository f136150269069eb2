package sandbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

func TestComputeSurvivesARestartAndPendingInstancesComplete(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { realistic(o); o.DataDir = dir }
	f := newComputeFixture(t, withData)
	f.profileWithRole("app")
	out := f.run(1, func(in *ec2.RunInstancesInput) { in.ClientToken = aws.String("once") })
	id := aws.ToString(out.Instances[0].InstanceId)
	lt := aws.ToString(must[*ec2.CreateLaunchTemplateOutput](t)(f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("web"), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(al2023x86)},
	})).LaunchTemplate.LaunchTemplateId)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	g := newComputeFixture(t, withData)
	if st := g.instance(id).State.Name; st != types.InstanceStateNamePending {
		t.Fatalf("instance after restart = %s, want still pending", st)
	}
	g.Advance(time.Minute)
	if st := g.instance(id).State.Name; st != types.InstanceStateNameRunning {
		t.Fatalf("instance after restart and a minute = %s, want running", st)
	}
	again := g.run(1, func(in *ec2.RunInstancesInput) { in.ClientToken = aws.String("once") })
	if aws.ToString(again.Instances[0].InstanceId) != id {
		t.Fatalf("client token forgotten across a restart: launched %s", aws.ToString(again.Instances[0].InstanceId))
	}
	if _, err := g.ec2.DescribeLaunchTemplates(testCtx(t), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{lt}}); err != nil {
		t.Fatalf("launch template after restart: %v", err)
	}
	if _, err := g.iam.GetInstanceProfile(testCtx(t), &iam.GetInstanceProfileInput{InstanceProfileName: aws.String("app")}); err != nil {
		t.Fatalf("instance profile after restart: %v", err)
	}
}

func TestRunInstancesDryRunValidatesAndLaunchesNothing(t *testing.T) {
	f := newComputeFixture(t)
	in := &ec2.RunInstancesInput{ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), DryRun: aws.Bool(true)}
	_, err := f.ec2.RunInstances(testCtx(t), in)
	wantCode(t, err, "DryRunOperation")
	in.ImageId = aws.String("ami-0123456789abcdef0")
	_, err = f.ec2.RunInstances(testCtx(t), in)
	wantCode(t, err, "InvalidAMIID.NotFound")
	_, err = f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("web"), DryRun: aws.Bool(true), LaunchTemplateData: &types.RequestLaunchTemplateData{}})
	wantCode(t, err, "DryRunOperation")
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("dry runs created %+v", inv)
	}
}
