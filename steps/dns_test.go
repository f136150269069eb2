package steps

import (
	"errors"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"

	"github.com/stackwiz/stackwiz/aws"
)

const dnsSpecHTTP = `name: web
dns:
  zone: example.com
  record: example.com
`

func TestDNSAliasAtTheApexOfTheUsersZone(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	zoneID := userZone(t, env, "example.com")
	spec := env.spec(dnsSpecHTTP)
	mustApply(t, env, spec)
	lb := outputs(t, env, StepLoadBalancer)
	assertAlias(t, env, zoneID, "example.com.", lb)
	if out := outputs(t, env, StepDNS); out["zone_id"] != zoneID || out["record_fqdn"] != "example.com" {
		t.Errorf("dns outputs = %v", out)
	}
	if _, found, _ := env.AWS.DNS.Record(testContext(t), zoneID, "example.com.", "AAAA"); found {
		t.Error("an IPv4 load balancer got an AAAA alias")
	}
	if l := sdkListener(t, env, lb["http_listener_arn"]); *l.DefaultActions[0].TargetGroupArn != lb["tg_arn"] {
		t.Errorf("HTTP listener does not forward without https: %+v", l.DefaultActions)
	}
	// The alias waited for Route 53 to report the change INSYNC.
	if env.SB.Stats().Count("route53", "GetChange") == 0 {
		t.Error("no GetChange: the step did not wait for INSYNC")
	}
}

func TestDNSRefusesToOverwriteARecordThatIsNotTheStacks(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	zoneID := userZone(t, env, "example.com")
	putRecord(t, env, zoneID, r53types.ResourceRecordSet{Name: sdkaws.String("example.com"), Type: r53types.RRTypeA, TTL: sdkaws.Int64(60),
		ResourceRecords: []r53types.ResourceRecord{{Value: sdkaws.String("203.0.113.10")}}})
	before := zoneRecords(t, env, zoneID)
	spec := env.spec(dnsSpecHTTP)
	err := env.engine(spec).Apply(testContext(t))
	var se *StepError
	if !errors.As(err, &se) || se.Step != StepDNS {
		t.Fatalf("apply = %v, want the dns step to fail", err)
	}
	for _, want := range []string{"dns.record example.com", "203.0.113.10", "will not overwrite", "Pick another dns.record"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if after := zoneRecords(t, env, zoneID); !slices.Equal(after, before) {
		t.Errorf("the user's record changed:\n%s", strings.Join(after, "\n"))
	}
	// A CNAME at the name blocks the alias just as well.
	putRecord(t, env, zoneID, r53types.ResourceRecordSet{Name: sdkaws.String("app.example.com"), Type: r53types.RRTypeCname, TTL: sdkaws.Int64(60),
		ResourceRecords: []r53types.ResourceRecord{{Value: sdkaws.String("old-site.example.net")}}})
	err = env.engine(env.spec(strings.Replace(dnsSpecHTTP, "record: example.com", "record: app.example.com", 1))).Apply(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "old-site.example.net") {
		t.Errorf("apply over a CNAME = %v", err)
	}
	// Once the user deletes their record, apply goes through.
	mustDelete := func(name string) {
		rec, found, err := env.AWS.DNS.Record(testContext(t), zoneID, name, map[bool]string{true: "A", false: "CNAME"}[name == "example.com."])
		if err != nil || !found {
			t.Fatalf("record %s: %v", name, err)
		}
		if _, err := env.AWS.DNS.DeleteRecord(testContext(t), zoneID, rec, "test"); err != nil {
			t.Fatal(err)
		}
	}
	mustDelete("example.com.")
	mustApply(t, env, spec)
	assertAlias(t, env, zoneID, "example.com.", outputs(t, env, StepLoadBalancer))
}

func TestDNSStatusSeesARepointedAliasAndApplyResumesAfterLoss(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	zoneID := userZone(t, env, "example.com")
	spec := env.spec(dnsSpecHTTP)
	mustApply(t, env, spec)
	if rep, err := env.engine(spec).Status(testContext(t)); err != nil || !rep.Healthy {
		t.Fatalf("status = %+v, %v", rep, err)
	}
	putRecord(t, env, zoneID, r53types.ResourceRecordSet{Name: sdkaws.String("example.com"), Type: r53types.RRTypeA,
		AliasTarget: &r53types.AliasTarget{HostedZoneId: sdkaws.String(zoneID), DNSName: sdkaws.String("mail.example.com"), EvaluateTargetHealth: false}})
	rep, err := env.engine(spec).Status(testContext(t))
	if err != nil || rep.Healthy {
		t.Fatalf("status after the alias moved = healthy %v, %v", rep.Healthy, err)
	}
	i := slices.IndexFunc(rep.Resources, func(r ResourceReport) bool { return r.Key == aliasKey("A") })
	if i < 0 || len(rep.Resources[i].Drift) != 3 {
		t.Fatalf("alias report = %+v, want drift of target, alias zone and target health", rep.Resources)
	}
	// Destroy leaves a record someone changed since: it is theirs now.
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := env.AWS.DNS.Record(testContext(t), zoneID, "example.com.", "A"); !found {
		t.Error("destroy deleted an A record that no longer pointed at the stack")
	}
	mustHaveNoEdge(t, env, zoneID)
}

func TestDNSRecordIDsRoundTrip(t *testing.T) {
	for _, name := range []string{"app.example.com.", "0/25.2.0.192.in-addr.arpa."} {
		zone, n, typ, ok := parseRecordID(recordID("Z123", name, "CNAME"))
		if !ok || zone != "Z123" || n != name || typ != "CNAME" {
			t.Errorf("parse(recordID(%s)) = %s %s %s %v", name, zone, n, typ, ok)
		}
	}
	if _, _, _, ok := parseRecordID("Z123"); ok {
		t.Error("a bare zone id parsed as a record id")
	}
}

func TestDNSAliasOwnershipPattern(t *testing.T) {
	re := lbDNSPattern("web-alb", "us-east-1")
	for name, want := range map[string]bool{
		"dualstack.web-alb-1234567890.us-east-1.elb.amazonaws.com.":   true,
		"web-alb-1234567890.us-east-1.elb.amazonaws.com.":             true,
		"dualstack.web-alb-2-1234567890.us-east-1.elb.amazonaws.com.": false, // another stack's "web-alb-2"
		"dualstack.web-alb-1234567890.eu-west-1.elb.amazonaws.com.":   false,
		"dualstack.xweb-alb-1234567890.us-east-1.elb.amazonaws.com.":  false,
	} {
		if got := re.MatchString(name); got != want {
			t.Errorf("%s: ours = %v, want %v", name, got, want)
		}
	}
	if aliasDNSName("Web-ALB-1.us-east-1.elb.amazonaws.com") != "dualstack.web-alb-1.us-east-1.elb.amazonaws.com." {
		t.Errorf("aliasDNSName = %s", aliasDNSName("Web-ALB-1.us-east-1.elb.amazonaws.com"))
	}
	if got := aws.FQDN(`\052.Example.com`); got != "*.example.com." {
		t.Errorf("FQDN = %s", got)
	}
}

func TestDNSFollowsAReplacedLoadBalancer(t *testing.T) {
	env, net := newEdgeEnv(t, "web", 3)
	zoneID := userZone(t, env, "example.com")
	// Start in two of the three AZs, then spread to all three: the load
	// balancer is rebuilt (the sandbox, like stackwiz, has no SetSubnets).
	two := net
	two.Subnets, two.AZs = net.Subnets[:2], net.AZs[:2]
	seedEdgeOutputs(t, env, two)
	spec := env.spec(dnsSpecHTTP)
	mustApply(t, env, spec)
	before := outputs(t, env, StepLoadBalancer)
	seedEdgeOutputs(t, env, net)
	mustApply(t, env, spec)
	after := outputs(t, env, StepLoadBalancer)
	if after["lb_arn"] == before["lb_arn"] || after["tg_arn"] != before["tg_arn"] {
		t.Fatalf("lb %s → %s, tg %s → %s: want a new load balancer and the same group", before["lb_arn"], after["lb_arn"], before["tg_arn"], after["tg_arn"])
	}
	assertAlias(t, env, zoneID, "example.com.", after)
	if l := sdkListener(t, env, after["http_listener_arn"]); *l.LoadBalancerArn != after["lb_arn"] {
		t.Errorf("listener on %s", *l.LoadBalancerArn)
	}
	if got := edgeInventory(env, zoneID); len(got) != 3 {
		t.Errorf("inventory = %v", got)
	}
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatal(err)
	}
	mustHaveNoEdge(t, env, zoneID)
	if recs := zoneRecords(t, env, zoneID); len(recs) != 3 {
		t.Errorf("user's zone after destroy: %v", recs)
	}
}

func TestDNSRefusesToGuessBetweenTwoPublicZones(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	userZone(t, env, "example.com")
	api := route53.NewFromConfig(env.Cfg)
	if _, err := api.CreateHostedZone(testContext(t), &route53.CreateHostedZoneInput{Name: sdkaws.String("example.com"), CallerReference: sdkaws.String("second")}); err != nil {
		t.Fatal(err)
	}
	spec := env.spec(dnsSpecHTTP)
	if _, err := env.engine(spec).Plan(testContext(t)); err == nil || !strings.Contains(err.Error(), "2 public hosted zones are named example.com.") {
		t.Errorf("plan = %v", err)
	}
	if err := env.engine(spec).Apply(testContext(t)); err == nil || !strings.Contains(err.Error(), "delete the unused ones") {
		t.Errorf("apply = %v", err)
	}
}

func TestDestroyKeepsACreatedZoneThatHoldsSomeoneElsesRecords(t *testing.T) {
	env, _ := newEdgeEnv(t, "web", 2)
	spec := env.spec(dnsSpecHTTP)
	mustApply(t, env, spec)
	zoneID := outputs(t, env, StepDNS)["zone_id"]
	mx := r53types.ResourceRecordSet{Name: sdkaws.String("example.com"), Type: r53types.RRTypeMx, TTL: sdkaws.Int64(300),
		ResourceRecords: []r53types.ResourceRecord{{Value: sdkaws.String("10 mail.example.net")}}}
	putRecord(t, env, zoneID, mx)
	err := env.engine(spec).Destroy(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "MX example.com.") || !strings.Contains(err.Error(), "run destroy again") {
		t.Fatalf("destroy = %v, want it to name the MX record that holds the zone", err)
	}
	if zs := zonesNamed(t, env, "example.com"); len(zs) != 1 {
		t.Fatal("the zone went with the user's MX record in it")
	}
	if _, err := env.AWS.DNS.DeleteRecord(testContext(t), zoneID, aws.Record{Name: "example.com.", Type: "MX", TTL: 300, Values: []string{"10 mail.example.net"}}, "test"); err != nil {
		t.Fatal(err)
	}
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy again: %v", err)
	}
	mustHaveNoEdge(t, env)
}
