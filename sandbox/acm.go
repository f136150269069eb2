package sandbox

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ACMState is one region's AWS Certificate Manager: public certificates
// requested with DNS validation.
type ACMState struct {
	Certificates map[string]*Certificate `json:"certificates"` // by ARN
}

// Certificate is an ACM certificate and the state of its DNS validation.
type Certificate struct {
	ARN              string             `json:"arn"`
	DomainName       string             `json:"domain_name"`
	SANs             []string           `json:"sans"` // includes DomainName, first
	Status           string             `json:"status"`
	KeyAlgorithm     string             `json:"key_algorithm"`
	IdempotencyToken string             `json:"idempotency_token,omitempty"`
	Validations      []DomainValidation `json:"validations"`
	// RecordsShown is false until the first DescribeCertificate: AWS needs
	// a moment before it shows the validation records.
	RecordsShown bool      `json:"records_shown"`
	RecordsSeen  time.Time `json:"records_seen"` // when every validation CNAME was first found
	Serial       string    `json:"serial"`
	CreatedAt    time.Time `json:"created_at"`
	IssuedAt     time.Time `json:"issued_at"`
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
	Tags         []Tag     `json:"tags"`
}

// DomainValidation is one domain of a certificate with the CNAME that proves it.
type DomainValidation struct {
	Domain      string `json:"domain"`
	RecordName  string `json:"record_name"`
	RecordValue string `json:"record_value"`
	Status      string `json:"status"` // PENDING_VALIDATION, SUCCESS, FAILED
}

// validationTimeout is how long ACM waits for the validation records.
const validationTimeout = 72 * time.Hour

func newACMState() *ACMState { return &ACMState{Certificates: map[string]*Certificate{}} }

func acmHandlers() map[string]handler {
	return map[string]handler{
		"RequestCertificate":        jsonOp(acmRequestCertificate),
		"DescribeCertificate":       jsonOp(acmDescribeCertificate),
		"ListCertificates":          jsonOp(acmListCertificates),
		"DeleteCertificate":         jsonOp(acmDeleteCertificate),
		"AddTagsToCertificate":      jsonOp(acmAddTagsToCertificate),
		"RemoveTagsFromCertificate": jsonOp(acmRemoveTagsFromCertificate),
		"ListTagsForCertificate":    jsonOp(acmListTagsForCertificate),
	}
}

func (s *ACMState) inventory() []InventoryItem {
	if s.Certificates == nil {
		s.Certificates = map[string]*Certificate{}
	}
	var items []InventoryItem
	for _, c := range s.Certificates {
		items = append(items, InventoryItem{Type: "acm:certificate", ID: c.ARN, Name: c.DomainName, State: c.Status, Tags: tagMap(c.Tags)})
	}
	return items
}

// tick issues certificates whose validation records have been in a hosted
// zone for the validation delay, and times out those left unvalidated.
func (s *ACMState) tick(r *Region, now time.Time, d durations) {
	if s.Certificates == nil {
		s.Certificates = map[string]*Certificate{}
	}
	for _, c := range s.Certificates {
		if c.Status != "PENDING_VALIDATION" {
			continue
		}
		if !now.Before(c.CreatedAt.Add(validationTimeout)) {
			c.Status = "VALIDATION_TIMED_OUT"
			for i := range c.Validations {
				c.Validations[i].Status = "FAILED"
			}
			continue
		}
		all := true
		for _, v := range c.Validations {
			all = all && r.w.Route53.hasRecord(v.RecordName, "CNAME", v.RecordValue)
		}
		switch {
		case !all:
			c.RecordsSeen = time.Time{}
		case c.RecordsSeen.IsZero():
			c.RecordsSeen = now
		}
		if all && !now.Before(c.RecordsSeen.Add(d.CertValidation)) {
			c.Status = "ISSUED"
			c.IssuedAt = now
			c.NotBefore = now
			c.NotAfter = now.AddDate(0, 13, 0)
			for i := range c.Validations {
				c.Validations[i].Status = "SUCCESS"
			}
		}
	}
}

// acmTag is a tag as ACM's JSON carries it.
type acmTag struct {
	Key   string `json:"Key"`
	Value string `json:"Value,omitempty"`
}

// domainPattern is what ACM accepts as a domain: labels of letters, digits
// and hyphens, optionally a leading "*." wildcard.
// It is compiled on first use: its counted repetitions make a large
// program, and every start of the binary would pay for it.
var domainPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\*\.)?([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,63}\.?$`)
})

func validDomain(d string) bool { return len(d) <= 253 && domainPattern().MatchString(d) }

// validationBase is the domain whose CNAME proves d: a wildcard is proved
// by its base domain, so *.example.com and example.com share one record.
func validationBase(d string) string { return strings.TrimPrefix(strings.TrimSuffix(d, "."), "*.") }

type acmRequestInput struct {
	DomainName              string   `json:"DomainName"`
	SubjectAlternativeNames []string `json:"SubjectAlternativeNames"`
	ValidationMethod        string   `json:"ValidationMethod"`
	IdempotencyToken        string   `json:"IdempotencyToken"`
	KeyAlgorithm            string   `json:"KeyAlgorithm"`
	CertificateAuthorityArn string   `json:"CertificateAuthorityArn"`
	Tags                    []acmTag `json:"Tags"`
}

func acmRequestCertificate(c *call, in *acmRequestInput) (any, error) {
	s := c.r.ACM
	if !validDomain(in.DomainName) {
		return nil, errBadRequest("ValidationException", "1 validation error detected: Value '%s' at 'domainName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$", in.DomainName)
	}
	switch in.ValidationMethod {
	case "", "DNS":
	case "EMAIL":
		return nil, errBadRequest("InvalidParameterException", "The sandbox validates certificates by DNS only")
	default:
		return nil, errBadRequest("ValidationException", "Value '%s' at 'validationMethod' failed to satisfy constraint: Member must satisfy enum value set: [EMAIL, DNS, HTTP]", in.ValidationMethod)
	}
	if in.CertificateAuthorityArn != "" {
		return nil, errBadRequest("InvalidParameterException", "The sandbox issues public certificates only")
	}
	keyAlg := in.KeyAlgorithm
	if keyAlg == "" {
		keyAlg = "RSA_2048"
	}
	if !slices.Contains([]string{"RSA_2048", "EC_prime256v1", "EC_secp384r1"}, keyAlg) {
		return nil, errBadRequest("ValidationException", "Value '%s' at 'keyAlgorithm' is not a key algorithm ACM issues public certificates with", keyAlg)
	}
	if len(in.IdempotencyToken) > 32 {
		return nil, errBadRequest("ValidationException", "Value at 'idempotencyToken' failed to satisfy constraint: Member must have length less than or equal to 32")
	}
	sans := []string{in.DomainName}
	for _, d := range in.SubjectAlternativeNames {
		if !validDomain(d) {
			return nil, errBadRequest("ValidationException", "Value '%s' in 'subjectAlternativeNames' is not a valid domain name", d)
		}
		if !slices.Contains(sans, d) {
			sans = append(sans, d)
		}
	}
	if len(sans) > 10 {
		return nil, errBadRequest("LimitExceededException", "Cannot request more than 10 domain names per certificate (the default quota)")
	}
	tags, err := acmMergeTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	if in.IdempotencyToken != "" {
		// The same token and domain within an hour give the same certificate.
		for _, cert := range s.Certificates {
			if cert.IdempotencyToken == in.IdempotencyToken && cert.DomainName == in.DomainName && c.now.Sub(cert.CreatedAt) < time.Hour {
				return map[string]string{"CertificateArn": cert.ARN}, nil
			}
		}
	}
	cert := &Certificate{
		ARN:              "arn:aws:acm:" + c.region + ":" + AccountID + ":certificate/" + uuidFrom(c.w.newHex(32)),
		DomainName:       in.DomainName,
		SANs:             sans,
		Status:           "PENDING_VALIDATION",
		KeyAlgorithm:     keyAlg,
		IdempotencyToken: in.IdempotencyToken,
		Serial:           serialFrom(c.w.newHex(32)),
		CreatedAt:        c.now,
		Tags:             tags,
	}
	records := map[string][2]string{}
	for _, d := range sans {
		base := validationBase(d)
		rec, ok := records[base]
		if !ok {
			rec = [2]string{"_" + c.w.newHex(32) + "." + base + ".", "_" + c.w.newHex(32) + "." + c.w.newHex(10) + ".acm-validations.aws."}
			records[base] = rec
		}
		cert.Validations = append(cert.Validations, DomainValidation{Domain: d, RecordName: rec[0], RecordValue: rec[1], Status: "PENDING_VALIDATION"})
	}
	s.Certificates[cert.ARN] = cert
	return map[string]string{"CertificateArn": cert.ARN}, nil
}

// uuidFrom formats 32 hex digits as a UUID, as ACM certificate ids are.
func uuidFrom(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// serialFrom formats hex as a colon-separated serial number.
func serialFrom(h string) string {
	var parts []string
	for i := 0; i+2 <= len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// certificate returns the certificate with arn, or ACM's error for it.
func (s *ACMState) certificate(arn string) (*Certificate, *APIError) {
	if !strings.HasPrefix(arn, "arn:aws:acm:") || !strings.Contains(arn, ":certificate/") {
		return nil, errBadRequest("InvalidArnException", "String '%s' is not a valid ARN", arn)
	}
	if cert := s.Certificates[arn]; cert != nil {
		return cert, nil
	}
	return nil, errBadRequest("ResourceNotFoundException", "Could not find certificate %s.", arn)
}

// epoch is a timestamp as JSON 1.1 carries it: seconds since the epoch.
func epoch(t time.Time) *float64 {
	if t.IsZero() {
		return nil
	}
	v := float64(t.UnixMilli()) / 1000
	return &v
}

type acmResourceRecord struct {
	Name  string `json:"Name"`
	Type  string `json:"Type"`
	Value string `json:"Value"`
}

type acmDomainValidation struct {
	DomainName       string             `json:"DomainName"`
	ValidationDomain string             `json:"ValidationDomain"`
	ValidationStatus string             `json:"ValidationStatus"`
	ValidationMethod string             `json:"ValidationMethod"`
	ResourceRecord   *acmResourceRecord `json:"ResourceRecord,omitempty"`
}

type acmCertificateDetail struct {
	CertificateArn          string                `json:"CertificateArn"`
	DomainName              string                `json:"DomainName"`
	SubjectAlternativeNames []string              `json:"SubjectAlternativeNames"`
	DomainValidationOptions []acmDomainValidation `json:"DomainValidationOptions"`
	Serial                  string                `json:"Serial,omitempty"`
	Subject                 string                `json:"Subject,omitempty"`
	Issuer                  string                `json:"Issuer,omitempty"`
	CreatedAt               *float64              `json:"CreatedAt,omitempty"`
	IssuedAt                *float64              `json:"IssuedAt,omitempty"`
	NotBefore               *float64              `json:"NotBefore,omitempty"`
	NotAfter                *float64              `json:"NotAfter,omitempty"`
	Status                  string                `json:"Status"`
	KeyAlgorithm            string                `json:"KeyAlgorithm"`
	SignatureAlgorithm      string                `json:"SignatureAlgorithm,omitempty"`
	InUseBy                 []string              `json:"InUseBy"`
	Type                    string                `json:"Type"`
	RenewalEligibility      string                `json:"RenewalEligibility"`
	Options                 map[string]string     `json:"Options"`
}

type acmARNInput struct {
	CertificateArn string `json:"CertificateArn"`
}

func acmDescribeCertificate(c *call, in *acmARNInput) (any, error) {
	cert, err := c.r.ACM.certificate(in.CertificateArn)
	if err != nil {
		return nil, err
	}
	out := acmCertificateDetail{
		CertificateArn:          cert.ARN,
		DomainName:              cert.DomainName,
		SubjectAlternativeNames: cert.SANs,
		Subject:                 "CN=" + cert.DomainName,
		CreatedAt:               epoch(cert.CreatedAt),
		Status:                  cert.Status,
		KeyAlgorithm:            strings.ReplaceAll(cert.KeyAlgorithm, "_", "-"),
		InUseBy:                 c.r.ELB.loadBalancersUsingCertificate(cert.ARN),
		Type:                    "AMAZON_ISSUED",
		RenewalEligibility:      "INELIGIBLE",
		Options:                 map[string]string{"CertificateTransparencyLoggingPreference": "ENABLED"},
	}
	if out.InUseBy == nil {
		out.InUseBy = []string{}
	}
	if cert.Status == "ISSUED" {
		out.Serial = cert.Serial
		out.Issuer = "Amazon"
		out.SignatureAlgorithm = "SHA256WITHRSA"
		out.IssuedAt, out.NotBefore, out.NotAfter = epoch(cert.IssuedAt), epoch(cert.NotBefore), epoch(cert.NotAfter)
		if len(out.InUseBy) > 0 {
			out.RenewalEligibility = "ELIGIBLE"
		}
	}
	for _, v := range cert.Validations {
		dv := acmDomainValidation{DomainName: v.Domain, ValidationDomain: v.Domain, ValidationStatus: v.Status, ValidationMethod: "DNS"}
		if cert.RecordsShown {
			dv.ResourceRecord = &acmResourceRecord{Name: v.RecordName, Type: "CNAME", Value: v.RecordValue}
		}
		out.DomainValidationOptions = append(out.DomainValidationOptions, dv)
	}
	cert.RecordsShown = true
	return map[string]any{"Certificate": out}, nil
}

type acmListInput struct {
	CertificateStatuses []string `json:"CertificateStatuses"`
	Includes            struct {
		KeyTypes []string `json:"keyTypes"`
	} `json:"Includes"`
	MaxItems  int    `json:"MaxItems"`
	NextToken string `json:"NextToken"`
}

type acmSummary struct {
	CertificateArn                       string   `json:"CertificateArn"`
	DomainName                           string   `json:"DomainName"`
	SubjectAlternativeNameSummaries      []string `json:"SubjectAlternativeNameSummaries"`
	HasAdditionalSubjectAlternativeNames bool     `json:"HasAdditionalSubjectAlternativeNames"`
	Status                               string   `json:"Status"`
	Type                                 string   `json:"Type"`
	KeyAlgorithm                         string   `json:"KeyAlgorithm"`
	InUse                                bool     `json:"InUse"`
	RenewalEligibility                   string   `json:"RenewalEligibility"`
	CreatedAt                            *float64 `json:"CreatedAt,omitempty"`
	IssuedAt                             *float64 `json:"IssuedAt,omitempty"`
	NotBefore                            *float64 `json:"NotBefore,omitempty"`
	NotAfter                             *float64 `json:"NotAfter,omitempty"`
}

var acmStatuses = []string{"PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT", "REVOKED", "FAILED"}

func acmListCertificates(c *call, in *acmListInput) (any, error) {
	for _, st := range in.CertificateStatuses {
		if !slices.Contains(acmStatuses, st) {
			return nil, errBadRequest("ValidationException", "Value '%s' at 'certificateStatuses' failed to satisfy constraint: Member must satisfy enum value set: [%s]", st, strings.Join(acmStatuses, ", "))
		}
	}
	size := in.MaxItems
	if size == 0 {
		size = 1000
	}
	if size < 1 || size > 1000 {
		return nil, errBadRequest("ValidationException", "Value '%d' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000", in.MaxItems)
	}
	// Without a key type filter ACM lists RSA 1024 and 2048 certificates only.
	keyTypes := in.Includes.KeyTypes
	if len(keyTypes) == 0 {
		keyTypes = []string{"RSA_1024", "RSA_2048"}
	}
	var all []acmSummary
	for _, arn := range sortedKeys(c.r.ACM.Certificates) {
		cert := c.r.ACM.Certificates[arn]
		if len(in.CertificateStatuses) > 0 && !slices.Contains(in.CertificateStatuses, cert.Status) {
			continue
		}
		if !slices.Contains(keyTypes, cert.KeyAlgorithm) {
			continue
		}
		sum := acmSummary{
			CertificateArn: cert.ARN, DomainName: cert.DomainName, SubjectAlternativeNameSummaries: cert.SANs,
			Status: cert.Status, Type: "AMAZON_ISSUED", KeyAlgorithm: strings.ReplaceAll(cert.KeyAlgorithm, "_", "-"),
			InUse: len(c.r.ELB.loadBalancersUsingCertificate(arn)) > 0, RenewalEligibility: "INELIGIBLE",
			CreatedAt: epoch(cert.CreatedAt), IssuedAt: epoch(cert.IssuedAt), NotBefore: epoch(cert.NotBefore), NotAfter: epoch(cert.NotAfter),
		}
		all = append(all, sum)
	}
	start := 0
	if in.NextToken != "" {
		n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "acm-page-"))
		if err != nil || n < 0 || n > len(all) {
			return nil, errBadRequest("InvalidArgsException", "The NextToken '%s' is not valid", in.NextToken)
		}
		start = n
	}
	end := min(start+size, len(all))
	out := map[string]any{"CertificateSummaryList": nonNilSlice(all[start:end])}
	if end < len(all) {
		out["NextToken"] = "acm-page-" + strconv.Itoa(end)
	}
	return out, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func acmDeleteCertificate(c *call, in *acmARNInput) (any, error) {
	cert, err := c.r.ACM.certificate(in.CertificateArn)
	if err != nil {
		return nil, err
	}
	if users := c.r.ELB.loadBalancersUsingCertificate(cert.ARN); len(users) > 0 {
		return nil, errBadRequest("ResourceInUseException", "Certificate %s in account %s is in use.", cert.ARN, AccountID)
	}
	delete(c.r.ACM.Certificates, cert.ARN)
	return nil, nil
}

// acmMergeTags adds or replaces tags, with ACM's limits and errors.
func acmMergeTags(existing []Tag, add []acmTag) ([]Tag, *APIError) {
	out := append([]Tag(nil), existing...)
	for _, t := range add {
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, errBadRequest("InvalidTagException", "Tag key must be 1 to 128 characters and value at most 256 characters")
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, errBadRequest("InvalidTagException", "Tag keys starting with 'aws:' are reserved for AWS use")
		}
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value, replaced = t.Value, true
			}
		}
		if !replaced {
			out = append(out, Tag{Key: t.Key, Value: t.Value})
		}
	}
	if len(out) > 50 {
		return nil, errBadRequest("TooManyTagsException", "the TagSet contains more than 50 tags")
	}
	return out, nil
}

type acmTagsInput struct {
	CertificateArn string   `json:"CertificateArn"`
	Tags           []acmTag `json:"Tags"`
}

func acmAddTagsToCertificate(c *call, in *acmTagsInput) (any, error) {
	cert, err := c.r.ACM.certificate(in.CertificateArn)
	if err != nil {
		return nil, err
	}
	if len(in.Tags) == 0 {
		return nil, errBadRequest("ValidationException", "Tags must not be empty")
	}
	tags, err := acmMergeTags(cert.Tags, in.Tags)
	if err != nil {
		return nil, err
	}
	cert.Tags = tags
	return nil, nil
}

func acmRemoveTagsFromCertificate(c *call, in *acmTagsInput) (any, error) {
	cert, err := c.r.ACM.certificate(in.CertificateArn)
	if err != nil {
		return nil, err
	}
	var kept []Tag
	for _, t := range cert.Tags {
		// A tag given with a value is removed only when the value matches.
		drop := slices.ContainsFunc(in.Tags, func(x acmTag) bool { return x.Key == t.Key && (x.Value == "" || x.Value == t.Value) })
		if !drop {
			kept = append(kept, t)
		}
	}
	cert.Tags = kept
	return nil, nil
}

func acmListTagsForCertificate(c *call, in *acmARNInput) (any, error) {
	cert, err := c.r.ACM.certificate(in.CertificateArn)
	if err != nil {
		return nil, err
	}
	tags := []acmTag{}
	for _, t := range cert.Tags {
		tags = append(tags, acmTag{t.Key, t.Value})
	}
	return map[string]any{"Tags": tags}, nil
}
