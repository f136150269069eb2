package sandbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestLoadBalancingSurvivesARestartAndItsProcessesContinue(t *testing.T) {
	dir := t.TempDir()
	withData := func(o *Options) { realistic(o); o.DataDir = dir }
	f := newELBFixture(t, withData)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app")
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	id := f.appInstance(f.appSG)
	must[*elb.RegisterTargetsOutput](t)(f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{
		TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}))
	gone := f.loadBalancer("gone", func(in *elb.CreateLoadBalancerInput) { in.SecurityGroups = []string{f.group(f.vpcID, "gone")} })
	must[*elb.DeleteLoadBalancerOutput](t)(f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: gone.LoadBalancerArn}))
	cert := must[*acmRequest](t)(f.requestCertificate("www.example.com"))
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	g := newComputeFixture(t, withData)
	api := elb.NewFromConfig(g.Cfg)
	lbs := must[*elb.DescribeLoadBalancersOutput](t)(api.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"web"}}))
	if st := lbs.LoadBalancers[0].State.Code; st != elbtypes.LoadBalancerStateEnumProvisioning {
		t.Fatalf("load balancer after restart = %s, want still provisioning", st)
	}
	_, err := g.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(gone.SecurityGroups[0])})
	wantCode(t, err, "DependencyViolation")

	g.Advance(180 * time.Second) // provisioning; the instance is running and its app answers
	h := must[*elb.DescribeTargetHealthOutput](t)(api.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn}))
	if len(h.TargetHealthDescriptions) != 1 || h.TargetHealthDescriptions[0].TargetHealth.State != elbtypes.TargetHealthStateEnumInitial {
		t.Fatalf("target after restart = %+v, want one initial target", h.TargetHealthDescriptions)
	}
	g.Advance(150 * time.Second)
	h = must[*elb.DescribeTargetHealthOutput](t)(api.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: tg.TargetGroupArn}))
	if got := h.TargetHealthDescriptions[0].TargetHealth.State; got != elbtypes.TargetHealthStateEnumHealthy {
		t.Fatalf("target after restart and five checks = %s, want healthy", got)
	}
	if _, err := g.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(gone.SecurityGroups[0])}); err != nil {
		t.Fatalf("security group of the deleted load balancer, minutes later: %v", err)
	}
	if _, err := acm.NewFromConfig(g.Cfg).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(cert.arn)}); err != nil {
		t.Fatalf("certificate after restart: %v", err)
	}
}
