package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Compute wraps the EC2 calls stackwiz makes for images, instances and
// launch templates.
type Compute struct{ api computeAPI }

// computeAPI lists only the SDK methods Compute calls.
type computeAPI interface {
	DescribeImages(context.Context, *ec2.DescribeImagesInput, ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	CreateImage(context.Context, *ec2.CreateImageInput, ...func(*ec2.Options)) (*ec2.CreateImageOutput, error)
	DeregisterImage(context.Context, *ec2.DeregisterImageInput, ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)

	RunInstances(context.Context, *ec2.RunInstancesInput, ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	DescribeInstances(context.Context, *ec2.DescribeInstancesInput, ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	DescribeInstanceStatus(context.Context, *ec2.DescribeInstanceStatusInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceStatusOutput, error)
	TerminateInstances(context.Context, *ec2.TerminateInstancesInput, ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)

	CreateLaunchTemplate(context.Context, *ec2.CreateLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.CreateLaunchTemplateOutput, error)
	CreateLaunchTemplateVersion(context.Context, *ec2.CreateLaunchTemplateVersionInput, ...func(*ec2.Options)) (*ec2.CreateLaunchTemplateVersionOutput, error)
	ModifyLaunchTemplate(context.Context, *ec2.ModifyLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.ModifyLaunchTemplateOutput, error)
	DescribeLaunchTemplates(context.Context, *ec2.DescribeLaunchTemplatesInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplatesOutput, error)
	DescribeLaunchTemplateVersions(context.Context, *ec2.DescribeLaunchTemplateVersionsInput, ...func(*ec2.Options)) (*ec2.DescribeLaunchTemplateVersionsOutput, error)
	DeleteLaunchTemplate(context.Context, *ec2.DeleteLaunchTemplateInput, ...func(*ec2.Options)) (*ec2.DeleteLaunchTemplateOutput, error)
}

// Image is an AMI as stackwiz needs it.
type Image struct {
	ID           string
	Name         string
	State        string // pending, available, failed, deregistered, ...
	StateReason  string
	Architecture string // x86_64, arm64
	OwnerID      string
	Public       bool
	// RootDevice is the root volume's device name (/dev/xvda, /dev/sda1):
	// a launch template's root block device mapping must name it.
	RootDevice string
	// RootGiB is the root snapshot's size; a root volume cannot be smaller.
	RootGiB int
	// Snapshots are the EBS snapshots behind the image.
	Snapshots []string
	Tags      map[string]string
}

// Image describes one image; ok is false when it does not exist (or is
// deregistered).
func (c *Compute) Image(ctx context.Context, id string) (Image, bool, error) {
	out, err := c.api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil {
		if IsNotFound(err) {
			return Image{}, false, nil
		}
		return Image{}, false, fmt.Errorf("describe image %s: %w", id, err)
	}
	for _, im := range out.Images {
		if sdk.ToString(im.ImageId) == id && im.State != types.ImageStateDeregistered {
			return imageOf(im), true, nil
		}
	}
	return Image{}, false, nil
}

// OwnImages lists the account's own images in the region that carry the
// tag key=value, or every own image named name when key is empty.
func (c *Compute) OwnImages(ctx context.Context, key, value, name string) ([]Image, error) {
	in := &ec2.DescribeImagesInput{Owners: []string{"self"}}
	if key != "" {
		in.Filters = append(in.Filters, types.Filter{Name: sdk.String("tag:" + key), Values: []string{value}})
	}
	if name != "" {
		in.Filters = append(in.Filters, types.Filter{Name: sdk.String("name"), Values: []string{name}})
	}
	var out []Image
	p := ec2.NewDescribeImagesPaginator(c.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe own images: %w", err)
		}
		for _, im := range page.Images {
			if im.State != types.ImageStateDeregistered {
				out = append(out, imageOf(im))
			}
		}
	}
	return out, nil
}

func imageOf(im types.Image) Image {
	out := Image{
		ID: sdk.ToString(im.ImageId), Name: sdk.ToString(im.Name), State: string(im.State),
		Architecture: string(im.Architecture), OwnerID: sdk.ToString(im.OwnerId), Public: sdk.ToBool(im.Public),
		RootDevice: sdk.ToString(im.RootDeviceName), Tags: tagMap(im.Tags),
	}
	if im.StateReason != nil {
		out.StateReason = sdk.ToString(im.StateReason.Message)
	}
	for _, b := range im.BlockDeviceMappings {
		if b.Ebs == nil {
			continue
		}
		if id := sdk.ToString(b.Ebs.SnapshotId); id != "" {
			out.Snapshots = append(out.Snapshots, id)
		}
		if sdk.ToString(b.DeviceName) == out.RootDevice {
			out.RootGiB = int(sdk.ToInt32(b.Ebs.VolumeSize))
		}
	}
	return out
}

// CreateImage takes an image of a running or stopped instance. EC2 reboots
// the instance first (NoReboot false) so the file system is consistent;
// the builder is disposable. Tags go on the image and its snapshots.
func (c *Compute) CreateImage(ctx context.Context, instanceID, name, description string, tags map[string]string) (string, error) {
	out, err := c.api.CreateImage(ctx, &ec2.CreateImageInput{
		InstanceId: sdk.String(instanceID), Name: sdk.String(name), Description: sdk.String(description),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeImage, Tags: ec2Tags(tags)},
			{ResourceType: types.ResourceTypeSnapshot, Tags: ec2Tags(tags)},
		},
	})
	if err != nil {
		return "", fmt.Errorf("create image %s from %s: %w", name, instanceID, err)
	}
	return sdk.ToString(out.ImageId), nil
}

// DeregisterImage deregisters an image and deletes its snapshots with it,
// which otherwise keep costing storage. Not found is success.
func (c *Compute) DeregisterImage(ctx context.Context, id string) error {
	out, err := c.api.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: sdk.String(id), DeleteAssociatedSnapshots: sdk.Bool(true)})
	if err != nil {
		if IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("deregister image %s: %w", id, err)
	}
	var failed []error
	for _, r := range out.DeleteSnapshotResults {
		// skipped: another image uses the snapshot; it goes with that image.
		if code := string(r.ReturnCode); code != "" && r.ReturnCode != types.SnapshotReturnCodesSuccess && r.ReturnCode != types.SnapshotReturnCodesWarnSkipped {
			failed = append(failed, fmt.Errorf("snapshot %s of image %s was not deleted (%s): delete it with `aws ec2 delete-snapshot --snapshot-id %s`",
				sdk.ToString(r.SnapshotId), id, code, sdk.ToString(r.SnapshotId)))
		}
	}
	return errors.Join(failed...)
}

// Instance is an EC2 instance as stackwiz needs it.
type Instance struct {
	ID           string
	State        string // pending, running, shutting-down, terminated, stopping, stopped
	ImageID      string
	InstanceType string
	SubnetID     string
	PrivateIP    string
	PublicIP     string
	ProfileARN   string
	HTTPTokens   string
	KeyName      string // the key pair it was launched with, if any
	LaunchTime   time.Time
	Tags         map[string]string
}

// Gone reports whether the instance is terminated or on its way there.
func (i Instance) Gone() bool { return i.State == "terminated" || i.State == "shutting-down" }

// InstanceInput is one instance to launch.
type InstanceInput struct {
	ImageID          string
	InstanceType     string
	SubnetID         string
	SecurityGroupIDs []string
	// ProfileARN is the instance profile; empty launches without one.
	ProfileARN string
	KeyName    string
	// UserData is the raw script; RunInstances sends it base64-encoded.
	UserData []byte
	// RootDevice and RootGiB size the root volume, which is always an
	// encrypted gp3 volume; empty/0 keep the image's.
	RootDevice string
	RootGiB    int
	Tags       map[string]string
	// ClientToken makes a retried launch answer the first one.
	ClientToken string
}

// RunInstance launches one instance with IMDSv2 required and an encrypted
// gp3 root volume, tagged at launch (instance, volume and network
// interface).
func (c *Compute) RunInstance(ctx context.Context, in InstanceInput) (Instance, error) {
	req := &ec2.RunInstancesInput{
		ImageId: sdk.String(in.ImageID), InstanceType: types.InstanceType(in.InstanceType),
		MinCount: sdk.Int32(1), MaxCount: sdk.Int32(1),
		MetadataOptions: &types.InstanceMetadataOptionsRequest{
			HttpTokens: types.HttpTokensStateRequired, HttpEndpoint: types.InstanceMetadataEndpointStateEnabled,
			HttpPutResponseHopLimit: sdk.Int32(2),
		},
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: ec2Tags(in.Tags)},
			{ResourceType: types.ResourceTypeVolume, Tags: ec2Tags(in.Tags)},
			{ResourceType: types.ResourceTypeNetworkInterface, Tags: ec2Tags(in.Tags)},
		},
	}
	if in.SubnetID != "" {
		req.SubnetId = sdk.String(in.SubnetID)
	}
	if len(in.SecurityGroupIDs) > 0 {
		req.SecurityGroupIds = in.SecurityGroupIDs
	}
	if in.ProfileARN != "" {
		req.IamInstanceProfile = &types.IamInstanceProfileSpecification{Arn: sdk.String(in.ProfileARN)}
	}
	if in.KeyName != "" {
		req.KeyName = sdk.String(in.KeyName)
	}
	if len(in.UserData) > 0 {
		req.UserData = sdk.String(Base64(in.UserData))
	}
	if in.RootDevice != "" {
		ebs := &types.EbsBlockDevice{VolumeType: types.VolumeTypeGp3, Encrypted: sdk.Bool(true), DeleteOnTermination: sdk.Bool(true)}
		if in.RootGiB > 0 {
			ebs.VolumeSize = sdk.Int32(int32(in.RootGiB))
		}
		req.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: sdk.String(in.RootDevice), Ebs: ebs}}
	}
	if in.ClientToken != "" {
		req.ClientToken = sdk.String(in.ClientToken)
	}
	out, err := c.api.RunInstances(ctx, req)
	if err != nil {
		return Instance{}, fmt.Errorf("run instance from %s: %w", in.ImageID, err)
	}
	if len(out.Instances) == 0 {
		return Instance{}, fmt.Errorf("run instance from %s: EC2 returned no instance", in.ImageID)
	}
	return instanceOf(out.Instances[0]), nil
}

// Instance describes one instance; ok is false when EC2 no longer knows it.
// A terminated instance is returned (State says so) while EC2 lists it.
func (c *Compute) Instance(ctx context.Context, id string) (Instance, bool, error) {
	out, err := c.api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		if IsNotFound(err) {
			return Instance{}, false, nil
		}
		return Instance{}, false, fmt.Errorf("describe instance %s: %w", id, err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if sdk.ToString(in.InstanceId) == id {
				return instanceOf(in), true, nil
			}
		}
	}
	return Instance{}, false, nil
}

// InstancesTagged lists the instances that carry every tag in tags,
// terminated ones included (callers skip what they must).
func (c *Compute) InstancesTagged(ctx context.Context, tags map[string]string) ([]Instance, error) {
	in := &ec2.DescribeInstancesInput{}
	for k, v := range tags {
		in.Filters = append(in.Filters, types.Filter{Name: sdk.String("tag:" + k), Values: []string{v}})
	}
	var out []Instance
	p := ec2.NewDescribeInstancesPaginator(c.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe instances: %w", err)
		}
		for _, r := range page.Reservations {
			for _, i := range r.Instances {
				out = append(out, instanceOf(i))
			}
		}
	}
	return out, nil
}

// StatusOK reports whether a running instance passes both EC2 status
// checks (system and instance reachability): it has booted.
func (c *Compute) StatusOK(ctx context.Context, id string) (bool, error) {
	out, err := c.api.DescribeInstanceStatus(ctx, &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
	if err != nil {
		return false, fmt.Errorf("describe instance status %s: %w", id, err)
	}
	for _, s := range out.InstanceStatuses {
		if sdk.ToString(s.InstanceId) != id || s.InstanceStatus == nil || s.SystemStatus == nil {
			continue
		}
		return s.InstanceStatus.Status == types.SummaryStatusOk && s.SystemStatus.Status == types.SummaryStatusOk, nil
	}
	return false, nil
}

// TerminateInstance starts terminating an instance. Not found is success.
func (c *Compute) TerminateInstance(ctx context.Context, id string) error {
	_, err := c.api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("terminate instance %s: %w", id, err)
	}
	return nil
}

func instanceOf(in types.Instance) Instance {
	out := Instance{
		ID: sdk.ToString(in.InstanceId), ImageID: sdk.ToString(in.ImageId), InstanceType: string(in.InstanceType),
		SubnetID: sdk.ToString(in.SubnetId), PrivateIP: sdk.ToString(in.PrivateIpAddress), PublicIP: sdk.ToString(in.PublicIpAddress),
		LaunchTime: sdk.ToTime(in.LaunchTime), Tags: tagMap(in.Tags), KeyName: sdk.ToString(in.KeyName),
	}
	if in.State != nil {
		out.State = string(in.State.Name)
	}
	if in.IamInstanceProfile != nil {
		out.ProfileARN = sdk.ToString(in.IamInstanceProfile.Arn)
	}
	if in.MetadataOptions != nil {
		out.HTTPTokens = string(in.MetadataOptions.HttpTokens)
	}
	return out
}

func ec2Tags(tags map[string]string) []types.Tag {
	out := make([]types.Tag, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[sdk.ToString(t.Key)] = sdk.ToString(t.Value)
	}
	return m
}
