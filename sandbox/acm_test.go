package sandbox

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// acmRequest is a requested certificate.
type acmRequest struct {
	arn    string
	domain string
}

func (f *elbFixture) requestCertificate(domain string, sans ...string) (*acmRequest, error) {
	out, err := f.acm.RequestCertificate(testCtx(f.t), &acm.RequestCertificateInput{DomainName: aws.String(domain),
		SubjectAlternativeNames: sans, ValidationMethod: acmtypes.ValidationMethodDns})
	if err != nil {
		return nil, err
	}
	return &acmRequest{arn: aws.ToString(out.CertificateArn), domain: domain}, nil
}

func (f *elbFixture) describeCertificate(arn string) *acmtypes.CertificateDetail {
	f.t.Helper()
	out, err := f.acm.DescribeCertificate(testCtx(f.t), &acm.DescribeCertificateInput{CertificateArn: aws.String(arn)})
	if err != nil {
		f.t.Fatalf("DescribeCertificate: %v", err)
	}
	return out.Certificate
}

func (f *elbFixture) deleteCertificate(arn string) error {
	_, err := f.acm.DeleteCertificate(testCtx(f.t), &acm.DeleteCertificateInput{CertificateArn: aws.String(arn)})
	return err
}

// writeValidationRecords puts the certificate's CNAMEs into a new hosted
// zone for its domain, through the Route 53 API, as a user would, and
// returns the zone's id. Nobody has delegated the zone yet.
func (f *elbFixture) writeValidationRecords(cert *acmRequest) string {
	f.t.Helper()
	ctx := testCtx(f.t)
	var dvo []acmtypes.DomainValidation
	for range 2 { // the records appear from the second describe on
		dvo = f.describeCertificate(cert.arn).DomainValidationOptions
	}
	r53 := route53.NewFromConfig(f.Cfg)
	labels := strings.Split(cert.domain, ".")
	zone := strings.Join(labels[len(labels)-2:], ".")
	hz := must[*route53.CreateHostedZoneOutput](f.t)(r53.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(zone), CallerReference: aws.String(cert.arn)}))
	seen := map[string]bool{}
	var changes []r53types.Change
	for _, d := range dvo {
		rr := d.ResourceRecord
		if rr == nil {
			f.t.Fatalf("domain %s has no validation record on the second describe", aws.ToString(d.DomainName))
		}
		if seen[aws.ToString(rr.Name)] {
			continue
		}
		seen[aws.ToString(rr.Name)] = true
		changes = append(changes, r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: rr.Name, Type: r53types.RRTypeCname, TTL: aws.Int64(300), ResourceRecords: []r53types.ResourceRecord{{Value: rr.Value}}}})
	}
	must[*route53.ChangeResourceRecordSetsOutput](f.t)(r53.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: hz.HostedZone.Id, ChangeBatch: &r53types.ChangeBatch{Changes: changes}}))
	return aws.ToString(hz.HostedZone.Id)
}

// delegate points the registrar at a zone, as the user does outside AWS.
func (f *elbFixture) delegate(zoneID string) {
	f.t.Helper()
	if _, err := f.Delegate(zoneID, true); err != nil {
		f.t.Fatalf("delegate %s: %v", zoneID, err)
	}
}

// validate writes the validation records into a zone the registrar
// delegates to and waits until ACM issues the certificate.
func (f *elbFixture) validate(cert *acmRequest) {
	f.t.Helper()
	f.delegate(f.writeValidationRecords(cert))
	err := acm.NewCertificateValidatedWaiter(f.acm, func(o *acm.CertificateValidatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
	}).Wait(testCtx(f.t), &acm.DescribeCertificateInput{CertificateArn: aws.String(cert.arn)}, 10*time.Second)
	if err != nil {
		f.t.Fatalf("CertificateValidated waiter: %v", err)
	}
}

func TestRequestCertificateShowsItsValidationRecordsFromTheSecondDescribe(t *testing.T) {
	f := newELBFixture(t)
	cert := must[*acmRequest](t)(f.requestCertificate("example.com", "*.example.com", "api.example.org"))
	if !regexp.MustCompile(`^arn:aws:acm:us-east-1:123456789012:certificate/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(cert.arn) {
		t.Errorf("ARN = %s", cert.arn)
	}
	first := f.describeCertificate(cert.arn)
	if first.Status != acmtypes.CertificateStatusPendingValidation || first.Type != acmtypes.CertificateTypeAmazonIssued ||
		!sameSet(first.SubjectAlternativeNames, []string{"example.com", "*.example.com", "api.example.org"}) || aws.ToString(first.DomainName) != "example.com" {
		t.Errorf("certificate = %+v", first)
	}
	if first.CreatedAt == nil || first.CreatedAt.IsZero() || first.NotAfter != nil {
		t.Errorf("CreatedAt %v, NotAfter %v: want a creation time and no expiry before issue", first.CreatedAt, first.NotAfter)
	}
	if len(first.DomainValidationOptions) != 3 {
		t.Fatalf("%d domain validation options, want 3", len(first.DomainValidationOptions))
	}
	for _, d := range first.DomainValidationOptions {
		if d.ResourceRecord != nil {
			t.Errorf("first describe already shows the record of %s", aws.ToString(d.DomainName))
		}
	}
	second := f.describeCertificate(cert.arn)
	records := map[string]string{}
	for _, d := range second.DomainValidationOptions {
		rr := d.ResourceRecord
		if rr == nil || rr.Type != acmtypes.RecordTypeCname || d.ValidationMethod != acmtypes.ValidationMethodDns || d.ValidationStatus != acmtypes.DomainStatusPendingValidation {
			t.Fatalf("validation of %s = %+v", aws.ToString(d.DomainName), d)
		}
		records[aws.ToString(d.DomainName)] = aws.ToString(rr.Name)
		if !regexp.MustCompile(`^_[0-9a-f]{32}\.[0-9a-f]{10}\.acm-validations\.aws\.$`).MatchString(aws.ToString(rr.Value)) {
			t.Errorf("record value = %s", aws.ToString(rr.Value))
		}
	}
	if !regexp.MustCompile(`^_[0-9a-f]{32}\.example\.com\.$`).MatchString(records["example.com"]) || records["*.example.com"] != records["example.com"] ||
		!strings.HasSuffix(records["api.example.org"], ".api.example.org.") {
		t.Errorf("record names = %v: the wildcard shares its base domain's record", records)
	}
}

func TestCertificateIsIssuedAfterItsCNAMEIsWrittenToAHostedZone(t *testing.T) {
	f := newELBFixture(t, realistic)
	ctx := testCtx(t)
	cert := must[*acmRequest](t)(f.requestCertificate("www.example.com"))
	f.Advance(time.Hour) // without the record nothing happens
	if got := f.describeCertificate(cert.arn).Status; got != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("status without the record = %s", got)
	}
	zone := f.writeValidationRecords(cert)
	f.Advance(time.Hour) // the zone is not delegated: ACM cannot see the record
	if got := f.describeCertificate(cert.arn); got.Status != acmtypes.CertificateStatusPendingValidation ||
		got.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusPendingValidation {
		t.Fatalf("with the record in a zone nobody delegates to: status %s, validation %s", got.Status, got.DomainValidationOptions[0].ValidationStatus)
	}
	f.delegate(zone)
	polls := 0
	err := acm.NewCertificateValidatedWaiter(f.acm, func(o *acm.CertificateValidatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceEachPoll(f.testSandbox, 10*time.Second), countRequests(&polls))
	}).Wait(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(cert.arn)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if polls < 6 || polls > 7 {
		t.Errorf("waiter polled %d times, want about 60 s of validation at 10 s per poll", polls)
	}
	got := f.describeCertificate(cert.arn)
	if got.Status != acmtypes.CertificateStatusIssued || got.IssuedAt == nil || got.NotAfter == nil || got.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusSuccess {
		t.Fatalf("issued certificate = %+v", got)
	}
	if want := got.IssuedAt.AddDate(0, 13, 0); !got.NotAfter.Equal(want) {
		t.Errorf("NotAfter = %v, want 13 months after issue (%v)", got.NotAfter, want)
	}
}

func TestCertificateNeverValidatedTimesOutAfter72Hours(t *testing.T) {
	f := newELBFixture(t, realistic)
	cert := must[*acmRequest](t)(f.requestCertificate("late.example.com"))
	f.Advance(71 * time.Hour)
	if got := f.describeCertificate(cert.arn).Status; got != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("status after 71 h = %s", got)
	}
	f.Advance(time.Hour)
	got := f.describeCertificate(cert.arn)
	if got.Status != acmtypes.CertificateStatusValidationTimedOut || got.DomainValidationOptions[0].ValidationStatus != acmtypes.DomainStatusFailed {
		t.Errorf("after 72 h: %s / %s, want VALIDATION_TIMED_OUT / FAILED", got.Status, got.DomainValidationOptions[0].ValidationStatus)
	}
}

func TestRequestCertificateIdempotencyTokenHoldsForAnHour(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	req := func(domain string) string {
		out := must[*acm.RequestCertificateOutput](t)(f.acm.RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String(domain),
			ValidationMethod: acmtypes.ValidationMethodDns, IdempotencyToken: aws.String("stackwiz1")}))
		return aws.ToString(out.CertificateArn)
	}
	a := req("a.example.com")
	if b := req("a.example.com"); b != a {
		t.Errorf("same token and domain gave %s, want %s", b, a)
	}
	if c := req("b.example.com"); c == a {
		t.Errorf("same token, other domain gave the same certificate")
	}
	f.Advance(61 * time.Minute)
	if d := req("a.example.com"); d == a {
		t.Errorf("same token after an hour gave the same certificate")
	}
}

func TestListCertificatesFiltersByStatusAndKeyTypeAndPages(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	issued := must[*acmRequest](t)(f.requestCertificate("issued.example.com"))
	f.validate(issued)
	for _, d := range []string{"p1.example.net", "p2.example.net"} {
		must[*acmRequest](t)(f.requestCertificate(d))
	}
	ec := must[*acm.RequestCertificateOutput](t)(f.acm.RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String("ec.example.net"),
		ValidationMethod: acmtypes.ValidationMethodDns, KeyAlgorithm: acmtypes.KeyAlgorithmEcPrime256v1}))
	ecOnly := must[*acm.ListCertificatesOutput](t)(f.acm.ListCertificates(ctx, &acm.ListCertificatesInput{Includes: &acmtypes.Filters{KeyTypes: []acmtypes.KeyAlgorithm{acmtypes.KeyAlgorithmEcPrime256v1}}}))
	if len(ecOnly.CertificateSummaryList) != 1 || aws.ToString(ecOnly.CertificateSummaryList[0].CertificateArn) != aws.ToString(ec.CertificateArn) {
		t.Errorf("EC certificates = %+v", ecOnly.CertificateSummaryList)
	}
	only := must[*acm.ListCertificatesOutput](t)(f.acm.ListCertificates(ctx, &acm.ListCertificatesInput{CertificateStatuses: []acmtypes.CertificateStatus{acmtypes.CertificateStatusIssued}}))
	if len(only.CertificateSummaryList) != 1 || aws.ToString(only.CertificateSummaryList[0].CertificateArn) != issued.arn || only.CertificateSummaryList[0].Status != acmtypes.CertificateStatusIssued {
		t.Errorf("ISSUED certificates = %+v", only.CertificateSummaryList)
	}
	p := acm.NewListCertificatesPaginator(f.acm, &acm.ListCertificatesInput{MaxItems: aws.Int32(2)})
	total, pages := 0, 0
	for p.HasMorePages() {
		out := must[*acm.ListCertificatesOutput](t)(p.NextPage(ctx))
		total += len(out.CertificateSummaryList)
		pages++
	}
	if total != 3 || pages != 2 {
		t.Errorf("%d certificates in %d pages, want the 3 RSA ones in 2", total, pages)
	}
}

func TestCertificateTagsAndUnknownCertificates(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	out := must[*acm.RequestCertificateOutput](t)(f.acm.RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String("tagged.example.com"),
		ValidationMethod: acmtypes.ValidationMethodDns, Tags: []acmtypes.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("demo")}}}))
	arn := out.CertificateArn
	must[*acm.AddTagsToCertificateOutput](t)(f.acm.AddTagsToCertificate(ctx, &acm.AddTagsToCertificateInput{CertificateArn: arn,
		Tags: []acmtypes.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}))
	tags := must[*acm.ListTagsForCertificateOutput](t)(f.acm.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: arn}))
	got := map[string]string{}
	for _, tg := range tags.Tags {
		got[aws.ToString(tg.Key)] = aws.ToString(tg.Value)
	}
	if len(got) != 2 || got["stackwiz:stack"] != "demo" || got["env"] != "test" {
		t.Errorf("tags = %v", got)
	}
	must[*acm.RemoveTagsFromCertificateOutput](t)(f.acm.RemoveTagsFromCertificate(ctx, &acm.RemoveTagsFromCertificateInput{CertificateArn: arn,
		Tags: []acmtypes.Tag{{Key: aws.String("env")}}}))
	if n := len(must[*acm.ListTagsForCertificateOutput](t)(f.acm.ListTagsForCertificate(ctx, &acm.ListTagsForCertificateInput{CertificateArn: arn})).Tags); n != 1 {
		t.Errorf("%d tags after removing one of two", n)
	}

	missing := "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
	_, err := f.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String(missing)})
	wantCode(t, err, "ResourceNotFoundException")
	wantCode(t, f.deleteCertificate(missing), "ResourceNotFoundException")
	_, err = f.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: aws.String("arn:aws:s3:::bucket-of-certs")})
	wantCode(t, err, "InvalidArnException")
	_, err = f.acm.RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: aws.String("not a domain"), ValidationMethod: acmtypes.ValidationMethodDns})
	wantCode(t, err, "ValidationException")
	if err := f.deleteCertificate(aws.ToString(arn)); err != nil {
		t.Fatalf("DeleteCertificate of an unused certificate: %v", err)
	}
	_, err = f.acm.DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: arn})
	wantCode(t, err, "ResourceNotFoundException")
}
