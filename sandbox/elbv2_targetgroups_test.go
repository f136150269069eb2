package sandbox

import (
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestCreateTargetGroupHasAWSDefaults(t *testing.T) {
	f := newELBFixture(t)
	tg := f.targetGroup("app")
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/[0-9a-f]{16}$`).MatchString(aws.ToString(tg.TargetGroupArn)) {
		t.Errorf("ARN = %s", aws.ToString(tg.TargetGroupArn))
	}
	want := elbtypes.TargetGroup{
		HealthCheckIntervalSeconds: aws.Int32(30), HealthCheckTimeoutSeconds: aws.Int32(5),
		HealthyThresholdCount: aws.Int32(5), UnhealthyThresholdCount: aws.Int32(2),
	}
	if aws.ToInt32(tg.HealthCheckIntervalSeconds) != 30 || aws.ToInt32(tg.HealthCheckTimeoutSeconds) != 5 ||
		aws.ToInt32(tg.HealthyThresholdCount) != 5 || aws.ToInt32(tg.UnhealthyThresholdCount) != 2 ||
		aws.ToString(tg.HealthCheckPath) != "/" || aws.ToString(tg.Matcher.HttpCode) != "200" ||
		aws.ToString(tg.HealthCheckPort) != "traffic-port" || tg.HealthCheckProtocol != elbtypes.ProtocolEnumHttp ||
		!aws.ToBool(tg.HealthCheckEnabled) || tg.TargetType != elbtypes.TargetTypeEnumInstance || aws.ToString(tg.VpcId) != f.vpcID ||
		len(tg.LoadBalancerArns) != 0 || aws.ToString(tg.ProtocolVersion) != "HTTP1" {
		t.Errorf("target group = %+v, want AWS's defaults like %+v", tg, want)
	}
	attrs := must[*elb.DescribeTargetGroupAttributesOutput](t)(f.elb.DescribeTargetGroupAttributes(testCtx(t), &elb.DescribeTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn}))
	found := false
	for _, a := range attrs.Attributes {
		if aws.ToString(a.Key) == "deregistration_delay.timeout_seconds" {
			found = aws.ToString(a.Value) == "300"
		}
	}
	if !found {
		t.Errorf("attributes %+v lack deregistration_delay.timeout_seconds=300", attrs.Attributes)
	}
}

func TestCreateTargetGroupValidation(t *testing.T) {
	f := newELBFixture(t)
	f.targetGroup("taken")
	hc := func(mod func(*elb.CreateTargetGroupInput)) elb.CreateTargetGroupInput {
		in := elb.CreateTargetGroupInput{Name: aws.String("tg"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(appPort), VpcId: aws.String(f.vpcID)}
		mod(&in)
		return in
	}
	cases := []struct {
		name    string
		in      elb.CreateTargetGroupInput
		code    string
		message string
	}{
		{"interval 4", hc(func(in *elb.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = aws.Int32(4) }), "ValidationError", "between 5 and 300"},
		{"interval 301", hc(func(in *elb.CreateTargetGroupInput) { in.HealthCheckIntervalSeconds = aws.Int32(301) }), "ValidationError", "between 5 and 300"},
		{"timeout 1", hc(func(in *elb.CreateTargetGroupInput) { in.HealthCheckTimeoutSeconds = aws.Int32(1) }), "ValidationError", "between 2 and 120"},
		{"timeout equal to interval", hc(func(in *elb.CreateTargetGroupInput) {
			in.HealthCheckIntervalSeconds, in.HealthCheckTimeoutSeconds = aws.Int32(10), aws.Int32(10)
		}), "ValidationError", "smaller than the interval"},
		{"healthy threshold 1", hc(func(in *elb.CreateTargetGroupInput) { in.HealthyThresholdCount = aws.Int32(1) }), "ValidationError", "between 2 and 10"},
		{"unhealthy threshold 11", hc(func(in *elb.CreateTargetGroupInput) { in.UnhealthyThresholdCount = aws.Int32(11) }), "ValidationError", "between 2 and 10"},
		{"matcher 600", hc(func(in *elb.CreateTargetGroupInput) { in.Matcher = &elbtypes.Matcher{HttpCode: aws.String("600")} }), "ValidationError", "matcher"},
		{"matcher backwards range", hc(func(in *elb.CreateTargetGroupInput) { in.Matcher = &elbtypes.Matcher{HttpCode: aws.String("299-200")} }), "ValidationError", "matcher"},
		{"path without slash", hc(func(in *elb.CreateTargetGroupInput) { in.HealthCheckPath = aws.String("health") }), "ValidationError", "begin with '/'"},
		{"health checks off", hc(func(in *elb.CreateTargetGroupInput) { in.HealthCheckEnabled = aws.Bool(false) }), "ValidationError", "cannot be disabled"},
		{"name of 33 characters", hc(func(in *elb.CreateTargetGroupInput) { in.Name = aws.String(strings.Repeat("t", 33)) }), "ValidationError", "longer than '32'"},
		{"name with a dot", hc(func(in *elb.CreateTargetGroupInput) { in.Name = aws.String("app.v2") }), "ValidationError", "alphanumeric"},
		{"unknown VPC", hc(func(in *elb.CreateTargetGroupInput) { in.VpcId = aws.String("vpc-0123456789abcdef0") }), "ValidationError", "not found"},
		{"TCP protocol", hc(func(in *elb.CreateTargetGroupInput) { in.Protocol = elbtypes.ProtocolEnumTcp }), "ValidationError", "HTTP or HTTPS"},
		{"no port", hc(func(in *elb.CreateTargetGroupInput) { in.Port = nil }), "ValidationError", "port"},
		{"taken name, other port", hc(func(in *elb.CreateTargetGroupInput) { in.Name, in.Port = aws.String("taken"), aws.Int32(8080) }), "DuplicateTargetGroupName", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.elb.CreateTargetGroup(testCtx(t), &tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("message %q does not say %q", err, tc.message)
			}
		})
	}
	again := f.targetGroup("taken")
	out := must[*elb.DescribeTargetGroupsOutput](t)(f.elb.DescribeTargetGroups(testCtx(t), &elb.DescribeTargetGroupsInput{}))
	if len(out.TargetGroups) != 1 || aws.ToString(out.TargetGroups[0].TargetGroupArn) != aws.ToString(again.TargetGroupArn) {
		t.Errorf("after failed creates and an identical one: %d groups, want the one", len(out.TargetGroups))
	}
}

func TestModifyTargetGroupChangesTheHealthCheckWithinAWSRanges(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	tg := f.targetGroup("app")
	out := must[*elb.ModifyTargetGroupOutput](t)(f.elb.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: tg.TargetGroupArn,
		HealthCheckPath: aws.String("/healthz"), HealthCheckIntervalSeconds: aws.Int32(10), HealthyThresholdCount: aws.Int32(3),
		Matcher: &elbtypes.Matcher{HttpCode: aws.String("200-299")}}))
	got := out.TargetGroups[0]
	if aws.ToString(got.HealthCheckPath) != "/healthz" || aws.ToInt32(got.HealthCheckIntervalSeconds) != 10 || aws.ToInt32(got.HealthyThresholdCount) != 3 ||
		aws.ToString(got.Matcher.HttpCode) != "200-299" || aws.ToInt32(got.HealthCheckTimeoutSeconds) != 5 {
		t.Errorf("modified group = %+v", got)
	}
	// The timeout must stay below the interval, checked against what is kept.
	_, err := f.elb.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: tg.TargetGroupArn, HealthCheckTimeoutSeconds: aws.Int32(10)})
	wantCode(t, err, "ValidationError")
	_, err = f.elb.ModifyTargetGroup(ctx, &elb.ModifyTargetGroupInput{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef")})
	wantCode(t, err, "TargetGroupNotFound")

	_, err = f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("3601")}}})
	wantCode(t, err, "ValidationError")
	must[*elb.ModifyTargetGroupAttributesOutput](t)(f.elb.ModifyTargetGroupAttributes(ctx, &elb.ModifyTargetGroupAttributesInput{TargetGroupArn: tg.TargetGroupArn,
		Attributes: []elbtypes.TargetGroupAttribute{{Key: aws.String("deregistration_delay.timeout_seconds"), Value: aws.String("30")}}}))
}

func TestDescribeTargetGroupsByNameByLoadBalancerAndInPages(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	used := f.targetGroup("used")
	for _, n := range []string{"spare1", "spare2", "spare3"} {
		f.targetGroup(n)
	}
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(used.TargetGroupArn), 80)

	byLB := must[*elb.DescribeTargetGroupsOutput](t)(f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{LoadBalancerArn: lb.LoadBalancerArn}))
	if len(byLB.TargetGroups) != 1 || aws.ToString(byLB.TargetGroups[0].TargetGroupName) != "used" ||
		len(byLB.TargetGroups[0].LoadBalancerArns) != 1 || byLB.TargetGroups[0].LoadBalancerArns[0] != aws.ToString(lb.LoadBalancerArn) {
		t.Errorf("groups of the load balancer = %+v", byLB.TargetGroups)
	}
	byName := must[*elb.DescribeTargetGroupsOutput](t)(f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"spare2"}}))
	if len(byName.TargetGroups) != 1 || aws.ToString(byName.TargetGroups[0].TargetGroupName) != "spare2" {
		t.Errorf("by name = %+v", byName.TargetGroups)
	}
	_, err := f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{Names: []string{"missing"}})
	wantCode(t, err, "TargetGroupNotFound")

	p := elb.NewDescribeTargetGroupsPaginator(f.elb, &elb.DescribeTargetGroupsInput{PageSize: aws.Int32(3)})
	total, pages := 0, 0
	for p.HasMorePages() {
		out := must[*elb.DescribeTargetGroupsOutput](t)(p.NextPage(ctx))
		total += len(out.TargetGroups)
		pages++
	}
	if total != 4 || pages != 2 {
		t.Errorf("paged listing: %d groups in %d pages, want 4 in 2", total, pages)
	}
}

func TestDeleteTargetGroupUsedByAListenerIsResourceInUse(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app")
	l := f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	_, err := f.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn})
	wantCode(t, err, "ResourceInUse")
	must[*elb.DeleteListenerOutput](t)(f.elb.DeleteListener(ctx, &elb.DeleteListenerInput{ListenerArn: l.ListenerArn}))
	must[*elb.DeleteTargetGroupOutput](t)(f.elb.DeleteTargetGroup(ctx, &elb.DeleteTargetGroupInput{TargetGroupArn: tg.TargetGroupArn}))
	_, err = f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{aws.ToString(tg.TargetGroupArn)}})
	wantCode(t, err, "TargetGroupNotFound")
}

func TestTagsOnLoadBalancersTargetGroupsAndListeners(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web", func(in *elb.CreateLoadBalancerInput) {
		in.Tags = []elbtypes.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("demo")}}
	})
	tg := f.targetGroup("app")
	l := f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	arns := []string{aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), aws.ToString(l.ListenerArn)}
	must[*elb.AddTagsOutput](t)(f.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns, Tags: []elbtypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}))
	must[*elb.RemoveTagsOutput](t)(f.elb.RemoveTags(ctx, &elb.RemoveTagsInput{ResourceArns: arns[:1], TagKeys: []string{"stackwiz:stack"}}))
	out := must[*elb.DescribeTagsOutput](t)(f.elb.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: arns}))
	if len(out.TagDescriptions) != 3 {
		t.Fatalf("%d tag descriptions, want 3", len(out.TagDescriptions))
	}
	for _, d := range out.TagDescriptions {
		if len(d.Tags) != 1 || aws.ToString(d.Tags[0].Key) != "env" || aws.ToString(d.Tags[0].Value) != "test" {
			t.Errorf("tags of %s = %+v, want only env=test", aws.ToString(d.ResourceArn), d.Tags)
		}
	}
	_, err := f.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns[:1], Tags: []elbtypes.Tag{{Key: aws.String("k"), Value: aws.String("1")}, {Key: aws.String("k"), Value: aws.String("2")}}})
	wantCode(t, err, "DuplicateTagKeys")
	many := make([]elbtypes.Tag, 50)
	for i := range many {
		many[i] = elbtypes.Tag{Key: aws.String("k" + string(rune('A'+i%26)) + string(rune('a'+i/26))), Value: aws.String("v")}
	}
	_, err = f.elb.AddTags(ctx, &elb.AddTagsInput{ResourceArns: arns[:1], Tags: many})
	wantCode(t, err, "TooManyTags")
	_, err = f.elb.DescribeTags(ctx, &elb.DescribeTagsInput{ResourceArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/gone/0123456789abcdef"}})
	wantCode(t, err, "LoadBalancerNotFound")
}

func TestDescribeSSLPoliciesAndAccountLimits(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	out := must[*elb.DescribeSSLPoliciesOutput](t)(f.elb.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-TLS13-1-2-2021-06"}}))
	if len(out.SslPolicies) != 1 || !sameSet(out.SslPolicies[0].SslProtocols, []string{"TLSv1.2", "TLSv1.3"}) || len(out.SslPolicies[0].Ciphers) == 0 {
		t.Errorf("policy = %+v", out.SslPolicies)
	}
	_, err := f.elb.DescribeSSLPolicies(ctx, &elb.DescribeSSLPoliciesInput{Names: []string{"ELBSecurityPolicy-Nope"}})
	wantCode(t, err, "SSLPolicyNotFound")
	limits := must[*elb.DescribeAccountLimitsOutput](t)(f.elb.DescribeAccountLimits(ctx, &elb.DescribeAccountLimitsInput{}))
	found := false
	for _, l := range limits.Limits {
		found = found || (aws.ToString(l.Name) == "application-load-balancers" && aws.ToString(l.Max) == "50")
	}
	if !found {
		t.Errorf("limits %+v lack application-load-balancers=50", limits.Limits)
	}
}
