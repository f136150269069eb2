package steps

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/stackwiz/stackwiz/state"
)

const lbSpecHTTP = `name: web
instance:
  port: 3000
load_balancer:
  health_check:
    path: /healthz
    interval_seconds: 15
    timeout_seconds: 4
    healthy_threshold: 2
    unhealthy_threshold: 3
    success_codes: "200-299"
`

func describeLB(t *testing.T, env *testEnv, arn string) elbtypes.LoadBalancer {
	t.Helper()
	out, err := elb.NewFromConfig(env.Cfg).DescribeLoadBalancers(testContext(t), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil || len(out.LoadBalancers) != 1 {
		t.Fatalf("DescribeLoadBalancers %s: %v", arn, err)
	}
	return out.LoadBalancers[0]
}

func describeTG(t *testing.T, env *testEnv, arn string) elbtypes.TargetGroup {
	t.Helper()
	out, err := elb.NewFromConfig(env.Cfg).DescribeTargetGroups(testContext(t), &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{arn}})
	if err != nil || len(out.TargetGroups) != 1 {
		t.Fatalf("DescribeTargetGroups %s: %v", arn, err)
	}
	return out.TargetGroups[0]
}

func sdkListener(t *testing.T, env *testEnv, arn string) elbtypes.Listener {
	t.Helper()
	out, err := elb.NewFromConfig(env.Cfg).DescribeListeners(testContext(t), &elb.DescribeListenersInput{ListenerArns: []string{arn}})
	if err != nil || len(out.Listeners) != 1 {
		t.Fatalf("DescribeListeners %s: %v", arn, err)
	}
	return out.Listeners[0]
}

func elbTagsOf(t *testing.T, env *testEnv, arn string) map[string]string {
	t.Helper()
	tags, err := env.AWS.LB.Tags(testContext(t), []string{arn})
	if err != nil {
		t.Fatal(err)
	}
	return tags[arn]
}

func TestLoadBalancerHTTPOnlyBuildsTheALBTargetGroupAndForwardingListener(t *testing.T) {
	env, net := newEdgeEnv(t, "web", 2)
	spec := env.spec(lbSpecHTTP)
	mustApply(t, env, spec)
	out := outputs(t, env, StepLoadBalancer)

	lb := describeLB(t, env, out["lb_arn"])
	if lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternetFacing || lb.Type != elbtypes.LoadBalancerTypeEnumApplication || *lb.LoadBalancerName != "web-alb" {
		t.Errorf("load balancer = %s %s %s, want internet-facing application web-alb", *lb.LoadBalancerName, lb.Scheme, lb.Type)
	}
	var subnets []string
	for _, az := range lb.AvailabilityZones {
		subnets = append(subnets, *az.SubnetId)
	}
	if !slices.Equal(sortedCopy(subnets), sortedCopy(net.Subnets)) || !slices.Equal(lb.SecurityGroups, []string{net.SG}) {
		t.Errorf("load balancer in %v with %v, want %v with %s", subnets, lb.SecurityGroups, net.Subnets, net.SG)
	}
	if tags := elbTagsOf(t, env, out["lb_arn"]); tags[TagStack] != "web" || tags[TagStep] != "load_balancer" || tags[TagKey] != lbKey {
		t.Errorf("load balancer tags = %v", tags)
	}
	if out["lb_dns"] != *lb.DNSName || out["lb_zone_id"] != *lb.CanonicalHostedZoneId || out["lb_zone_id"] == "" {
		t.Errorf("outputs lb_dns %q lb_zone_id %q, AWS has %q %q", out["lb_dns"], out["lb_zone_id"], *lb.DNSName, *lb.CanonicalHostedZoneId)
	}
	if want := strings.SplitN(out["lb_arn"], ":loadbalancer/", 2)[1]; out["lb_dimension"] != want || !strings.HasPrefix(want, "app/web-alb/") {
		t.Errorf("lb_dimension = %q, want %q", out["lb_dimension"], want)
	}

	tg := describeTG(t, env, out["tg_arn"])
	if *tg.TargetGroupName != "web-tg" || *tg.Port != 3000 || tg.Protocol != elbtypes.ProtocolEnumHttp || tg.TargetType != elbtypes.TargetTypeEnumInstance || *tg.VpcId != net.VPC {
		t.Errorf("target group = %s %s:%d %s in %s", *tg.TargetGroupName, tg.Protocol, *tg.Port, tg.TargetType, *tg.VpcId)
	}
	if *tg.HealthCheckPath != "/healthz" || *tg.HealthCheckIntervalSeconds != 15 || *tg.HealthCheckTimeoutSeconds != 4 ||
		*tg.HealthyThresholdCount != 2 || *tg.UnhealthyThresholdCount != 3 || *tg.Matcher.HttpCode != "200-299" || *tg.HealthCheckPort != "traffic-port" {
		t.Errorf("health check = %s every %ds timeout %ds healthy %d unhealthy %d codes %s port %s", *tg.HealthCheckPath, *tg.HealthCheckIntervalSeconds,
			*tg.HealthCheckTimeoutSeconds, *tg.HealthyThresholdCount, *tg.UnhealthyThresholdCount, *tg.Matcher.HttpCode, *tg.HealthCheckPort)
	}
	attrs, err := env.AWS.LB.TargetGroupAttributes(testContext(t), out["tg_arn"])
	if err != nil || attrs["deregistration_delay.timeout_seconds"] != "30" {
		t.Errorf("deregistration delay = %q (%v), want 30 rather than AWS's 300", attrs["deregistration_delay.timeout_seconds"], err)
	}
	if want := out["tg_arn"][strings.LastIndex(out["tg_arn"], ":")+1:]; out["tg_dimension"] != want || !strings.HasPrefix(want, "targetgroup/web-tg/") {
		t.Errorf("tg_dimension = %q, want %q", out["tg_dimension"], want)
	}

	l := sdkListener(t, env, out["http_listener_arn"])
	if l.Protocol != elbtypes.ProtocolEnumHttp || *l.Port != 80 || len(l.DefaultActions) != 1 ||
		l.DefaultActions[0].Type != elbtypes.ActionTypeEnumForward || *l.DefaultActions[0].TargetGroupArn != out["tg_arn"] {
		t.Errorf("HTTP listener = %s:%d %+v, want forward to the target group", l.Protocol, *l.Port, l.DefaultActions)
	}
	if out["https_listener_arn"] != "" {
		t.Errorf("https_listener_arn = %q without https", out["https_listener_arn"])
	}
	if !slices.ContainsFunc(env.Events(), func(e Event) bool { return e.Kind == Info && strings.Contains(e.Message, "at least 30 s") }) {
		t.Error("apply did not say how long a new instance waits for health checks (2 × 15 s)")
	}

	if n := mutationsDuring(env, func() { mustApply(t, env, spec) }); n != 0 {
		t.Errorf("a second apply made %d mutating requests, want 0", n)
	}
	if again := outputs(t, env, StepLoadBalancer); !maps.Equal(again, out) {
		t.Errorf("outputs changed on a second apply:\n%v\n%v", again, out)
	}
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

func TestLoadBalancerRefusesANetworkWithOneAZ(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 1)
	err := env.engine(env.spec(lbSpecHTTP)).Apply(testContext(t))
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepLoadBalancer || !strings.Contains(err.Error(), "at least two Availability Zones") || !strings.Contains(err.Error(), "network.azs") {
		t.Fatalf("apply = %v, want the load balancer step to ask for two AZs", err)
	}
	mustHaveNoEdge(t, env)
}

func TestLoadBalancerHealthCheckChangeUpdatesTheGroupInPlace(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	mustApply(t, env, env.spec(lbSpecHTTP))
	before := outputs(t, env, StepLoadBalancer)

	changed := env.spec(strings.Replace(strings.Replace(lbSpecHTTP, "/healthz", "/ready", 1), "interval_seconds: 15", "interval_seconds: 20", 1))
	plan, err := env.engine(changed).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plan.Changes, func(c Change) bool { return c.Key == tgKey })
	if i < 0 || plan.Changes[i].Action != ActionUpdate || !strings.Contains(plan.Changes[i].Why, "hc_path") {
		t.Fatalf("plan for the target group = %+v, want update of hc_path", plan.Changes)
	}
	creates := env.SB.Stats().Count("elasticloadbalancing", "CreateTargetGroup")
	mustApply(t, env, changed)
	after := outputs(t, env, StepLoadBalancer)
	if after["tg_arn"] != before["tg_arn"] || env.SB.Stats().Count("elasticloadbalancing", "CreateTargetGroup") != creates {
		t.Errorf("the target group was replaced (%s → %s) for a health check change", before["tg_arn"], after["tg_arn"])
	}
	if env.SB.Stats().Count("elasticloadbalancing", "ModifyTargetGroup") != 1 {
		t.Errorf("ModifyTargetGroup called %d times, want 1", env.SB.Stats().Count("elasticloadbalancing", "ModifyTargetGroup"))
	}
	tg := describeTG(t, env, after["tg_arn"])
	if *tg.HealthCheckPath != "/ready" || *tg.HealthCheckIntervalSeconds != 20 {
		t.Errorf("health check = %s every %ds, want /ready every 20s", *tg.HealthCheckPath, *tg.HealthCheckIntervalSeconds)
	}
}

func TestLoadBalancerPortChangeReplacesTheGroupAndRepointsTheListener(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	mustApply(t, env, env.spec(lbSpecHTTP))
	before := outputs(t, env, StepLoadBalancer)

	changed := env.spec(strings.Replace(lbSpecHTTP, "port: 3000", "port: 8080", 1))
	plan, err := env.engine(changed).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plan.Changes, func(c Change) bool { return c.Key == tgKey })
	if i < 0 || plan.Changes[i].Action != ActionReplace {
		t.Fatalf("plan for the target group = %+v, want replace", plan.Changes)
	}
	mustApply(t, env, changed)
	after := outputs(t, env, StepLoadBalancer)
	if after["tg_arn"] == before["tg_arn"] || after["lb_arn"] != before["lb_arn"] {
		t.Fatalf("after a port change tg %s → %s, lb %s → %s; want a new group on the same load balancer",
			before["tg_arn"], after["tg_arn"], before["lb_arn"], after["lb_arn"])
	}
	if tg := describeTG(t, env, after["tg_arn"]); *tg.Port != 8080 {
		t.Errorf("new group port = %d", *tg.Port)
	}
	if _, found, _ := env.AWS.LB.TargetGroup(testContext(t), before["tg_arn"]); found {
		t.Error("the old target group is still there")
	}
	if l := sdkListener(t, env, after["http_listener_arn"]); *l.DefaultActions[0].TargetGroupArn != after["tg_arn"] {
		t.Errorf("listener forwards to %s, want the new group %s", *l.DefaultActions[0].TargetGroupArn, after["tg_arn"])
	}
	if got := edgeInventory(env); len(got) != 3 {
		t.Errorf("inventory = %v, want one load balancer, one group, one listener", got)
	}
}

func TestLoadBalancerResumesAfterACrashAtEveryMutation(t *testing.T) {
	clean, _ := newEdgeEnv(t, "web", 2)
	spec := clean.spec(lbSpecHTTP)
	total := mutationsDuring(clean, func() { mustApply(t, clean, spec) })
	want := edgeInventory(clean)
	if total < 4 {
		t.Fatalf("a clean apply made %d mutations; the test needs the real run", total)
	}
	for k := 1; k <= total; k++ {
		env, _ := newEdgeEnv(t, "web", 2)
		// The k-th answer is lost (testEnv.loseAnswer): the run must stop.
		if err := env.engine(spec).Apply(env.crashAfter(testContext(t), k)); err == nil {
			t.Fatalf("k=%d: apply survived its crash", k)
		}
		env.noCrash()
		env.reopen()
		mustApply(t, env, spec)
		if got := edgeInventory(env); !slices.Equal(got, want) {
			t.Fatalf("k=%d: after resume the sandbox holds\n%s\nwant\n%s", k, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if n := env.SB.Stats().Count("elasticloadbalancing", "CreateLoadBalancer"); n > 2 {
			t.Errorf("k=%d: CreateLoadBalancer called %d times", k, n)
		}
		env.reopen()
		if err := env.engine(spec).Destroy(testContext(t)); err != nil {
			t.Fatalf("k=%d: destroy: %v", k, err)
		}
		mustHaveNoEdge(t, env)
	}
}

func TestLoadBalancerDestroyAfterEveryPartialApplyLeavesNothing(t *testing.T) {
	clean, _ := newEdgeEnv(t, "web", 2)
	spec := clean.spec(lbSpecHTTP)
	total := mutationsDuring(clean, func() { mustApply(t, clean, spec) })
	for k := 1; k <= total; k++ {
		env, _ := newEdgeEnv(t, "web", 2)
		_ = env.engine(spec).Apply(env.crashAfter(testContext(t), k))
		env.noCrash()
		env.reopen()
		if err := env.engine(spec).Destroy(testContext(t)); err != nil {
			t.Fatalf("k=%d: destroy: %v", k, err)
		}
		mustHaveNoEdge(t, env)
	}
}

func TestLoadBalancerStatusReportsDriftAndMissingListener(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	spec := env.spec(lbSpecHTTP)
	mustApply(t, env, spec)
	rep, err := env.engine(spec).Status(testContext(t))
	if err != nil || !rep.Healthy {
		t.Fatalf("status after apply = %+v, %v; want healthy", rep, err)
	}
	out := outputs(t, env, StepLoadBalancer)
	api := elb.NewFromConfig(env.Cfg)
	if _, err := api.ModifyTargetGroup(testContext(t), &elb.ModifyTargetGroupInput{TargetGroupArn: sdkaws.String(out["tg_arn"]),
		HealthCheckPath: sdkaws.String("/")}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.DeleteListener(testContext(t), &elb.DeleteListenerInput{ListenerArn: sdkaws.String(out["http_listener_arn"])}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(spec).Status(testContext(t))
	if err != nil || rep.Healthy {
		t.Fatalf("status after out-of-band changes = healthy %v, %v", rep.Healthy, err)
	}
	for _, rr := range rep.Resources {
		switch rr.Key {
		case tgKey:
			if len(rr.Drift) != 1 || !strings.Contains(rr.Drift[0], "hc_path") {
				t.Errorf("target group drift = %v, want hc_path", rr.Drift)
			}
		case httpKey:
			if rr.Exists || rr.Healthy {
				t.Errorf("deleted listener reported %+v", rr)
			}
		case lbKey:
			if !rr.Healthy || rr.State != "active" {
				t.Errorf("load balancer reported %+v", rr)
			}
		}
	}
	// apply repairs what is missing and leaves the rest.
	mustApply(t, env, spec)
	if l := sdkListener(t, env, outputs(t, env, StepLoadBalancer)["http_listener_arn"]); *l.Port != 80 {
		t.Errorf("listener not recreated: %+v", l)
	}
}

func TestLoadBalancerAdoptFindsEverythingByTags(t *testing.T) {
	env, net := newEdgeEnv(t, "web", 2)
	spec := env.spec(lbSpecHTTP)
	mustApply(t, env, spec)
	want := outputs(t, env, StepLoadBalancer)

	fresh, err := state.OpenNew(t.TempDir(), "web")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	n, err := env.engine(spec).Adopt(testContext(t))
	if err != nil || n != 3 {
		t.Fatalf("adopt = %d, %v; want the load balancer, the group and the listener", n, err)
	}
	seedEdgeOutputs(t, env, net)
	if m := mutationsDuring(env, func() { mustApply(t, env, spec) }); m != 0 {
		t.Errorf("apply after adopt made %d mutating requests, want 0", m)
	}
	if got := outputs(t, env, StepLoadBalancer); !maps.Equal(got, want) {
		t.Errorf("outputs after adopt:\n%v\nwant\n%v", got, want)
	}
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatal(err)
	}
	mustHaveNoEdge(t, env)
}
