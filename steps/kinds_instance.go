package steps

import (
	"context"

	"github.com/stackwiz/stackwiz/aws"
)

// tagASGName is the tag EC2 puts on instances an Auto Scaling group
// launched: those are the group's, not the stack's to record or delete.
const tagASGName = "aws:autoscaling:groupName"

// instanceKinds handle an EC2 instance a step runs itself, whichever step
// (the security step's bastion, the AMI step's builder): one Kind for the
// type, so there is one way to describe, terminate and find them.
func instanceKinds() []Kind {
	return []Kind{{Type: typeInstance, Order: 52, Manual: manualByID("aws ec2 terminate-instances --instance-ids"), Describe: describeInstance, Delete: deleteInstance, List: listInstances}}
}

// instanceAttrs are what status compares with the record: a step records
// the ones it decides (the bastion: type, key pair, subnet).
func instanceAttrs(in aws.Instance) map[string]string {
	return map[string]string{"instance_type": in.InstanceType, "key_name": in.KeyName, "subnet_id": in.SubnetID, "image_id": in.ImageID}
}

// describeInstance treats a terminated or terminating instance as gone.
func describeInstance(ctx context.Context, t Target) (Observed, error) {
	in, ok, err := t.AWS.Compute.Instance(ctx, t.Resource.ID)
	if err != nil || !ok || in.Gone() {
		return Observed{State: in.State}, err
	}
	o := Observed{Exists: true, State: in.State, Healthy: in.State == "running", Attrs: instanceAttrs(in)}
	switch in.State {
	case "pending":
		o.Problem = "still starting"
	case "stopping", "stopped":
		o.Problem = "stopped: start it with `aws ec2 start-instances --instance-ids " + in.ID + "` (its volume still bills while stopped)"
	}
	return o, nil
}

// deleteInstance terminates the instance and waits until it is terminated:
// until then its network interface holds its security groups and subnet.
func deleteInstance(ctx context.Context, t Target) error {
	c := t.AWS.Compute
	id := t.Resource.ID
	if err := c.TerminateInstance(ctx, id); err != nil {
		return err
	}
	return t.Wait(ctx, "instance "+id+" to be terminated", func(ctx context.Context) (bool, error) {
		in, ok, err := c.Instance(ctx, id)
		if err != nil {
			return false, err
		}
		return !ok || in.State == "terminated", nil
	})
}

// listInstances finds the stack's instances, leaving out what an Auto
// Scaling group launched and what is terminated or terminating.
func listInstances(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	is, err := c.Compute.InstancesTagged(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, in := range is {
		if in.Gone() || in.Tags[tagASGName] != "" {
			continue
		}
		out = append(out, foundTagged(in.ID, in.Tags, instanceAttrs(in)))
	}
	return out, nil
}
