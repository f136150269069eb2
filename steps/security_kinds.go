package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/stackwiz/stackwiz/aws"
)

// securityKinds handle the stack's security groups.
func securityKinds() []Kind {
	return []Kind{{Type: securityTypeGroup, Order: 66, Describe: describeGroup, Delete: deleteGroup, List: listGroups}}
}

// sgAttrs are a group's observed attrs: its VPC and its ingress in
// words, naming source groups by their names as Desired does.
func sgAttrs(ctx context.Context, fw *aws.Firewall, sg aws.SecurityGroup) (map[string]string, error) {
	var refs []string
	for _, r := range sg.Ingress {
		if r.GroupID != "" && !slices.Contains(refs, r.GroupID) {
			refs = append(refs, r.GroupID)
		}
	}
	names := map[string]string{}
	if len(refs) > 0 {
		gs, err := fw.SecurityGroups(ctx, refs)
		if err != nil {
			return nil, fmt.Errorf("describe the groups %s's rules name: %w", sg.ID, err)
		}
		for _, g := range gs {
			names[g.ID] = g.Name
		}
	}
	return map[string]string{"vpc_id": sg.VPCID, "ingress": canonicalIngress(observedViews(sg.Ingress, names))}, nil
}

func describeGroup(ctx context.Context, t Target) (Observed, error) {
	fw := t.AWS.Firewall
	sg, ok, err := fw.SecurityGroup(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	attrs, err := sgAttrs(ctx, fw, sg)
	if err != nil {
		return Observed{}, err
	}
	return Observed{Exists: true, State: "available", Healthy: true, Attrs: attrs}, nil
}

// deleteGroup first revokes the group's own rules that name other groups:
// two groups that name each other could otherwise never be deleted, each
// waiting for the other. AWS still refuses (DependencyViolation) while a
// network interface uses the group — a load balancer's linger for minutes
// after it is deleted — and the engine retries.
func deleteGroup(ctx context.Context, t Target) error {
	fw := t.AWS.Firewall
	sg, ok, err := fw.SecurityGroup(ctx, t.Resource.ID)
	if err != nil || !ok {
		return err
	}
	var refs []aws.Rule
	for _, r := range sg.Ingress {
		if r.GroupID != "" && r.GroupID != sg.ID {
			refs = append(refs, r)
		}
	}
	if err := fw.RevokeIngress(ctx, sg.ID, refs); err != nil {
		return fmt.Errorf("revoke the rules naming other groups: %w", err)
	}
	return fw.DeleteSecurityGroup(ctx, sg.ID)
}

// listGroups also reads back the bastion group's SSH source, which a
// resumed or adopted apply keeps rather than asking for the address again.
func listGroups(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	fw := c.Firewall
	sgs, err := fw.TaggedSecurityGroups(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, sg := range sgs {
		attrs, err := sgAttrs(ctx, fw, sg)
		if err != nil {
			return nil, err
		}
		if sg.Tags[TagKey] == keySGBastion {
			for _, r := range sg.Ingress {
				if r.Protocol == "tcp" && r.FromPort == portSSH && r.CIDR != "" {
					attrs["ssh_cidr"] = r.CIDR
				}
			}
		}
		out = append(out, foundTagged(sg.ID, sg.Tags, attrs))
	}
	return out, nil
}
