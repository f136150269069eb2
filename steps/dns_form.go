package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the hosted zone and the name the stack answers on.
func (dnsStep) Form() Form {
	return Form{
		Owns:   []string{"dns"},
		Waits:  []FormLookup{LookupZones},
		Groups: []FormGroup{{Fields: []FormField{dnsZoneField(), dnsRecordField()}}},
		// No zone, no name to validate a certificate for.
		Then: func(s, _ *spec.Spec) {
			if s.DNS.Zone == "" {
				s.LoadBalancer.HTTPS = false
			}
		},
	}
}

// dnsZoneField asks dns.zone, suggesting the account's public zones.
func dnsZoneField() FormField {
	return FormField{Path: "dns.zone", Title: "Hosted zone", Kind: FieldText, Placeholder: "example.com", Lookup: LookupZones,
		Validate: func(a Answers, _ string) error {
			zone := strings.TrimSpace(a.Text("dns.zone"))
			if a.On("load_balancer.https") && zone == "" {
				return &spec.FieldError{Problem: "is empty but HTTPS needs it", Fix: "name the hosted zone the certificate is validated in, like example.com"}
			}
			return spec.ValidateDNSZone(zone)
		}}
}

// dnsRecordField asks dns.record, checked inside the zone.
func dnsRecordField() FormField {
	return FormField{Path: "dns.record", Title: "Name", Kind: FieldText,
		Validate: func(a Answers, _ string) error {
			return spec.ValidateDNSRecord(strings.TrimSpace(a.Text("dns.record")), strings.TrimSpace(a.Text("dns.zone")))
		}}
}
