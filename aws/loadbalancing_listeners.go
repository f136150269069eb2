package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// HealthCheck is a target group's HTTP health check on the traffic port.
type HealthCheck struct {
	Path      string
	Interval  int // seconds
	Timeout   int // seconds
	Healthy   int // consecutive passes before a target is healthy
	Unhealthy int // consecutive failures before it is unhealthy
	Matcher   string
}

// TargetGroup is an instance target group.
type TargetGroup struct {
	ARN           string
	Name          string
	Protocol      string
	Port          int
	VPCID         string
	TargetType    string
	HealthCheck   HealthCheck
	LoadBalancers []string
}

// TargetGroupInput is what CreateTargetGroup is given: HTTP to instances
// on Port in VPCID.
type TargetGroupInput struct {
	Name        string
	Port        int
	VPCID       string
	HealthCheck HealthCheck
	Tags        map[string]string
}

func targetGroupFrom(tg types.TargetGroup) TargetGroup {
	out := TargetGroup{
		ARN: deref(tg.TargetGroupArn), Name: deref(tg.TargetGroupName), Protocol: string(tg.Protocol),
		VPCID: deref(tg.VpcId), TargetType: string(tg.TargetType), LoadBalancers: tg.LoadBalancerArns,
		HealthCheck: HealthCheck{Path: deref(tg.HealthCheckPath)},
	}
	if tg.Port != nil {
		out.Port = int(*tg.Port)
	}
	for _, f := range []struct {
		dst *int
		src *int32
	}{{&out.HealthCheck.Interval, tg.HealthCheckIntervalSeconds}, {&out.HealthCheck.Timeout, tg.HealthCheckTimeoutSeconds},
		{&out.HealthCheck.Healthy, tg.HealthyThresholdCount}, {&out.HealthCheck.Unhealthy, tg.UnhealthyThresholdCount}} {
		if f.src != nil {
			*f.dst = int(*f.src)
		}
	}
	if tg.Matcher != nil {
		out.HealthCheck.Matcher = deref(tg.Matcher.HttpCode)
	}
	return out
}

// CreateTargetGroup creates an HTTP instance target group with the health
// check, tagged at creation. AWS answers a repeated call with the same name
// and settings with the existing group.
func (l *LoadBalancing) CreateTargetGroup(ctx context.Context, in TargetGroupInput) (TargetGroup, error) {
	hc := in.HealthCheck
	out, err := l.api.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{
		Name:                       sdk.String(in.Name),
		Protocol:                   types.ProtocolEnumHttp,
		Port:                       sdk.Int32(int32(in.Port)),
		VpcId:                      sdk.String(in.VPCID),
		TargetType:                 types.TargetTypeEnumInstance,
		HealthCheckProtocol:        types.ProtocolEnumHttp,
		HealthCheckPort:            sdk.String("traffic-port"),
		HealthCheckPath:            sdk.String(hc.Path),
		HealthCheckIntervalSeconds: sdk.Int32(int32(hc.Interval)),
		HealthCheckTimeoutSeconds:  sdk.Int32(int32(hc.Timeout)),
		HealthyThresholdCount:      sdk.Int32(int32(hc.Healthy)),
		UnhealthyThresholdCount:    sdk.Int32(int32(hc.Unhealthy)),
		Matcher:                    &types.Matcher{HttpCode: sdk.String(hc.Matcher)},
		Tags:                       elbTags(in.Tags),
	})
	if err != nil {
		return TargetGroup{}, fmt.Errorf("create target group %s: %w", in.Name, err)
	}
	if len(out.TargetGroups) == 0 {
		return TargetGroup{}, fmt.Errorf("create target group %s: AWS returned no group", in.Name)
	}
	return targetGroupFrom(out.TargetGroups[0]), nil
}

// TargetGroup returns the group with arn; found is false when it does not exist.
func (l *LoadBalancing) TargetGroup(ctx context.Context, arn string) (TargetGroup, bool, error) {
	out, err := l.api.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if IsNotFound(err) {
		return TargetGroup{}, false, nil
	}
	if err != nil {
		return TargetGroup{}, false, fmt.Errorf("describe target group %s: %w", arn, err)
	}
	if len(out.TargetGroups) == 0 {
		return TargetGroup{}, false, nil
	}
	return targetGroupFrom(out.TargetGroups[0]), true, nil
}

// TargetGroups returns every target group of the region.
func (l *LoadBalancing) TargetGroups(ctx context.Context) ([]TargetGroup, error) {
	var out []TargetGroup
	p := elb.NewDescribeTargetGroupsPaginator(l.api, &elb.DescribeTargetGroupsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe target groups: %w", err)
		}
		for _, tg := range page.TargetGroups {
			out = append(out, targetGroupFrom(tg))
		}
	}
	return out, nil
}

// SetHealthCheck changes the group's health check in place.
func (l *LoadBalancing) SetHealthCheck(ctx context.Context, arn string, hc HealthCheck) error {
	_, err := l.api.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{
		TargetGroupArn:             sdk.String(arn),
		HealthCheckProtocol:        types.ProtocolEnumHttp,
		HealthCheckPort:            sdk.String("traffic-port"),
		HealthCheckPath:            sdk.String(hc.Path),
		HealthCheckIntervalSeconds: sdk.Int32(int32(hc.Interval)),
		HealthCheckTimeoutSeconds:  sdk.Int32(int32(hc.Timeout)),
		HealthyThresholdCount:      sdk.Int32(int32(hc.Healthy)),
		UnhealthyThresholdCount:    sdk.Int32(int32(hc.Unhealthy)),
		Matcher:                    &types.Matcher{HttpCode: sdk.String(hc.Matcher)},
	})
	if err != nil {
		return fmt.Errorf("modify health check of %s: %w", arn, err)
	}
	return nil
}

// TargetGroupAttributes returns the group's attributes
// (deregistration_delay.timeout_seconds, ...).
func (l *LoadBalancing) TargetGroupAttributes(ctx context.Context, arn string) (map[string]string, error) {
	out, err := l.api.DescribeTargetGroupAttributes(ctx, &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: sdk.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe attributes of %s: %w", arn, err)
	}
	return elbAttrMap(out.Attributes, func(a types.TargetGroupAttribute) (*string, *string) { return a.Key, a.Value }), nil
}

// SetTargetGroupAttributes sets attributes of the group.
func (l *LoadBalancing) SetTargetGroupAttributes(ctx context.Context, arn string, attrs map[string]string) error {
	as := elbAttrList(attrs, func(k, v *string) types.TargetGroupAttribute { return types.TargetGroupAttribute{Key: k, Value: v} })
	if _, err := l.api.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: sdk.String(arn), Attributes: as}); err != nil {
		return fmt.Errorf("modify attributes of %s: %w", arn, err)
	}
	return nil
}

// LoadBalancerAttributes returns the load balancer's attributes by key
// (routing.http.drop_invalid_header_fields.enabled, ...).
func (l *LoadBalancing) LoadBalancerAttributes(ctx context.Context, arn string) (map[string]string, error) {
	out, err := l.api.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: sdk.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe attributes of %s: %w", arn, err)
	}
	return elbAttrMap(out.Attributes, func(a types.LoadBalancerAttribute) (*string, *string) { return a.Key, a.Value }), nil
}

// SetLoadBalancerAttributes sets attributes of the load balancer.
func (l *LoadBalancing) SetLoadBalancerAttributes(ctx context.Context, arn string, attrs map[string]string) error {
	as := elbAttrList(attrs, func(k, v *string) types.LoadBalancerAttribute { return types.LoadBalancerAttribute{Key: k, Value: v} })
	if _, err := l.api.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: sdk.String(arn), Attributes: as}); err != nil {
		return fmt.Errorf("modify attributes of %s: %w", arn, err)
	}
	return nil
}

// elbAttrMap reads ELB's key/value attribute list (one SDK type per
// resource kind) into a map.
func elbAttrMap[T any](list []T, kv func(T) (*string, *string)) map[string]string {
	attrs := make(map[string]string, len(list))
	for _, a := range list {
		k, v := kv(a)
		attrs[deref(k)] = deref(v)
	}
	return attrs
}

// elbAttrList writes attrs as ELB's attribute list, in key order.
func elbAttrList[T any](attrs map[string]string, mk func(k, v *string) T) []T {
	var out []T
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		out = append(out, mk(sdk.String(k), sdk.String(attrs[k])))
	}
	return out
}

// DeleteTargetGroup deletes the group. AWS refuses one a listener still
// forwards to with ResourceInUse (IsDependency).
func (l *LoadBalancing) DeleteTargetGroup(ctx context.Context, arn string) error {
	if _, err := l.api.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: sdk.String(arn)}); err != nil {
		return fmt.Errorf("delete target group %s: %w", arn, err)
	}
	return nil
}

// TargetHealth is one registered target as the health checks see it.
type TargetHealth struct {
	ID          string
	State       string // initial, healthy, unhealthy, unused, draining, unavailable
	Reason      string
	Description string
}

// TargetHealth returns the health of every target registered in the group.
func (l *LoadBalancing) TargetHealth(ctx context.Context, arn string) ([]TargetHealth, error) {
	out, err := l.api.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: sdk.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("describe target health of %s: %w", arn, err)
	}
	var ts []TargetHealth
	for _, d := range out.TargetHealthDescriptions {
		t := TargetHealth{}
		if d.Target != nil {
			t.ID = deref(d.Target.Id)
		}
		if h := d.TargetHealth; h != nil {
			t.State, t.Reason, t.Description = string(h.State), string(h.Reason), deref(h.Description)
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// Listener is a load balancer listener and its default action, which is
// either a forward to one target group or a redirect.
type Listener struct {
	ARN             string
	LoadBalancerARN string
	Protocol        string
	Port            int
	SSLPolicy       string
	// Certificate is the default certificate's ARN (HTTPS).
	Certificate string
	// ForwardTo is the target group of a forward action.
	ForwardTo string
	// Redirect is "HTTPS:443:HTTP_301" for a redirect action (protocol,
	// port, status code), "" otherwise.
	Redirect string
	// Action is the default action's type: forward, redirect, fixed-response, ...
	Action string
}

// ListenerInput is a listener's settings: Protocol on Port, with a default
// action that forwards to ForwardTo or, with RedirectToHTTPS, answers 301
// with the same URL over HTTPS on 443.
type ListenerInput struct {
	LoadBalancerARN string
	Protocol        string
	Port            int
	SSLPolicy       string
	Certificate     string
	ForwardTo       string
	RedirectToHTTPS bool
	Tags            map[string]string
}

// RedirectHTTPS is the Listener.Redirect of RedirectToHTTPS.
const RedirectHTTPS = "HTTPS:443:HTTP_301"

func (in ListenerInput) actions() []types.Action {
	if in.RedirectToHTTPS {
		// Host, path and query default to the request's own (#{host}, ...).
		return []types.Action{{Type: types.ActionTypeEnumRedirect, RedirectConfig: &types.RedirectActionConfig{
			Protocol: sdk.String("HTTPS"), Port: sdk.String("443"), StatusCode: types.RedirectActionStatusCodeEnumHttp301,
		}}}
	}
	return []types.Action{{Type: types.ActionTypeEnumForward, TargetGroupArn: sdk.String(in.ForwardTo)}}
}

func (in ListenerInput) certificates() []types.Certificate {
	if in.Certificate == "" {
		return nil
	}
	return []types.Certificate{{CertificateArn: sdk.String(in.Certificate)}}
}

func listenerFrom(l types.Listener) Listener {
	out := Listener{ARN: deref(l.ListenerArn), LoadBalancerARN: deref(l.LoadBalancerArn), Protocol: string(l.Protocol),
		SSLPolicy: deref(l.SslPolicy)}
	if l.Port != nil {
		out.Port = int(*l.Port)
	}
	if len(l.Certificates) > 0 {
		out.Certificate = deref(l.Certificates[0].CertificateArn)
	}
	for _, a := range l.DefaultActions {
		switch a.Type {
		case types.ActionTypeEnumForward:
			out.Action = string(a.Type)
			out.ForwardTo = deref(a.TargetGroupArn)
			if out.ForwardTo == "" && a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) == 1 {
				out.ForwardTo = deref(a.ForwardConfig.TargetGroups[0].TargetGroupArn)
			}
		case types.ActionTypeEnumRedirect:
			out.Action = string(a.Type)
			if r := a.RedirectConfig; r != nil {
				out.Redirect = deref(r.Protocol) + ":" + deref(r.Port) + ":" + string(r.StatusCode)
			}
		case types.ActionTypeEnumFixedResponse:
			out.Action = string(a.Type)
		}
	}
	return out
}

// CreateListener creates a listener, tagged at creation.
func (l *LoadBalancing) CreateListener(ctx context.Context, in ListenerInput) (Listener, error) {
	req := &elb.CreateListenerInput{
		LoadBalancerArn: sdk.String(in.LoadBalancerARN),
		Protocol:        types.ProtocolEnum(in.Protocol),
		Port:            sdk.Int32(int32(in.Port)),
		DefaultActions:  in.actions(),
		Certificates:    in.certificates(),
		Tags:            elbTags(in.Tags),
	}
	if in.SSLPolicy != "" {
		req.SslPolicy = sdk.String(in.SSLPolicy)
	}
	out, err := l.api.CreateListener(ctx, req)
	if err != nil {
		return Listener{}, fmt.Errorf("create %s listener on port %d: %w", in.Protocol, in.Port, err)
	}
	if len(out.Listeners) == 0 {
		return Listener{}, fmt.Errorf("create %s listener on port %d: AWS returned no listener", in.Protocol, in.Port)
	}
	return listenerFrom(out.Listeners[0]), nil
}

// ModifyListener brings an existing listener to in's settings.
func (l *LoadBalancing) ModifyListener(ctx context.Context, arn string, in ListenerInput) (Listener, error) {
	req := &elb.ModifyListenerInput{
		ListenerArn:    sdk.String(arn),
		Protocol:       types.ProtocolEnum(in.Protocol),
		Port:           sdk.Int32(int32(in.Port)),
		DefaultActions: in.actions(),
		Certificates:   in.certificates(),
	}
	if in.SSLPolicy != "" {
		req.SslPolicy = sdk.String(in.SSLPolicy)
	}
	out, err := l.api.ModifyListener(ctx, req)
	if err != nil {
		return Listener{}, fmt.Errorf("modify listener %s: %w", arn, err)
	}
	if len(out.Listeners) == 0 {
		return Listener{}, fmt.Errorf("modify listener %s: AWS returned no listener", arn)
	}
	return listenerFrom(out.Listeners[0]), nil
}

// Listener returns the listener with arn; found is false when it does not exist.
func (l *LoadBalancing) Listener(ctx context.Context, arn string) (Listener, bool, error) {
	out, err := l.api.DescribeListeners(ctx, &elb.DescribeListenersInput{ListenerArns: []string{arn}})
	if IsNotFound(err) {
		return Listener{}, false, nil
	}
	if err != nil {
		return Listener{}, false, fmt.Errorf("describe listener %s: %w", arn, err)
	}
	if len(out.Listeners) == 0 {
		return Listener{}, false, nil
	}
	return listenerFrom(out.Listeners[0]), true, nil
}

// Listeners returns the load balancer's listeners (none when the load
// balancer is gone).
func (l *LoadBalancing) Listeners(ctx context.Context, lbARN string) ([]Listener, error) {
	var out []Listener
	p := elb.NewDescribeListenersPaginator(l.api, &elb.DescribeListenersInput{LoadBalancerArn: sdk.String(lbARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("describe listeners of %s: %w", lbARN, err)
		}
		for _, x := range page.Listeners {
			out = append(out, listenerFrom(x))
		}
	}
	return out, nil
}

// DeleteListener deletes the listener.
func (l *LoadBalancing) DeleteListener(ctx context.Context, arn string) error {
	if _, err := l.api.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: sdk.String(arn)}); err != nil {
		return fmt.Errorf("delete listener %s: %w", arn, err)
	}
	return nil
}
