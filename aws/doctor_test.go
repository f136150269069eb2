package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/stackwiz/stackwiz/sandbox"
)

// doctorSandbox serves a fresh sandbox, optionally behind wrap, and
// returns it with a config for the real SDK clients.
func doctorSandbox(t *testing.T, wrap func(http.Handler) http.Handler) (*sandbox.Sandbox, sdk.Config, string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatalf("sandbox.New: %v", err)
	}
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(sb)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := WithRetryer(sandbox.Config(srv.URL, "eu-west-1"), Options{MaxAttempts: 2, MaxBackoff: time.Millisecond})
	return sb, cfg, srv.URL
}

func runDoctor(t *testing.T, cfg sdk.Config, url string) []Check {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return Doctor(ctx, cfg, DoctorOptions{RegionSource: "--region", Endpoint: url, CallTimeout: 5 * time.Second})
}

func find(t *testing.T, checks []Check, name string) Check {
	t.Helper()
	for _, c := range checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in:\n%s", name, dump(checks))
	return Check{}
}

func dump(checks []Check) string {
	var b strings.Builder
	for _, c := range checks {
		b.WriteString("  " + string(c.Status) + "\t" + c.Name + "\t" + c.Detail + "\t" + c.Fix + "\n")
	}
	return b.String()
}

var probedServices = []string{"EC2", "Elastic Load Balancing", "Auto Scaling", "IAM", "Route 53", "ACM", "CloudWatch", "SNS", "SSM", "KMS", "STS"}

func TestDoctorPassesOnTheSandbox(t *testing.T) {
	_, cfg, url := doctorSandbox(t, nil)
	checks := runDoctor(t, cfg, url)
	if Failed(checks) {
		t.Fatalf("doctor failed on the sandbox:\n%s", dump(checks))
	}
	for name, want := range map[string]string{
		"credentials":          "static credentials",
		"identity":             sandbox.CallerARN,
		"region":               "eu-west-1 (from --region)",
		"clock":                "within",
		"permissions":          "are allowed",
		"quota Elastic IPs":    "0 of 5 in use",
		"quota VPCs":           "1 of 5 in use", // the region's default VPC
		"quota load balancers": "0 of 50 in use",
		"billing alerts":       "EstimatedCharges is published",
	} {
		c := find(t, checks, name)
		if c.Status != StatusOK || !strings.Contains(c.Detail, want) {
			t.Errorf("%s: %s %q, want ok containing %q", name, c.Status, c.Detail, want)
		}
	}
	if c := find(t, checks, "credentials"); strings.Contains(c.Detail, "sandbox-secret") {
		t.Errorf("the secret key is printed: %q", c.Detail)
	}
	for _, svc := range probedServices {
		if c := find(t, checks, "endpoint "+svc); c.Status != StatusOK {
			t.Errorf("endpoint %s: %s %q", svc, c.Status, c.Detail)
		}
	}
	if c := find(t, checks, "quota On-Demand vCPUs"); c.Status != StatusWarn || !strings.Contains(c.Fix, "servicequotas") {
		t.Errorf("vCPU quota: want warn with the console link, got %+v", c)
	}
}

func TestClientsDoctorChecksWhereTheClientsPoint(t *testing.T) {
	sb, cfg, url := doctorSandbox(t, nil)
	if err := sb.SetFaults(sandbox.Faults{Deny: []string{"sns:*"}}); err != nil {
		t.Fatal(err)
	}
	checks := NewClients(cfg).Doctor(context.Background(), DoctorOptions{Endpoint: url, CallTimeout: 5 * time.Second})
	if c := find(t, checks, "permissions SNS"); c.Status != StatusFail || !strings.Contains(c.Detail, "sns:CreateTopic denied") {
		t.Errorf("permissions SNS: %+v", c)
	}
}

func TestDoctorFailsNamingADeniedAction(t *testing.T) {
	sb, cfg, url := doctorSandbox(t, nil)
	if err := sb.SetFaults(sandbox.Faults{Deny: []string{"ec2:RunInstances"}}); err != nil {
		t.Fatal(err)
	}
	checks := runDoctor(t, cfg, url)
	if !Failed(checks) {
		t.Fatalf("doctor passed with ec2:RunInstances denied:\n%s", dump(checks))
	}
	c := find(t, checks, "permissions EC2")
	if c.Status != StatusFail || !strings.Contains(c.Detail, "ec2:RunInstances denied (explicitDeny; needed for apply)") ||
		c.Fix != "ec2:RunInstances denied — allow it in your IAM policy (docs/iam-policy.json); an explicit deny comes from a Deny statement, a permission boundary or an SCP: lift it there" {
		t.Errorf("permissions EC2: %+v", c)
	}
	for _, x := range checks {
		if x.Status == StatusFail && x.Name != "permissions EC2" {
			t.Errorf("only EC2's permissions should fail, also: %+v", x)
		}
	}
}

func TestDoctorNamesCloudWatchWhenItIsDenied(t *testing.T) {
	sb, cfg, url := doctorSandbox(t, nil)
	if err := sb.SetFaults(sandbox.Faults{Deny: []string{"monitoring:*"}}); err != nil {
		t.Fatal(err)
	}
	checks := runDoctor(t, cfg, url)
	perm := find(t, checks, "permissions CloudWatch")
	if perm.Status != StatusFail || !strings.Contains(perm.Detail, "cloudwatch:PutMetricAlarm denied") {
		t.Errorf("permissions CloudWatch: %+v", perm)
	}
	ep := find(t, checks, "endpoint CloudWatch")
	if ep.Status != StatusFail || !strings.Contains(ep.Detail, "access denied") || !strings.Contains(ep.Fix, "cloudwatch:DescribeAlarms") {
		t.Errorf("endpoint CloudWatch: %+v", ep)
	}
	if b := find(t, checks, "billing alerts"); b.Status != StatusWarn || !strings.Contains(b.Detail, "unknown") {
		t.Errorf("billing alerts with CloudWatch denied: %+v", b)
	}
}

func TestDoctorWithoutSimulationReportsPermissionsUnknown(t *testing.T) {
	sb, cfg, url := doctorSandbox(t, nil)
	if err := sb.SetFaults(sandbox.Faults{Deny: []string{"iam:SimulatePrincipalPolicy"}}); err != nil {
		t.Fatal(err)
	}
	checks := runDoctor(t, cfg, url)
	c := find(t, checks, "permissions")
	if c.Status != StatusWarn || !strings.HasPrefix(c.Detail, "unknown") || !strings.Contains(c.Fix, "iam:SimulatePrincipalPolicy") {
		t.Errorf("permissions: %+v", c)
	}
	if Failed(checks) {
		t.Errorf("an unknown is a warning, not a failure:\n%s", dump(checks))
	}
}

// withDate makes every answer carry a Date header off by skew.
func withDate(skew time.Duration) func(http.Handler) http.Handler {
	return func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Date", time.Now().Add(skew).UTC().Format(http.TimeFormat))
			h.ServeHTTP(w, r)
		})
	}
}

func TestDoctorGradesClockSkew(t *testing.T) {
	for _, tc := range []struct {
		skew time.Duration
		want CheckStatus
		word string
	}{
		{0, StatusOK, "within"},
		{-10 * time.Minute, StatusWarn, "ahead of"}, // AWS behind: the local clock is ahead
		{20 * time.Minute, StatusFail, "behind"},
	} {
		_, cfg, url := doctorSandbox(t, withDate(tc.skew))
		c := find(t, runDoctor(t, cfg, url), "clock")
		if c.Status != tc.want || !strings.Contains(c.Detail, tc.word) {
			t.Errorf("server clock %v off: %+v, want %s containing %q", tc.skew, c, tc.want, tc.word)
		}
	}
}

// TestDoctorFailsOnAnEndpointThatDoesNotSpeakAProtocol serves CloudWatch
// as an endpoint without RPC v2 CBOR would (an HTML 404) and ACM as one
// that lacks the operation; each fails naming the service and operation.
func TestDoctorFailsOnAnEndpointThatDoesNotSpeakAProtocol(t *testing.T) {
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case strings.HasPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/"):
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, "<html><body>404 Not Found</body></html>")
			case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "CertificateManager."):
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"__type": "UnknownOperationException", "message": "not here"}`)
			default:
				h.ServeHTTP(w, r)
			}
		})
	}
	_, cfg, url := doctorSandbox(t, wrap)
	start := time.Now()
	checks := runDoctor(t, cfg, url)
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("doctor took %v", d)
	}
	cw := find(t, checks, "endpoint CloudWatch")
	if cw.Status != StatusFail || !strings.Contains(cw.Detail, "CloudWatch DescribeAlarms") || !strings.Contains(cw.Detail, "404") {
		t.Errorf("endpoint CloudWatch: %+v", cw)
	}
	acm := find(t, checks, "endpoint ACM")
	if acm.Status != StatusFail || !strings.Contains(acm.Detail, "does not implement ACM ListCertificates") {
		t.Errorf("endpoint ACM: %+v", acm)
	}
	if ec2 := find(t, checks, "endpoint EC2"); ec2.Status != StatusOK {
		t.Errorf("endpoint EC2: %+v", ec2)
	}
}

func TestDoctorWarnsAboutTheRootUser(t *testing.T) {
	wrap := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte("Action=GetCallerIdentity")) {
				w.Header().Set("Content-Type", "text/xml")
				io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>`+
					`<Arn>arn:aws:iam::123456789012:root</Arn><UserId>123456789012</UserId><Account>123456789012</Account>`+
					`</GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			h.ServeHTTP(w, r)
		})
	}
	_, cfg, url := doctorSandbox(t, wrap)
	checks := runDoctor(t, cfg, url)
	if c := find(t, checks, "identity"); c.Status != StatusWarn || !strings.Contains(c.Detail, "root user") || c.Fix == "" {
		t.Errorf("identity: %+v", c)
	}
	if c := find(t, checks, "permissions"); c.Status != StatusOK || !strings.Contains(c.Detail, "root user") {
		t.Errorf("permissions: %+v", c)
	}
}

func TestDoctorStopsQuicklyWhenTheEndpointIsUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	cfg := WithRetryer(sandbox.Config(url, "us-east-1"), Options{MaxAttempts: 3, MaxBackoff: 100 * time.Millisecond})
	start := time.Now()
	checks := runDoctor(t, cfg, url)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("doctor took %v against a closed port", d)
	}
	id := find(t, checks, "identity")
	if id.Status != StatusFail || !strings.Contains(id.Detail, "did not answer") {
		t.Errorf("identity: %+v", id)
	}
	if len(checks) != 3 {
		t.Errorf("want credentials, region and identity only, got:\n%s", dump(checks))
	}
}

func TestLoadDoctorConfigReportsAMissingRegionAndTheCredentialsSource(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY1234")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "do-not-print-me")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	sb, _, url := doctorSandbox(t, nil)
	_ = sb
	ctx := context.Background()
	cfg, opts, err := LoadDoctorConfig(ctx, Options{EndpointURL: url})
	if err != nil {
		t.Fatalf("LoadDoctorConfig: %v", err)
	}
	if !opts.NoRegion || cfg.Region != BillingRegion {
		t.Errorf("no region anywhere: NoRegion=%v region=%q", opts.NoRegion, cfg.Region)
	}
	checks := Doctor(ctx, cfg, opts)
	if c := find(t, checks, "region"); c.Status != StatusFail || !strings.Contains(c.Fix, "--region") {
		t.Errorf("region: %+v", c)
	}
	c := find(t, checks, "credentials")
	if c.Status != StatusOK || !strings.Contains(c.Detail, "environment variables") || !strings.Contains(c.Detail, "…1234") {
		t.Errorf("credentials: %+v", c)
	}
	if strings.Contains(dump(checks), "do-not-print-me") || strings.Contains(dump(checks), "AKIAEXAMPLEKEY1234") {
		t.Errorf("a credential is printed:\n%s", dump(checks))
	}

	t.Setenv("AWS_REGION", "ap-northeast-2")
	cfg, opts, err = LoadDoctorConfig(ctx, Options{EndpointURL: url})
	if err != nil || opts.NoRegion || cfg.Region != "ap-northeast-2" || opts.RegionSource != "AWS_REGION" {
		t.Errorf("AWS_REGION: region %q from %q (NoRegion %v, err %v)", cfg.Region, opts.RegionSource, opts.NoRegion, err)
	}
}

func TestPolicySourceARN(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:iam::123456789012:user/dev":                          "arn:aws:iam::123456789012:user/dev",
		"arn:aws:sts::123456789012:assumed-role/Admin/alice":          "arn:aws:iam::123456789012:role/Admin",
		"arn:aws-cn:sts::123456789012:assumed-role/Ops/i-0abc":        "arn:aws-cn:iam::123456789012:role/Ops",
		"arn:aws:sts::123456789012:federated-user/bob":                "",
		"arn:aws:iam::123456789012:root":                              "",
		"not an arn":                                                  "",
		"arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_x/bob": "arn:aws:iam::123456789012:role/AWSReservedSSO_x",
	} {
		if got := policySourceARN(in); got != want {
			t.Errorf("policySourceARN(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCredentialSourceInWords(t *testing.T) {
	for in, want := range map[string]string{
		"EnvConfigCredentials":                              "environment variables (AWS_ACCESS_KEY_ID)",
		"SharedConfigCredentials: /home/u/.aws/credentials": "the shared credentials file /home/u/.aws/credentials",
		"SSOProvider":     "AWS IAM Identity Center (SSO) profile",
		"ProcessProvider": "credential_process in the profile",
		"EC2RoleProvider": "the instance's role (IMDS)",
		"SomethingNew":    "SomethingNew",
	} {
		if got := CredentialSource(in); got != want {
			t.Errorf("CredentialSource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSetupCheckNamesWhatStoppedTheConfig(t *testing.T) {
	for _, tc := range []struct {
		err        error
		name, word string
	}{
		{fmt.Errorf("load: %w", ErrNoCredentials), "credentials", "none found"},
		{&CredentialsError{Profile: "dev", Problem: "its SSO session has expired", Fix: "run `aws sso login --profile dev`"}, "credentials", "profile \"dev\""},
		{&UnreachableError{Endpoint: "http://127.0.0.1:1", Reason: "connection refused", Custom: true}, "endpoint", "cannot reach"},
		{errors.New("something else"), "configuration", "something else"},
	} {
		c := SetupCheck(tc.err)
		if c.Status != StatusFail || c.Name != tc.name || !strings.Contains(c.Detail, tc.word) || c.Fix == "" {
			t.Errorf("SetupCheck(%v) = %+v, want a fail named %q containing %q with a fix", tc.err, c, tc.name, tc.word)
		}
	}
	if c := SetupCheck(&CredentialsError{Profile: "dev", Problem: "p", Fix: "run `aws sso login --profile dev`"}); c.Fix != "run `aws sso login --profile dev`" {
		t.Errorf("a profile's own fix is kept, got %q", c.Fix)
	}
}
