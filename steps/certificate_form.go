package steps

// Form asks whether the load balancer serves HTTPS and, if so, the hosted
// zone and name the certificate is for (the DNS step's fields, asked here
// too).
func (certificateStep) Form() Form {
	https := func(a Answers) bool { return a.On("load_balancer.https") }
	zone, record := dnsZoneField(), dnsRecordField()
	zone.Shared, record.Shared = true, true
	zone.Hidden, record.Hidden = HiddenKept, HiddenKept
	return Form{
		Waits: []FormLookup{LookupZones, LookupCerts},
		Groups: []FormGroup{
			{Fields: []FormField{{Path: "load_balancer.https", Title: "HTTPS", Kind: FieldConfirm, Inline: true}}},
			{Hide: func(a Answers) bool { return !https(a) }, Fields: []FormField{zone, record}},
		},
	}
}
