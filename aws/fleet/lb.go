package fleet

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/stackwiz/stackwiz/aws"
)

// loadBalancer reads the load balancer part: the load balancer, its target
// group's health check, its listeners and their rules. The listeners'
// certificates (ACM) and the alias record (Route 53) are parts of their
// own, read after it (certificates, record): another service, another
// permission.
func (rd *reader) loadBalancer(ctx context.Context) (*LB, error) {
	lb, err := rd.f.describeLB(ctx, rd.t.LoadBalancerARN, rd.call)
	if err != nil {
		return nil, err
	}
	lb.ReadAt = rd.now
	if rd.t.TargetGroupARN != "" {
		rd.call()
		out, err := rd.f.elb.DescribeTargetGroups(ctx, &elb.DescribeTargetGroupsInput{TargetGroupArns: []string{rd.t.TargetGroupARN}})
		if err != nil {
			return nil, fmt.Errorf("describe target group %s: %w", rd.t.TargetGroupARN, err)
		}
		if len(out.TargetGroups) > 0 {
			lb.HealthCheck = healthCheckOf(out.TargetGroups[0])
		}
	}
	rd.call()
	ls, err := rd.f.elb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: sdk.String(rd.t.LoadBalancerARN)})
	if err != nil {
		return nil, fmt.Errorf("describe listeners of %s: %w", lb.Name, err)
	}
	for _, l := range ls.Listeners {
		li := Listener{ARN: sdk.ToString(l.ListenerArn), Protocol: string(l.Protocol), Port: int(sdk.ToInt32(l.Port)), Default: actionsText(l.DefaultActions)}
		for _, c := range l.Certificates {
			li.CertificateARNs = append(li.CertificateARNs, sdk.ToString(c.CertificateArn))
		}
		if len(li.CertificateARNs) > 0 {
			li.CertificateARN = li.CertificateARNs[0]
		}
		rd.call()
		rules, err := rd.f.elb.DescribeRules(ctx, &elb.DescribeRulesInput{ListenerArn: l.ListenerArn})
		if err != nil {
			return nil, fmt.Errorf("describe rules of listener %s:%d: %w", li.Protocol, li.Port, err)
		}
		for _, r := range rules.Rules {
			if sdk.ToBool(r.IsDefault) {
				continue
			}
			li.Rules = append(li.Rules, Rule{Priority: sdk.ToString(r.Priority), Conditions: conditionsText(r.Conditions), Actions: actionsText(r.Actions)})
		}
		lb.Listeners = append(lb.Listeners, li)
	}
	sort.Slice(lb.Listeners, func(i, j int) bool { return lb.Listeners[i].Port < lb.Listeners[j].Port })
	return lb, nil
}

// certificates reads the certificates lb's listeners serve: one
// DescribeCertificate each.
func (rd *reader) certificates(ctx context.Context, lb *LB) ([]Cert, error) {
	certs := map[string]bool{}
	for _, l := range lb.Listeners {
		for _, arn := range l.CertificateARNs {
			certs[arn] = true
		}
	}
	arns := make([]string, 0, len(certs))
	for arn := range certs {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	var out []Cert
	for _, arn := range arns {
		rd.call()
		d, err := rd.f.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: sdk.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("describe certificate %s: %w", arn, err)
		}
		c := d.Certificate
		out = append(out, Cert{
			ARN: arn, Domain: sdk.ToString(c.DomainName), Status: string(c.Status),
			NotAfter: sdk.ToTime(c.NotAfter), RenewalEligibility: string(c.RenewalEligibility),
		})
	}
	return out, nil
}

// describeLB reads one load balancer's identity and state.
func (f *Fleet) describeLB(ctx context.Context, arn string, count func()) (*LB, error) {
	count()
	out, err := f.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil {
		return nil, fmt.Errorf("describe load balancer %s: %w", arn, err)
	}
	if len(out.LoadBalancers) == 0 {
		return nil, fmt.Errorf("describe load balancer %s: not found", arn)
	}
	l := out.LoadBalancers[0]
	lb := &LB{
		ARN: arn, Name: sdk.ToString(l.LoadBalancerName), DNSName: sdk.ToString(l.DNSName),
		CanonicalZoneID: sdk.ToString(l.CanonicalHostedZoneId), Scheme: string(l.Scheme), IPAddressType: string(l.IpAddressType),
	}
	if l.State != nil {
		lb.State, lb.StateReason = string(l.State.Code), sdk.ToString(l.State.Reason)
	}
	return lb, nil
}

// LoadBalancerAlias reads what a Route 53 alias to the load balancer arn
// needs: its DNS name, canonical hosted zone and whether it is dualstack.
func (f *Fleet) LoadBalancerAlias(ctx context.Context, arn string) (SwitchTarget, error) {
	lb, err := f.describeLB(ctx, arn, func() {})
	if err != nil {
		return SwitchTarget{}, err
	}
	return SwitchTarget{DNSName: lb.DNSName, ZoneID: lb.CanonicalZoneID, DualStack: strings.HasPrefix(lb.IPAddressType, "dualstack")}, nil
}

func healthCheckOf(tg elbtypes.TargetGroup) HealthCheck {
	hc := HealthCheck{
		Protocol: string(tg.HealthCheckProtocol), Port: sdk.ToString(tg.HealthCheckPort), Path: sdk.ToString(tg.HealthCheckPath),
		Interval:  time.Duration(sdk.ToInt32(tg.HealthCheckIntervalSeconds)) * time.Second,
		Timeout:   time.Duration(sdk.ToInt32(tg.HealthCheckTimeoutSeconds)) * time.Second,
		Healthy:   int(sdk.ToInt32(tg.HealthyThresholdCount)),
		Unhealthy: int(sdk.ToInt32(tg.UnhealthyThresholdCount)),
	}
	if tg.Matcher != nil {
		hc.Matcher = sdk.ToString(tg.Matcher.HttpCode)
	}
	return hc
}

// arnName returns the name part of an ELB ARN (".../targetgroup/name/id").
func arnName(arn string) string { return aws.ELBName(arn) }

// actionsText puts listener actions in words.
func actionsText(actions []elbtypes.Action) string {
	var out []string
	for _, a := range actions {
		switch a.Type {
		case elbtypes.ActionTypeEnumForward:
			var tgs []string
			if a.ForwardConfig != nil && len(a.ForwardConfig.TargetGroups) > 0 {
				for _, t := range a.ForwardConfig.TargetGroups {
					s := arnName(sdk.ToString(t.TargetGroupArn))
					if len(a.ForwardConfig.TargetGroups) > 1 {
						s += fmt.Sprintf(" (weight %d)", sdk.ToInt32(t.Weight))
					}
					tgs = append(tgs, s)
				}
			} else {
				tgs = append(tgs, arnName(sdk.ToString(a.TargetGroupArn)))
			}
			out = append(out, "forward to "+strings.Join(tgs, ", "))
		case elbtypes.ActionTypeEnumRedirect:
			r := a.RedirectConfig
			if r == nil {
				out = append(out, "redirect")
				break
			}
			out = append(out, fmt.Sprintf("redirect to %s:%s (%s)", sdk.ToString(r.Protocol), sdk.ToString(r.Port), strings.TrimPrefix(string(r.StatusCode), "HTTP_")))
		case elbtypes.ActionTypeEnumFixedResponse:
			code := ""
			if a.FixedResponseConfig != nil {
				code = " " + sdk.ToString(a.FixedResponseConfig.StatusCode)
			}
			out = append(out, "fixed response"+code)
		default:
			out = append(out, string(a.Type))
		}
	}
	return strings.Join(out, "; ")
}

// conditionsText puts rule conditions in words.
func conditionsText(conds []elbtypes.RuleCondition) string {
	var out []string
	for _, c := range conds {
		vals := c.Values
		switch {
		case c.PathPatternConfig != nil:
			vals = c.PathPatternConfig.Values
		case c.HostHeaderConfig != nil:
			vals = c.HostHeaderConfig.Values
		}
		out = append(out, sdk.ToString(c.Field)+" "+strings.Join(vals, ","))
	}
	return strings.Join(out, " and ")
}

// record reads the alias record name in zone, or nil when there is no A
// or AAAA record by that name.
func (f *Fleet) record(ctx context.Context, zone, name string, count func()) (*Record, error) {
	sets, err := f.recordSets(ctx, zone, name, count)
	if err != nil {
		return nil, err
	}
	return recordOf(zone, name, sets), nil
}

// recordSets reads the A and AAAA record sets of name in zone: one
// ListResourceRecordSets from the name's A record (A sorts before AAAA).
func (f *Fleet) recordSets(ctx context.Context, zone, name string, count func()) ([]r53types.ResourceRecordSet, error) {
	count()
	fqdn := fqdnOf(name)
	out, err := f.dns.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId: sdk.String(zone), StartRecordName: sdk.String(fqdn), StartRecordType: r53types.RRTypeA, MaxItems: sdk.Int32(2),
	})
	if err != nil {
		return nil, fmt.Errorf("read record %s in zone %s: %w", fqdn, zone, err)
	}
	var sets []r53types.ResourceRecordSet
	for _, rs := range out.ResourceRecordSets {
		if fqdnOf(sdk.ToString(rs.Name)) == fqdn && (rs.Type == r53types.RRTypeA || rs.Type == r53types.RRTypeAaaa) {
			sets = append(sets, rs)
		}
	}
	return sets, nil
}

func recordOf(zone, name string, sets []r53types.ResourceRecordSet) *Record {
	if len(sets) == 0 {
		return nil
	}
	rec := &Record{ZoneID: zone, Name: fqdnOf(name)}
	for _, rs := range sets {
		rec.Types = append(rec.Types, string(rs.Type))
		if rs.Type == r53types.RRTypeA && rs.AliasTarget != nil {
			rec.TargetDNS = strings.TrimSuffix(sdk.ToString(rs.AliasTarget.DNSName), ".")
			rec.TargetZoneID = sdk.ToString(rs.AliasTarget.HostedZoneId)
			rec.EvaluateTargetHealth = rs.AliasTarget.EvaluateTargetHealth
		}
	}
	return rec
}

// canonicalName lowercases a DNS name and gives it its final dot.
func fqdnOf(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

func sortTargets(ts []Target) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
}
