package sandbox

import (
	"time"

	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestDescribeVolumesShowsRootVolumes checks that an instance's root volume
// is listed with what the launch asked for (encrypted gp3 of 20 GiB here),
// is found by the instance it is attached to, and goes when the instance
// terminates.
func TestDescribeVolumesShowsRootVolumes(t *testing.T) {
	f := newComputeFixture(t)
	ctx := testCtx(t)
	plain := f.run(1)
	enc := f.run(1, func(in *ec2.RunInstancesInput) {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"),
			Ebs: &types.EbsBlockDevice{VolumeType: types.VolumeTypeGp3, VolumeSize: aws.Int32(20), Encrypted: aws.Bool(true)}}}
	})
	encID := aws.ToString(enc.Instances[0].InstanceId)
	out, err := f.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []types.Filter{
		{Name: aws.String("attachment.instance-id"), Values: []string{encID}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Volumes) != 1 {
		t.Fatalf("%d volumes attached to %s, want 1", len(out.Volumes), encID)
	}
	v := out.Volumes[0]
	if !aws.ToBool(v.Encrypted) || v.VolumeType != types.VolumeTypeGp3 || aws.ToInt32(v.Size) != 20 ||
		len(v.Attachments) != 1 || aws.ToString(v.Attachments[0].Device) != "/dev/xvda" || aws.ToString(v.Attachments[0].InstanceId) != encID {
		t.Errorf("volume %+v: want an encrypted 20 GiB gp3 root volume on %s", v, encID)
	}
	all, err := f.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{})
	if err != nil || len(all.Volumes) != 2 {
		t.Fatalf("all volumes: %d, %v; want 2", len(all.Volumes), err)
	}
	plainVol := aws.ToString(f.instance(aws.ToString(plain.Instances[0].InstanceId)).BlockDeviceMappings[0].Ebs.VolumeId)
	one, err := f.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{plainVol}})
	if err != nil || len(one.Volumes) != 1 || aws.ToBool(one.Volumes[0].Encrypted) {
		t.Errorf("the plain instance's volume: %v %+v; want one unencrypted volume (the image's is not encrypted)", err, one)
	}

	if _, err := f.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{encID}}); err != nil {
		t.Fatal(err)
	}
	f.Advance(10 * time.Minute)
	if _, err := f.ec2.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{VolumeIds: []string{aws.ToString(v.VolumeId)}}); err == nil {
		t.Error("the terminated instance's root volume is still described")
	} else if code := errCode(err); code != "InvalidVolume.NotFound" {
		t.Errorf("describe a deleted volume: %s, want InvalidVolume.NotFound", code)
	}
}
