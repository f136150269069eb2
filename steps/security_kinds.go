package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/stackwiz/stackwiz/aws"
)

// securityKinds handle the stack's security groups.
func securityKinds() []Kind {
	return []Kind{{Type: securityTypeGroup, Order: 66, Manual: manualByID("aws ec2 delete-security-group --group-id"), Describe: describeGroup, Delete: deleteGroup, List: listGroups}}
}

// sgAttrs are a group's observed attrs: its VPC and its ingress and
// egress in words, naming peer groups by their names as Desired does.
func sgAttrs(ctx context.Context, fw *aws.Firewall, sg aws.SecurityGroup) (map[string]string, error) {
	var refs []string
	for _, r := range slices.Concat(sg.Ingress, sg.Egress) {
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
	return map[string]string{"vpc_id": sg.VPCID, "ingress": canonicalIngress(observedViews(sg.Ingress, names)),
		"egress": canonicalEgress(observedViews(sg.Egress, names))}, nil
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

// deleteGroup first takes the group out of the rules that tie it to the
// stack's other groups — its own rules naming them, and theirs naming it —
// since AWS refuses to delete a group another group's rule names: two
// groups that name each other could otherwise never go, and the load
// balancer's group would wait for the app's. Groups of other stacks are
// never touched. AWS still refuses (DependencyViolation) while a network
// interface uses the group — a load balancer's linger for minutes after it
// is deleted — and the engine retries.
func deleteGroup(ctx context.Context, t Target) error {
	fw := t.AWS.Firewall
	sg, ok, err := fw.SecurityGroup(ctx, t.Resource.ID)
	if err != nil || !ok {
		return err
	}
	// A not-found here is a named group deleted meanwhile (its rule went
	// with it), never this group: the delete below answers for that.
	others := func(id string) bool { return id != sg.ID }
	if err := fw.RevokeIngress(ctx, sg.ID, rulesNaming(sg.Ingress, others)); err != nil && !aws.IsNotFound(err) {
		return fmt.Errorf("revoke the rules naming other groups: %w", err)
	}
	if err := fw.RevokeEgress(ctx, sg.ID, rulesNaming(sg.Egress, others)); err != nil && !aws.IsNotFound(err) {
		return fmt.Errorf("revoke the egress rules naming other groups: %w", err)
	}
	if stack := sg.Tags[TagStack]; stack != "" {
		peers, err := fw.TaggedSecurityGroups(ctx, stackFilter(stack))
		if err != nil {
			return err
		}
		this := func(id string) bool { return id == sg.ID }
		for _, o := range peers {
			if o.ID == sg.ID {
				continue
			}
			// The other group may be going at the same time. A not-found
			// must not be returned: the engine would read it as this
			// group's, and record this group deleted.
			if err := fw.RevokeIngress(ctx, o.ID, rulesNaming(o.Ingress, this)); err != nil && !aws.IsNotFound(err) {
				return fmt.Errorf("revoke the rules of %s naming %s: %w", o.ID, sg.ID, err)
			}
			if err := fw.RevokeEgress(ctx, o.ID, rulesNaming(o.Egress, this)); err != nil && !aws.IsNotFound(err) {
				return fmt.Errorf("revoke the egress rules of %s naming %s: %w", o.ID, sg.ID, err)
			}
		}
	}
	return fw.DeleteSecurityGroup(ctx, sg.ID)
}

// rulesNaming returns the rules whose source is a group that match accepts.
func rulesNaming(rules []aws.Rule, match func(groupID string) bool) []aws.Rule {
	var out []aws.Rule
	for _, r := range rules {
		if r.GroupID != "" && match(r.GroupID) {
			out = append(out, r)
		}
	}
	return out
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
