package sandbox

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

func createZone(t *testing.T, ctx context.Context, api *route53.Client, name string) *route53.CreateHostedZoneOutput {
	t.Helper()
	out, err := api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String(name), CallerReference: aws.String("ref-" + name)})
	if err != nil {
		t.Fatalf("CreateHostedZone %s: %v", name, err)
	}
	return out
}

func change(action types.ChangeAction, rs types.ResourceRecordSet) types.Change {
	return types.Change{Action: action, ResourceRecordSet: &rs}
}

func aRecord(name string, ttl int64, ips ...string) types.ResourceRecordSet {
	rs := types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeA, TTL: aws.Int64(ttl)}
	for _, ip := range ips {
		rs.ResourceRecords = append(rs.ResourceRecords, types.ResourceRecord{Value: aws.String(ip)})
	}
	return rs
}

func record(name string, rtype types.RRType, values ...string) types.ResourceRecordSet {
	rs := types.ResourceRecordSet{Name: aws.String(name), Type: rtype, TTL: aws.Int64(300)}
	for _, v := range values {
		rs.ResourceRecords = append(rs.ResourceRecords, types.ResourceRecord{Value: aws.String(v)})
	}
	return rs
}

func changeRecords(ctx context.Context, api *route53.Client, zoneID string, changes ...types.Change) (*route53.ChangeResourceRecordSetsOutput, error) {
	return api.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: aws.String(zoneID),
		ChangeBatch:  &types.ChangeBatch{Changes: changes},
	})
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestCreateHostedZoneHasAWSIDsNameServersAndDefaultRecords(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	out, err := api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: aws.String("Example.com"), CallerReference: aws.String("ref-1"),
		HostedZoneConfig: &types.HostedZoneConfig{Comment: aws.String("web stack")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^/hostedzone/Z[0-9A-Z]{13,21}$`).MatchString(*out.HostedZone.Id) {
		t.Errorf("zone id = %s", *out.HostedZone.Id)
	}
	if *out.HostedZone.Name != "example.com." || *out.HostedZone.Config.Comment != "web stack" {
		t.Errorf("zone = %+v", out.HostedZone)
	}
	if out.Location == nil || !strings.HasSuffix(*out.Location, strings.TrimPrefix(*out.HostedZone.Id, "/hostedzone")) {
		t.Errorf("Location = %v", aws.ToString(out.Location))
	}
	if !regexp.MustCompile(`^/change/C[0-9A-Z]+$`).MatchString(*out.ChangeInfo.Id) {
		t.Errorf("change id = %s", *out.ChangeInfo.Id)
	}
	ns := out.DelegationSet.NameServers
	want := []string{`\.com$`, `\.net$`, `\.org$`, `\.co\.uk$`}
	if len(ns) != 4 {
		t.Fatalf("name servers = %v", ns)
	}
	for i, re := range want {
		if !regexp.MustCompile(`^ns-\d{1,4}\.awsdns-\d{2}` + re).MatchString(ns[i]) {
			t.Errorf("name server %d = %s", i, ns[i])
		}
	}
	recs, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: out.HostedZone.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs.ResourceRecordSets) != 2 || recs.ResourceRecordSets[0].Type != types.RRTypeNs || recs.ResourceRecordSets[1].Type != types.RRTypeSoa {
		t.Fatalf("default records = %+v", recs.ResourceRecordSets)
	}
	if got := len(recs.ResourceRecordSets[0].ResourceRecords); got != 4 {
		t.Errorf("NS record has %d values", got)
	}
	got, err := api.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: out.HostedZone.Id})
	if err != nil {
		t.Fatal(err)
	}
	if *got.HostedZone.ResourceRecordSetCount != 2 || len(got.DelegationSet.NameServers) != 4 {
		t.Errorf("GetHostedZone = %+v", got.HostedZone)
	}
	if inv := ts.Inventory(); len(inv) != 1 || inv[0].Type != "route53:hostedzone" || inv[0].Name != "example.com." {
		t.Errorf("inventory = %+v", inv)
	}
}

func TestCreateHostedZoneWithAUsedCallerReferenceIsHostedZoneAlreadyExists(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	createZone(t, ctx, api, "example.com")
	_, err := api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("other.com"), CallerReference: aws.String("ref-example.com")})
	var exists *types.HostedZoneAlreadyExists
	if !errors.As(err, &exists) {
		t.Fatalf("err = %v, want HostedZoneAlreadyExists", err)
	}
	_, err = api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{Name: aws.String("bad name!.com"), CallerReference: aws.String("r2")})
	var invalid *types.InvalidDomainName
	if !errors.As(err, &invalid) {
		t.Fatalf("err = %v, want InvalidDomainName", err)
	}
}

func TestGetAndDeleteUnknownZoneIsNoSuchHostedZone(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	_, err := api.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: aws.String("Z0000000000000NOPE")})
	var nsz *types.NoSuchHostedZone
	if !errors.As(err, &nsz) {
		t.Fatalf("GetHostedZone err = %v", err)
	}
	_, err = api.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: aws.String("/hostedzone/Z0000000000000NOPE")})
	if !errors.As(err, &nsz) {
		t.Fatalf("DeleteHostedZone err = %v", err)
	}
}

func TestListHostedZonesPagesWithMarker(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	for i := range 5 {
		createZone(t, ctx, api, fmt.Sprintf("zone%d.example", i))
	}
	var seen []string
	pages := 0
	p := route53.NewListHostedZonesPaginator(api, &route53.ListHostedZonesInput{MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, z := range out.HostedZones {
			seen = append(seen, *z.Name)
		}
	}
	if pages != 3 || len(seen) != 5 {
		t.Fatalf("pages = %d, zones = %v", pages, seen)
	}
}

func TestListHostedZonesByNameStartsAtTheNameInReversedLabelOrder(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	for _, n := range []string{"b.example.org", "a.example.com", "example.com", "z.example.net"} {
		createZone(t, ctx, api, n)
	}
	out, err := api.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: aws.String("example.com"), MaxItems: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, z := range out.HostedZones {
		names = append(names, *z.Name)
	}
	if strings.Join(names, " ") != "example.com. a.example.com." || !out.IsTruncated || *out.NextDNSName != "z.example.net." || out.NextHostedZoneId == nil {
		t.Fatalf("page = %v truncated=%v next=%v", names, out.IsTruncated, aws.ToString(out.NextDNSName))
	}
	next, err := api.ListHostedZonesByName(ctx, &route53.ListHostedZonesByNameInput{DNSName: out.NextDNSName, HostedZoneId: out.NextHostedZoneId})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.HostedZones) != 2 || *next.HostedZones[1].Name != "b.example.org." || next.IsTruncated {
		t.Fatalf("second page = %+v", next.HostedZones)
	}
}

func TestDeleteHostedZoneWithRecordsIsHostedZoneNotEmpty(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	z := createZone(t, ctx, api, "example.com")
	if _, err := changeRecords(ctx, api, *z.HostedZone.Id, change(types.ChangeActionCreate, aRecord("www.example.com", 60, "192.0.2.1"))); err != nil {
		t.Fatal(err)
	}
	_, err := api.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: z.HostedZone.Id})
	var notEmpty *types.HostedZoneNotEmpty
	if !errors.As(err, &notEmpty) {
		t.Fatalf("err = %v, want HostedZoneNotEmpty", err)
	}
	if _, err := changeRecords(ctx, api, *z.HostedZone.Id, change(types.ChangeActionDelete, aRecord("www.example.com", 60, "192.0.2.1"))); err != nil {
		t.Fatal(err)
	}
	del, err := api.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: z.HostedZone.Id})
	if err != nil {
		t.Fatal(err)
	}
	if del.ChangeInfo == nil || len(ts.Inventory()) != 0 {
		t.Fatalf("delete = %+v, inventory = %v", del.ChangeInfo, ts.Inventory())
	}
}

func TestChangeResourceRecordSetsRejectsBatchesAsAWSDoes(t *testing.T) {
	cname := record("www.example.com", types.RRTypeCname, "example.net")
	cases := []struct {
		name    string
		changes []types.Change
		code    string
		message string
	}{
		{"create an existing record", []types.Change{change(types.ChangeActionCreate, aRecord("app.example.com", 60, "192.0.2.10"))},
			"InvalidChangeBatch", "Tried to create resource record set [name='app.example.com.', type='A'] but it already exists"},
		{"delete a missing record", []types.Change{change(types.ChangeActionDelete, aRecord("nope.example.com", 60, "192.0.2.1"))},
			"InvalidChangeBatch", "Tried to delete resource record set [name='nope.example.com.', type='A'] but it was not found"},
		{"delete with other values", []types.Change{change(types.ChangeActionDelete, aRecord("app.example.com", 60, "192.0.2.99"))},
			"InvalidChangeBatch", "Tried to delete resource record set [name='app.example.com.', type='A'] but the values provided do not match the current values"},
		{"delete with another TTL", []types.Change{change(types.ChangeActionDelete, aRecord("app.example.com", 300, "192.0.2.10"))},
			"InvalidChangeBatch", "but the values provided do not match the current values"},
		{"CNAME at the apex", []types.Change{change(types.ChangeActionCreate, record("example.com", types.RRTypeCname, "example.net"))},
			"InvalidChangeBatch", "RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com."},
		{"CNAME beside an A record", []types.Change{change(types.ChangeActionCreate, record("app.example.com", types.RRTypeCname, "example.net"))},
			"InvalidChangeBatch", "RRSet of type CNAME with DNS name app.example.com. is not permitted as it conflicts with other records with the same DNS name in zone example.com."},
		{"A beside a CNAME in the same batch", []types.Change{change(types.ChangeActionCreate, cname), change(types.ChangeActionCreate, aRecord("www.example.com", 60, "192.0.2.1"))},
			"InvalidChangeBatch", "conflicting RRSet of type CNAME"},
		{"record outside the zone", []types.Change{change(types.ChangeActionCreate, aRecord("www.example.org", 60, "192.0.2.1"))},
			"InvalidChangeBatch", "RRSet with DNS name www.example.org. is not permitted in zone example.com."},
		{"bad IPv4 address", []types.Change{change(types.ChangeActionCreate, aRecord("x.example.com", 60, "300.1.1.1"))},
			"InvalidChangeBatch", "ARRDATAIllegalIPv4Address"},
		{"unquoted TXT", []types.Change{change(types.ChangeActionCreate, record("x.example.com", types.RRTypeTxt, "hello"))},
			"InvalidChangeBatch", "Value should be enclosed in quotation marks"},
		{"every problem is reported", []types.Change{
			change(types.ChangeActionCreate, aRecord("app.example.com", 60, "192.0.2.10")),
			change(types.ChangeActionDelete, aRecord("gone.example.com", 60, "192.0.2.1"))},
			"InvalidChangeBatch", "already exists, Tried to delete resource record set [name='gone.example.com.'"},
		{"no TTL and no alias", []types.Change{change(types.ChangeActionCreate, types.ResourceRecordSet{Name: aws.String("x.example.com"), Type: types.RRTypeA,
			ResourceRecords: []types.ResourceRecord{{Value: aws.String("192.0.2.1")}}})},
			"InvalidInput", "Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none"},
		{"delete the zone's NS record", []types.Change{change(types.ChangeActionDelete, types.ResourceRecordSet{})}, // filled in below
			"InvalidChangeBatch", "A HostedZone must contain at least one NS record for the zone itself."},
	}
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	z := createZone(t, ctx, api, "example.com")
	if _, err := changeRecords(ctx, api, *z.HostedZone.Id, change(types.ChangeActionCreate, aRecord("app.example.com", 60, "192.0.2.10"))); err != nil {
		t.Fatal(err)
	}
	list, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: z.HostedZone.Id, StartRecordName: aws.String("example.com"), StartRecordType: types.RRTypeNs, MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	cases[len(cases)-1].changes[0].ResourceRecordSet = &list.ResourceRecordSets[0]
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := changeRecords(ctx, api, *z.HostedZone.Id, tc.changes...)
			if errorCode(err) != tc.code || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("err = %v, want %s containing %q", err, tc.code, tc.message)
			}
		})
	}
	after, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: z.HostedZone.Id})
	if err != nil {
		t.Fatal(err)
	}
	if len(after.ResourceRecordSets) != 3 {
		t.Fatalf("a rejected batch changed the zone: %+v", after.ResourceRecordSets)
	}
}

func TestChangeResourceRecordSetsCreatesUpsertsAndDeletesInOneBatch(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	z := createZone(t, ctx, api, "example.com")
	id := *z.HostedZone.Id
	if _, err := changeRecords(ctx, api, id,
		change(types.ChangeActionCreate, aRecord("WWW.Example.com", 60, "192.0.2.1", "192.0.2.2")),
		change(types.ChangeActionCreate, record("example.com", types.RRTypeMx, "10 mail.example.com")),
		change(types.ChangeActionCreate, record("example.com", types.RRTypeTxt, `"v=spf1 -all"`)),
		change(types.ChangeActionCreate, record("blog.example.com", types.RRTypeCname, "example.net")),
		change(types.ChangeActionCreate, record("*.example.com", types.RRTypeAaaa, "2001:db8::1")),
	); err != nil {
		t.Fatal(err)
	}
	// UPSERT replaces; DELETE names the exact current values (case-insensitive name).
	if _, err := changeRecords(ctx, api, id,
		change(types.ChangeActionUpsert, aRecord("www.example.com.", 300, "192.0.2.3")),
		change(types.ChangeActionDelete, record("BLOG.example.com", types.RRTypeCname, "example.net")),
	); err != nil {
		t.Fatal(err)
	}
	out, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rs := range out.ResourceRecordSets {
		got = append(got, *rs.Name+" "+string(rs.Type))
	}
	want := `example.com. MX,example.com. NS,example.com. SOA,example.com. TXT,\052.example.com. AAAA,www.example.com. A`
	if strings.Join(got, ",") != want {
		t.Fatalf("records = %s\nwant      %s", strings.Join(got, ","), want)
	}
	www := out.ResourceRecordSets[5]
	if *www.TTL != 300 || len(www.ResourceRecords) != 1 || *www.ResourceRecords[0].Value != "192.0.2.3" {
		t.Fatalf("upserted record = %+v", www)
	}
}

func TestAliasRecordsPointAtLoadBalancersAndRecordsInTheZone(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(f.Cfg)
	lb := f.loadBalancer("web")
	z := createZone(t, ctx, api, "example.com")
	id := *z.HostedZone.Id
	zoneID := strings.TrimPrefix(id, "/hostedzone/")
	alias := func(name, zone, target string) types.ResourceRecordSet {
		return types.ResourceRecordSet{Name: aws.String(name), Type: types.RRTypeA,
			AliasTarget: &types.AliasTarget{HostedZoneId: aws.String(zone), DNSName: aws.String(target), EvaluateTargetHealth: true}}
	}
	albZone := *lb.CanonicalHostedZoneId
	if _, err := changeRecords(ctx, api, id,
		change(types.ChangeActionCreate, alias("example.com", albZone, *lb.DNSName)),
		change(types.ChangeActionCreate, alias("www.example.com", zoneID, "example.com")),
		change(types.ChangeActionCreate, alias("api.example.com", albZone, "dualstack."+*lb.DNSName)),
	); err != nil {
		t.Fatal(err)
	}
	out, err := api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: aws.String(id), StartRecordName: aws.String("example.com"), StartRecordType: types.RRTypeA, MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	apex := out.ResourceRecordSets[0]
	if apex.AliasTarget == nil || *apex.AliasTarget.DNSName != strings.ToLower(*lb.DNSName)+"." || *apex.AliasTarget.HostedZoneId != albZone || !apex.AliasTarget.EvaluateTargetHealth || apex.TTL != nil {
		t.Fatalf("apex alias = %+v %+v", apex, apex.AliasTarget)
	}
	if !out.IsTruncated || *out.NextRecordName != "example.com." || out.NextRecordType != types.RRTypeNs {
		t.Fatalf("next = %v %v", aws.ToString(out.NextRecordName), out.NextRecordType)
	}
	cases := []struct {
		name string
		rs   types.ResourceRecordSet
		code string
		msg  string
	}{
		{"a record that does not exist", alias("a.example.com", zoneID, "missing.example.com"), "InvalidChangeBatch",
			"Tried to create an alias that targets missing.example.com., type A in zone " + zoneID + ", but the alias target name does not lie within the target zone"},
		{"a load balancer in another region's zone", alias("b.example.com", "Z32O12XQLNTSW2", *lb.DNSName), "InvalidChangeBatch",
			"but the alias target name does not lie within the target zone"},
		{"a load balancer that does not exist", alias("c.example.com", albZone, "gone-1.us-east-1.elb.amazonaws.com"), "InvalidChangeBatch",
			"Tried to create an alias that targets gone-1.us-east-1.elb.amazonaws.com., type A in zone Z35SXDOTRQ7X7K"},
		{"an alias with a TTL", types.ResourceRecordSet{Name: aws.String("d.example.com"), Type: types.RRTypeA, TTL: aws.Int64(60),
			AliasTarget: &types.AliasTarget{HostedZoneId: aws.String(albZone), DNSName: lb.DNSName}}, "InvalidInput", "but found more than one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := changeRecords(ctx, api, id, change(types.ChangeActionCreate, tc.rs))
			if errorCode(err) != tc.code || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %s containing %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestListResourceRecordSetsPagesInAWSOrder(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	z := createZone(t, ctx, api, "example.com")
	var changes []types.Change
	for _, n := range []string{"b", "a.b", "c", "a", "z.a"} {
		changes = append(changes, change(types.ChangeActionCreate, aRecord(n+".example.com", 60, "192.0.2.1")))
	}
	if _, err := changeRecords(ctx, api, *z.HostedZone.Id, changes...); err != nil {
		t.Fatal(err)
	}
	var names []string
	in := &route53.ListResourceRecordSetsInput{HostedZoneId: z.HostedZone.Id, MaxItems: aws.Int32(3)}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		out, err := api.ListResourceRecordSets(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		for _, rs := range out.ResourceRecordSets {
			names = append(names, strings.TrimSuffix(*rs.Name, ".example.com.")+"/"+string(rs.Type))
		}
		if !out.IsTruncated {
			break
		}
		in.StartRecordName, in.StartRecordType = out.NextRecordName, out.NextRecordType
	}
	want := "example.com./NS,example.com./SOA,a/A,z.a/A,b/A,a.b/A,c/A"
	if strings.Join(names, ",") != want {
		t.Fatalf("order = %s\nwant    %s", strings.Join(names, ","), want)
	}
}

func TestResourceRecordSetsChangedWaiterSeesPendingBecomeInsync(t *testing.T) {
	ts := newTestSandbox(t, func(o *Options) { o.Latency = LatencyRealistic; o.Speed = 1 })
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	z := createZone(t, ctx, api, "example.com")
	out, err := changeRecords(ctx, api, *z.HostedZone.Id, change(types.ChangeActionCreate, aRecord("www.example.com", 60, "192.0.2.1")))
	if err != nil {
		t.Fatal(err)
	}
	if out.ChangeInfo.Status != types.ChangeStatusPending {
		t.Fatalf("status = %s, want PENDING", out.ChangeInfo.Status)
	}
	// Each poll of the waiter lets 10 s of sandbox time pass, so the 30 s
	// propagation completes on the fourth GetChange.
	polls := 0
	advance := middleware.InitializeMiddlewareFunc("advance", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
		if polls > 0 {
			ts.Advance(10 * time.Second)
		}
		polls++
		return next.HandleInitialize(ctx, in)
	})
	w := route53.NewResourceRecordSetsChangedWaiter(api, func(o *route53.ResourceRecordSetsChangedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, time.Millisecond
		o.ClientOptions = append(o.ClientOptions, func(co *route53.Options) {
			co.APIOptions = append(co.APIOptions, func(s *middleware.Stack) error { return s.Initialize.Add(advance, middleware.Before) })
		})
	})
	if err := w.Wait(ctx, &route53.GetChangeInput{Id: out.ChangeInfo.Id}, time.Minute); err != nil {
		t.Fatalf("waiter: %v (after %d polls)", err, polls)
	}
	if polls != 4 {
		t.Fatalf("polls = %d, want 4 (PENDING for 30 s)", polls)
	}
	_, err = api.GetChange(ctx, &route53.GetChangeInput{Id: aws.String("C0000NOPE")})
	var nsc *types.NoSuchChange
	if !errors.As(err, &nsc) {
		t.Fatalf("unknown change: %v", err)
	}
}

func TestHostedZoneTagsAndHasRecord(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	z := createZone(t, ctx, api, "example.com")
	zoneID := strings.TrimPrefix(*z.HostedZone.Id, "/hostedzone/")
	if _, err := api.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: aws.String(zoneID),
		AddTags: []types.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("web")}, {Key: aws.String("tmp"), Value: aws.String("x")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: aws.String(zoneID), RemoveTagKeys: []string{"tmp"}}); err != nil {
		t.Fatal(err)
	}
	tags, err := api.ListTagsForResource(ctx, &route53.ListTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: aws.String(zoneID)})
	if err != nil {
		t.Fatal(err)
	}
	if ts := tags.ResourceTagSet.Tags; len(ts) != 1 || *ts[0].Key != "stackwiz:stack" || *ts[0].Value != "web" {
		t.Fatalf("tags = %+v", ts)
	}
	name, value := "_abc.example.com.", "_xyz.acm-validations.aws."
	if _, err := changeRecords(ctx, api, zoneID, change(types.ChangeActionCreate, record("_ABC.example.com", types.RRTypeCname, value))); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	undelegated := ts.world.Route53.hasRecord(name, "CNAME", value)
	ts.mu.Unlock()
	if undelegated {
		t.Error("hasRecord sees a record in a zone nobody delegates to")
	}
	if _, err := ts.Delegate("example.com", true); err != nil {
		t.Fatal(err)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if !ts.world.Route53.hasRecord(name, "CNAME", "_XYZ.acm-validations.aws") {
		t.Error("hasRecord misses the validation CNAME")
	}
	if ts.world.Route53.hasRecord(name, "CNAME", "_other.acm-validations.aws.") || ts.world.Route53.hasRecord(name, "TXT", value) {
		t.Error("hasRecord matches a different value or type")
	}
}

func TestListTagsForResourcesAnswersForSeveralZones(t *testing.T) {
	ts := newTestSandbox(t)
	ctx := testCtx(t)
	api := route53.NewFromConfig(ts.Cfg)
	var ids []string
	for i, name := range []string{"one.example", "two.example"} {
		z := createZone(t, ctx, api, name)
		id := strings.TrimPrefix(*z.HostedZone.Id, "/hostedzone/")
		ids = append(ids, id)
		if _, err := api.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{ResourceType: types.TagResourceTypeHostedzone, ResourceId: aws.String(id),
			AddTags: []types.Tag{{Key: aws.String("n"), Value: aws.String(fmt.Sprint(i))}}}); err != nil {
			t.Fatal(err)
		}
	}
	out, err := api.ListTagsForResources(ctx, &route53.ListTagsForResourcesInput{ResourceType: types.TagResourceTypeHostedzone, ResourceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ResourceTagSets) != 2 {
		t.Fatalf("tag sets = %+v", out.ResourceTagSets)
	}
	for i, set := range out.ResourceTagSets {
		if *set.ResourceId != ids[i] || len(set.Tags) != 1 || *set.Tags[0].Value != fmt.Sprint(i) {
			t.Errorf("set %d = %s %+v", i, *set.ResourceId, set.Tags)
		}
	}
	_, err = api.ListTagsForResources(ctx, &route53.ListTagsForResourcesInput{ResourceType: types.TagResourceTypeHostedzone, ResourceIds: []string{ids[0], "ZNOPE"}})
	if errorCode(err) != "NoSuchHostedZone" {
		t.Fatalf("unknown zone: %v", err)
	}
	many := make([]string, 11)
	for i := range many {
		many[i] = ids[0]
	}
	if _, err := api.ListTagsForResources(ctx, &route53.ListTagsForResourcesInput{ResourceType: types.TagResourceTypeHostedzone, ResourceIds: many}); errorCode(err) != "InvalidInput" {
		t.Fatalf("11 ids: %v", err)
	}
}
