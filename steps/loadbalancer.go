package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// loadBalancerStep builds the internet-facing Application Load Balancer in
// the public subnets, its target group on the app port with the spec's
// health check, and its listeners: HTTP forwarding to the group, or with
// HTTPS, HTTP redirecting to an HTTPS listener with the certificate.
type loadBalancerStep struct{}

func (loadBalancerStep) ID() StepID    { return StepLoadBalancer }
func (loadBalancerStep) Title() string { return "Load balancer" }
func (loadBalancerStep) Why() string {
	return "The load balancer and its health check come before the group that registers into it."
}
func (loadBalancerStep) Enabled(s *spec.Spec) bool { return true }
func (loadBalancerStep) Needs(s *spec.Spec) []StepID {
	needs := []StepID{StepNetwork, StepSecurity}
	if s.LoadBalancer.HTTPS {
		needs = append(needs, StepCertificate)
	}
	return needs
}

// The load balancer's keys.
const (
	lbKey       = "load_balancer/alb"
	tgKey       = "load_balancer/target-group"
	httpKey     = "load_balancer/listener/http"
	httpsKey    = "load_balancer/listener/https"
	lbActiveMax = 10 * time.Minute // provisioning takes a few minutes
)

// tlsPolicy is the HTTPS listener's security policy: TLS 1.3 with TLS 1.2
// for older clients, AWS's recommended policy and the console's default
// (Elastic Load Balancing, "Security policies for your Application Load
// Balancer").
const tlsPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

// deregistrationDelay is how long the group drains an instance it
// deregisters. AWS's default is 300 s, which makes every scale-in and
// every instance refresh wait 5 minutes per instance; the seeds' app
// answers in well under a second, so 30 s lets in-flight requests finish.
const deregistrationDelay = "30"

// lbIPAddressType is the load balancer's IP address type,
// load_balancer.ip_address_type: ipv4, or dualstack, whose name also gets
// an AAAA alias (see aliasTypes) and whose network carries IPv6
// (network_ipv6.go). It changes in place (loadbalancer_ipv6.go).
func lbIPAddressType(s *spec.Spec) string {
	if s.LoadBalancer.IPAddressType == spec.Dualstack {
		return spec.Dualstack
	}
	return spec.IPv4
}

// lbDropInvalidHeaders is the load balancer attribute that drops HTTP
// headers whose names are not valid (load_balancer.drop_invalid_header_fields).
const lbDropInvalidHeaders = "routing.http.drop_invalid_header_fields.enabled"

func lbDesired(s *spec.Spec) Desired {
	return Desired{Key: lbKey, Type: typeLoadBalancer, Name: s.Name + "-alb",
		Attrs: map[string]string{"name": s.Name + "-alb", "scheme": "internet-facing", "ip_address_type": lbIPAddressType(s),
			"drop_invalid_header_fields": strconv.FormatBool(s.LoadBalancer.DropInvalidHeaderFields),
			"access_logs":                strconv.FormatBool(s.LoadBalancer.AccessLogs.Enabled)},
		// Anything else is an attribute, set in place.
		Replace: []string{"name", "scheme", "subnets", "security_groups"}}
}

func tgDesired(s *spec.Spec) Desired {
	hc := s.LoadBalancer.HealthCheck
	return Desired{Key: tgKey, Type: typeTargetGroup, Name: s.Name + "-tg",
		Attrs: map[string]string{
			"name": s.Name + "-tg", "protocol": "HTTP", "port": strconv.Itoa(s.Instance.Port), "target_type": "instance",
			"hc_path": hc.Path, "hc_interval": strconv.Itoa(hc.IntervalSeconds), "hc_timeout": strconv.Itoa(hc.TimeoutSeconds),
			"hc_healthy": strconv.Itoa(hc.HealthyThreshold), "hc_unhealthy": strconv.Itoa(hc.UnhealthyThreshold),
			"hc_matcher": hc.SuccessCodes, "deregistration_delay": deregistrationDelay,
		},
		// A target group's protocol, port, type and VPC are fixed at creation.
		Replace: []string{"name", "protocol", "port", "target_type", "vpc_id"}}
}

func httpDesired(s *spec.Spec) Desired {
	action := "forward"
	if s.LoadBalancer.HTTPS {
		action = "redirect-https"
	}
	return Desired{Key: httpKey, Type: typeListener, Name: "HTTP :80",
		Attrs: map[string]string{"protocol": "HTTP", "port": "80", "action": action}}
}

func httpsDesired(s *spec.Spec) Desired {
	return Desired{Key: httpsKey, Type: typeListener, Name: "HTTPS :443",
		Attrs: map[string]string{"protocol": "HTTPS", "port": "443", "action": "forward", "ssl_policy": tlsPolicy}}
}

func (loadBalancerStep) Desired(s *spec.Spec) []Desired {
	ds := []Desired{lbDesired(s), tgDesired(s), httpDesired(s)}
	if s.LoadBalancer.HTTPS {
		ds = append(ds, httpsDesired(s))
	}
	return append(ds, accessLogsDesired(s)...)
}

// lbInputs are what the step reads from the steps before it.
type lbInputs struct {
	vpc, albSG, cert string
	subnets          []string
}

func readLBInputs(r *Run) (lbInputs, error) {
	in := lbInputs{vpc: r.Output(StepNetwork, "vpc_id"), albSG: r.Output(StepSecurity, "alb_sg")}
	for _, s := range strings.Split(r.Output(StepNetwork, "public_subnets"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			in.subnets = append(in.subnets, s)
		}
	}
	azs := map[string]bool{}
	for _, az := range strings.Split(r.Output(StepNetwork, "azs"), ",") {
		if az = strings.TrimSpace(az); az != "" {
			azs[az] = true
		}
	}
	switch {
	case in.vpc == "":
		return in, fmt.Errorf("load balancer: the network step recorded no vpc_id: run apply again so the network step finishes first")
	case len(in.subnets) < 2 || len(azs) > 0 && len(azs) < 2:
		return in, fmt.Errorf("load balancer: an Application Load Balancer needs public subnets in at least two Availability Zones, and the network has %d subnet(s) (%s) in %d AZ(s): set network.azs to 2 or 3, or with network.vpc default/existing, give the VPC public subnets in two AZs",
			len(in.subnets), strings.Join(in.subnets, ", "), len(azs))
	case in.albSG == "":
		return in, fmt.Errorf("load balancer: the security step recorded no alb_sg: run apply again so the security step finishes first")
	}
	if r.Spec.LoadBalancer.HTTPS {
		if in.cert = r.Output(StepCertificate, "certificate_arn"); in.cert == "" {
			return in, fmt.Errorf("load balancer: load_balancer.https is on but the certificate step recorded no certificate_arn: run apply again")
		}
	}
	return in, nil
}

func (loadBalancerStep) Apply(ctx context.Context, r *Run) error {
	in, err := readLBInputs(r)
	if err != nil {
		return err
	}
	// The access logs' bucket comes first (a second at most): Elastic
	// Load Balancing checks it may write there when the logs are turned on.
	if _, err := ensureAccessLogBucket(ctx, r); err != nil {
		return err
	}
	lbRec, err := ensureLoadBalancer(ctx, r, in)
	if err != nil {
		return err
	}
	tg, err := ensureTargetGroup(ctx, r, in)
	if err != nil {
		return err
	}
	// The target group exists: the Auto Scaling group may be made and its
	// instances boot while the load balancer provisions (schedule.go).
	if err := r.SetOutputs(map[string]string{"tg_arn": tg.ARN, "tg_dimension": tgDimension(tg.ARN)}); err != nil {
		return err
	}
	httpL, err := ensureListener(ctx, r, httpDesired(r.Spec), lbRec.ARN, tg.ARN, "")
	if err != nil {
		return err
	}
	httpsARN := ""
	if r.Spec.LoadBalancer.HTTPS {
		httpsL, err := ensureListener(ctx, r, httpsDesired(r.Spec), lbRec.ARN, tg.ARN, in.cert)
		if err != nil {
			return err
		}
		httpsARN = httpsL.ARN
	}
	lb, err := waitLoadBalancer(ctx, r, lbRec.ARN)
	if err != nil {
		return err
	}
	hc := r.Spec.LoadBalancer.HealthCheck
	r.Info("a new instance takes traffic after at least %d s of passing health checks (%d checks × %d s)",
		hc.HealthyThreshold*hc.IntervalSeconds, hc.HealthyThreshold, hc.IntervalSeconds)
	return r.SetOutputs(map[string]string{
		"lb_arn": lb.ARN, "lb_dns": lb.DNSName, "lb_zone_id": lb.CanonicalZoneID,
		"lb_dimension": lbDimension(lb.ARN), "lb_ip_address_type": lb.IPAddressType,
		"tg_arn": tg.ARN, "tg_dimension": tgDimension(tg.ARN),
		"http_listener_arn": httpL.ARN, "https_listener_arn": httpsARN,
	})
}

// lbDimension is the LoadBalancer dimension of AWS/ApplicationELB metrics:
// the ARN after "loadbalancer/" ("app/<name>/<id>").
func lbDimension(arn string) string {
	return aws.ARNResourceAfter(arn, "loadbalancer/")
}

// tgDimension is the TargetGroup dimension: "targetgroup/<name>/<id>".
func tgDimension(arn string) string { return aws.ARNResource(arn) }

func joinSorted(ids []string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return strings.Join(s, ",")
}

// ensureLoadBalancer creates the load balancer (or takes the one an
// interrupted run created); waitLoadBalancer waits until it is active.
func ensureLoadBalancer(ctx context.Context, r *Run, in lbInputs) (state.Resource, error) {
	d := lbDesired(r.Spec)
	// The subnets and the group come from the steps before; a change of
	// either (a new network) means a new load balancer.
	d.Attrs["subnets"], d.Attrs["security_groups"] = joinSorted(in.subnets), in.albSG
	rec, err := r.Ensure(ctx, d, Ops{
		Find: func(ctx context.Context) (Found, bool, error) {
			lb, found, err := r.AWS.LB.LoadBalancerNamed(ctx, d.Name)
			if err != nil || !found {
				return Found{}, false, err
			}
			tags, err := r.AWS.LB.Tags(ctx, []string{lb.ARN})
			if err != nil {
				return Found{}, false, err
			}
			if tags[lb.ARN][TagStack] != r.Spec.Name {
				return Found{}, false, fmt.Errorf("a load balancer named %s exists and is not this stack's: rename the stack (name) or delete that load balancer", d.Name)
			}
			return Found{ID: lb.ARN, ARN: lb.ARN}, true, nil
		},
		Create: func(ctx context.Context, _ string) (Found, error) {
			lb, err := r.AWS.LB.CreateLoadBalancer(ctx, aws.LoadBalancerInput{Name: d.Name, Subnets: in.subnets,
				SecurityGroups: []string{in.albSG}, IPAddressType: lbIPAddressType(r.Spec), Tags: r.Tags(d.Key, d.Name)})
			if aws.IsCode(err, "DuplicateLoadBalancerName") {
				return Found{}, fmt.Errorf("%w: another load balancer is called %s; if it is this stack's from an earlier run, run `stackwiz destroy` first, otherwise change the stack's name", err, d.Name)
			}
			return Found{ID: lb.ARN, ARN: lb.ARN}, err
		},
		// The attributes are set below, on every run.
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			return Found{ID: cur.ID, ARN: cur.ARN}, nil
		},
	})
	if err != nil {
		return state.Resource{}, err
	}
	return rec, convergeLBAttributes(ctx, r, rec.ARN)
}

// waitLoadBalancer waits until the load balancer arn is active.
func waitLoadBalancer(ctx context.Context, r *Run, arn string) (aws.LoadBalancer, error) {
	var lb aws.LoadBalancer
	err := r.Wait(ctx, lbKey, "the load balancer to become active (provisioning takes a few minutes)", lbActiveMax, func(ctx context.Context) (bool, error) {
		cur, found, err := r.AWS.LB.LoadBalancer(ctx, arn)
		switch {
		case err != nil:
			return false, err
		case !found:
			return false, fmt.Errorf("load balancer %s disappeared while waiting for it: run apply again", arn)
		case cur.State == "failed":
			return false, fmt.Errorf("load balancer %s failed to provision: %s", arn, cur.StateReason)
		}
		lb = cur
		return cur.State == "active" || cur.State == "active_impaired", nil
	})
	if lb.State == "active_impaired" {
		r.Warn("load balancer %s is active_impaired: it cannot scale (%s)", lb.Name, lb.StateReason)
	}
	return lb, err
}

// convergeLBAttributes sets the attributes the spec asks for, when AWS has
// others: after a create, a resumed create and a change made by hand alike.
func convergeLBAttributes(ctx context.Context, r *Run, arn string) error {
	if err := convergeLBIPAddressType(ctx, r, arn); err != nil {
		return err
	}
	want := map[string]string{lbDropInvalidHeaders: strconv.FormatBool(r.Spec.LoadBalancer.DropInvalidHeaderFields)}
	bucket := ""
	if b, ok := r.Recorded(keyAccessLogBucket); ok && r.Spec.LoadBalancer.AccessLogs.Enabled {
		bucket = b.ID
	}
	maps.Copy(want, accessLogAttributes(bucket))
	have, err := r.AWS.LB.LoadBalancerAttributes(ctx, arn)
	if err != nil {
		return err
	}
	diff := map[string]string{}
	for k, v := range want {
		if have[k] != v {
			diff[k] = v
		}
	}
	if len(diff) == 0 {
		return nil
	}
	return r.AWS.LB.SetLoadBalancerAttributes(ctx, arn, diff)
}

func healthCheckOf(s *spec.Spec) aws.HealthCheck {
	hc := s.LoadBalancer.HealthCheck
	return aws.HealthCheck{Path: hc.Path, Interval: hc.IntervalSeconds, Timeout: hc.TimeoutSeconds,
		Healthy: hc.HealthyThreshold, Unhealthy: hc.UnhealthyThreshold, Matcher: hc.SuccessCodes}
}

// ensureTargetGroup creates the target group or updates its health check
// in place. A new port (or VPC) needs a new group, and AWS refuses to
// delete a group a listener forwards to: the listeners that do are deleted
// first and created again right after, pointing at the new group.
func ensureTargetGroup(ctx context.Context, r *Run, in lbInputs) (aws.TargetGroup, error) {
	d := tgDesired(r.Spec)
	d.Attrs["vpc_id"] = in.vpc
	if rec, ok := r.Recorded(tgKey); ok && rec.Status == state.ResourceCreated && replaceNeeded(rec.Attrs, d) {
		for _, key := range []string{httpKey, httpsKey} {
			if l, ok := r.Recorded(key); ok && l.Live() && l.Attrs["target_group_arn"] == rec.ARN {
				r.Info("the target group must be replaced (%s): removing listener %s, which forwards to it, until the new group exists",
					changedAttrs(rec.Attrs, d.Attrs), l.Key)
				if err := r.Delete(ctx, key); err != nil {
					return aws.TargetGroup{}, err
				}
			}
		}
	}
	input := aws.TargetGroupInput{Name: d.Name, Port: r.Spec.Instance.Port, VPCID: in.vpc, HealthCheck: healthCheckOf(r.Spec), Tags: r.Tags(d.Key, d.Name)}
	setDelay := func(ctx context.Context, arn string) error {
		return r.AWS.LB.SetTargetGroupAttributes(ctx, arn, map[string]string{"deregistration_delay.timeout_seconds": deregistrationDelay})
	}
	rec, err := r.Ensure(ctx, d, Ops{
		// CreateTargetGroup answers a repeat with the same name and settings
		// with the existing group, so a resumed create needs no Find.
		Create: func(ctx context.Context, _ string) (Found, error) {
			tg, err := r.AWS.LB.CreateTargetGroup(ctx, input)
			if aws.IsCode(err, "DuplicateTargetGroupName") {
				return Found{}, fmt.Errorf("%w: a target group called %s exists with other settings; if it is this stack's from an earlier run, run `stackwiz destroy` first, otherwise change the stack's name", err, d.Name)
			}
			if err != nil {
				return Found{}, err
			}
			return Found{ID: tg.ARN, ARN: tg.ARN}, setDelay(ctx, tg.ARN)
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			if err := r.AWS.LB.SetHealthCheck(ctx, cur.ARN, input.HealthCheck); err != nil {
				return Found{}, err
			}
			return Found{ID: cur.ID, ARN: cur.ARN}, setDelay(ctx, cur.ARN)
		},
	})
	if err != nil {
		return aws.TargetGroup{}, err
	}
	return aws.TargetGroup{ARN: rec.ARN, Name: d.Name, Port: r.Spec.Instance.Port, VPCID: in.vpc}, nil
}

// ensureListener creates or updates one listener. Its target group and
// certificate come from this run, so a replaced group or a new certificate
// updates the listener in place.
func ensureListener(ctx context.Context, r *Run, d Desired, lbARN, tgARN, certARN string) (aws.Listener, error) {
	port, _ := strconv.Atoi(d.Attrs["port"])
	in := aws.ListenerInput{LoadBalancerARN: lbARN, Protocol: d.Attrs["protocol"], Port: port,
		SSLPolicy: d.Attrs["ssl_policy"], Certificate: certARN, Tags: r.Tags(d.Key, d.Name)}
	if d.Attrs["action"] == "redirect-https" {
		in.RedirectToHTTPS = true
	} else {
		in.ForwardTo = tgARN
	}
	// Empty values too, so a listener that stops forwarding forgets its group.
	d.Attrs["target_group_arn"], d.Attrs["certificate_arn"], d.Attrs["load_balancer_arn"] = in.ForwardTo, certARN, lbARN
	d.Replace = []string{"load_balancer_arn"}
	checkPolicy := func(ctx context.Context) error {
		if in.SSLPolicy == "" {
			return nil
		}
		ok, err := r.AWS.LB.SSLPolicyExists(ctx, in.SSLPolicy)
		if err == nil && !ok {
			err = fmt.Errorf("the TLS policy %s is not offered in this region: stackwiz needs it for the HTTPS listener", in.SSLPolicy)
		}
		return err
	}
	rec, err := r.Ensure(ctx, d, Ops{
		// CreateListener refuses a second listener on a port; one already
		// there on the stack's own load balancer (an interrupted create) is
		// brought to the desired settings instead.
		Create: func(ctx context.Context, _ string) (Found, error) {
			if err := checkPolicy(ctx); err != nil {
				return Found{}, err
			}
			ls, err := r.AWS.LB.Listeners(ctx, lbARN)
			if err != nil {
				return Found{}, err
			}
			for _, l := range ls {
				if l.Port != port {
					continue
				}
				if _, err := r.AWS.LB.ModifyListener(ctx, l.ARN, in); err != nil {
					return Found{}, err
				}
				return Found{ID: l.ARN, ARN: l.ARN}, r.AWS.LB.AddTags(ctx, l.ARN, in.Tags)
			}
			l, err := r.AWS.LB.CreateListener(ctx, in)
			return Found{ID: l.ARN, ARN: l.ARN}, err
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			if err := checkPolicy(ctx); err != nil {
				return Found{}, err
			}
			_, err := r.AWS.LB.ModifyListener(ctx, cur.ARN, in)
			return Found{ID: cur.ARN, ARN: cur.ARN}, err
		},
	})
	if err != nil {
		return aws.Listener{}, err
	}
	return aws.Listener{ARN: rec.ARN, Port: port, Protocol: in.Protocol}, nil
}
