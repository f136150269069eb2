package steps

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// instanceRunningTimeout bounds the wait for an instance to run: pending
// lasts a minute or two; EC2 gives no bound.
const instanceRunningTimeout = 10 * time.Minute

// al2023Parameter is AWS's public SSM parameter for the current Amazon
// Linux 2023 image of an architecture (x86_64 or arm64), from "Query for
// the latest Amazon Linux AMI IDs using Systems Manager Parameter Store".
func al2023Parameter(arch string) string {
	return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch
}

// ensureBastion keeps the bastion host: Amazon Linux 2023 (the current
// image when it is launched) on the smallest burstable type of the stack's
// architecture, in the first public subnet, in the bastion group, IMDSv2
// only, with an encrypted gp3 root volume. It returns the instance once it
// runs.
func ensureBastion(ctx context.Context, r *Run, d Desired, subnetID, groupID string) (aws.Instance, error) {
	keyName := r.Spec.Instance.KeyName
	if keyName != "" {
		// Checked first: a bastion being replaced for its key is deleted
		// before the new one launches, and must not be lost to a typo.
		keys, err := r.AWS.Discover.KeyPairs(ctx)
		if err != nil {
			return aws.Instance{}, err
		}
		if !slices.Contains(keys, keyName) {
			return aws.Instance{}, fmt.Errorf("instance.key_name %q is not a key pair in %s (it has %s): import yours (`aws ec2 import-key-pair`) or clear instance.key_name",
				keyName, r.AWS.Region, cmp.Or(strings.Join(keys, ", "), "none"))
		}
	}
	d = withAttrs(d, map[string]string{"subnet_id": subnetID})
	var host aws.Instance
	_, err := ensureConverged(ctx, r, d, findTagged(r, keyBastion, listInstances),
		func(ctx context.Context, token string) (string, error) {
			img, err := latestAL2023(ctx, r)
			if err != nil {
				return "", err
			}
			if keyName == "" {
				r.Warn("instance.key_name is empty, so the bastion has no SSH key pair: reach it with EC2 Instance Connect (`aws ec2-instance-connect ssh --instance-id ID`, from network.bastion.ssh_from), or set instance.key_name to a key pair in %s (SSM Session Manager would need an instance profile, which the bastion does not have)", r.AWS.Region)
			}
			in, err := r.AWS.Compute.RunInstance(ctx, aws.InstanceInput{
				ImageID: img.ID, InstanceType: d.Attrs["instance_type"], SubnetID: subnetID,
				SecurityGroupIDs: []string{groupID}, KeyName: keyName, RootDevice: img.RootDevice, RootGiB: img.RootGiB,
				Tags: r.Tags(keyBastion, d.Name), ClientToken: token,
			})
			if aws.IsCode(err, "InvalidKeyPair.NotFound") {
				return "", fmt.Errorf("instance.key_name %q is not a key pair in %s: import yours (`aws ec2 import-key-pair`) or clear instance.key_name: %w", keyName, r.AWS.Region, err)
			}
			return in.ID, err
		},
		func(ctx context.Context, id string) (map[string]string, error) {
			in, err := waitRunning(ctx, r, keyBastion, id)
			if err != nil {
				return nil, err
			}
			host = in
			return instanceAttrs(in), nil
		})
	return host, err
}

// latestAL2023 finds the region's current Amazon Linux 2023 image of the
// stack's architecture, with its root device name (the launch names it to
// encrypt the root volume instead of adding a second one).
func latestAL2023(ctx context.Context, r *Run) (aws.Image, error) {
	name := al2023Parameter(r.Spec.Architecture())
	id, ok, err := r.AWS.Params.Get(ctx, name)
	if err != nil {
		return aws.Image{}, err
	}
	if !ok {
		return aws.Image{}, fmt.Errorf("%s has no SSM parameter %s: is the region enabled for this account?", r.AWS.Region, name)
	}
	img, ok, err := r.AWS.Compute.Image(ctx, id)
	if err != nil {
		return aws.Image{}, err
	}
	if !ok || img.State != "available" {
		return aws.Image{}, fmt.Errorf("image %s (from %s) is not available in %s", id, name, r.AWS.Region)
	}
	return img, nil
}

// waitRunning waits until an instance leaves pending, and fails when it
// does not end up running or stopped.
func waitRunning(ctx context.Context, r *Run, key, id string) (aws.Instance, error) {
	var in aws.Instance
	err := r.Wait(ctx, key, "instance "+id+" to be running", instanceRunningTimeout, func(ctx context.Context) (bool, error) {
		var ok bool
		var err error
		in, ok, err = r.AWS.Compute.Instance(ctx, id)
		if err != nil || !ok {
			return false, notFoundOr(err, id)
		}
		return in.State != "pending", nil
	})
	if err != nil {
		return in, err
	}
	switch in.State {
	case "running":
	case "stopped", "stopping":
		r.Warn("instance %s is %s: start it with `aws ec2 start-instances --instance-ids %s`", id, in.State, id)
	default:
		return in, fmt.Errorf("instance %s is %s instead of running: run apply again to replace it", id, in.State)
	}
	return in, nil
}
