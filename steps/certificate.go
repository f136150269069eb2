package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// certificateStep requests an ACM certificate for dns.record, validated by
// DNS: ACM names a CNAME, the step writes it into the hosted zone, and ACM
// issues the certificate once it sees the record.
type certificateStep struct{}

func (certificateStep) ID() StepID    { return StepCertificate }
func (certificateStep) Title() string { return "Certificate" }
func (certificateStep) Why() string {
	return "HTTPS needs a certificate, and DNS validation takes minutes: start it early."
}
func (certificateStep) Enabled(s *spec.Spec) bool { return s.LoadBalancer.HTTPS }
func (certificateStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepIdentity}
}

// validationKey is the key of the certificate's validation CNAME.
const validationKey = "certificate/validation"

// Timeouts of the certificate's waits. ACM shows the validation record a
// few seconds after the request; it issues "within minutes" of seeing the
// CNAME, usually under 5, but a zone that was just delegated takes longer
// to be seen: 30 minutes is generous without hanging forever on a zone the
// registrar does not delegate (ACM itself gives up after 72 hours).
const (
	certRecordTimeout = 5 * time.Minute
	certIssueTimeout  = 30 * time.Minute
)

// certDomain is the name the certificate is for: dns.record, without the
// trailing dot ACM does not take.
func certDomain(s *spec.Spec) string { return strings.TrimSuffix(aws.FQDN(s.DNS.Record), ".") }

// certKey is the certificate's key. It holds the domain, so a new
// dns.record gets a new certificate that the HTTPS listener switches to
// before the old one is pruned: a certificate in use cannot be deleted, so
// replacing it in place would have to break the listener first.
func certKey(s *spec.Spec) string { return "certificate/" + certDomain(s) }

func certDesired(s *spec.Spec) Desired {
	return Desired{Key: certKey(s), Type: typeCertificate, Name: certDomain(s),
		Attrs: map[string]string{"domain": certDomain(s)}, Replace: []string{"domain"}}
}

func validationDesired(s *spec.Spec) Desired {
	return Desired{Key: validationKey, Type: typeRecord, Name: "validation CNAME for " + certDomain(s),
		Attrs: map[string]string{"domain": certDomain(s)}}
}

func (certificateStep) Desired(s *spec.Spec) []Desired {
	return []Desired{certDesired(s), validationDesired(s)}
}

func (certificateStep) Apply(ctx context.Context, r *Run) error {
	zone, err := ensureZone(ctx, r)
	if err != nil {
		return err
	}
	cert, err := ensureCertificate(ctx, r)
	if err != nil {
		return err
	}
	if !cert.ValidationShown() {
		err := r.Wait(ctx, certKey(r.Spec), "ACM to name the DNS validation record", certRecordTimeout, func(ctx context.Context) (bool, error) {
			c, _, err := r.AWS.Certs.Describe(ctx, cert.ARN)
			cert = c
			return c.ValidationShown() || c.Status == aws.CertIssued, err
		})
		if err != nil {
			return err
		}
	}
	if len(cert.Validation) > 0 {
		if err := ensureValidationRecord(ctx, r, zone, cert); err != nil {
			return err
		}
	}
	if cert.Status != aws.CertIssued {
		if err := waitIssued(ctx, r, zone, cert); err != nil {
			return err
		}
	}
	return r.SetOutputs(map[string]string{"certificate_arn": cert.ARN, "zone_id": zone.ID})
}

// ensureCertificate requests the certificate, or finds the one an earlier
// run requested; a certificate ACM gave up on (validation timed out,
// failed, revoked) is deleted and requested again.
func ensureCertificate(ctx context.Context, r *Run) (aws.CertificateDetail, error) {
	d := certDesired(r.Spec)
	for attempt := 0; ; attempt++ {
		rec, err := r.Ensure(ctx, d, Ops{
			Find: func(ctx context.Context) (Found, bool, error) { return findCertificate(ctx, r) },
			Create: func(ctx context.Context, token string) (Found, error) {
				arn, err := r.AWS.Certs.Request(ctx, certDomain(r.Spec), token, r.Tags(d.Key, certDomain(r.Spec)))
				return Found{ID: arn, ARN: arn}, err
			},
		})
		if err != nil {
			return aws.CertificateDetail{}, err
		}
		cert, found, err := r.AWS.Certs.Describe(ctx, rec.ARN)
		if err != nil {
			return aws.CertificateDetail{}, err
		}
		if !found {
			return aws.CertificateDetail{}, fmt.Errorf("certificate %s vanished while being checked: run apply again", rec.ARN)
		}
		if !cert.Dead() || attempt > 0 {
			if cert.Dead() {
				return aws.CertificateDetail{}, fmt.Errorf("certificate for %s is %s right after its request (%s)", cert.Domain, cert.Status, cert.FailureReason)
			}
			return cert, nil
		}
		r.Warn("certificate %s for %s is %s: deleting it and requesting a new one", cert.ARN, cert.Domain, cert.Status)
		if err := r.Delete(ctx, d.Key); err != nil {
			return aws.CertificateDetail{}, err
		}
	}
}

// findCertificate finds the certificate an interrupted run requested: one
// tagged as this stack's certificate for the domain, issued by preference.
func findCertificate(ctx context.Context, r *Run) (Found, bool, error) {
	certs, err := stackCertificates(ctx, r.AWS, r.Spec.Name)
	if err != nil {
		return Found{}, false, err
	}
	var best *stackCertificate
	for i, c := range certs {
		if c.Tags[TagKey] != certKey(r.Spec) || c.Domain != certDomain(r.Spec) {
			continue
		}
		switch c.Status {
		case aws.CertIssued:
			best = &certs[i]
		case aws.CertPending:
			if best == nil {
				best = &certs[i]
			}
		}
	}
	if best == nil {
		return Found{}, false, nil
	}
	return Found{ID: best.ARN, ARN: best.ARN}, true, nil
}

// ensureValidationRecord writes the certificate's validation CNAME into the zone.
func ensureValidationRecord(ctx context.Context, r *Run, zone hostedZone, cert aws.CertificateDetail) error {
	want := cert.Validation[0]
	w := recordWant{
		Key: validationKey, ZoneID: zone.ID, Record: want, Owner: cert.ARN, KeepIdentical: true,
		Foreign: func(cur aws.Record) error {
			return fmt.Errorf("the zone %s already has %s %s pointing at %s, where ACM needs CNAME %s for dns.record %s: it may be another account's validation for the same name; delete that record in Route 53 and run apply again",
				zone.Name, cur.Type, cur.Name, recordTarget(cur), recordTarget(want), r.Spec.DNS.Record)
		},
	}
	d := validationDesired(r.Spec)
	for k, v := range w.attrs() {
		d.Attrs[k] = v
	}
	_, err := r.Ensure(ctx, d, Ops{
		Find: func(ctx context.Context) (Found, bool, error) {
			cur, found, err := r.AWS.DNS.Record(ctx, zone.ID, want.Name, want.Type)
			if err != nil || !found || recordTarget(cur) != recordTarget(want) {
				return Found{}, false, err
			}
			return Found{ID: recordID(zone.ID, want.Name, want.Type), Attrs: w.attrs()}, true, nil
		},
		Create: func(ctx context.Context, _ string) (Found, error) { return writeRecord(ctx, r, w) },
	})
	return err
}

// waitIssued waits until ACM has validated the domain and issued the
// certificate.
func waitIssued(ctx context.Context, r *Run, zone hostedZone, cert aws.CertificateDetail) error {
	domain := strings.TrimSuffix(zone.Name, ".")
	if zone.Ours {
		r.Warn("ACM validates %s only once %s is delegated to the zone stackwiz created: set the domain's name servers at your registrar to %s",
			cert.Domain, domain, strings.Join(zone.NameServers, ", "))
	}
	var dead error
	err := r.Wait(ctx, certKey(r.Spec), "ACM to validate "+cert.Domain+" by DNS and issue the certificate", certIssueTimeout, func(ctx context.Context) (bool, error) {
		c, found, err := r.AWS.Certs.Describe(ctx, cert.ARN)
		switch {
		case err != nil:
			return false, err
		case !found:
			return false, fmt.Errorf("certificate %s was deleted while waiting for it to be issued", cert.ARN)
		case c.Dead():
			dead = fmt.Errorf("ACM stopped validating %s: the certificate is %s %s; run apply again to request a new one", c.Domain, c.Status, c.FailureReason)
			return false, dead
		}
		return c.Status == aws.CertIssued, nil
	})
	if errors.Is(err, errWaitTimeout) {
		return fmt.Errorf("certificate for %s not issued after %s: ACM cannot see the validation CNAME yet. Check that %s is delegated to the name servers of zone %s (%s); run apply again to keep waiting: %w",
			cert.Domain, certIssueTimeout, domain, zone.ID, strings.Join(zone.NameServers, ", "), err)
	}
	return err
}

// stackCertificate is one of the stack's certificates with its tags.
type stackCertificate struct {
	aws.CertificateSummary
	Tags map[string]string
}

// stackCertificates returns the region's certificates tagged with stack.
func stackCertificates(ctx context.Context, c *aws.Clients, stack string) ([]stackCertificate, error) {
	all, err := c.Certs.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []stackCertificate
	for _, s := range all {
		tags, found, err := c.Certs.Tags(ctx, s.ARN)
		if err != nil {
			return nil, err
		}
		if found && tags[TagStack] == stack {
			out = append(out, stackCertificate{s, tags})
		}
	}
	return out, nil
}

func certificateKinds() []Kind {
	return []Kind{{
		Type:   typeCertificate,
		Order:  46,
		Manual: manualByARN("aws acm delete-certificate --certificate-arn"),
		Describe: func(ctx context.Context, t Target) (Observed, error) {
			c, found, err := t.AWS.Certs.Describe(ctx, t.Resource.ARN)
			if err != nil || !found {
				return Observed{}, err
			}
			obs := Observed{Exists: true, State: c.Status, Healthy: c.Status == aws.CertIssued,
				Attrs: map[string]string{"domain": c.Domain}}
			switch {
			case c.Status == aws.CertPending:
				obs.Problem = "waiting for DNS validation: ACM must see the validation CNAME in the zone " + c.Domain + " is delegated to"
			case c.Dead():
				obs.Problem = "ACM says " + c.Status + ": run apply to request a new certificate"
			}
			return obs, nil
		},
		// ACM refuses to delete a certificate a listener uses
		// (ResourceInUseException); the engine retries until the listener
		// or the load balancer is gone.
		Delete: func(ctx context.Context, t Target) error { return t.AWS.Certs.Delete(ctx, t.Resource.ARN) },
		List: func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
			certs, err := stackCertificates(ctx, c, stack)
			if err != nil {
				return nil, err
			}
			var out []Found
			for _, sc := range certs {
				out = append(out, Found{ID: sc.ARN, ARN: sc.ARN, Key: sc.Tags[TagKey], Step: StepID(sc.Tags[TagStep]), Type: typeCertificate,
					Attrs: map[string]string{"domain": sc.Domain}})
			}
			return out, nil
		},
	}}
}
