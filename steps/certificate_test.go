package steps

import (
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	acmtypes "github.com/aws/aws-sdk-go-v2/service/acm/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

const httpsSpec = `name: web
load_balancer:
  https: true
dns:
  zone: example.com
  record: app.example.com
`

func describeCert(t *testing.T, env *testEnv, arn string) *acmtypes.CertificateDetail {
	t.Helper()
	out, err := acm.NewFromConfig(env.Cfg).DescribeCertificate(testContext(t), &acm.DescribeCertificateInput{CertificateArn: sdkaws.String(arn)})
	if err != nil {
		t.Fatalf("DescribeCertificate: %v", err)
	}
	return out.Certificate
}

// assertHTTPSStack checks what an HTTPS apply must leave in AWS: an issued,
// tagged certificate whose validation CNAME is in the zone, HTTP
// redirecting to an HTTPS listener with the certificate and the TLS
// policy, and the alias to the load balancer.
func assertHTTPSStack(t *testing.T, env *testEnv, zoneID string) {
	t.Helper()
	cert, lb, dns := outputs(t, env, StepCertificate), outputs(t, env, StepLoadBalancer), outputs(t, env, StepDNS)
	if cert["zone_id"] != zoneID || dns["zone_id"] != zoneID || dns["record_fqdn"] != "app.example.com" {
		t.Errorf("outputs: certificate %v, dns %v; want zone %s", cert, dns, zoneID)
	}
	c := describeCert(t, env, cert["certificate_arn"])
	if c.Status != acmtypes.CertificateStatusIssued || *c.DomainName != "app.example.com" {
		t.Errorf("certificate %s for %s, want ISSUED for app.example.com", c.Status, *c.DomainName)
	}
	tags, _, err := env.AWS.Certs.Tags(testContext(t), cert["certificate_arn"])
	if err != nil || tags[TagStack] != "web" || tags[TagStep] != "certificate" || tags[TagKey] != "certificate/app.example.com" {
		t.Errorf("certificate tags = %v (%v)", tags, err)
	}
	rr := c.DomainValidationOptions[0].ResourceRecord
	records := zoneRecords(t, env, zoneID)
	if !slices.Contains(records, "CNAME "+aws.FQDN(*rr.Name)+" "+aws.FQDN(*rr.Value)) {
		t.Errorf("zone lacks the validation CNAME %s → %s:\n%s", *rr.Name, *rr.Value, strings.Join(records, "\n"))
	}

	https := sdkListener(t, env, lb["https_listener_arn"])
	if https.Protocol != elbtypes.ProtocolEnumHttps || *https.Port != 443 || *https.SslPolicy != "ELBSecurityPolicy-TLS13-1-2-2021-06" ||
		len(https.Certificates) != 1 || *https.Certificates[0].CertificateArn != cert["certificate_arn"] ||
		https.DefaultActions[0].Type != elbtypes.ActionTypeEnumForward || *https.DefaultActions[0].TargetGroupArn != lb["tg_arn"] {
		t.Errorf("HTTPS listener = %s:%d policy %s certs %+v actions %+v", https.Protocol, *https.Port, sdkaws.ToString(https.SslPolicy), https.Certificates, https.DefaultActions)
	}
	http := sdkListener(t, env, lb["http_listener_arn"])
	if a := http.DefaultActions[0]; a.Type != elbtypes.ActionTypeEnumRedirect || *a.RedirectConfig.Protocol != "HTTPS" ||
		*a.RedirectConfig.Port != "443" || a.RedirectConfig.StatusCode != elbtypes.RedirectActionStatusCodeEnumHttp301 {
		t.Errorf("HTTP listener action = %+v, want a 301 to HTTPS:443", a)
	}
	assertAlias(t, env, zoneID, "app.example.com.", lb)
}

// assertAlias checks the A alias: the load balancer's own canonical zone
// id (not the record's zone), the dualstack name, target health evaluated.
func assertAlias(t *testing.T, env *testEnv, zoneID, name string, lb map[string]string) {
	t.Helper()
	rec, found, err := env.AWS.DNS.Record(testContext(t), zoneID, name, "A")
	if err != nil || !found || rec.Alias == nil {
		t.Fatalf("alias A %s: %+v found %v err %v", name, rec, found, err)
	}
	lbDesc := describeLB(t, env, lb["lb_arn"])
	if rec.Alias.ZoneID != *lbDesc.CanonicalHostedZoneId || rec.Alias.ZoneID == zoneID {
		t.Errorf("alias zone = %s, want the load balancer's canonical zone %s", rec.Alias.ZoneID, *lbDesc.CanonicalHostedZoneId)
	}
	if rec.Alias.DNSName != aws.FQDN("dualstack."+*lbDesc.DNSName) || !rec.Alias.EvaluateTargetHealth {
		t.Errorf("alias = %+v, want dualstack.%s with target health evaluated", rec.Alias, *lbDesc.DNSName)
	}
}

func zonesNamed(t *testing.T, env *testEnv, name string) []aws.Zone {
	t.Helper()
	zs, err := env.AWS.DNS.ZonesByName(testContext(t), name)
	if err != nil {
		t.Fatal(err)
	}
	return zs
}

func TestHTTPSWithANewZoneCreatesItValidatesAndRedirects(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	spec := env.spec(httpsSpec)
	plan, err := env.engine(spec).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(plan.Changes, func(c Change) bool { return c.Key == zoneKey }); i < 0 || plan.Changes[i].Action != ActionCreate {
		t.Errorf("plan for the zone = %+v, want create (no zone exists)", plan.Changes)
	}
	mustApply(t, env, spec)
	zs := zonesNamed(t, env, "example.com")
	if len(zs) != 1 {
		t.Fatalf("zones named example.com: %+v", zs)
	}
	zone := zs[0]
	tags, err := env.AWS.DNS.ZoneTags(testContext(t), []string{zone.ID})
	if err != nil || tags[zone.ID][TagStack] != "web" || tags[zone.ID][TagKey] != zoneKey || tags[zone.ID][TagStep] != "dns" {
		t.Errorf("zone tags = %v (%v)", tags, err)
	}
	full, _, _ := env.AWS.DNS.Zone(testContext(t), zone.ID)
	warned := slices.ContainsFunc(env.Events(), func(e Event) bool {
		return e.Kind == Warning && strings.Contains(e.Message, "registrar") && strings.Contains(e.Message, full.NameServers[0])
	})
	if !warned {
		t.Error("no warning that the registrar must delegate the domain to the new zone's name servers")
	}
	assertHTTPSStack(t, env, zone.ID)
	if n := mutationsDuring(env, func() { mustApply(t, env, spec) }); n != 0 {
		t.Errorf("a second apply made %d mutating requests", n)
	}
	rep, err := env.engine(spec).Status(testContext(t))
	if err != nil || !rep.Healthy {
		t.Errorf("status = %+v, %v", rep, err)
	}

	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	mustHaveNoEdge(t, env)
	if zs := zonesNamed(t, env, "example.com"); len(zs) != 0 {
		t.Errorf("destroy left the zone it created: %+v", zs)
	}
}

func TestHTTPSWithTheUsersZoneUsesItAndLeavesItClean(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	zoneID := userZone(t, env, "example.com")
	before := zoneRecords(t, env, zoneID)
	spec := env.spec(httpsSpec)
	plan, err := env.engine(spec).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plan.Changes, func(c Change) bool { return c.Key == zoneKey })
	if i < 0 || plan.Changes[i].Action != ActionKeep || plan.Changes[i].ID != zoneID {
		t.Errorf("plan for the user's zone = %+v, want keep %s", plan.Changes[i], zoneID)
	}
	mustApply(t, env, spec)
	if zs := zonesNamed(t, env, "example.com"); len(zs) != 1 {
		t.Fatalf("zones named example.com after apply: %+v, want only the user's", zs)
	}
	if rec, ok := env.Store.Resource(zoneKey); ok {
		t.Errorf("the user's zone was recorded: %+v", rec)
	}
	assertHTTPSStack(t, env, zoneID)
	plan, err = env.engine(spec).Plan(testContext(t))
	if err != nil || !plan.Empty() {
		t.Errorf("plan after apply = %+v, %v; want nothing to do", plan, err)
	}

	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	mustHaveNoEdge(t, env, zoneID)
	if after := zoneRecords(t, env, zoneID); !slices.Equal(after, before) {
		t.Errorf("destroy left the user's zone as\n%s\nwant\n%s", strings.Join(after, "\n"), strings.Join(before, "\n"))
	}
}

func TestHTTPSResumesAfterACrashAtEveryMutation(t *testing.T) {
	for _, existing := range []bool{false, true} {
		clean, _ := newEdgeEnv(t, "web", 2)
		var keep []string
		if existing {
			keep = append(keep, userZone(t, clean, "example.com"))
		}
		spec := clean.spec(httpsSpec)
		total := mutationsDuring(clean, func() { mustApply(t, clean, spec) })
		want := edgeInventory(clean, keep...)
		t.Logf("existing zone %v: a clean apply makes %d mutating requests", existing, total)
		for k := 1; k <= total; k++ {
			env, _ := newEdgeEnv(t, "web", 2)
			var zoneID string
			if existing {
				zoneID = userZone(t, env, "example.com")
			}
			if err := env.engine(spec).Apply(env.crashAfter(testContext(t), k)); err == nil {
				t.Fatalf("existing=%v k=%d: apply survived its crash", existing, k)
			}
			env.noCrash()
			env.reopen()
			mustApply(t, env, spec)
			if got := edgeInventory(env, zoneID); !slices.Equal(got, want) {
				t.Fatalf("existing=%v k=%d: after resume\n%s\nwant\n%s", existing, k, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if n := env.SB.Stats().Count("acm", "RequestCertificate"); n > 2 {
				t.Errorf("existing=%v k=%d: %d certificate requests", existing, k, n)
			}
			if zoneID == "" {
				zoneID = zonesNamed(t, env, "example.com")[0].ID
			}
			assertHTTPSStack(t, env, zoneID)
		}
	}
}

func TestHTTPSDestroyAfterEveryPartialApplyLeavesNothing(t *testing.T) {
	for _, existing := range []bool{false, true} {
		clean, _ := newEdgeEnv(t, "web", 2)
		if existing {
			userZone(t, clean, "example.com")
		}
		spec := clean.spec(httpsSpec)
		total := mutationsDuring(clean, func() { mustApply(t, clean, spec) })
		for k := 1; k <= total; k++ {
			env, _ := newEdgeEnv(t, "web", 2)
			var keep []string
			var before []string
			if existing {
				keep = append(keep, userZone(t, env, "example.com"))
				before = zoneRecords(t, env, keep[0])
			}
			_ = env.engine(spec).Apply(env.crashAfter(testContext(t), k))
			env.noCrash()
			env.reopen()
			if err := env.engine(spec).Destroy(testContext(t)); err != nil {
				t.Fatalf("existing=%v k=%d: destroy: %v", existing, k, err)
			}
			mustHaveNoEdge(t, env, keep...)
			if existing {
				if after := zoneRecords(t, env, keep[0]); !slices.Equal(after, before) {
					t.Fatalf("existing=%v k=%d: the user's zone holds\n%s\nwant\n%s", existing, k, strings.Join(after, "\n"), strings.Join(before, "\n"))
				}
			}
		}
	}
}

func TestCertificateReusesTheIssuedOneItRequestedBeforeTheRecordWasLost(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	userZone(t, env, "example.com")
	spec := env.spec(httpsSpec)
	mustApply(t, env, spec)
	arn := outputs(t, env, StepCertificate)["certificate_arn"]

	// The record of the certificate is lost between the request and its
	// result: an intent with a token ACM no longer honours (over an hour).
	fresh, err := state.OpenNew(t.TempDir(), "web")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	if _, err := env.Store.RecordIntent(state.Intent{Key: certKey(spec), Step: string(StepCertificate), Type: typeCertificate, Token: "stale"}); err != nil {
		t.Fatal(err)
	}
	requests := env.SB.Stats().Count("acm", "RequestCertificate")
	if err := env.engine(spec).Apply(testContext(t)); err == nil {
		// The load balancer step has no network outputs in the fresh store,
		// so it fails; the certificate step runs first.
		t.Log("apply finished")
	}
	if n := env.SB.Stats().Count("acm", "RequestCertificate") - requests; n != 0 {
		t.Errorf("resumed apply requested %d certificates, want the issued one reused", n)
	}
	if got := outputs(t, env, StepCertificate)["certificate_arn"]; got != arn {
		t.Errorf("certificate_arn = %s, want %s", got, arn)
	}
}

func TestCertificateAdoptAndAnotherDomainSwitchesTheListenerFirst(t *testing.T) {
	env, net := newEdgeEnv(t, "web", 2)
	zoneID := userZone(t, env, "example.com")
	spec := env.spec(httpsSpec)
	mustApply(t, env, spec)
	old := outputs(t, env, StepCertificate)["certificate_arn"]

	// A lost laptop: adopt rebuilds the record from tags and markers.
	fresh, err := state.OpenNew(t.TempDir(), "web")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	n, err := env.engine(spec).Adopt(testContext(t))
	if err != nil || n != 7 {
		t.Fatalf("adopt = %d, %v; want certificate, validation CNAME, load balancer, group, 2 listeners, alias", n, err)
	}
	seedEdgeOutputs(t, env, net)
	if m := mutationsDuring(env, func() { mustApply(t, env, spec) }); m != 0 {
		t.Errorf("apply after adopt made %d mutating requests", m)
	}

	moved := env.spec(strings.Replace(httpsSpec, "record: app.example.com", "record: www.example.com", 1))
	mustApply(t, env, moved)
	cert := outputs(t, env, StepCertificate)["certificate_arn"]
	if cert == old || *describeCert(t, env, cert).DomainName != "www.example.com" {
		t.Fatalf("certificate after the move = %s", cert)
	}
	if l := sdkListener(t, env, outputs(t, env, StepLoadBalancer)["https_listener_arn"]); *l.Certificates[0].CertificateArn != cert {
		t.Errorf("HTTPS listener still uses %s", *l.Certificates[0].CertificateArn)
	}
	if _, found, _ := env.AWS.Certs.Describe(testContext(t), old); found {
		t.Error("the old certificate was not pruned")
	}
	records := zoneRecords(t, env, zoneID)
	if slices.ContainsFunc(records, func(r string) bool { return strings.Contains(r, " app.example.com.") }) {
		t.Errorf("the old name still has records:\n%s", strings.Join(records, "\n"))
	}
	assertAlias(t, env, zoneID, "www.example.com.", outputs(t, env, StepLoadBalancer))
	if err := env.engine(moved).Destroy(testContext(t)); err != nil {
		t.Fatal(err)
	}
	mustHaveNoEdge(t, env, zoneID)
	if got := zoneRecords(t, env, zoneID); len(got) != 3 {
		t.Errorf("user's zone after destroy:\n%s", strings.Join(got, "\n"))
	}
}

func TestHTTPSApplyAndDestroyThroughThrottlingAndServerErrors(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		env, _ := newEdgeEnv(t, "web", 2)
		zoneID := userZone(t, env, "example.com")
		if err := env.SB.SetFaults(sandbox.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.05, Seed: seed}); err != nil {
			t.Fatal(err)
		}
		spec := env.spec(httpsSpec)
		mustApply(t, env, spec)
		if err := env.SB.SetFaults(sandbox.Faults{}); err != nil {
			t.Fatal(err)
		}
		assertHTTPSStack(t, env, zoneID)
		if err := env.SB.SetFaults(sandbox.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.05, Seed: seed + 100}); err != nil {
			t.Fatal(err)
		}
		if err := env.engine(spec).Destroy(testContext(t)); err != nil {
			t.Fatalf("seed %d: destroy: %v", seed, err)
		}
		if env.SB.Stats().FaultsInjected == 0 {
			t.Fatalf("seed %d: no fault was injected", seed)
		}
		mustHaveNoEdge(t, env, zoneID)
	}
}

func TestHTTPSWaitsForAWSAtRealisticPace(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2, func(o *sandbox.Options) { o.Latency, o.Speed = sandbox.LatencyRealistic, 200 })
	spec := env.spec(httpsSpec)
	mustApply(t, env, spec)
	zoneID := zonesNamed(t, env, "example.com")[0].ID
	assertHTTPSStack(t, env, zoneID)
	waited := map[string]bool{}
	for _, e := range env.Events() {
		if e.Kind == ResourceWaiting {
			for _, what := range []string{"issue the certificate", "become active", "INSYNC"} {
				waited[what] = waited[what] || strings.Contains(e.Message, what)
			}
		}
	}
	if len(waited) != 3 || !waited["issue the certificate"] || !waited["become active"] || !waited["INSYNC"] {
		t.Errorf("waits seen = %v, want the certificate, the load balancer and Route 53", waited)
	}
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatal(err)
	}
	mustHaveNoEdge(t, env)
}

func TestHTTPSTurnedOnAndOffAgain(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	zoneID := userZone(t, env, "example.com")
	plain := env.spec(strings.Replace(httpsSpec, "https: true", "https: false", 1))
	mustApply(t, env, plain)
	httpARN := outputs(t, env, StepLoadBalancer)["http_listener_arn"]

	spec := env.spec(httpsSpec)
	plan, err := env.engine(spec).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(plan.Changes, func(c Change) bool { return c.Key == httpKey })
	if i < 0 || plan.Changes[i].Action != ActionUpdate || plan.Changes[i].ID != httpARN {
		t.Errorf("plan for the HTTP listener = %+v, want update in place", plan.Changes[i])
	}
	mustApply(t, env, spec)
	assertHTTPSStack(t, env, zoneID)
	if got := outputs(t, env, StepLoadBalancer)["http_listener_arn"]; got != httpARN {
		t.Errorf("HTTP listener replaced: %s → %s", httpARN, got)
	}
	cert := outputs(t, env, StepCertificate)["certificate_arn"]

	mustApply(t, env, plain)
	lb := outputs(t, env, StepLoadBalancer)
	if l := sdkListener(t, env, httpARN); l.DefaultActions[0].Type != elbtypes.ActionTypeEnumForward || *l.DefaultActions[0].TargetGroupArn != lb["tg_arn"] {
		t.Errorf("HTTP listener after https off = %+v", l.DefaultActions)
	}
	if _, found, _ := env.AWS.Certs.Describe(testContext(t), cert); found {
		t.Error("the certificate outlived https")
	}
	if got := edgeInventory(env, zoneID); len(got) != 3 {
		t.Errorf("inventory after https off = %v", got)
	}
	if recs := zoneRecords(t, env, zoneID); slices.ContainsFunc(recs, func(r string) bool { return strings.HasPrefix(r, "CNAME ") }) {
		t.Errorf("the validation CNAME outlived the certificate: %v", recs)
	}
}
