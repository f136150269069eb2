package spec

import (
	"fmt"
	"strings"
	"testing"
)

func TestSubnetPlan(t *testing.T) {
	cases := []struct {
		name    string
		network func(n *Network)
		want    []string // "name az tier cidr usable"
		wantErr string
	}{
		{
			name:    "defaults: two AZs, private /20 and public /24 each",
			network: func(n *Network) {},
			want: []string{
				"demo-private-1 0 private 10.0.0.0/20 4091",
				"demo-private-2 1 private 10.0.16.0/20 4091",
				"demo-public-1 0 public 10.0.32.0/24 251",
				"demo-public-2 1 public 10.0.33.0/24 251",
			},
		},
		{
			name:    "three AZs, a NAT gateway in each",
			network: func(n *Network) { n.AZs = 3; n.NAT = NATPerAZ },
			want: []string{
				"demo-private-1 0 private 10.0.0.0/20 4091",
				"demo-private-2 1 private 10.0.16.0/20 4091",
				"demo-private-3 2 private 10.0.32.0/20 4091",
				"demo-public-1 0 public 10.0.48.0/24 251",
				"demo-public-2 1 public 10.0.49.0/24 251",
				"demo-public-3 2 public 10.0.50.0/24 251",
			},
		},
		{
			name:    "no NAT: public subnets only, where they are with NAT",
			network: func(n *Network) { n.NAT = NATNone },
			want: []string{
				"demo-public-1 0 public 10.0.32.0/24 251",
				"demo-public-2 1 public 10.0.33.0/24 251",
			},
		},
		{
			name: "public larger than private goes first",
			network: func(n *Network) {
				n.CIDR = "172.16.0.0/22"
				n.PublicSubnetBits, n.PrivateSubnetBits = 24, 26
			},
			want: []string{
				"demo-public-1 0 public 172.16.0.0/24 251",
				"demo-public-2 1 public 172.16.1.0/24 251",
				"demo-private-1 0 private 172.16.2.0/26 59",
				"demo-private-2 1 private 172.16.2.64/26 59",
			},
		},
		{
			name: "an exact fit",
			network: func(n *Network) {
				n.CIDR = "192.168.0.0/24"
				n.PublicSubnetBits, n.PrivateSubnetBits = 26, 26
			},
			want: []string{
				"demo-private-1 0 private 192.168.0.0/26 59",
				"demo-private-2 1 private 192.168.0.64/26 59",
				"demo-public-1 0 public 192.168.0.128/26 59",
				"demo-public-2 1 public 192.168.0.192/26 59",
			},
		},
		{
			name:    "one address too many",
			network: func(n *Network) { n.CIDR = "192.168.0.0/25"; n.PublicSubnetBits, n.PrivateSubnetBits = 26, 27 },
			wantErr: "2 public /26 and 2 private /27 take 192 addresses, more than the 128 of 192.168.0.0/25",
		},
		{
			name:    "a VPC too small",
			network: func(n *Network) { n.CIDR = "10.0.0.0/20" },
			wantErr: "take 8704 addresses, more than the 4096",
		},
		{
			name:    "host bits set",
			network: func(n *Network) { n.CIDR = "10.0.0.1/16" },
			wantErr: "not an IPv4 network address",
		},
		{
			name:    "default VPC has no plan",
			network: func(n *Network) { n.VPC = VPCDefault },
			want:    nil,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Defaults()
			s.Name = "demo"
			tc.network(&s.Network)
			plan, err := s.SubnetPlan()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(plan))
			for i, p := range plan {
				got[i] = fmt.Sprintf("%s %d %s %s %d", p.Name, p.AZIndex, p.Tier, p.CIDR, p.Usable)
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			// Whatever the sizes, no two subnets overlap and all are inside the VPC.
			for i, a := range plan {
				if !contains(s.Network.CIDR, a.CIDR.String()) {
					t.Errorf("%s is outside %s", a.CIDR, s.Network.CIDR)
				}
				for _, b := range plan[i+1:] {
					if a.CIDR.Overlaps(b.CIDR) {
						t.Errorf("%s overlaps %s", a.CIDR, b.CIDR)
					}
				}
			}
		})
	}
}

func contains(outer, inner string) bool {
	s := Spec{Network: Network{CIDR: outer}}
	o, fe := parseIPv4Prefix(s.Network.CIDR, "")
	i, fe2 := parseIPv4Prefix(inner, "")
	return fe == nil && fe2 == nil && o.Bits() <= i.Bits() && o.Contains(i.Addr())
}

// TestSubnetPlanAgreesWithValidation checks that every network Validate
// accepts can be planned, and every plan failure is a validation error, over
// a grid of VPC and subnet sizes.
func TestSubnetPlanAgreesWithValidation(t *testing.T) {
	for vpcBits := 16; vpcBits <= 28; vpcBits += 2 {
		for pub := 16; pub <= 28; pub += 2 {
			for priv := 16; priv <= 28; priv += 3 {
				for azs := 2; azs <= 3; azs++ {
					s := Defaults()
					s.Name = "demo"
					s.Instance.UserData = ""
					s.Autoscaling.Min, s.Autoscaling.Desired, s.Autoscaling.Max = 1, 1, 1
					s.Network.CIDR = fmt.Sprintf("10.0.0.0/%d", vpcBits)
					s.Network.PublicSubnetBits, s.Network.PrivateSubnetBits, s.Network.AZs = pub, priv, azs
					_, planErr := s.SubnetPlan()
					var netErrs []string
					for _, p := range s.Validate(ValidateEnv{}) {
						if strings.HasPrefix(p.Path, "network.") && !p.IsWarning() {
							netErrs = append(netErrs, p.Error())
						}
					}
					if (planErr == nil) != (len(netErrs) == 0) {
						t.Errorf("vpc /%d pub /%d priv /%d azs %d: plan error %v, validation %v", vpcBits, pub, priv, azs, planErr, netErrs)
					}
				}
			}
		}
	}
}

// TestSubnetPlanKeepsPublicSubnetsAcrossNATModes checks that changing
// network.nat never moves a public subnet: it holds the load balancer and
// the NAT gateways and cannot change its block in place.
func TestSubnetPlanKeepsPublicSubnetsAcrossNATModes(t *testing.T) {
	for _, azs := range []int{2, 3} {
		public := map[string][]string{}
		for _, nat := range []string{NATNone, NATSingle, NATPerAZ} {
			s := Defaults()
			s.Name = "demo"
			s.Network.AZs, s.Network.NAT = azs, nat
			plan, err := s.SubnetPlan()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range plan {
				if p.Tier == SubnetPublic {
					public[nat] = append(public[nat], p.CIDR.String())
				}
			}
		}
		if len(public[NATNone]) != azs {
			t.Fatalf("%d AZs, nat none: %d public subnets", azs, len(public[NATNone]))
		}
		for _, nat := range []string{NATSingle, NATPerAZ} {
			if strings.Join(public[nat], " ") != strings.Join(public[NATNone], " ") {
				t.Errorf("%d AZs: public subnets with nat %s are %v, with none %v", azs, nat, public[nat], public[NATNone])
			}
		}
	}
}
