package sandbox

import (
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestHTTPListenerForwardsAndHasADefaultRule(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app")
	l := f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/[0-9a-f]{16}/[0-9a-f]{16}$`).MatchString(aws.ToString(l.ListenerArn)) {
		t.Errorf("listener ARN = %s", aws.ToString(l.ListenerArn))
	}
	a := l.DefaultActions[0]
	if a.Type != elbtypes.ActionTypeEnumForward || aws.ToString(a.TargetGroupArn) != aws.ToString(tg.TargetGroupArn) ||
		a.ForwardConfig == nil || len(a.ForwardConfig.TargetGroups) != 1 || aws.ToInt32(a.ForwardConfig.TargetGroups[0].Weight) != 1 {
		t.Errorf("default action = %+v", a)
	}
	rules := must[*elb.DescribeRulesOutput](t)(f.elb.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn}))
	if len(rules.Rules) != 1 || !aws.ToBool(rules.Rules[0].IsDefault) || aws.ToString(rules.Rules[0].Priority) != "default" ||
		aws.ToString(rules.Rules[0].Actions[0].TargetGroupArn) != aws.ToString(tg.TargetGroupArn) ||
		!regexp.MustCompile(`:listener-rule/app/web/[0-9a-f]{16}/[0-9a-f]{16}/[0-9a-f]{16}$`).MatchString(aws.ToString(rules.Rules[0].RuleArn)) {
		t.Errorf("rules = %+v", rules.Rules)
	}
	byLB := must[*elb.DescribeListenersOutput](t)(f.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if len(byLB.Listeners) != 1 || aws.ToInt32(byLB.Listeners[0].Port) != 80 || byLB.Listeners[0].Protocol != elbtypes.ProtocolEnumHttp {
		t.Errorf("listeners = %+v", byLB.Listeners)
	}
	_, err := f.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{})
	wantCode(t, err, "ValidationError")

	// Move it to 8080 and make it answer 503 itself.
	mod := must[*elb.ModifyListenerOutput](t)(f.elb.ModifyListener(ctx, &elb.ModifyListenerInput{ListenerArn: l.ListenerArn, Port: aws.Int32(8080),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{
			StatusCode: aws.String("503"), ContentType: aws.String("text/plain"), MessageBody: aws.String("down for maintenance")}}}}))
	got := mod.Listeners[0]
	if aws.ToInt32(got.Port) != 8080 || got.DefaultActions[0].FixedResponseConfig == nil || aws.ToString(got.DefaultActions[0].FixedResponseConfig.MessageBody) != "down for maintenance" {
		t.Errorf("modified listener = %+v", got)
	}
	// The group is no longer in use, so it can go.
	must[*elb.DeleteTargetGroupOutput](t)(f.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}))
	must[*elb.DeleteListenerOutput](t)(f.elb.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn}))
	_, err = f.elb.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn})
	wantCode(t, err, "ListenerNotFound")
}

func TestCreateListenerValidation(t *testing.T) {
	f := newELBFixture(t)
	lb := f.loadBalancer("web")
	other := f.loadBalancer("other")
	tg := f.targetGroup("app")
	elsewhere := f.targetGroup("elsewhere")
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	f.forwardListener(aws.ToString(other.LoadBalancerArn), aws.ToString(elsewhere.TargetGroupArn), 80)
	pending := must[*acmRequest](t)(f.requestCertificate("pending.example.com"))

	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroupArn}}
	in := func(protocol elbtypes.ProtocolEnum, port int32, mod ...func(*elb.CreateListenerInput)) elb.CreateListenerInput {
		x := elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancerArn, Protocol: protocol, Port: aws.Int32(port), DefaultActions: forward}
		for _, m := range mod {
			m(&x)
		}
		return x
	}
	redirect := func(rc elbtypes.RedirectActionConfig) func(*elb.CreateListenerInput) {
		return func(x *elb.CreateListenerInput) {
			x.DefaultActions = []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &rc}}
		}
	}
	certs := func(arn string) func(*elb.CreateListenerInput) {
		return func(x *elb.CreateListenerInput) {
			x.Certificates = []elbtypes.Certificate{{CertificateArn: aws.String(arn)}}
		}
	}
	cases := []struct {
		name string
		in   elb.CreateListenerInput
		code string
	}{
		{"port already taken with other settings", in(elbtypes.ProtocolEnumHttp, 80, redirect(elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301})), "DuplicateListener"},
		{"HTTPS without a certificate", in(elbtypes.ProtocolEnumHttps, 443), "ValidationError"},
		{"HTTPS with an unknown certificate", in(elbtypes.ProtocolEnumHttps, 443, certs("arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000")), "CertificateNotFound"},
		{"HTTPS with a certificate not yet issued", in(elbtypes.ProtocolEnumHttps, 443, certs(pending.arn)), "UnsupportedCertificate"},
		{"TCP on an application load balancer", in(elbtypes.ProtocolEnumTcp, 81), "IncompatibleProtocols"},
		{"redirect with status code 303", in(elbtypes.ProtocolEnumHttp, 81, redirect(elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: "HTTP_303"})), "ValidationError"},
		{"redirect to itself", in(elbtypes.ProtocolEnumHttp, 81, redirect(elbtypes.RedirectActionConfig{StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301})), "InvalidLoadBalancerAction"},
		{"group of another load balancer", in(elbtypes.ProtocolEnumHttp, 81, func(x *elb.CreateListenerInput) {
			x.DefaultActions = []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: elsewhere.TargetGroupArn}}
		}), "TargetGroupAssociationLimit"},
		{"unknown target group", in(elbtypes.ProtocolEnumHttp, 81, func(x *elb.CreateListenerInput) {
			x.DefaultActions = []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef")}}
		}), "TargetGroupNotFound"},
		{"unknown SSL policy", in(elbtypes.ProtocolEnumHttp, 81, func(x *elb.CreateListenerInput) { x.SslPolicy = aws.String("ELBSecurityPolicy-Nope") }), "SSLPolicyNotFound"},
		{"unknown load balancer", in(elbtypes.ProtocolEnumHttp, 81, func(x *elb.CreateListenerInput) {
			x.LoadBalancerArn = aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0123456789abcdef")
		}), "LoadBalancerNotFound"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.elb.CreateListener(testCtx(t), &tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestHTTPSListenerWithAnIssuedCertificateAndAnHTTPRedirect(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app")
	cert := must[*acmRequest](t)(f.requestCertificate("www.example.com"))
	f.validate(cert)

	https := must[*elb.CreateListenerOutput](t)(f.elb.CreateListener(ctx, &elb.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
		Certificates:   []elbtypes.Certificate{{CertificateArn: aws.String(cert.arn)}},
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroupArn}},
	})).Listeners[0]
	if aws.ToString(https.SslPolicy) != "ELBSecurityPolicy-TLS13-1-2-2021-06" || len(https.Certificates) != 1 || aws.ToString(https.Certificates[0].CertificateArn) != cert.arn {
		t.Errorf("HTTPS listener = %+v", https)
	}
	http := must[*elb.CreateListenerOutput](t)(f.elb.CreateListener(ctx, &elb.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{
			Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}},
	})).Listeners[0]
	rc := http.DefaultActions[0].RedirectConfig
	if rc == nil || aws.ToString(rc.Protocol) != "HTTPS" || aws.ToString(rc.Port) != "443" || aws.ToString(rc.Host) != "#{host}" ||
		aws.ToString(rc.Path) != "/#{path}" || aws.ToString(rc.Query) != "#{query}" || rc.StatusCode != elbtypes.RedirectActionStatusCodeEnumHttp301 {
		t.Errorf("redirect = %+v", rc)
	}
	// ACM knows who uses the certificate and will not delete it.
	if got := f.describeCertificate(cert.arn).InUseBy; len(got) != 1 || got[0] != aws.ToString(lb.LoadBalancerArn) {
		t.Errorf("InUseBy = %v, want the load balancer", got)
	}
	wantCode(t, f.deleteCertificate(cert.arn), "ResourceInUseException")
	must[*elb.DeleteLoadBalancerOutput](t)(f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if err := f.deleteCertificate(cert.arn); err != nil {
		t.Fatalf("DeleteCertificate once its load balancer is gone: %v", err)
	}
}

func TestWeightedForwardPutsBothGroupsInUseByTheLoadBalancer(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	blue, green := f.targetGroup("blue"), f.targetGroup("green")
	l := must[*elb.CreateListenerOutput](t)(f.elb.CreateListener(ctx, &elb.CreateListenerInput{
		LoadBalancerArn: lb.LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{
			TargetGroups: []elbtypes.TargetGroupTuple{{TargetGroupArn: blue.TargetGroupArn, Weight: aws.Int32(90)}, {TargetGroupArn: green.TargetGroupArn, Weight: aws.Int32(10)}},
		}}},
	})).Listeners[0]
	fc := l.DefaultActions[0].ForwardConfig
	if fc == nil || len(fc.TargetGroups) != 2 || aws.ToInt32(fc.TargetGroups[0].Weight) != 90 || aws.ToInt32(fc.TargetGroups[1].Weight) != 10 || l.DefaultActions[0].TargetGroupArn != nil {
		t.Errorf("weighted forward = %+v", l.DefaultActions[0])
	}
	groups := must[*elb.DescribeTargetGroupsOutput](t)(f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if len(groups.TargetGroups) != 2 {
		t.Errorf("%d groups in use by the load balancer, want blue and green", len(groups.TargetGroups))
	}
	_, err := f.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: green.TargetGroupArn})
	wantCode(t, err, "ResourceInUse")
}

func TestInventoryListsLoadBalancingAndCertificatesUntilDeleted(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web", func(in *elb.CreateLoadBalancerInput) {
		in.Tags = []elbtypes.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("demo")}}
	})
	tg := f.targetGroup("app")
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	cert := must[*acmRequest](t)(f.requestCertificate("www.example.com"))
	count := func() map[string]int {
		n := map[string]int{}
		for _, it := range f.Inventory() {
			n[it.Type]++
			if it.Type == "elbv2:loadbalancer" && (it.Tags["stackwiz:stack"] != "demo" || it.Name != "web" || it.Region != "us-east-1") {
				t.Errorf("inventory item = %+v", it)
			}
		}
		return n
	}
	if n := count(); n["elbv2:loadbalancer"] != 1 || n["elbv2:targetgroup"] != 1 || n["elbv2:listener"] != 1 || n["acm:certificate"] != 1 {
		t.Errorf("inventory = %v", n)
	}
	must[*elb.DeleteLoadBalancerOutput](t)(f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn}))
	must[*elb.DeleteTargetGroupOutput](t)(f.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}))
	if err := f.deleteCertificate(cert.arn); err != nil {
		t.Fatal(err)
	}
	if n := count(); n["elbv2:loadbalancer"]+n["elbv2:targetgroup"]+n["elbv2:listener"]+n["acm:certificate"] != 0 {
		t.Errorf("inventory after deleting everything = %v", n)
	}
}
