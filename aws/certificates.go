package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/acm/types"
)

// Certificates wraps the acm calls stackwiz makes: a public certificate
// for the stack's name, validated by DNS.
type Certificates struct{ api certificatesAPI }

// certificatesAPI lists only the SDK methods Certificates calls.
type certificatesAPI interface {
	RequestCertificate(context.Context, *acm.RequestCertificateInput, ...func(*acm.Options)) (*acm.RequestCertificateOutput, error)
	DescribeCertificate(context.Context, *acm.DescribeCertificateInput, ...func(*acm.Options)) (*acm.DescribeCertificateOutput, error)
	ListCertificates(context.Context, *acm.ListCertificatesInput, ...func(*acm.Options)) (*acm.ListCertificatesOutput, error)
	ListTagsForCertificate(context.Context, *acm.ListTagsForCertificateInput, ...func(*acm.Options)) (*acm.ListTagsForCertificateOutput, error)
	AddTagsToCertificate(context.Context, *acm.AddTagsToCertificateInput, ...func(*acm.Options)) (*acm.AddTagsToCertificateOutput, error)
	RemoveTagsFromCertificate(context.Context, *acm.RemoveTagsFromCertificateInput, ...func(*acm.Options)) (*acm.RemoveTagsFromCertificateOutput, error)
	DeleteCertificate(context.Context, *acm.DeleteCertificateInput, ...func(*acm.Options)) (*acm.DeleteCertificateOutput, error)
}

// The certificate statuses stackwiz acts on.
const (
	CertPending = "PENDING_VALIDATION"
	CertIssued  = "ISSUED"
)

// CertificateDetail is an ACM certificate and its DNS validation.
type CertificateDetail struct {
	ARN    string
	Domain string
	Status string // PENDING_VALIDATION, ISSUED, VALIDATION_TIMED_OUT, FAILED, ...
	// Validation holds the CNAMEs that prove the domains, once ACM shows
	// them (a few seconds after the request); one per distinct domain.
	Validation []Record
	// Pending is how many domains ACM has not validated yet.
	Pending int
	// InUseBy lists the load balancers whose listeners use it.
	InUseBy []string
	// FailureReason is ACM's reason for a FAILED certificate.
	FailureReason string
}

// Dead reports whether the certificate can never be issued or used again:
// a new one must be requested.
func (c CertificateDetail) Dead() bool {
	switch c.Status {
	case "VALIDATION_TIMED_OUT", "FAILED", "REVOKED", "EXPIRED", "INACTIVE":
		return true
	}
	return false
}

// IdempotencyToken turns any token into what ACM accepts: at most 32
// letters and digits (pattern \w+, length 1–32).
func IdempotencyToken(token string) string {
	t := strings.Map(func(r rune) rune {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return -1
	}, token)
	return t[:min(len(t), 32)]
}

// Request asks ACM for a public certificate for domain, validated by DNS,
// tagged at creation. token makes a retry within an hour return the same
// certificate.
func (c *Certificates) Request(ctx context.Context, domain, token string, tags map[string]string) (string, error) {
	in := &acm.RequestCertificateInput{
		DomainName:       sdk.String(strings.TrimSuffix(domain, ".")),
		ValidationMethod: types.ValidationMethodDns,
		Tags:             acmTags(tags),
	}
	if t := IdempotencyToken(token); t != "" {
		in.IdempotencyToken = sdk.String(t)
	}
	out, err := c.api.RequestCertificate(ctx, in)
	if err != nil {
		return "", fmt.Errorf("request certificate for %s: %w", domain, err)
	}
	return deref(out.CertificateArn), nil
}

func acmTags(tags map[string]string) []types.Tag {
	var out []types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	return out
}

// Describe returns the certificate; found is false when it does not exist.
func (c *Certificates) Describe(ctx context.Context, arn string) (CertificateDetail, bool, error) {
	out, err := c.api.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: sdk.String(arn)})
	if IsNotFound(err) {
		return CertificateDetail{}, false, nil
	}
	if err != nil {
		return CertificateDetail{}, false, fmt.Errorf("describe certificate %s: %w", arn, err)
	}
	d := out.Certificate
	cert := CertificateDetail{ARN: deref(d.CertificateArn), Domain: deref(d.DomainName), Status: string(d.Status), InUseBy: d.InUseBy,
		FailureReason: string(d.FailureReason)}
	seen := map[string]bool{}
	for _, v := range d.DomainValidationOptions {
		if v.ValidationStatus != types.DomainStatusSuccess {
			cert.Pending++
		}
		rr := v.ResourceRecord
		if rr == nil {
			continue
		}
		// A wildcard and its base domain share one record.
		r := Record{Name: FQDN(deref(rr.Name)), Type: string(rr.Type), TTL: 300, Values: []string{FQDN(deref(rr.Value))}}
		if !seen[r.Name] {
			seen[r.Name] = true
			cert.Validation = append(cert.Validation, r)
		}
	}
	return cert, true, nil
}

// ValidationShown reports whether ACM shows a validation record for every
// domain of the certificate.
func (c CertificateDetail) ValidationShown() bool { return len(c.Validation) > 0 }

// CertificateSummary is one certificate in a listing.
type CertificateSummary struct {
	ARN    string
	Domain string
	Status string
}

// List returns the region's certificates of every key type with one of
// statuses (all statuses when none are given).
func (c *Certificates) List(ctx context.Context, statuses ...string) ([]CertificateSummary, error) {
	in := &acm.ListCertificatesInput{Includes: &types.Filters{KeyTypes: []types.KeyAlgorithm{
		types.KeyAlgorithmRsa1024, types.KeyAlgorithmRsa2048, types.KeyAlgorithmRsa3072, types.KeyAlgorithmRsa4096,
		types.KeyAlgorithmEcPrime256v1, types.KeyAlgorithmEcSecp384r1, types.KeyAlgorithmEcSecp521r1,
	}}}
	for _, s := range statuses {
		in.CertificateStatuses = append(in.CertificateStatuses, types.CertificateStatus(s))
	}
	var out []CertificateSummary
	p := acm.NewListCertificatesPaginator(c.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list certificates: %w", err)
		}
		for _, s := range page.CertificateSummaryList {
			out = append(out, CertificateSummary{ARN: deref(s.CertificateArn), Domain: deref(s.DomainName), Status: string(s.Status)})
		}
	}
	return out, nil
}

// Tags returns the certificate's tags; found is false when it is gone.
func (c *Certificates) Tags(ctx context.Context, arn string) (map[string]string, bool, error) {
	out, err := c.api.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: sdk.String(arn)})
	if IsNotFound(err) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("list tags of certificate %s: %w", arn, err)
	}
	tags := map[string]string{}
	for _, t := range out.Tags {
		tags[deref(t.Key)] = deref(t.Value)
	}
	return tags, true, nil
}

// AddTags adds or replaces tags on the certificate.
func (c *Certificates) AddTags(ctx context.Context, arn string, tags map[string]string) error {
	if _, err := c.api.AddTagsToCertificate(ctx, &acm.AddTagsToCertificateInput{CertificateArn: sdk.String(arn), Tags: acmTags(tags)}); err != nil {
		return fmt.Errorf("tag certificate %s: %w", arn, err)
	}
	return nil
}

// RemoveTags removes the tags with keys from the certificate.
func (c *Certificates) RemoveTags(ctx context.Context, arn string, keys ...string) error {
	var ts []types.Tag
	for _, k := range keys {
		ts = append(ts, types.Tag{Key: sdk.String(k)})
	}
	if _, err := c.api.RemoveTagsFromCertificate(ctx, &acm.RemoveTagsFromCertificateInput{CertificateArn: sdk.String(arn), Tags: ts}); err != nil {
		return fmt.Errorf("untag certificate %s: %w", arn, err)
	}
	return nil
}

// Delete deletes the certificate. ACM refuses one a listener still uses
// with ResourceInUseException (IsDependency): the caller retries.
func (c *Certificates) Delete(ctx context.Context, arn string) error {
	if _, err := c.api.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: sdk.String(arn)}); err != nil {
		return fmt.Errorf("delete certificate %s: %w", arn, err)
	}
	return nil
}
