package fleet

import (
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// issueCertificate requests a DNS-validated certificate for name, writes
// its validation CNAME into zone and waits until ACM issues it.
func (w *fleetWorld) issueCertificate(zone, name string) string {
	w.T.Helper()
	// ACM validates only a zone the domain's registrar points at: the
	// sandbox is told it does, as a registrar would be.
	resp, err := http.Post(w.URL+"/_sandbox/delegate", "application/json", strings.NewReader(`{"zone":"`+zone+`"}`))
	w.Must(err, "delegate zone")
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		w.T.Fatalf("delegate zone %s: HTTP %d", zone, resp.StatusCode)
	}
	c := acm.NewFromConfig(w.Cfg)
	out, err := c.RequestCertificate(w.Ctx, &acm.RequestCertificateInput{DomainName: sdk.String(name), ValidationMethod: acmtypes.ValidationMethodDns})
	w.Must(err, "RequestCertificate")
	arn := *out.CertificateArn
	for range 20 {
		d, err := c.DescribeCertificate(w.Ctx, &acm.DescribeCertificateInput{CertificateArn: sdk.String(arn)})
		w.Must(err, "DescribeCertificate")
		cert := d.Certificate
		if cert.Status == acmtypes.CertificateStatusIssued {
			return arn
		}
		if len(cert.DomainValidationOptions) > 0 && cert.DomainValidationOptions[0].ResourceRecord != nil {
			rr := cert.DomainValidationOptions[0].ResourceRecord
			_, err := w.R53.ChangeResourceRecordSets(w.Ctx, &route53.ChangeResourceRecordSetsInput{HostedZoneId: sdk.String(zone), ChangeBatch: &r53types.ChangeBatch{
				Changes: []r53types.Change{{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
					Name: rr.Name, Type: r53types.RRTypeCname, TTL: sdk.Int64(300), ResourceRecords: []r53types.ResourceRecord{{Value: rr.Value}},
				}}},
			}})
			w.Must(err, "ChangeResourceRecordSets CNAME")
		}
		w.Advance(10 * time.Second)
	}
	w.T.Fatalf("certificate %s was not issued", arn)
	return ""
}

func TestSnapshotReadsTheHTTPSListenerItsRuleAndTheCertificateExpiry(t *testing.T) {
	w := newFleetWorld(t, 1)
	cert := w.issueCertificate(w.Target.ZoneID, "api.example.com")
	_, err := w.ELB.CreateListener(w.Ctx, &elb.CreateListenerInput{LoadBalancerArn: sdk.String(w.Target.LoadBalancerARN), Port: sdk.Int32(443), Protocol: elbtypes.ProtocolEnumHttps,
		Certificates:   []elbtypes.Certificate{{CertificateArn: sdk.String(cert)}},
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: sdk.String(w.Target.TargetGroupARN)}}})
	w.Must(err, "CreateListener HTTPS")

	s, err := w.Fleet.Snapshot(w.Ctx, w.Target, SnapshotOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lb := s.LB
	if len(lb.Listeners) != 2 || lb.Listeners[1].Port != 443 || lb.Listeners[1].CertificateARN != cert {
		t.Fatalf("listeners = %+v", lb.Listeners)
	}
	if r := lb.Listeners[1].Rules; len(r) != 0 {
		t.Errorf("rules = %+v, want none but the default", r)
	}
	if len(lb.Certificates) != 1 {
		t.Fatalf("certificates = %+v", lb.Certificates)
	}
	c := lb.Certificates[0]
	days := c.NotAfter.Sub(s.TakenAt).Hours() / 24
	if c.ARN != cert || c.Domain != "api.example.com" || c.Status != "ISSUED" || days < 390 || days > 400 {
		t.Errorf("certificate = %+v (expires in %.0f days)", c, days)
	}
	if !strings.HasSuffix(lb.Listeners[1].Default, "demo-tg") {
		t.Errorf("HTTPS default action = %q", lb.Listeners[1].Default)
	}
	// 9 + load balancer, target group, listeners, 2 × rules, certificate, record.
	if s.Calls != 9+7 {
		t.Errorf("calls = %d, want 16", s.Calls)
	}
}

// The sandbox has no CreateRule (stackwiz makes none), so the words for
// rules and actions are checked on the SDK's own types.
func TestListenerActionsAndConditionsInWords(t *testing.T) {
	tg := func(name string) *string {
		return sdk.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/" + name + "/0123456789abcdef")
	}
	cases := []struct {
		actions []elbtypes.Action
		want    string
	}{
		{[]elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg("blue-tg")}}, "forward to blue-tg"},
		{[]elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: []elbtypes.TargetGroupTuple{
			{TargetGroupArn: tg("blue-tg"), Weight: sdk.Int32(90)}, {TargetGroupArn: tg("green-tg"), Weight: sdk.Int32(10)}}}}},
			"forward to blue-tg (weight 90), green-tg (weight 10)"},
		{[]elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{Protocol: sdk.String("HTTPS"), Port: sdk.String("443"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}},
			"redirect to HTTPS:443 (301)"},
		{[]elbtypes.Action{{Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: sdk.String("503")}}}, "fixed response 503"},
	}
	for _, c := range cases {
		if got := actionsText(c.actions); got != c.want {
			t.Errorf("actions = %q, want %q", got, c.want)
		}
	}
	conds := []elbtypes.RuleCondition{
		{Field: sdk.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/api/*", "/v2/*"}}},
		{Field: sdk.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{"api.example.com"}}},
	}
	if got := conditionsText(conds); got != "path-pattern /api/*,/v2/* and host-header api.example.com" {
		t.Errorf("conditions = %q", got)
	}
}
