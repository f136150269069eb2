package steps

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// dnsStep points dns.record at the load balancer with an alias record in
// the hosted zone (found, or created): an alias answers with the load
// balancer's current addresses, works at the zone apex, and costs no
// queries — where a CNAME to the load balancer's name cannot serve the apex.
type dnsStep struct{}

func (dnsStep) ID() StepID    { return StepDNS }
func (dnsStep) Title() string { return "DNS record" }
func (dnsStep) Why() string {
	return "The name points at the load balancer once it exists, with an alias, never a CNAME to an IP."
}
func (dnsStep) Enabled(s *spec.Spec) bool { return s.DNS.Zone != "" }
func (dnsStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepLoadBalancer}
}

// aliasTypes are the alias records the name gets: A, and AAAA when the load
// balancer also answers over IPv6.
func aliasTypes(s *spec.Spec) []string {
	if lbIPAddressType(s) == "ipv4" {
		return []string{"A"}
	}
	return []string{"A", "AAAA"}
}

func aliasKey(rtype string) string { return "dns/record/" + rtype }

func aliasDesired(s *spec.Spec, rtype string) Desired {
	name := aws.FQDN(s.DNS.Record)
	return Desired{Key: aliasKey(rtype), Type: typeRecord, Name: name + " " + rtype,
		Attrs:   map[string]string{"zone": aws.FQDN(s.DNS.Zone), "name": name, "type": rtype},
		Replace: []string{"zone", "name", "type", "zone_id"}}
}

func (dnsStep) Desired(s *spec.Spec) []Desired {
	ds := []Desired{zoneDesired(s)}
	for _, t := range aliasTypes(s) {
		ds = append(ds, aliasDesired(s, t))
	}
	return ds
}

// aliasDNSName is the alias target of a load balancer: its DNS name with
// the "dualstack." prefix AWS documents for alias records to an ELB.
func aliasDNSName(lbDNS string) string {
	return aws.FQDN("dualstack." + strings.TrimPrefix(aws.FQDN(lbDNS), "dualstack."))
}

// lbDNSPattern matches the DNS names AWS gives a load balancer called
// name in region: <name>-<digits>.<region>.elb.amazonaws.com. A load
// balancer name is unique in its account and region, so an alias to such a
// name points at this stack's load balancer, now or before a replacement.
func lbDNSPattern(name, region string) *regexp.Regexp {
	return regexp.MustCompile(`^(dualstack\.)?` + regexp.QuoteMeta(strings.ToLower(name)) + `-\d+\.` +
		regexp.QuoteMeta(strings.ToLower(region)) + `\.elb\.amazonaws\.com\.$`)
}

func (dnsStep) Apply(ctx context.Context, r *Run) error {
	zone, err := ensureZone(ctx, r)
	if err != nil {
		return err
	}
	lbARN, lbDNS, lbZone := r.Output(StepLoadBalancer, "lb_arn"), r.Output(StepLoadBalancer, "lb_dns"), r.Output(StepLoadBalancer, "lb_zone_id")
	if lbDNS == "" || lbZone == "" {
		return fmt.Errorf("dns: the load balancer step recorded no lb_dns/lb_zone_id: run apply again so it finishes first")
	}
	if ip := r.Output(StepLoadBalancer, "lb_ip_address_type"); ip != "" && ip != lbIPAddressType(r.Spec) {
		r.Warn("load balancer %s is %s, not %s as stackwiz made it: the name gets only %s records", lbARN, ip, lbIPAddressType(r.Spec), strings.Join(aliasTypes(r.Spec), " and "))
	}
	ours := lbDNSPattern(r.Spec.Name+"-alb", r.AWS.Region)
	name := aws.FQDN(r.Spec.DNS.Record)
	for _, rtype := range aliasTypes(r.Spec) {
		// The console's blue/green switch is recorded: kept, not undone.
		keep, kerr := keepSwitched(ctx, r, zone.ID, name, rtype)
		if kerr != nil {
			return kerr
		}
		if keep {
			continue
		}
		w := recordWant{
			Key: aliasKey(rtype), ZoneID: zone.ID, Owner: lbARN,
			// The alias names the load balancer's own Route 53 zone (its
			// CanonicalHostedZoneId), not the zone the record is in.
			Record: aws.Record{Name: name, Type: rtype, Alias: &aws.Alias{ZoneID: lbZone, DNSName: aliasDNSName(lbDNS), EvaluateTargetHealth: true}},
			Ours:   func(cur aws.Record) bool { return cur.Alias != nil && ours.MatchString(cur.Alias.DNSName) },
			Foreign: func(cur aws.Record) error {
				return fmt.Errorf("dns.record %s already has a %s record in zone %s pointing at %s, which is not this stack's load balancer: stackwiz will not overwrite it (it may be your live site). Pick another dns.record, or delete that record in Route 53 if you mean to replace it, then run apply again",
					strings.TrimSuffix(name, "."), cur.Type, zone.Name, recordTarget(cur))
			},
		}
		d := aliasDesired(r.Spec, rtype)
		for k, v := range w.attrs() {
			d.Attrs[k] = v
		}
		_, err := r.Ensure(ctx, d, Ops{
			Find: func(ctx context.Context) (Found, bool, error) {
				cur, found, err := r.AWS.DNS.Record(ctx, zone.ID, name, rtype)
				if err != nil || !found || !sameRecord(cur, w.Record) {
					return Found{}, false, err
				}
				return Found{ID: recordID(zone.ID, name, rtype), Attrs: w.attrs()}, true, nil
			},
			Create: func(ctx context.Context, _ string) (Found, error) { return writeRecord(ctx, r, w) },
			// A new load balancer: the recorded alias is the stack's, so it
			// may be pointed at the new one.
			Update: func(ctx context.Context, cur state.Resource) (Found, error) {
				upd := w
				upd.Ours = func(x aws.Record) bool { return w.Ours(x) || recordTarget(x) == cur.Attrs["target"] }
				return writeRecord(ctx, r, upd)
			},
		})
		if err != nil {
			return err
		}
	}
	return r.SetOutputs(map[string]string{"zone_id": zone.ID, "record_fqdn": strings.TrimSuffix(name, ".")})
}

func dnsKinds() []Kind {
	return append(zoneKinds(), recordKinds()...)
}
