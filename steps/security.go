package steps

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// securityStep makes the stack's firewalls in its VPC: the load balancer's
// group (web ports from anywhere), the app's (the app port only from the
// load balancer's group, SSH only from the bastion's), and, when asked, a
// bastion host with its group (SSH only from network.bastion.ssh_from).
type securityStep struct {
	// publicIP finds the caller's public IPv4 address for ssh_from: auto.
	// Nil asks aws.CheckIPURL (checkip.amazonaws.com); tests point it
	// elsewhere.
	publicIP func(ctx context.Context) (netip.Addr, error)
}

func (securityStep) ID() StepID    { return StepSecurity }
func (securityStep) Title() string { return "Security groups" }
func (securityStep) Why() string {
	return "Firewalls before servers: the app admits only the load balancer, SSH only from the bastion."
}
func (securityStep) Enabled(s *spec.Spec) bool { return true }
func (securityStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepNetwork}
}

// The keys and types of the security step's resources.
const (
	keySGALB          = "security/sg/alb"
	keySGApp          = "security/sg/app"
	keySGBastion      = "security/sg/bastion"
	keyBastion        = "security/bastion"
	securityTypeGroup = "ec2:security-group"
	typeInstance      = "ec2:instance"
)

// checkIPTimeout bounds the lookup of the caller's address: it is one small
// GET, and a network that cannot answer in this time should get a clear
// error rather than a hang.
const checkIPTimeout = 5 * time.Second

// bastionType is the bastion's instance type: the smallest current burstable
// type of the stack's architecture (t3.micro is free-tier eligible on
// accounts from before 15 July 2025).
func bastionType(s *spec.Spec) string {
	if s.Architecture() == "arm64" {
		return "t4g.micro"
	}
	return "t3.micro"
}

// Desired lists the groups and the bastion. A group's ingress attr is its
// rules in words ("tcp 3000 from demo-alb"); the bastion's group keeps
// ssh_from as written ("auto"), since the address auto finds is known only
// when apply runs.
func (securityStep) Desired(s *spec.Spec) []Desired {
	out := []Desired{
		{Key: keySGALB, Type: securityTypeGroup, Name: s.Name + "-alb",
			Attrs:   map[string]string{"ingress": canonicalIngress(albRuleViews(s)), "egress": canonicalEgress(albEgressViews(s))},
			Replace: []string{"vpc_id"}},
		{Key: keySGApp, Type: securityTypeGroup, Name: s.Name + "-app",
			Attrs:   map[string]string{"ingress": canonicalIngress(appRuleViews(s)), "egress": canonicalEgress(appEgressViews(s))},
			Replace: []string{"vpc_id"}},
	}
	if s.Network.Bastion.Enabled {
		out = append(out,
			Desired{Key: keySGBastion, Type: securityTypeGroup, Name: s.Name + "-bastion",
				Attrs:   map[string]string{"ssh_from": s.Network.Bastion.SSHFrom, "egress": canonicalEgress(bastionEgressViews(s))},
				Replace: []string{"vpc_id"}},
			Desired{Key: keyBastion, Type: typeInstance, Name: s.Name + "-bastion",
				Attrs:   map[string]string{"instance_type": bastionType(s), "key_name": s.Instance.KeyName},
				Replace: []string{"instance_type", "key_name", "subnet_id"}})
	}
	return out
}

func (st securityStep) Apply(ctx context.Context, r *Run) error {
	vpcID := r.Output(StepNetwork, "vpc_id")
	public := splitList(r.Output(StepNetwork, "public_subnets"))
	if vpcID == "" || len(public) == 0 {
		return fmt.Errorf("the network step has recorded no VPC and public subnets: run apply so that it runs first")
	}
	vpc, ok, err := r.AWS.Network.VPC(ctx, vpcID)
	if err != nil {
		return fmt.Errorf("describe %s: %w", vpcID, err)
	}
	if !ok {
		return fmt.Errorf("the stack's VPC %s no longer exists: run apply again so that the network step finds or makes one", vpcID)
	}
	want := desiredByKey(st.Desired(r.Spec))
	g := &groupBuilder{r: r, fw: r.AWS.Firewall, vpcID: vpcID, want: want}
	outs := map[string]string{}

	// The load balancer's and the bastion's egress name the app's group,
	// whose ingress names theirs: their egress is set once it exists.
	alb, err := g.ensure(ctx, keySGALB, "load balancer: HTTP and HTTPS from the internet", albRules(r.Spec, vpc.IPv6), nil, nil)
	if err != nil {
		return err
	}
	outs["alb_sg"] = alb.ID
	var bastionSG state.Resource
	if r.Spec.Network.Bastion.Enabled {
		cidr, err := st.sshCIDR(ctx, r)
		if err != nil {
			return err
		}
		bastionSG, err = g.ensure(ctx, keySGBastion, "bastion: SSH from network.bastion.ssh_from only", bastionRules(cidr), nil,
			map[string]string{"ssh_from": r.Spec.Network.Bastion.SSHFrom, "ssh_cidr": cidr})
		if err != nil {
			return err
		}
		outs["bastion_sg"] = bastionSG.ID
	}
	app, err := g.ensure(ctx, keySGApp, "app instances: the app port from the load balancer only",
		appRules(r.Spec, groupRef{alb.ID, want[keySGALB].Name}, groupRef{bastionSG.ID, want[keySGBastion].Name}), appEgress(r.Spec, instanceEgressIPv6(r.Spec, vpc.IPv6)), nil)
	if err != nil {
		return err
	}
	outs["app_sg"] = app.ID
	appRef := groupRef{app.ID, want[keySGApp].Name}
	if err := g.ensureEgress(ctx, keySGALB, albEgress(r.Spec, appRef, vpc.IPv6)); err != nil {
		return err
	}
	if r.Spec.Network.Bastion.Enabled {
		if err := g.ensureEgress(ctx, keySGBastion, bastionEgress(r.Spec, appRef, instanceEgressIPv6(r.Spec, vpc.IPv6))); err != nil {
			return err
		}
	}
	// The groups exist: what needs only them (the load balancer, the image
	// builder, the launch template) starts while the bastion boots.
	if err := r.SetOutputs(outs); err != nil {
		return err
	}
	if r.Spec.Network.Bastion.Enabled {
		host, err := ensureBastion(ctx, r, want[keyBastion], public[0], bastionSG.ID)
		if err != nil {
			return err
		}
		outs["bastion_instance_id"], outs["bastion_public_ip"] = host.ID, host.PublicIP
		r.Info("bastion %s at %s: SSH from %s only", host.ID, firstOf(host.PublicIP, "(no public IP)"), bastionSG.Attrs["ssh_cidr"])
	}
	return r.SetOutputs(outs)
}

// sshCIDR resolves network.bastion.ssh_from. auto is the caller's public
// IP as a /32, found once and kept: a later apply from another network
// does not move the rule (set ssh_from to a CIDR to move it).
func (st securityStep) sshCIDR(ctx context.Context, r *Run) (string, error) {
	from := r.Spec.Network.Bastion.SSHFrom
	if from != spec.SSHFromAuto {
		if p, err := netip.ParsePrefix(from); err == nil && p.Bits() == 0 {
			r.Warn("network.bastion.ssh_from is %s: the bastion's SSH port is open to the whole internet, where bots try keys and passwords around the clock. Set it to your address as a /32 (auto finds it)", from)
		}
		return from, nil
	}
	// Apply resolved auto before its first mutating request
	// (security_sshfrom.go); a run without that resolves it here.
	cidr, _ := ctx.Value(sshCIDRKey{}).(string)
	if cidr == "" {
		var err error
		if cidr, _, err = r.e.resolveSSHFrom(ctx); err != nil {
			return "", err
		}
	}
	r.Info("network.bastion.ssh_from auto: SSH to the bastion from %s", cidr)
	return cidr, nil
}

// groupBuilder ensures the stack's security groups in one VPC.
type groupBuilder struct {
	r     *Run
	fw    *aws.Firewall
	vpcID string
	want  map[string]Desired
}

// ensure makes the group key exist in the VPC with exactly ingress as its
// ingress rules, and egress as its egress rules: missing rules are added
// and others revoked, so a port changed in the spec, or a rule added by
// hand, is put right by apply. A nil egress leaves the group's egress to
// a later ensureEgress (a rule naming a group that does not exist yet).
func (g *groupBuilder) ensure(ctx context.Context, key, description string, ingress, egress []wantRule, extra map[string]string) (state.Resource, error) {
	d := g.want[key]
	attrs := map[string]string{"vpc_id": g.vpcID, "ingress": canonicalIngress(viewsOf(ingress))}
	if egress != nil {
		attrs["egress"] = canonicalEgress(viewsOf(egress))
	}
	for k, v := range extra {
		attrs[k] = v
	}
	d = withAttrs(d, attrs)
	if egress == nil {
		delete(d.Attrs, "egress")
	}
	name := d.Name
	return ensureConverged(ctx, g.r, d, g.find(key),
		func(ctx context.Context, _ string) (string, error) {
			sg, err := g.fw.CreateSecurityGroup(ctx, g.vpcID, name, "stackwiz "+g.r.Spec.Name+" "+description, g.r.Tags(key, name))
			if aws.IsCode(err, "InvalidGroup.Duplicate") {
				return g.takeOver(ctx, key, name, err)
			}
			return sg.ID, err
		},
		func(ctx context.Context, id string) (map[string]string, error) {
			if err := g.reconcile(ctx, id, ingress, egress); err != nil {
				return nil, err
			}
			out := maps.Clone(attrs)
			if rec, ok := g.r.Recorded(key); egress == nil && ok && rec.ID == id && rec.Attrs["egress"] != "" {
				out["egress"] = rec.Attrs["egress"] // set by ensureEgress
			}
			return out, nil
		})
}

// ensureEgress makes the recorded group key's egress exactly rules.
func (g *groupBuilder) ensureEgress(ctx context.Context, key string, rules []wantRule) error {
	rec, ok := g.r.Recorded(key)
	if !ok {
		return fmt.Errorf("set the egress of %s: not recorded", key)
	}
	sg, ok, err := g.fw.SecurityGroup(ctx, rec.ID)
	if err != nil || !ok {
		return notFoundOr(err, rec.ID)
	}
	if err := g.reconcileRules(ctx, sg, "egress", rules, sg.Egress, g.fw.AuthorizeEgress, g.fw.RevokeEgress); err != nil {
		return err
	}
	words := canonicalEgress(viewsOf(rules))
	if rec.Attrs["egress"] == words {
		return nil
	}
	attrs := maps.Clone(rec.Attrs)
	attrs["egress"] = words
	return g.r.SetAttrs(key, attrs)
}

func (g *groupBuilder) find(key string) func(context.Context) (Found, bool, error) {
	return func(ctx context.Context) (Found, bool, error) {
		sgs, err := g.fw.TaggedSecurityGroups(ctx, map[string]string{TagStack: g.r.Spec.Name, TagKey: key})
		if err != nil {
			return Found{}, false, err
		}
		for _, sg := range sgs {
			if sg.VPCID == g.vpcID {
				return Found{ID: sg.ID}, true, nil
			}
		}
		return Found{}, false, nil
	}
}

// takeOver handles a name already taken in the VPC: the stack's own group
// (its create answer was lost) is used; anyone else's is an error.
func (g *groupBuilder) takeOver(ctx context.Context, key, name string, dup error) (string, error) {
	sg, ok, err := g.fw.SecurityGroupByName(ctx, g.vpcID, name)
	if err != nil || !ok {
		return "", dup
	}
	if sg.Tags[TagStack] != g.r.Spec.Name || sg.Tags[TagKey] != key {
		return "", fmt.Errorf("a security group named %s (%s) already exists in %s and is not this stack's: delete it, or rename the stack: %w", name, sg.ID, g.vpcID, dup)
	}
	return sg.ID, nil
}

// reconcile makes the group's ingress exactly ingress, and its egress
// exactly egress unless egress is nil.
func (g *groupBuilder) reconcile(ctx context.Context, id string, ingress, egress []wantRule) error {
	sg, ok, err := g.fw.SecurityGroup(ctx, id)
	if err != nil || !ok {
		return notFoundOr(err, id)
	}
	if err := g.reconcileRules(ctx, sg, "ingress", ingress, sg.Ingress, g.fw.AuthorizeIngress, g.fw.RevokeIngress); err != nil {
		return err
	}
	if egress == nil {
		return nil
	}
	return g.reconcileRules(ctx, sg, "egress", egress, sg.Egress, g.fw.AuthorizeEgress, g.fw.RevokeEgress)
}

// reconcileRules makes one direction's rules of sg exactly rules: new
// rules first, then the old ones go, so a changed port is never closed on
// both.
func (g *groupBuilder) reconcileRules(ctx context.Context, sg aws.SecurityGroup, direction string, rules []wantRule, have []aws.Rule,
	authorize, revoke func(context.Context, string, []aws.Rule) error,
) error {
	want := make([]aws.Rule, len(rules))
	for i, w := range rules {
		want[i] = w.rule
	}
	if missing := aws.RulesMissing(want, have); len(missing) > 0 {
		if err := authorize(ctx, sg.ID, missing); err != nil {
			return fmt.Errorf("authorize %s: %w", direction, err)
		}
	}
	if extra := aws.RulesMissing(have, want); len(extra) > 0 {
		words := canonicalRules(observedViews(extra, nil), map[string]string{"ingress": " from ", "egress": " to "}[direction])
		g.r.Info("security group %s: revoking %s rules the spec does not ask for: %s", sg.ID, direction, words)
		if err := revoke(ctx, sg.ID, extra); err != nil {
			return fmt.Errorf("revoke %s: %w", direction, err)
		}
	}
	return nil
}
