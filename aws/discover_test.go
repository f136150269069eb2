package aws_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/internal/testkit"
	"github.com/stackwiz/stackwiz/sandbox"
)

func discoveryEnv(t *testing.T) (sdk.Config, *aws.Discovery) {
	t.Helper()
	srv := testkit.NewServer(t, testkit.ServerOptions{})
	cfg := sandbox.Config(srv.URL, "eu-west-1")
	return cfg, aws.NewClients(cfg).Discover
}

func TestDiscoveryFindsWhatTheAccountHas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, d := discoveryEnv(t)

	ec := ec2.NewFromConfig(cfg)
	vpc, err := ec.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdk.String("10.9.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{
			{Key: sdk.String("Name"), Value: sdk.String("legacy")}, {Key: sdk.String("stackwiz:stack"), Value: sdk.String("old")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ec.CreateKeyPair(ctx, &ec2.CreateKeyPairInput{KeyName: sdk.String("laptop")}); err != nil {
		t.Fatal(err)
	}
	if _, err := route53.NewFromConfig(cfg).CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: sdk.String("example.com"), CallerReference: sdk.String("t1")}); err != nil {
		t.Fatal(err)
	}
	if _, err := acm.NewFromConfig(cfg).RequestCertificate(ctx, &acm.RequestCertificateInput{DomainName: sdk.String("api.example.com")}); err != nil {
		t.Fatal(err)
	}

	regions, err := d.Regions(ctx)
	if err != nil || !slices.Contains(regions, "eu-west-1") || !slices.IsSorted(regions) {
		t.Fatalf("Regions = %v, %v; want a sorted list with eu-west-1", regions, err)
	}
	azs, err := d.AvailabilityZones(ctx)
	if err != nil || len(azs) < 2 || azs[0] != "eu-west-1a" {
		t.Fatalf("AvailabilityZones = %v, %v; want eu-west-1a first of at least two", azs, err)
	}
	vpcs, err := d.VPCs(ctx)
	if err != nil || len(vpcs) != 2 || !vpcs[0].Default {
		t.Fatalf("VPCs = %+v, %v; want the default VPC first, then ours", vpcs, err)
	}
	if got := vpcs[1]; got.ID != *vpc.Vpc.VpcId || got.CIDR != "10.9.0.0/16" || got.Name != "legacy" || got.Stack != "old" {
		t.Fatalf("created VPC discovered as %+v", got)
	}
	keys, err := d.KeyPairs(ctx)
	if err != nil || !slices.Equal(keys, []string{"laptop"}) {
		t.Fatalf("KeyPairs = %v, %v", keys, err)
	}
	zones, err := d.HostedZones(ctx)
	if err != nil || len(zones) != 1 || zones[0].Name != "example.com" || zones[0].ID == "" || zones[0].Private {
		t.Fatalf("HostedZones = %+v, %v", zones, err)
	}
	certs, err := d.Certificates(ctx)
	if err != nil || len(certs) != 1 || certs[0].Domain != "api.example.com" || certs[0].ARN == "" {
		t.Fatalf("Certificates = %+v, %v", certs, err)
	}
}

func TestPublicIPReadsTheCheckIPAnswer(t *testing.T) {
	answer := "203.0.113.7\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(answer)) }))
	defer srv.Close()
	ip, err := aws.PublicIP(context.Background(), srv.Client(), srv.URL)
	if err != nil || ip.String() != "203.0.113.7" {
		t.Fatalf("PublicIP = %v, %v", ip, err)
	}
	answer = "<html>captive portal</html>"
	if _, err := aws.PublicIP(context.Background(), srv.Client(), srv.URL); err == nil {
		t.Fatal("an HTML answer was taken for an IP address")
	}
}

func TestProfilesListsConfigAndCredentialsProfilesWithTheirKind(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(config, `# comment
[default]
region = us-east-1

[profile work]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Admin
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile legacy-sso]
sso_start_url = https://old.awsapps.com/start
sso_account_id = 111122223333

[profile deploy]
role_arn = arn:aws:iam::111122223333:role/deploy
source_profile = default

[services local]
ec2 =
  endpoint_url = http://localhost:4566
`)
	write(creds, `[default]
aws_access_key_id = AKIAEXAMPLEEXAMPLE00
aws_secret_access_key = not-a-real-secret
[ci]
aws_access_key_id = AKIAEXAMPLEEXAMPLE01
`)
	got, err := aws.Profiles(config, creds)
	if err != nil {
		t.Fatal(err)
	}
	want := []aws.Profile{
		{Name: "default", Region: "us-east-1", Kind: "keys"},
		{Name: "ci", Kind: "keys"},
		{Name: "deploy", Kind: "assume-role"},
		{Name: "legacy-sso", Kind: "sso"},
		{Name: "work", Region: "eu-west-1", Kind: "sso", SSOSession: "corp"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Profiles =\n%+v\nwant\n%+v", got, want)
	}
	none, err := aws.Profiles(filepath.Join(dir, "missing"), filepath.Join(dir, "missing2"))
	if err != nil || len(none) != 0 {
		t.Fatalf("missing files gave %v, %v; want no profiles and no error", none, err)
	}
}
