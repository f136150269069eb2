package steps

import (
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"

	"github.com/stackwiz/stackwiz/sandbox"
)

// On AWS a certificate for a zone stackwiz has just created validates
// only once the registrar points the domain at that zone's name servers.
// Until then apply waits, having said which name servers; once the user
// delegates the domain, the same apply goes on and finishes.
func TestHTTPSWithAnUndelegatedZoneWaitsNamingTheNameServers(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2, func(o *sandbox.Options) { o.DelegatedDomains = nil })
	spec := env.spec(httpsSpec)
	ctx := testContext(t)
	done := make(chan error, 1)
	go func() { done <- env.engine(spec).Apply(ctx) }()

	var nameServers []string
	waitFor(t, "apply to wait for ACM, having named the zone's name servers", func() bool {
		zs := zonesNamed(t, env, "example.com")
		if len(zs) != 1 {
			return false
		}
		full, _, err := env.AWS.DNS.Zone(ctx, zs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		nameServers = full.NameServers
		events := env.Events()
		warned := slices.ContainsFunc(events, func(e Event) bool {
			return e.Kind == Warning && strings.Contains(e.Message, "registrar") && strings.Contains(e.Message, strings.Join(full.NameServers, ", "))
		})
		waiting := slices.ContainsFunc(events, func(e Event) bool {
			return e.Kind == ResourceWaiting && strings.Contains(e.Message, "ACM to validate")
		})
		return warned && waiting
	})
	time.Sleep(300 * time.Millisecond) // many polls at 5–50 ms: still not issued
	certs, err := acm.NewFromConfig(env.Cfg).ListCertificates(ctx, &acm.ListCertificatesInput{})
	if err != nil || len(certs.CertificateSummaryList) != 1 || certs.CertificateSummaryList[0].Status != acmtypes.CertificateStatusPendingValidation {
		t.Fatalf("certificates while the zone is not delegated: %+v, %v; want one PENDING_VALIDATION", certs, err)
	}
	select {
	case err := <-done:
		t.Fatalf("apply ended before the zone was delegated: %v", err)
	default:
	}

	// The user sets the name servers at the registrar.
	z, err := env.SB.Delegate("example.com", true)
	if err != nil || !slices.Equal(z.NameServers, nameServers) {
		t.Fatalf("delegate = %+v, %v; want the name servers apply named (%v)", z, err, nameServers)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("apply after delegation: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("apply did not finish within 30 s of the delegation")
	}
	assertHTTPSStack(t, env, zonesNamed(t, env, "example.com")[0].ID)
	cert, err := acm.NewFromConfig(env.Cfg).DescribeCertificate(ctx, &acm.DescribeCertificateInput{CertificateArn: sdkaws.String(*certs.CertificateSummaryList[0].CertificateArn)})
	if err != nil || cert.Certificate.Status != acmtypes.CertificateStatusIssued {
		t.Errorf("certificate after delegation: %+v, %v", cert, err)
	}
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
