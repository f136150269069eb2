package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// appUserData is user data that starts an app, as examples/start.sh does.
var appUserData = base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\nset -euo pipefail\nsystemctl enable --now app.service\n"))

// postControl posts body to a control endpoint and returns the status and
// the decoded answer.
func postControl(t *testing.T, url, path, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("POST %s answered %d %q: %v", path, resp.StatusCode, raw, err)
	}
	return resp.StatusCode, out
}

func TestUserDataRunsSomethingOnlyWhenALineIsNeitherBlankNorAComment(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   bool
	}{
		{"", false},
		{"#!/bin/bash\n", false},
		{"#!/bin/bash\n# nothing yet\n\n   \n", false},
		{"#!/bin/bash\nsystemctl start app\n", true},
		{"python3 -m http.server 3000", true},
		{"#cloud-config\nruncmd:\n - [systemctl, start, app]\n", true},
	} {
		if got := userDataRunsSomething(base64.StdEncoding.EncodeToString([]byte(tc.script))); got != tc.want {
			t.Errorf("userDataRunsSomething(%q) = %v, want %v", tc.script, got, tc.want)
		}
	}
	if userDataRunsSomething("not base64!") {
		t.Error("user data that is not base64 runs something")
	}
}

// stockInstance launches the public Amazon Linux image in the app group
// with no user data: nothing listens on the app port.
func (f *servingFixture) stockInstance() string {
	f.t.Helper()
	out := f.run(1, func(in *ec2.RunInstancesInput) {
		in.SubnetId = aws.String(f.subnets[0])
		in.SecurityGroupIds = []string{f.appSG}
	})
	id := aws.ToString(out.Instances[0].InstanceId)
	f.Advance(80 * time.Second)
	return id
}

func TestTargetOfAStockImageWithoutUserDataNeverPassesAndAppHealthOverrides(t *testing.T) {
	f := newServingFixture(t)
	id := f.stockInstance()
	f.register(id)
	f.Advance(time.Hour)
	// The connection is refused: AWS's "error while establishing a connection".
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumFailedHealthChecks, "Health checks failed")

	// The control endpoint still decides when it is used.
	if code, out := postControl(t, f.URL, "/_sandbox/app-health", `{"instance_id": "`+id+`", "healthy": true}`); code != http.StatusOK {
		t.Fatalf("app-health healthy: %d %v", code, out)
	}
	f.Advance(150 * time.Second) // five passing checks 30 s apart (the default threshold)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumHealthy, "", "")
	if code, out := postControl(t, f.URL, "/_sandbox/app-health", `{"instance_id": "`+id+`", "healthy": false}`); code != http.StatusOK {
		t.Fatalf("app-health unhealthy: %d %v", code, out)
	}
	f.Advance(time.Minute)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumResponseCodeMismatch, "Health checks failed with these codes: [500]")
}

func TestImageBakedFromABuilderWhoseUserDataStartedTheAppServesWithoutUserData(t *testing.T) {
	f := newServingFixture(t)
	bake := func(name string, userData *string) string {
		t.Helper()
		out := f.run(1, func(in *ec2.RunInstancesInput) {
			in.SubnetId = aws.String(f.subnets[0])
			in.SecurityGroupIds = []string{f.appSG}
			in.UserData = userData
		})
		f.Advance(80 * time.Second)
		img := must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{
			InstanceId: out.Instances[0].InstanceId, Name: aws.String(name), NoReboot: aws.Bool(true)}))
		f.Advance(5 * time.Minute) // pending → available
		return aws.ToString(img.ImageId)
	}
	launch := func(image string) string {
		t.Helper()
		out := f.run(1, func(in *ec2.RunInstancesInput) {
			in.ImageId = aws.String(image)
			in.SubnetId = aws.String(f.subnets[0])
			in.SecurityGroupIds = []string{f.appSG}
		})
		return aws.ToString(out.Instances[0].InstanceId)
	}
	baked, bare := launch(bake("web-baked", aws.String(appUserData))), launch(bake("web-bare", nil))
	f.Advance(80 * time.Second)
	f.register(baked)
	f.register(bare)
	f.Advance(5 * time.Minute)
	f.wantHealth(f.tgARN, baked, elbtypes.TargetHealthStateEnumHealthy, "", "")
	f.wantHealth(f.tgARN, bare, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumFailedHealthChecks, "Health checks failed")

	// And what the load balancer counts follows: one healthy, one not.
	out := must[*elb.DescribeTargetHealthOutput](t)(f.elb.DescribeTargetHealth(testCtx(t), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}))
	if len(out.TargetHealthDescriptions) != 2 {
		t.Fatalf("%d targets, want 2", len(out.TargetHealthDescriptions))
	}
}

func TestCertificateValidatesOnlyOnceItsZoneIsDelegated(t *testing.T) {
	f := newELBFixture(t, realistic)
	cert := must[*acmRequest](t)(f.requestCertificate("api.example.com"))
	zone := f.writeValidationRecords(cert)
	f.Advance(24 * time.Hour)
	if got := f.describeCertificate(cert.arn).Status; got != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("a day after the CNAME went into a zone nobody delegates to: %s, want PENDING_VALIDATION", got)
	}

	// The control endpoint stands in for the registrar.
	code, out := postControl(t, f.URL, "/_sandbox/delegate", `{"zone": "example.com"}`)
	if code != http.StatusOK || out["id"] != strings.TrimPrefix(zone, "/hostedzone/") || out["name"] != "example.com." || out["delegated"] != true {
		t.Fatalf("delegate: %d %v", code, out)
	}
	if ns, _ := out["name_servers"].([]any); len(ns) != 4 {
		t.Errorf("delegate answered name servers %v, want the zone's four", out["name_servers"])
	}
	f.Advance(59 * time.Second)
	if got := f.describeCertificate(cert.arn).Status; got != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("59 s after delegation: %s, want still PENDING_VALIDATION (ACM takes 60 s)", got)
	}
	f.Advance(2 * time.Second)
	if got := f.describeCertificate(cert.arn).Status; got != acmtypes.CertificateStatusIssued {
		t.Fatalf("61 s after delegation: %s, want ISSUED", got)
	}
}

func TestDelegateNamesTheZoneItCannotFind(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	for _, ref := range []string{"one", "two"} {
		if _, err := api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("twice.example"), CallerReference: aws.String(ref)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		body string
		code int
		want string
	}{
		{`{"zone": "nowhere.example"}`, http.StatusNotFound, "no such hosted zone: nowhere.example"},
		{`{"zone": "twice.example"}`, http.StatusBadRequest, "2 hosted zones are named twice.example."},
		{`{}`, http.StatusBadRequest, `send {"zone": "example.com"}`},
		{`{"zone": "x.example", "registrar": "y"}`, http.StatusBadRequest, `send {"zone": "example.com"}`},
	} {
		code, out := postControl(t, ts.URL, "/_sandbox/delegate", tc.body)
		if msg, _ := out["error"].(string); code != tc.code || !strings.Contains(msg, tc.want) {
			t.Errorf("delegate %s = %d %q, want %d containing %q", tc.body, code, msg, tc.code, tc.want)
		}
	}
	zones := must[*route53.ListHostedZonesOutput](t)(api.ListHostedZones(ctx, &route53.ListHostedZonesInput{}))
	id := strings.TrimPrefix(aws.ToString(zones.HostedZones[0].Id), "/hostedzone/")
	if code, out := postControl(t, ts.URL, "/_sandbox/delegate", `{"zone": "/hostedzone/`+id+`"}`); code != http.StatusOK || out["id"] != id {
		t.Errorf("delegate by id = %d %v", code, out)
	}
	if code, out := postControl(t, ts.URL, "/_sandbox/delegate", `{"zone": "`+id+`", "delegated": false}`); code != http.StatusOK || out["delegated"] != false {
		t.Errorf("undelegate = %d %v", code, out)
	}
}

func TestZonesOfDelegatedDomainsAreDelegatedWhenCreated(t *testing.T) {
	f := newELBFixture(t, func(o *Options) { o.DelegatedDomains = []string{"Example.com."} })
	issued := must[*acmRequest](t)(f.requestCertificate("api.example.com"))
	f.writeValidationRecords(issued)
	pending := must[*acmRequest](t)(f.requestCertificate("api.example.org"))
	f.writeValidationRecords(pending)
	f.Advance(time.Hour)
	if got := f.describeCertificate(issued.arn).Status; got != acmtypes.CertificateStatusIssued {
		t.Errorf("certificate in a zone of a delegated domain: %s, want ISSUED", got)
	}
	if got := f.describeCertificate(pending.arn).Status; got != acmtypes.CertificateStatusPendingValidation {
		t.Errorf("certificate in a zone of another domain: %s, want PENDING_VALIDATION", got)
	}
}
