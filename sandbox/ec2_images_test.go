package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func TestPublicImagesAreBuiltInPerRegion(t *testing.T) {
	f := newComputeFixture(t)
	images := func(owners ...string) []types.Image {
		t.Helper()
		return must[*ec2.DescribeImagesOutput](t)(f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{Owners: owners})).Images
	}
	amazon := images("amazon")
	if len(amazon) != 4 {
		t.Fatalf("amazon images = %d, want AL2023 current and previous for x86_64 and arm64", len(amazon))
	}
	for _, im := range amazon {
		if aws.ToString(im.OwnerId) != amazonOwnerID || aws.ToString(im.ImageOwnerAlias) != "amazon" || !aws.ToBool(im.Public) ||
			!strings.HasPrefix(aws.ToString(im.Name), "al2023-ami-2023.") || im.State != types.ImageStateAvailable || im.ImdsSupport != types.ImdsSupportValuesV20 {
			t.Errorf("amazon image = %+v", im)
		}
	}
	canonical := images(canonicalOwnerID)
	if len(canonical) != 8 {
		t.Fatalf("canonical images = %d, want 22.04 and 24.04 × amd64/arm64 × gp2/gp3", len(canonical))
	}
	if got := images("self"); len(got) != 0 {
		t.Fatalf("a new account owns %d images", len(got))
	}
	if inv := f.Inventory(); len(inv) != 0 {
		t.Fatalf("built-in images are in the inventory: %+v", inv)
	}
	noble := must[*ec2.DescribeImagesOutput](t)(f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{
		Owners:  []string{canonicalOwnerID},
		Filters: []types.Filter{filter("name", "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-*-server-*"), filter("architecture", "arm64")},
	})).Images
	if len(noble) != 1 || aws.ToString(noble[0].RootDeviceName) != "/dev/sda1" || aws.ToString(noble[0].BlockDeviceMappings[0].Ebs.SnapshotId) == "" {
		t.Fatalf("noble arm64 gp3 = %+v", noble)
	}

	other := ec2.NewFromConfig(Config(f.URL, "eu-west-1"))
	euAmazon := must[*ec2.DescribeImagesOutput](t)(other.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []types.Filter{filter("name", aws.ToString(amazon[0].Name))}})).Images
	if len(euAmazon) != 1 || aws.ToString(euAmazon[0].ImageId) == aws.ToString(amazon[0].ImageId) {
		t.Fatalf("the same image in eu-west-1 = %+v, want its own id", euAmazon)
	}
	_, err := f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{ImageIds: []string{"ami-0123456789abcdef0"}})
	wantCode(t, err, "InvalidAMIID.NotFound")
	_, err = f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{ImageIds: []string{"al2023"}})
	wantCode(t, err, "InvalidAMIID.Malformed")
}

func TestSSMPublicAliasesResolveToImagesDescribeImagesKnows(t *testing.T) {
	f := newComputeFixture(t)
	client := ssm.NewFromConfig(f.Cfg)
	cases := []struct {
		name, arch, namePrefix string
	}{
		{"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", "x86_64", "al2023-ami-2023.9.20261103.0-kernel-6.1-x86_64"},
		{"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", "arm64", "al2023-ami-2023.9.20261103.0-kernel-6.1-arm64"},
		{"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-x86_64", "x86_64", "al2023-ami-2023.9.20261103.0-kernel-6.1-x86_64"},
		{"/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id", "x86_64", "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-"},
		{"/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp3/ami-id", "arm64", "ubuntu/images/hvm-ssd-gp3/ubuntu-jammy-22.04-arm64-server-"},
		{"/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", "x86_64", "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-"},
		{"/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp2/ami-id", "arm64", "ubuntu/images/hvm-ssd/ubuntu-noble-24.04-arm64-server-"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := must[*ssm.GetParameterOutput](t)(client.GetParameter(testCtx(t), &ssm.GetParameterInput{Name: aws.String(tc.name)})).Parameter
			id := aws.ToString(p.Value)
			if aws.ToString(p.Name) != tc.name || p.Type != "String" || p.LastModifiedDate == nil || !strings.HasPrefix(aws.ToString(p.ARN), "arn:aws:ssm:us-east-1::parameter/aws/service/") {
				t.Fatalf("parameter = %+v", p)
			}
			im := must[*ec2.DescribeImagesOutput](t)(f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{ImageIds: []string{id}})).Images
			if len(im) != 1 || string(im[0].Architecture) != tc.arch || !strings.HasPrefix(aws.ToString(im[0].Name), tc.namePrefix) {
				t.Fatalf("%s → %s = %+v", tc.name, id, im)
			}
		})
	}

	_, err := client.GetParameter(testCtx(t), &ssm.GetParameterInput{Name: aws.String("/aws/service/ami-amazon-linux-latest/amzn-ami-hvm-x86_64-gp2")})
	wantCode(t, err, "ParameterNotFound")
	both := must[*ssm.GetParametersOutput](t)(client.GetParameters(testCtx(t), &ssm.GetParametersInput{Names: []string{cases[0].name, "/app/db-password"}}))
	if len(both.Parameters) != 1 || len(both.InvalidParameters) != 1 || both.InvalidParameters[0] != "/app/db-password" {
		t.Fatalf("GetParameters = %d found, invalid %v", len(both.Parameters), both.InvalidParameters)
	}

	// RunInstances takes the alias directly, as EC2 does.
	out := f.run(1, func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("resolve:ssm:" + cases[0].name) })
	if got := aws.ToString(out.Instances[0].ImageId); got != al2023x86 {
		t.Fatalf("resolve:ssm: launched %s, want %s", got, al2023x86)
	}
}

func TestCreateImageIsPendingUntilAvailableForTheWaiter(t *testing.T) {
	f := newComputeFixture(t, realistic)
	id := aws.ToString(f.run(1, func(in *ec2.RunInstancesInput) {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(20), Encrypted: aws.Bool(true)}}}
	}).Instances[0].InstanceId)
	_, err := f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("web-2026-11-23")})
	wantCode(t, err, "IncorrectInstanceState") // still pending
	f.Advance(time.Minute)

	out := must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{
		InstanceId: aws.String(id), Name: aws.String("web-2026-11-23"), Description: aws.String("baked by stackwiz"),
		TagSpecifications: tagSpec(types.ResourceTypeImage, "stackwiz:stack", "demo"),
	}))
	ami := aws.ToString(out.ImageId)
	im := must[*ec2.DescribeImagesOutput](t)(f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{Owners: []string{"self"}})).Images
	if len(im) != 1 || aws.ToString(im[0].ImageId) != ami || im[0].State != types.ImageStatePending || aws.ToString(im[0].OwnerId) != AccountID ||
		aws.ToBool(im[0].Public) || aws.ToString(im[0].SourceInstanceId) != id || tagValue(im[0].Tags, "stackwiz:stack") != "demo" ||
		aws.ToInt32(im[0].BlockDeviceMappings[0].Ebs.VolumeSize) != 20 || !aws.ToBool(im[0].BlockDeviceMappings[0].Ebs.Encrypted) {
		t.Fatalf("own images = %+v", im)
	}
	_, err = f.ec2.RunInstances(testCtx(t), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	wantCode(t, err, "InvalidAMIID.Unavailable")
	_, err = f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("web-2026-11-23")})
	wantCode(t, err, "InvalidAMIName.Duplicate")
	_, err = f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("x")})
	wantCode(t, err, "InvalidAMIName.Malformed")

	waiter := ec2.NewImageAvailableWaiter(f.ec2, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceEachPoll(f.testSandbox, 15*time.Second))
	})
	before := f.Stats().Count("ec2", "DescribeImages")
	if err := waiter.Wait(testCtx(t), &ec2.DescribeImagesInput{ImageIds: []string{ami}}, time.Minute); err != nil {
		t.Fatalf("ImageAvailable waiter: %v", err)
	}
	if polls := f.Stats().Count("ec2", "DescribeImages") - before; polls != 20 {
		t.Fatalf("waiter polled %d times, want 20 (300 s at 15 s a poll)", polls)
	}
	launched := f.run(1, func(in *ec2.RunInstancesInput) { in.ImageId = aws.String(ami) }).Instances[0]
	if aws.ToString(launched.ImageId) != ami || launched.MetadataOptions.HttpTokens != types.HttpTokensStateRequired {
		t.Fatalf("instance from the baked image = image %s, http tokens %v (AL2023 images require IMDSv2)", aws.ToString(launched.ImageId), launched.MetadataOptions.HttpTokens)
	}

	must[*ec2.DeregisterImageOutput](t)(f.ec2.DeregisterImage(testCtx(t), &ec2.DeregisterImageInput{ImageId: aws.String(ami)}))
	_, err = f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	wantCode(t, err, "InvalidAMIID.NotFound")
	_, err = f.ec2.DeregisterImage(testCtx(t), &ec2.DeregisterImageInput{ImageId: aws.String(ami)})
	wantCode(t, err, "InvalidAMIID.NotFound")
	_, err = f.ec2.DeregisterImage(testCtx(t), &ec2.DeregisterImageInput{ImageId: aws.String(al2023x86)})
	wantCode(t, err, "AuthFailure")
	// The name is free again once the image is gone.
	must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("web-2026-11-23"), NoReboot: aws.Bool(true)}))
}

func TestCreateImageRebootsTheInstanceUnlessNoReboot(t *testing.T) {
	f := newComputeFixture(t, realistic)
	out := f.run(2)
	a, b := aws.ToString(out.Instances[0].InstanceId), aws.ToString(out.Instances[1].InstanceId)
	f.Advance(2 * time.Minute) // both running and booted
	must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(a), Name: aws.String("rebooted")}))
	must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(b), Name: aws.String("live"), NoReboot: aws.Bool(true)}))
	st := must[*ec2.DescribeInstanceStatusOutput](t)(f.ec2.DescribeInstanceStatus(testCtx(t), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{a, b}}))
	got := map[string]types.SummaryStatus{}
	for _, s := range st.InstanceStatuses {
		got[aws.ToString(s.InstanceId)] = s.InstanceStatus.Status
	}
	if got[a] != types.SummaryStatusInitializing || got[b] != types.SummaryStatusOk {
		t.Fatalf("status after CreateImage = rebooted %v, no-reboot %v", got[a], got[b])
	}
}
