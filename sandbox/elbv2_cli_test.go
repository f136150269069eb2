package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestAWSCLIDescribesLoadBalancingAndCertificates(t *testing.T) {
	t.Parallel() // the CLI's start-up is wall time, not CPU
	f := newELBFixture(t)
	lb := f.loadBalancer("cli-alb")
	tg := f.targetGroup("cli-tg")
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	id := f.appInstance(f.appSG)
	must[*elb.RegisterTargetsOutput](t)(f.elb.RegisterTargets(testCtx(t), &elb.RegisterTargetsInput{
		TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}))
	cert := must[*acmRequest](t)(f.requestCertificate("cli.example.com"))

	var lbs struct {
		LoadBalancers []struct {
			LoadBalancerName, DNSName, CanonicalHostedZoneId string
			State                                            struct{ Code string }
		}
	}
	awsCLI(t, f.netFixture, &lbs, "elbv2", "describe-load-balancers", "--names", "cli-alb")
	if len(lbs.LoadBalancers) != 1 || lbs.LoadBalancers[0].DNSName != aws.ToString(lb.DNSName) || lbs.LoadBalancers[0].CanonicalHostedZoneId != "Z35SXDOTRQ7X7K" || lbs.LoadBalancers[0].State.Code != "active" {
		t.Errorf("describe-load-balancers = %+v", lbs)
	}
	var tgs struct {
		TargetGroups []struct {
			TargetGroupName  string
			LoadBalancerArns []string
			Matcher          struct{ HttpCode string }
		}
	}
	awsCLI(t, f.netFixture, &tgs, "elbv2", "describe-target-groups", "--load-balancer-arn", aws.ToString(lb.LoadBalancerArn))
	if len(tgs.TargetGroups) != 1 || tgs.TargetGroups[0].TargetGroupName != "cli-tg" || tgs.TargetGroups[0].Matcher.HttpCode != "200" {
		t.Errorf("describe-target-groups = %+v", tgs)
	}
	var health struct {
		TargetHealthDescriptions []struct {
			Target       struct{ Id string }
			TargetHealth struct{ State, Reason string }
		}
	}
	awsCLI(t, f.netFixture, &health, "elbv2", "describe-target-health", "--target-group-arn", aws.ToString(tg.TargetGroupArn))
	if len(health.TargetHealthDescriptions) != 1 || health.TargetHealthDescriptions[0].Target.Id != id || health.TargetHealthDescriptions[0].TargetHealth.State == "" {
		t.Errorf("describe-target-health = %+v", health)
	}
	var listeners struct {
		Listeners []struct {
			Port           int
			DefaultActions []struct{ Type, TargetGroupArn string }
		}
	}
	awsCLI(t, f.netFixture, &listeners, "elbv2", "describe-listeners", "--load-balancer-arn", aws.ToString(lb.LoadBalancerArn))
	if len(listeners.Listeners) != 1 || listeners.Listeners[0].Port != 80 || listeners.Listeners[0].DefaultActions[0].TargetGroupArn != aws.ToString(tg.TargetGroupArn) {
		t.Errorf("describe-listeners = %+v", listeners)
	}
	var described struct {
		Certificate struct {
			CertificateArn, DomainName, Status string
			CreatedAt                          any // epoch seconds or ISO 8601, by CLI version
		}
	}
	awsCLI(t, f.netFixture, &described, "acm", "describe-certificate", "--certificate-arn", cert.arn)
	if described.Certificate.CertificateArn != cert.arn || described.Certificate.Status != "PENDING_VALIDATION" || described.Certificate.CreatedAt == nil {
		t.Errorf("acm describe-certificate = %+v", described)
	}
	var listed struct {
		CertificateSummaryList []struct{ CertificateArn string }
	}
	awsCLI(t, f.netFixture, &listed, "acm", "list-certificates")
	if len(listed.CertificateSummaryList) != 1 || listed.CertificateSummaryList[0].CertificateArn != cert.arn {
		t.Errorf("acm list-certificates = %+v", listed)
	}
}
