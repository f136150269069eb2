package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

func autoscalingKinds() []Kind {
	return []Kind{
		{Type: typeASGPolicy, Order: 30, Manual: manualASGPolicy, Describe: describeASGPolicy, Delete: deleteASGPolicy, List: listASGPolicies},
		{Type: typeASGGroup, Order: 32, Manual: manualByID("aws autoscaling delete-auto-scaling-group --force-delete --auto-scaling-group-name"), Describe: describeASGGroup, Delete: deleteASGGroup, List: listASGGroups},
	}
}

// groupAttrs are the attrs the record keeps that AWS can tell: what status
// compares for drift, and what adopt records. The desired capacity is left
// out of drift: target tracking changes it between applies.
func groupAttrs(g aws.Group) map[string]string {
	attrs := map[string]string{
		"min":                        strconv.Itoa(g.Min),
		"max":                        strconv.Itoa(g.Max),
		"termination_policies":       strings.Join(g.TerminationPolicies, ","),
		"health_check_type":          g.HealthCheckType,
		"health_check_grace_seconds": strconv.Itoa(g.GraceSeconds),
		"default_instance_warmup":    strconv.Itoa(g.WarmupSeconds),
		"launch_template_id":         g.LaunchTemplateID,
		"launch_template_version":    g.LaunchTemplateVersion,
		"subnets":                    sortedList(g.Subnets),
		"target_groups":              sortedList(g.TargetGroupARNs),
	}
	if g.WarmupSeconds < 0 {
		delete(attrs, "default_instance_warmup") // not reported: no drift to see
	}
	return attrs
}

func describeASGGroup(ctx context.Context, t Target) (Observed, error) {
	g, ok, err := t.AWS.ASG.Group(ctx, t.Resource.ID)
	if err != nil {
		return Observed{}, err
	}
	if !ok || g.Deleting() {
		return Observed{}, nil
	}
	if len(g.TargetGroupARNs) == 0 && t.Resource.Attrs["target_groups"] != "" {
		// Counting health against no target group at all would call every
		// instance healthy; the group serves nothing until one is attached.
		inService := 0
		for _, in := range g.Instances {
			if in.InService() {
				inService++
			}
		}
		return Observed{Exists: true, State: fmt.Sprintf("%d/%d InService, no target group", inService, g.Desired), Healthy: false,
			Problem: "no target group attached: the load balancer sends it no traffic", Attrs: groupAttrs(g)}, nil
	}
	p, err := groupProgressOf(ctx, t.AWS, g, g.TargetGroupARNs)
	if err != nil {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: p.String(), Healthy: p.done(), Attrs: groupAttrs(g)}
	if !obs.Healthy {
		obs.Problem = fmt.Sprintf("%s: the group is short of instances that take traffic", p)
	}
	return obs, nil
}

func deleteASGGroup(ctx context.Context, t Target) error {
	name := t.Resource.ID
	if err := t.AWS.ASG.DeleteGroup(ctx, name); err != nil {
		return err
	}
	// The group goes once its instances are terminated; the launch template
	// and security groups it uses can only go after that.
	return t.Wait(ctx, "Auto Scaling group "+name+" and its instances to be deleted", func(ctx context.Context) (bool, error) {
		_, ok, err := t.AWS.ASG.Group(ctx, name)
		return !ok, err
	})
}

func listASGGroups(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	gs, err := c.ASG.GroupsTagged(ctx, TagStack, stack)
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, g := range gs {
		if g.Deleting() {
			continue
		}
		attrs := groupAttrs(g)
		attrs["desired"] = strconv.Itoa(g.Desired)
		out = append(out, Found{ID: g.Name, ARN: g.ARN, Key: g.Tags[TagKey], Step: StepID(g.Tags[TagStep]), Type: typeASGGroup, Attrs: attrs})
	}
	return out, nil
}

func manualASGPolicy(r state.Resource) string {
	return "aws autoscaling delete-policy --auto-scaling-group-name " + shellQuote(r.Attrs["group"]) + " --policy-name " + shellQuote(firstOf(r.ID, r.ARN))
}

func describeASGPolicy(ctx context.Context, t Target) (Observed, error) {
	group := t.Resource.Attrs["group"]
	ps, err := t.AWS.ASG.Policies(ctx, group, t.Resource.ID)
	if aws.IsNotFound(err) {
		return Observed{}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	if len(ps) == 0 {
		return Observed{}, nil
	}
	p := ps[0]
	obs := Observed{Exists: true, State: fmt.Sprintf("%s at %g", p.Metric, p.Target), Healthy: true,
		Attrs: map[string]string{"group": group, "cpu_target_percent": strconv.FormatFloat(p.Target, 'f', -1, 64)}}
	return obs, nil
}

func deleteASGPolicy(ctx context.Context, t Target) error {
	return t.AWS.ASG.DeletePolicy(ctx, t.Resource.Attrs["group"], t.Resource.ID)
}

// listASGPolicies finds the stack's scaling policy on the stack's groups:
// policies carry no tags of their own, their group does.
func listASGPolicies(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	gs, err := c.ASG.GroupsTagged(ctx, TagStack, stack)
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, g := range gs {
		if g.Deleting() || g.Tags[TagKey] != asgKeyGroup {
			continue
		}
		ps, err := c.ASG.Policies(ctx, g.Name, stack+"-cpu")
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			out = append(out, Found{ID: p.Name, ARN: p.ARN, Key: asgKeyPolicy, Step: StepAutoscaling, Type: typeASGPolicy,
				Attrs: map[string]string{"group": g.Name, "cpu_target_percent": strconv.FormatFloat(p.Target, 'f', -1, 64)}})
		}
	}
	return out, nil
}
