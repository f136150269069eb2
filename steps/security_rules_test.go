package steps

import (
	"testing"

	"github.com/stackwiz/stackwiz/aws"
)

// TestCanonicalIngressReadsBothSidesAlike checks that rules written from
// the spec and rules read back from AWS come out the same words, so drift
// is exactly a different rule: an IPv6 twin of "anywhere" depends on the
// VPC and is folded in, anything else counts.
func TestCanonicalIngressReadsBothSidesAlike(t *testing.T) {
	names := map[string]string{"sg-alb": "demo-alb", "sg-bastion": "demo-bastion"}
	for _, tc := range []struct {
		name  string
		rules []aws.Rule
		want  string
	}{
		{"IPv4 only", plainRules(albRules(false)), "tcp 80 from anywhere; tcp 443 from anywhere"},
		{"dual stack folds ::/0 into anywhere", plainRules(albRules(true)), "tcp 80 from anywhere; tcp 443 from anywhere"},
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
	s := Defaults()
	s.Name, s.Network.Bastion.Enabled = "demo", true
	app := appRules(&s, groupRef{"sg-alb", "demo-alb"}, groupRef{"sg-bastion", "demo-bastion"})
	if got, want := canonicalIngress(observedViews(plainRules(app), names)), canonicalIngress(appRuleViews(&s)); got != want {
		t.Errorf("app group read back %q, Desired says %q", got, want)
	}
	if got, want := canonicalIngress(observedViews(plainRules(albRules(true)), names)), canonicalIngress(albRuleViews(&s)); got != want {
		t.Errorf("dual-stack load balancer group read back %q, Desired says %q", got, want)
	}
}

func plainRules(ws []wantRule) []aws.Rule {
	out := make([]aws.Rule, len(ws))
	for i, w := range ws {
		out[i] = w.rule
	}
	return out
}
