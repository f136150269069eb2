package steps

import (
	"testing"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// TestCanonicalIngressReadsBothSidesAlike checks that rules written from
// the spec and rules read back from AWS come out the same words, so drift
// is exactly a different rule: an IPv6 twin of "anywhere" depends on the
// VPC and is folded in, anything else counts.
func TestCanonicalIngressReadsBothSidesAlike(t *testing.T) {
	names := map[string]string{"sg-alb": "demo-alb", "sg-bastion": "demo-bastion", "sg-app": "demo-app"}
	https := spec.Defaults()
	https.LoadBalancer.HTTPS = true
	for _, tc := range []struct {
		name  string
		rules []aws.Rule
		want  string
	}{
		{"IPv4 only", plainRules(albRules(&https, false)), "tcp 80 from anywhere; tcp 443 from anywhere"},
		{"dual stack folds ::/0 into anywhere", plainRules(albRules(&https, true)), "tcp 80 from anywhere; tcp 443 from anywhere"},
		{"no HTTPS listener, no 443", plainRules(albRules(new(spec.Defaults()), true)), "tcp 80 from anywhere"},
		{"::/0 alone is not anywhere", []aws.Rule{{Protocol: "tcp", FromPort: 80, ToPort: 80, IPv6CIDR: "::/0"}}, "tcp 80 from ::/0"},
		{"groups by name, ports in order", []aws.Rule{
			{Protocol: "tcp", FromPort: 3000, ToPort: 3000, GroupID: "sg-alb"},
			{Protocol: "tcp", FromPort: 22, ToPort: 22, GroupID: "sg-bastion"},
		}, "tcp 22 from demo-bastion; tcp 3000 from demo-alb"},
		{"an unknown group stays an id", []aws.Rule{{Protocol: "tcp", FromPort: 5432, ToPort: 5432, GroupID: "sg-other"}}, "tcp 5432 from sg-other"},
		{"ranges and all traffic", []aws.Rule{
			{Protocol: "-1", FromPort: -1, ToPort: -1, CIDR: "10.0.0.0/8"},
			{Protocol: "udp", FromPort: 1000, ToPort: 2000, CIDR: "0.0.0.0/0"},
		}, "all traffic from 10.0.0.0/8; udp 1000-2000 from anywhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canonicalIngress(observedViews(tc.rules, names)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	// What Desired writes from the spec is what AWS's rules read back as.
	s := spec.Defaults()
	s.Name, s.Network.Bastion.Enabled = "demo", true
	app := appRules(&s, groupRef{"sg-alb", "demo-alb"}, groupRef{"sg-bastion", "demo-bastion"})
	if got, want := canonicalIngress(observedViews(plainRules(app), names)), canonicalIngress(appRuleViews(&s)); got != want {
		t.Errorf("app group read back %q, Desired says %q", got, want)
	}
	if got, want := canonicalIngress(observedViews(plainRules(albRules(&s, true)), names)), canonicalIngress(albRuleViews(&s)); got != want {
		t.Errorf("dual-stack load balancer group read back %q, Desired says %q", got, want)
	}
}

// TestEgressIsWhatTheStackNeeds checks each group's egress in words, read
// back as AWS would hold it, for the images and settings that change it.
func TestEgressIsWhatTheStackNeeds(t *testing.T) {
	names := map[string]string{"sg-app": "demo-app"}
	app := groupRef{"sg-app", "demo-app"}
	sp := func(edit func(s *spec.Spec)) *spec.Spec {
		s := spec.Defaults()
		s.Name = "demo"
		edit(&s)
		return &s
	}
	for _, tc := range []struct {
		name         string
		s            *spec.Spec
		alb, ap, bas string
	}{
		{"Amazon Linux: HTTPS only", sp(func(s *spec.Spec) {}),
			"tcp 3000 to demo-app", "tcp 443 to anywhere", "tcp 22 to demo-app; tcp 443 to anywhere"},
		{"Ubuntu's mirrors are plain HTTP", sp(func(s *spec.Spec) { s.AMI.Base = spec.BaseUbuntu2404 }),
			"tcp 3000 to demo-app", "tcp 80 to anywhere; tcp 443 to anywhere", "tcp 22 to demo-app; tcp 443 to anywhere"},
		{"an existing image's OS is unknown", sp(func(s *spec.Spec) { s.AMI.Source = spec.AMIExisting }),
			"tcp 3000 to demo-app", "tcp 80 to anywhere; tcp 443 to anywhere", "tcp 22 to demo-app; tcp 443 to anywhere"},
		{"the app's own ports", sp(func(s *spec.Spec) { s.Instance.Port = 8080; s.Instance.EgressPorts = []int{5432, 443, 587} }),
			"tcp 8080 to demo-app", "tcp 443 to anywhere; tcp 587 to anywhere; tcp 5432 to anywhere", "tcp 22 to demo-app; tcp 443 to anywhere"},
		{"all keeps AWS's default", sp(func(s *spec.Spec) { s.Instance.Egress = spec.EgressAll }),
			"all traffic to anywhere", "all traffic to anywhere", "all traffic to anywhere"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, g := range []struct {
				what     string
				rules    []wantRule
				want, sp string
			}{
				{"load balancer", albEgress(tc.s, app, true), tc.alb, canonicalEgress(albEgressViews(tc.s))},
				{"app", appEgress(tc.s, true), tc.ap, canonicalEgress(appEgressViews(tc.s))},
				{"bastion", bastionEgress(tc.s, app, true), tc.bas, canonicalEgress(bastionEgressViews(tc.s))},
			} {
				got := canonicalEgress(observedViews(plainRules(g.rules), names))
				if got != g.want {
					t.Errorf("%s egress %q, want %q", g.what, got, g.want)
				}
				if got != g.sp {
					t.Errorf("%s egress read back %q, Desired says %q", g.what, got, g.sp)
				}
			}
		})
	}
}

func plainRules(ws []wantRule) []aws.Rule {
	out := make([]aws.Rule, len(ws))
	for i, w := range ws {
		out[i] = w.rule
	}
	return out
}
