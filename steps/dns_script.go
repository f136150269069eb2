package steps

import (
	"fmt"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// cliTags writes the stack's tags as the AWS CLI's --tags shorthand: one
// Key=...,Value=... argument per tag, the form ACM, ELBv2 and Route 53 take.
func cliTags(stack string, step StepID, key, name string) string {
	pairs := []string{
		shellQuote(fmt.Sprintf("Key=%s,Value=%s", TagStack, stack)),
		shellQuote(fmt.Sprintf("Key=%s,Value=%s", TagStep, step)),
		shellQuote(fmt.Sprintf("Key=%s,Value=%s", TagKey, key)),
	}
	if name != "" {
		pairs = append(pairs, shellQuote(fmt.Sprintf("Key=Name,Value=%s", name)))
	}
	return strings.Join(pairs, " ")
}

// scriptZone writes the hosted zone lookup both the certificate and the
// DNS step need, once: ZONE_ID is the user's public zone, or a new one.
func scriptZone(s *spec.Spec, w *Script) {
	zone := strings.TrimSuffix(aws.FQDN(s.DNS.Zone), ".")
	w.Line(`if [ -z "${ZONE_ID:-}" ]; then`)
	w.Capture("ZONE_ID", "aws route53 list-hosted-zones-by-name --dns-name "+shellQuote(zone),
		"HostedZones[?Name==`"+zone+".` && !Config.PrivateZone] | [0].Id")
	w.Line(`if [ "$ZONE_ID" = "None" ]; then`)
	w.Comment("No public zone for %s yet: create one. Until your registrar delegates the domain to the", zone)
	w.Comment("name servers printed below, the certificate cannot validate and the name does not resolve.")
	w.Capture("ZONE_ID", fmt.Sprintf("aws route53 create-hosted-zone --name %s --caller-reference \"stackwiz:$STACK:$(date +%%s)\"", shellQuote(zone)),
		"HostedZone.Id")
	w.Line(`aws route53 change-tags-for-resource --resource-type hostedzone --resource-id "${ZONE_ID##*/}" \`)
	w.Line("  --add-tags %s", cliTags(s.Name, StepDNS, zoneKey, ""))
	w.Line(`aws route53 get-hosted-zone --id "$ZONE_ID" --query 'DelegationSet.NameServers' --output text`)
	w.Line("fi")
	w.Line("fi")
}

// Script writes the alias record as AWS CLI commands. It reads ALB_DNS and
// ALB_ZONE_ID (the load balancer's canonical hosted zone) and sets ZONE_ID.
func (dnsStep) Script(s *spec.Spec, w *Script) {
	scriptZone(s, w)
	name := strings.TrimSuffix(aws.FQDN(s.DNS.Record), ".")
	w.Comment("An alias, not a CNAME: it works at the zone apex and follows the load balancer's addresses.")
	w.Comment("HostedZoneId is the load balancer's own zone (CanonicalHostedZoneId), not %s's.", strings.TrimSuffix(aws.FQDN(s.DNS.Zone), "."))
	w.Comment("UPSERT replaces whatever A record %s has: look first (stackwiz refuses to overwrite one", name)
	w.Comment("that is not its own):  aws route53 list-resource-record-sets --hosted-zone-id \"$ZONE_ID\" --query \"ResourceRecordSets[?Name=='%s.']\"", name)
	for _, rtype := range aliasTypes(s) {
		batch := fmt.Sprintf(`{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"%s","Type":"%s","AliasTarget":{"HostedZoneId":"'"$ALB_ZONE_ID"'","DNSName":"dualstack.'"$ALB_DNS"'","EvaluateTargetHealth":true}}}]}`, name, rtype)
		w.Capture("CHANGE_ID", fmt.Sprintf("aws route53 change-resource-record-sets --hosted-zone-id \"$ZONE_ID\" \\\n  --change-batch '%s'", batch), "ChangeInfo.Id")
		w.Line(`aws route53 wait resource-record-sets-changed --id "$CHANGE_ID"`)
	}
}

// Script writes the certificate request and its DNS validation as AWS CLI
// commands. It sets ZONE_ID and CERT_ARN.
func (certificateStep) Script(s *spec.Spec, w *Script) {
	scriptZone(s, w)
	domain := certDomain(s)
	w.Capture("CERT_ARN", fmt.Sprintf("aws acm request-certificate --domain-name %s --validation-method DNS \\\n  --idempotency-token %s \\\n  --tags %s",
		shellQuote(domain), aws.IdempotencyToken("stackwiz"+s.Name+domain), cliTags(s.Name, StepCertificate, certKey(s), domain)), "CertificateArn")
	w.Comment("ACM names the validation CNAME a few seconds after the request.")
	w.Line(`until read -r VALIDATION_NAME VALIDATION_VALUE < <(aws acm describe-certificate --certificate-arn "$CERT_ARN" \`)
	w.Line(`    --query 'Certificate.DomainValidationOptions[0].ResourceRecord.[Name,Value]' --output text) && [ "$VALIDATION_NAME" != "None" ]; do`)
	w.Line("  sleep 5")
	w.Line("done")
	w.Line(`aws route53 change-resource-record-sets --hosted-zone-id "$ZONE_ID" \`)
	w.Line(`  --change-batch '{"Changes":[{"Action":"UPSERT","ResourceRecordSet":{"Name":"'"$VALIDATION_NAME"'","Type":"CNAME","TTL":300,"ResourceRecords":[{"Value":"'"$VALIDATION_VALUE"'"}]}}]}'`)
	w.Comment("Issued within minutes once ACM sees the CNAME; the waiter gives up after 40 minutes.")
	w.Line(`aws acm wait certificate-validated --certificate-arn "$CERT_ARN"`)
}
