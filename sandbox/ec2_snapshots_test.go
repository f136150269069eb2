package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestImagesKeepTheirSnapshotsUntilDeregisterDeletesThem(t *testing.T) {
	f := newComputeFixture(t)
	id := aws.ToString(f.run(1, func(in *ec2.RunInstancesInput) {
		in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(12), Encrypted: aws.Bool(true)}}}
	}).Instances[0].InstanceId)
	take := func(name string) (ami, snap string) {
		t.Helper()
		out := must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String(name),
			TagSpecifications: append(tagSpec(types.ResourceTypeImage, "stackwiz:stack", "demo"), tagSpec(types.ResourceTypeSnapshot, "stackwiz:stack", "demo")...)}))
		im := must[*ec2.DescribeImagesOutput](t)(f.ec2.DescribeImages(testCtx(t), &ec2.DescribeImagesInput{ImageIds: []string{aws.ToString(out.ImageId)}})).Images[0]
		return aws.ToString(out.ImageId), aws.ToString(im.BlockDeviceMappings[0].Ebs.SnapshotId)
	}
	ami1, snap1 := take("web-1")
	snaps := must[*ec2.DescribeSnapshotsOutput](t)(f.ec2.DescribeSnapshots(testCtx(t), &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []types.Filter{filter("tag:stackwiz:stack", "demo")}})).Snapshots
	if len(snaps) != 1 || aws.ToString(snaps[0].SnapshotId) != snap1 || aws.ToInt32(snaps[0].VolumeSize) != 12 || !aws.ToBool(snaps[0].Encrypted) ||
		snaps[0].State != types.SnapshotStateCompleted || tagValue(snaps[0].Tags, "stackwiz:stack") != "demo" {
		t.Fatalf("snapshots = %+v", snaps)
	}
	if got := f.Inventory(); !inventoryHas(got, "ec2:snapshot", snap1) {
		t.Fatalf("inventory lacks the snapshot: %+v", got)
	}
	_, err := f.ec2.DeleteSnapshot(testCtx(t), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap1)})
	wantCode(t, err, "InvalidSnapshot.InUse")

	// Deregistered without asking: the snapshot stays, and costs.
	must[*ec2.DeregisterImageOutput](t)(f.ec2.DeregisterImage(testCtx(t), &ec2.DeregisterImageInput{ImageId: aws.String(ami1)}))
	if !inventoryHas(f.Inventory(), "ec2:snapshot", snap1) {
		t.Fatal("the snapshot went with an image deregistered without DeleteAssociatedSnapshots")
	}
	must[*ec2.DeleteSnapshotOutput](t)(f.ec2.DeleteSnapshot(testCtx(t), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap1)}))
	_, err = f.ec2.DeleteSnapshot(testCtx(t), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap1)})
	wantCode(t, err, "InvalidSnapshot.NotFound")

	// Deregistered with DeleteAssociatedSnapshots: both go, and EC2 says so.
	ami2, snap2 := take("web-2")
	out := must[*ec2.DeregisterImageOutput](t)(f.ec2.DeregisterImage(testCtx(t), &ec2.DeregisterImageInput{ImageId: aws.String(ami2), DeleteAssociatedSnapshots: aws.Bool(true)}))
	if len(out.DeleteSnapshotResults) != 1 || aws.ToString(out.DeleteSnapshotResults[0].SnapshotId) != snap2 || out.DeleteSnapshotResults[0].ReturnCode != types.SnapshotReturnCodesSuccess {
		t.Fatalf("delete snapshot results = %+v", out.DeleteSnapshotResults)
	}
	if inventoryHas(f.Inventory(), "ec2:snapshot", snap2) {
		t.Fatal("the snapshot survived DeleteAssociatedSnapshots")
	}
}

func inventoryHas(items []InventoryItem, typ, id string) bool {
	for _, it := range items {
		if it.Type == typ && it.ID == id {
			return true
		}
	}
	return false
}
