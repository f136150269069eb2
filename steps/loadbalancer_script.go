package steps

import (
	"fmt"

	"github.com/stackwiz/stackwiz/spec"
)

// Script writes the load balancer, its target group and listeners as AWS
// CLI commands. It reads VPC_ID, PUBLIC_SUBNET_IDS, ALB_SG_ID and, with
// HTTPS, CERT_ARN; it sets ALB_ARN, ALB_DNS, ALB_ZONE_ID and TG_ARN.
func (loadBalancerStep) Script(s *spec.Spec, w *Script) {
	lb, tg := lbDesired(s), tgDesired(s)
	hc := s.LoadBalancer.HealthCheck
	scriptAccessLogBucket(s, w)
	w.Capture("ALB_ARN", fmt.Sprintf("aws elbv2 create-load-balancer --name %s --type application --scheme internet-facing \\\n"+
		"  --ip-address-type %s --subnets ${PUBLIC_SUBNET_IDS//,/ } --security-groups \"$ALB_SG_ID\" \\\n  --tags %s",
		shellQuote(lb.Name), lbIPAddressType(s), cliTags(s.Name, StepLoadBalancer, lb.Key, lb.Name)), "LoadBalancers[0].LoadBalancerArn")
	w.Line(`aws elbv2 wait load-balancer-available --load-balancer-arns "$ALB_ARN"`)
	scriptAccessLogs(s, w)
	if s.LoadBalancer.DropInvalidHeaderFields {
		w.Comment("Drop headers whose names are not valid HTTP (request smuggling; Security Hub ELB.4).")
		w.Line(`aws elbv2 modify-load-balancer-attributes --load-balancer-arn "$ALB_ARN" \`)
		w.Line("  --attributes Key=%s,Value=true", lbDropInvalidHeaders)
	}
	w.Comment("The alias record needs the DNS name and the load balancer's own hosted zone id.")
	w.Line(`read -r ALB_DNS ALB_ZONE_ID < <(aws elbv2 describe-load-balancers --load-balancer-arns "$ALB_ARN" \`)
	w.Line(`  --query 'LoadBalancers[0].[DNSName,CanonicalHostedZoneId]' --output text)`)
	w.Comment("A new instance takes traffic after at least %d s of passing checks (%d × %d s).",
		hc.HealthyThreshold*hc.IntervalSeconds, hc.HealthyThreshold, hc.IntervalSeconds)
	w.Capture("TG_ARN", fmt.Sprintf("aws elbv2 create-target-group --name %s --protocol HTTP --port %d --vpc-id \"$VPC_ID\" \\\n"+
		"  --target-type instance --health-check-protocol HTTP --health-check-port traffic-port --health-check-path %s \\\n"+
		"  --health-check-interval-seconds %d --health-check-timeout-seconds %d \\\n"+
		"  --healthy-threshold-count %d --unhealthy-threshold-count %d --matcher '{\"HttpCode\":\"%s\"}' \\\n  --tags %s",
		shellQuote(tg.Name), s.Instance.Port, shellQuote(hc.Path), hc.IntervalSeconds, hc.TimeoutSeconds,
		hc.HealthyThreshold, hc.UnhealthyThreshold, hc.SuccessCodes, cliTags(s.Name, StepLoadBalancer, tg.Key, tg.Name)),
		"TargetGroups[0].TargetGroupArn")
	w.Comment("AWS drains a deregistered instance for 300 s by default: every scale-in and instance refresh")
	w.Comment("would wait 5 minutes per instance. 30 s lets in-flight requests finish.")
	w.Line(`aws elbv2 modify-target-group-attributes --target-group-arn "$TG_ARN" \`)
	w.Line("  --attributes Key=deregistration_delay.timeout_seconds,Value=%s", deregistrationDelay)
	http := httpDesired(s)
	action := `Type=forward,TargetGroupArn="$TG_ARN"`
	if s.LoadBalancer.HTTPS {
		w.Comment("Plain HTTP answers with a permanent redirect to the same URL over HTTPS.")
		action = "'Type=redirect,RedirectConfig={Protocol=HTTPS,Port=443,StatusCode=HTTP_301}'"
	}
	w.Line(`aws elbv2 create-listener --load-balancer-arn "$ALB_ARN" --protocol HTTP --port 80 \`)
	w.Line("  --default-actions %s \\", action)
	w.Line("  --tags %s", cliTags(s.Name, StepLoadBalancer, http.Key, ""))
	if s.LoadBalancer.HTTPS {
		https := httpsDesired(s)
		w.Comment("%s: TLS 1.3, and TLS 1.2 for older clients (AWS's recommended policy).", tlsPolicy)
		w.Line(`aws elbv2 create-listener --load-balancer-arn "$ALB_ARN" --protocol HTTPS --port 443 \`)
		w.Line(`  --certificates CertificateArn="$CERT_ARN" --ssl-policy %s \`, tlsPolicy)
		w.Line(`  --default-actions Type=forward,TargetGroupArn="$TG_ARN" \`)
		w.Line("  --tags %s", cliTags(s.Name, StepLoadBalancer, https.Key, ""))
	}
}
