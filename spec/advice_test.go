package spec

import (
	"strings"
	"testing"
)

func TestAdviceGivesTheFiguresWhereTheSeedsWereBurned(t *testing.T) {
	spec := func(mod func(*Spec)) *Spec {
		s := Defaults()
		s.Name, s.Region = "demo", "us-east-1"
		if mod != nil {
			mod(&s)
		}
		return &s
	}
	find := func(as []Advice, path string) []Advice {
		var out []Advice
		for _, a := range as {
			if a.Path == path {
				out = append(out, a)
			}
		}
		return out
	}
	cases := []struct {
		name string
		spec *Spec
		path string
		warn bool
		want []string // substrings of the text
	}{
		{"single NAT costs per hour and per month", spec(nil), "network.nat", true, []string{"1 NAT gateway", "$0.045/hour", "$32.85/month"}},
		{"per-AZ NAT multiplies it", spec(func(s *Spec) { s.Network.NAT, s.Network.AZs = NATPerAZ, 3 }), "network.nat", true,
			[]string{"3 NAT gateways", "3 × $32.85", "$98.55/month", "save $65.70/month"}},
		{"two micro instances exceed the free tier's hours", spec(nil), "instance.type", true,
			[]string{"2 × t3.micro run 1460 instance-hours", "covers 750", "other 710 h cost ≈ $7.38", "$200 of credits"}},
		{"one micro instance fits it", spec(func(s *Spec) { s.Autoscaling.Min, s.Autoscaling.Desired = 1, 1 }), "instance.type", false,
			[]string{"1 × t3.micro run 730 instance-hours"}},
		{"a larger type is outside it", spec(func(s *Spec) { s.Instance.Type = "t3.small" }), "instance.type", true,
			[]string{"t3.small is outside the free tier", "$0.0208/hour", "$30.37/month"}},
		{"volumes at max exceed 30 GB", spec(nil), "instance.volume_gib", true,
			[]string{"2 × 8 GiB volumes = 16 GB", "32 GB at autoscaling.max 4", "2 GB over"}},
		{"SSH open to the world", spec(func(s *Spec) { s.Network.Bastion = Bastion{Enabled: true, SSHFrom: "0.0.0.0/0"} }), "network.bastion.ssh_from", true,
			[]string{"SSH open to 0.0.0.0/0"}},
		{"no billing alarm, with a threshold to set", spec(nil), "alarms.billing_threshold_usd", true, []string{"no billing alarm", "/month"}},
		{"no HTTPS", spec(nil), "load_balancer.https", true, []string{"no HTTPS"}},
		{"time to first traffic", spec(nil), "load_balancer.health_check.interval_seconds", false, []string{"3 passing checks 30 s apart", "at least 90 s", "port 3000"}},
		{"public IPv4 addresses, idle or not", spec(nil), "network.nat", false, []string{"3 public IPv4 addresses", "$0.005/hour", "$10.95/month"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find(Advise(c.spec), c.path)
			for _, a := range got {
				if a.Warn != c.warn {
					continue
				}
				ok := true
				for _, w := range c.want {
					ok = ok && strings.Contains(a.Text, w)
				}
				if ok {
					return
				}
			}
			t.Fatalf("no %s advice (warn=%v) containing %q; got %+v", c.path, c.warn, c.want, got)
		})
	}

	quiet := spec(func(s *Spec) {
		s.Alarms.BillingThresholdUSD = 200
		s.LoadBalancer.HTTPS = true
		s.DNS = DNS{Zone: "example.com", Record: "api.example.com"}
	})
	for _, a := range Advise(quiet) {
		if a.Path == "alarms.billing_threshold_usd" || a.Path == "load_balancer.https" {
			t.Errorf("advice %q given although the spec follows it", a.Text)
		}
	}
	low := spec(func(s *Spec) { s.Alarms.BillingThresholdUSD = 5 })
	if got := find(Advise(low), "alarms.billing_threshold_usd"); len(got) != 1 || !strings.Contains(got[0].Text, "fire every month") {
		t.Errorf("a threshold below the estimate gave %+v", got)
	}
}
