package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// The resource types of the certificate, load balancer and DNS steps.
const (
	typeHostedZone   = "route53:hosted-zone"
	typeRecord       = "route53:record"
	typeCertificate  = "acm:certificate"
	typeLoadBalancer = "elbv2:load-balancer"
	typeTargetGroup  = "elbv2:target-group"
	typeListener     = "elbv2:listener"
)

// zoneKey is the hosted zone's key. The zone belongs to the DNS step
// whichever step first needs it: with HTTPS the certificate step writes its
// validation record there before the DNS step runs.
const zoneKey = "dns/zone"

// hostedZone is the zone the stack writes its records into.
type hostedZone struct {
	ID   string
	Name string // FQDN, trailing dot
	// Ours is true for a zone the stack created (and destroy deletes);
	// false for the user's own zone, which is never recorded.
	Ours        bool
	NameServers []string
}

// zoneDesired is the hosted zone of spec: the user's existing public zone
// when there is one (Existing finds it, so plan shows it kept), otherwise
// a zone the stack creates.
func zoneDesired(s *spec.Spec) Desired {
	name := aws.FQDN(s.DNS.Zone)
	stack := s.Name
	return Desired{
		Key: zoneKey, Type: typeHostedZone, Name: name,
		Attrs:   map[string]string{"name": name},
		Replace: []string{"name"},
		Existing: func(ctx context.Context, c *aws.Clients) (string, bool, error) {
			z, found, err := existingZone(ctx, c, stack, name)
			return z.ID, found, err
		},
	}
}

// zoneReference is the CallerReference of the stack's zone: the intent's
// token makes CreateHostedZone idempotent, and the stack's name lets List
// find a zone whose create returned but whose tags were never written.
func zoneReference(stack, token string) string { return "stackwiz:" + stack + ":" + token }

// ourZone reports whether a zone is the stack's, by its tags or by the
// CallerReference stackwiz gives the zones it creates.
func ourZone(z aws.Zone, tags map[string]string, stack string) bool {
	return tags[TagStack] == stack && tags[TagKey] == zoneKey || strings.HasPrefix(z.CallerReference, zoneReference(stack, ""))
}

// publicZones returns the public zones named name, split into the stack's
// own and the others.
func publicZones(ctx context.Context, c *aws.Clients, stack, name string) (ours, others []aws.Zone, err error) {
	zs, err := c.DNS.ZonesByName(ctx, name)
	if err != nil {
		return nil, nil, err
	}
	zs = slices.DeleteFunc(zs, func(z aws.Zone) bool { return z.Private })
	if len(zs) == 0 {
		return nil, nil, nil
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i] = z.ID
	}
	tags, err := c.DNS.ZoneTags(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for _, z := range zs {
		if ourZone(z, tags[z.ID], stack) {
			ours = append(ours, z)
		} else {
			others = append(others, z)
		}
	}
	return ours, others, nil
}

// existingZone finds the user's public zone called name: one the stack did
// not create. Route 53 allows several public zones of one name, but only
// the one the registrar delegates to answers; stackwiz cannot tell which
// that is, so it refuses to guess.
func existingZone(ctx context.Context, c *aws.Clients, stack, name string) (aws.Zone, bool, error) {
	_, others, err := publicZones(ctx, c, stack, name)
	switch {
	case err != nil:
		return aws.Zone{}, false, err
	case len(others) == 0:
		return aws.Zone{}, false, nil
	case len(others) > 1:
		ids := make([]string, len(others))
		for i, z := range others {
			ids[i] = z.ID
		}
		return aws.Zone{}, false, fmt.Errorf("dns.zone: %d public hosted zones are named %s (%s); only the one your registrar delegates to answers, and stackwiz cannot tell which: delete the unused ones in Route 53",
			len(others), name, strings.Join(ids, ", "))
	}
	return others[0], true, nil
}

// ensureZone returns the zone the stack's records go into: the recorded
// zone the stack created, the user's existing public zone (used, never
// recorded or deleted), or a new zone. Both the certificate step (for its
// validation record) and the DNS step call it; the zone is recorded under
// the DNS step either way.
func ensureZone(ctx context.Context, r *Run) (hostedZone, error) {
	d := zoneDesired(r.Spec)
	if rec, ok := r.Recorded(zoneKey); !ok || !rec.Live() {
		z, found, err := existingZone(ctx, r.AWS, r.Spec.Name, d.Name)
		if err != nil {
			return hostedZone{}, err
		}
		if found {
			r.Info("using your hosted zone %s (%s): stackwiz adds its records to it and never deletes the zone", z.Name, z.ID)
			return hostedZone{ID: z.ID, Name: z.Name}, nil
		}
	}
	zr := &Run{Step: StepDNS, Spec: r.Spec, AWS: r.AWS, e: r.e}
	created := false
	rec, err := zr.Ensure(ctx, d, Ops{Create: func(ctx context.Context, token string) (Found, error) {
		f, fresh, err := createZone(ctx, zr, d.Name, token)
		created = fresh
		return f, err
	}})
	if err != nil {
		return hostedZone{}, err
	}
	z := hostedZone{ID: rec.ID, Name: rec.Attrs["name"], Ours: true}
	if ns := rec.Attrs["name_servers"]; ns != "" {
		z.NameServers = strings.Split(ns, ",")
	}
	if created {
		r.Warn("created the hosted zone %s (%s) because your account has none: until your registrar delegates %s to its name servers (%s), the certificate cannot validate and %s does not resolve",
			z.Name, z.ID, strings.TrimSuffix(z.Name, "."), strings.Join(z.NameServers, ", "), r.Spec.DNS.Record)
	}
	return z, nil
}

// createZone creates the stack's public zone, or takes the one an earlier,
// interrupted run created (same CallerReference, or tagged as the stack's),
// and tags it: CreateHostedZone takes no tags. fresh is false when the zone
// existed already.
func createZone(ctx context.Context, r *Run, name, token string) (f Found, fresh bool, err error) {
	ours, _, err := publicZones(ctx, r.AWS, r.Spec.Name, name)
	if err != nil {
		return Found{}, false, err
	}
	var z aws.Zone
	if len(ours) > 0 {
		z, _, err = r.AWS.DNS.Zone(ctx, ours[0].ID)
	} else {
		ref := zoneReference(r.Spec.Name, token)
		z, err = r.AWS.DNS.CreateZone(ctx, name, ref, "stackwiz stack "+r.Spec.Name)
		fresh = err == nil
		if aws.IsCode(err, "HostedZoneAlreadyExists") {
			var found bool
			z, found, err = r.AWS.DNS.ZoneByReference(ctx, name, ref)
			if err == nil && !found {
				err = fmt.Errorf("create hosted zone %s: Route 53 says this request already made a zone, but it is gone; run apply again to start over", name)
			}
		}
	}
	if err != nil {
		return Found{}, false, err
	}
	if err := r.AWS.DNS.TagZone(ctx, z.ID, r.Tags(zoneKey, name)); err != nil {
		return Found{}, false, err
	}
	return Found{ID: z.ID, Attrs: map[string]string{"name_servers": strings.Join(z.NameServers, ",")}}, fresh, nil
}

// zoneKinds handles route53:hosted-zone: only zones the stack created are
// ever recorded, listed or deleted.
func zoneKinds() []Kind {
	return []Kind{{
		Type:   typeHostedZone,
		Order:  48,
		Manual: manualByID("aws route53 delete-hosted-zone --id"),
		Describe: func(ctx context.Context, t Target) (Observed, error) {
			z, found, err := t.AWS.DNS.Zone(ctx, t.Resource.ID)
			if err != nil || !found {
				return Observed{}, err
			}
			return Observed{Exists: true, Healthy: true, Attrs: map[string]string{"name": z.Name}}, nil
		},
		Delete: deleteZone,
		List: func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
			zs, err := c.DNS.Zones(ctx)
			if err != nil || len(zs) == 0 {
				return nil, err
			}
			ids := make([]string, 0, len(zs))
			for _, z := range zs {
				if !z.Private {
					ids = append(ids, z.ID)
				}
			}
			tags, err := c.DNS.ZoneTags(ctx, ids)
			if err != nil {
				return nil, err
			}
			var out []Found
			for _, z := range zs {
				if z.Private || !ourZone(z, tags[z.ID], stack) {
					continue
				}
				out = append(out, Found{ID: z.ID, Key: zoneKey, Step: StepDNS, Type: typeHostedZone, Attrs: map[string]string{"name": z.Name}})
			}
			return out, nil
		},
	}}
}

// deleteZone deletes a zone the stack created. The stack's own records are
// gone by then (route53:record deletes first); anything else in the zone
// was put there by someone else — mail, another stack's alias — and is not
// deleted silently: the user is told what holds the zone.
func deleteZone(ctx context.Context, t Target) error {
	z, found, err := t.AWS.DNS.Zone(ctx, t.Resource.ID)
	if err != nil || !found {
		return err
	}
	records, err := t.AWS.DNS.Records(ctx, z.ID)
	if aws.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var held []string
	for _, rec := range records {
		if rec.Name == z.Name && (rec.Type == "NS" || rec.Type == "SOA") {
			continue
		}
		held = append(held, rec.Type+" "+rec.Name)
	}
	if len(held) > 0 {
		return fmt.Errorf("hosted zone %s (%s) holds records stackwiz did not write: %s. Delete or move them in Route 53, then run destroy again (it resumes)",
			z.Name, z.ID, strings.Join(held, ", "))
	}
	return t.AWS.DNS.DeleteZone(ctx, z.ID)
}
