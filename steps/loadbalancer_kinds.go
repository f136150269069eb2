package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
)

// loadBalancerKinds handles the load balancer, its listeners and its
// target group: listeners go first, then the load balancer (waiting until
// it is gone: its network interfaces hold the security groups), then the
// group no listener forwards to any more.
func loadBalancerKinds() []Kind {
	return []Kind{
		{Type: typeListener, Order: 40, Manual: manualByARN("aws elbv2 delete-listener --listener-arn"), Describe: describeListener, Delete: deleteListener, List: listListeners},
		{Type: typeLoadBalancer, Order: 42, Manual: manualByARN("aws elbv2 delete-load-balancer --load-balancer-arn"), Describe: describeLoadBalancer, Delete: deleteLoadBalancer, List: listLoadBalancers},
		{Type: typeTargetGroup, Order: 44, Manual: manualByARN("aws elbv2 delete-target-group --target-group-arn"), Describe: describeTargetGroup, Delete: deleteTargetGroup, List: listTargetGroups},
	}
}

func describeLoadBalancer(ctx context.Context, t Target) (Observed, error) {
	lb, found, err := t.AWS.LB.LoadBalancer(ctx, t.Resource.ARN)
	if err != nil || !found {
		return Observed{}, err
	}
	attrs, err := lbAttrs(ctx, t.AWS, lb)
	if err != nil {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: lb.State, Healthy: lb.State == "active", Attrs: attrs}
	if !obs.Healthy {
		obs.Problem = strings.TrimSpace("the load balancer is " + lb.State + " " + lb.StateReason)
	}
	return obs, nil
}

// lbAttrs are the load balancer's recorded attrs as AWS has them: status
// compares them for drift, and List gives them to adopt so that the next
// apply finds nothing to change.
func lbAttrs(ctx context.Context, c *aws.Clients, lb aws.LoadBalancer) (map[string]string, error) {
	attrs, err := c.LB.LoadBalancerAttributes(ctx, lb.ARN)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		"name": lb.Name, "scheme": lb.Scheme, "ip_address_type": lb.IPAddressType,
		"subnets": joinSorted(lb.Subnets), "security_groups": joinSorted(lb.SecurityGroups),
		"drop_invalid_header_fields": attrs[lbDropInvalidHeaders],
		"access_logs":                attrs[lbAccessLogs],
	}, nil
}

func deleteLoadBalancer(ctx context.Context, t Target) error {
	if err := t.AWS.LB.DeleteLoadBalancer(ctx, t.Resource.ARN); err != nil {
		return err
	}
	return t.Wait(ctx, "the load balancer to be gone", func(ctx context.Context) (bool, error) {
		_, found, err := t.AWS.LB.LoadBalancer(ctx, t.Resource.ARN)
		return !found, err
	})
}

// stackLoadBalancers returns the region's load balancers tagged with stack,
// with their tags.
func stackLoadBalancers(ctx context.Context, c *aws.Clients, stack string) ([]aws.LoadBalancer, map[string]map[string]string, error) {
	lbs, err := c.LB.LoadBalancers(ctx)
	if err != nil || len(lbs) == 0 {
		return nil, nil, err
	}
	arns := make([]string, len(lbs))
	for i, lb := range lbs {
		arns[i] = lb.ARN
	}
	tags, err := c.LB.Tags(ctx, arns)
	if err != nil {
		return nil, nil, err
	}
	var ours []aws.LoadBalancer
	for _, lb := range lbs {
		if tags[lb.ARN][TagStack] == stack {
			ours = append(ours, lb)
		}
	}
	return ours, tags, nil
}

func foundByTags(arn, typ string, tags, attrs map[string]string) Found {
	return Found{ID: arn, ARN: arn, Key: tags[TagKey], Step: StepID(tags[TagStep]), Type: typ, Attrs: attrs}
}

func listLoadBalancers(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	lbs, tags, err := stackLoadBalancers(ctx, c, stack)
	var out []Found
	if err != nil {
		return nil, err
	}
	for _, lb := range lbs {
		attrs, err := lbAttrs(ctx, c, lb)
		if err != nil {
			return nil, err
		}
		out = append(out, foundByTags(lb.ARN, typeLoadBalancer, tags[lb.ARN], attrs))
	}
	return out, nil
}

// listenerAction names a listener's default action the way the record
// keeps it: forward, redirect-https, or what else AWS has.
func listenerAction(l aws.Listener) string {
	if l.Action == "redirect" && l.Redirect == aws.RedirectHTTPS {
		return "redirect-https"
	}
	if l.Action == "redirect" {
		return "redirect " + l.Redirect
	}
	return l.Action
}

func describeListener(ctx context.Context, t Target) (Observed, error) {
	l, found, err := t.AWS.LB.Listener(ctx, t.Resource.ARN)
	if err != nil || !found {
		return Observed{}, err
	}
	return Observed{Exists: true, Healthy: true, Attrs: listenerAttrs(l)}, nil
}

func listenerAttrs(l aws.Listener) map[string]string {
	return map[string]string{
		"protocol": l.Protocol, "port": strconv.Itoa(l.Port), "action": listenerAction(l), "ssl_policy": l.SSLPolicy,
		"target_group_arn": l.ForwardTo, "certificate_arn": l.Certificate, "load_balancer_arn": l.LoadBalancerARN,
	}
}

func deleteListener(ctx context.Context, t Target) error {
	return t.AWS.LB.DeleteListener(ctx, t.Resource.ARN)
}

func listListeners(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	lbs, _, err := stackLoadBalancers(ctx, c, stack)
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, lb := range lbs {
		ls, err := c.LB.Listeners(ctx, lb.ARN)
		if err != nil || len(ls) == 0 {
			if err != nil {
				return nil, err
			}
			continue
		}
		arns := make([]string, len(ls))
		for i, l := range ls {
			arns[i] = l.ARN
		}
		tags, err := c.LB.Tags(ctx, arns)
		if err != nil {
			return nil, err
		}
		for _, l := range ls {
			if tags[l.ARN][TagStack] == stack {
				out = append(out, foundByTags(l.ARN, typeListener, tags[l.ARN], listenerAttrs(l)))
			}
		}
	}
	return out, nil
}

func describeTargetGroup(ctx context.Context, t Target) (Observed, error) {
	tg, found, err := t.AWS.LB.TargetGroup(ctx, t.Resource.ARN)
	if err != nil || !found {
		return Observed{}, err
	}
	attrs, err := t.AWS.LB.TargetGroupAttributes(ctx, tg.ARN)
	if err != nil {
		return Observed{}, err
	}
	hc := tg.HealthCheck
	obs := Observed{Exists: true, Healthy: true, Attrs: tgAttrs(tg, attrs)}
	targets, err := t.AWS.LB.TargetHealth(ctx, tg.ARN)
	if err != nil {
		return Observed{}, err
	}
	healthy := 0
	var sick []string
	for _, th := range targets {
		switch th.State {
		case "healthy":
			healthy++
		case "unhealthy":
			sick = append(sick, fmt.Sprintf("%s (%s)", th.ID, firstOf(th.Description, th.Reason)))
		}
	}
	obs.State = fmt.Sprintf("%d of %d targets healthy", healthy, len(targets))
	if len(sick) > 0 {
		obs.Healthy = false
		obs.Problem = fmt.Sprintf("%d target(s) fail the health check on %s: %s", len(sick), hc.Path, strings.Join(sick, ", "))
	}
	return obs, nil
}

func tgAttrs(tg aws.TargetGroup, attrs map[string]string) map[string]string {
	hc := tg.HealthCheck
	return map[string]string{
		"name": tg.Name, "protocol": tg.Protocol, "port": strconv.Itoa(tg.Port), "target_type": tg.TargetType, "vpc_id": tg.VPCID,
		"hc_path": hc.Path, "hc_interval": strconv.Itoa(hc.Interval), "hc_timeout": strconv.Itoa(hc.Timeout),
		"hc_healthy": strconv.Itoa(hc.Healthy), "hc_unhealthy": strconv.Itoa(hc.Unhealthy), "hc_matcher": hc.Matcher,
		"deregistration_delay": attrs["deregistration_delay.timeout_seconds"],
	}
}

// deleteTargetGroup deletes the group; AWS refuses while a listener still
// forwards to it (ResourceInUse), and the engine retries.
func deleteTargetGroup(ctx context.Context, t Target) error {
	return t.AWS.LB.DeleteTargetGroup(ctx, t.Resource.ARN)
}

func listTargetGroups(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	tgs, err := c.LB.TargetGroups(ctx)
	if err != nil || len(tgs) == 0 {
		return nil, err
	}
	arns := make([]string, len(tgs))
	for i, tg := range tgs {
		arns[i] = tg.ARN
	}
	tags, err := c.LB.Tags(ctx, arns)
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, tg := range tgs {
		if tags[tg.ARN][TagStack] != stack {
			continue
		}
		attrs, err := c.LB.TargetGroupAttributes(ctx, tg.ARN)
		if aws.IsNotFound(err) {
			continue // deleted since the listing (a concurrent destroy)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, foundByTags(tg.ARN, typeTargetGroup, tags[tg.ARN], tgAttrs(tg, attrs)))
	}
	return out, nil
}
