package spec

import (
	"math"
	"slices"
	"strings"
	"testing"
)

func TestEstimateMonthly(t *testing.T) {
	type line struct {
		item    string
		qty     float64
		monthly float64
	}
	cases := []struct {
		name   string
		edit   func(s *Spec)
		region string
		lines  []line
		total  float64
		note   string
		// unknown are the items priced "unknown", which the total leaves out.
		unknown []string
	}{
		{
			name: "defaults in us-east-1: two t3.micro, one NAT, ALB",
			edit: func(s *Spec) { s.Region = "us-east-1" },
			lines: []line{
				{"EC2 t3.micro instances", 2, 2 * 0.0104 * 730},
				{"NAT gateways", 1, 0.045 * 730},
				{"Application Load Balancer", 1, 0.0225 * 730},
				// one EIP for the NAT, one address per AZ for the ALB
				{"public IPv4 addresses", 3, 3 * 0.005 * 730},
				{"EBS gp3 volumes", 16, 16 * 0.08},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region: "us-east-1",
		},
		{
			name: "default VPC: no NAT, instances hold public IPs",
			edit: func(s *Spec) { s.Region = "us-east-1"; s.Network.VPC = VPCDefault },
			lines: []line{
				{"EC2 t3.micro instances", 2, 2 * 0.0104 * 730},
				{"Application Load Balancer", 1, 0.0225 * 730},
				{"public IPv4 addresses", 4, 4 * 0.005 * 730},
				{"EBS gp3 volumes", 16, 16 * 0.08},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region: "us-east-1",
		},
		{
			name: "per-AZ NAT multiplies the NAT line",
			edit: func(s *Spec) { s.Region = "us-east-1"; s.Network.AZs = 3; s.Network.NAT = NATPerAZ },
			lines: []line{
				{"EC2 t3.micro instances", 2, 2 * 0.0104 * 730},
				{"NAT gateways", 3, 3 * 0.045 * 730},
				{"Application Load Balancer", 1, 0.0225 * 730},
				{"public IPv4 addresses", 6, 6 * 0.005 * 730},
				{"EBS gp3 volumes", 16, 16 * 0.08},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region: "us-east-1",
		},
		{
			name: "Seoul prices, bastion, hosted zone",
			edit: func(s *Spec) {
				s.Region = "ap-northeast-2"
				s.Network.Bastion.Enabled = true
				s.DNS.Zone, s.DNS.Record = "example.com", "example.com"
				s.Instance.VolumeGiB = 20
			},
			lines: []line{
				{"EC2 t3.micro instances", 2, 2 * 0.013 * 730},
				{"NAT gateways", 1, 0.059 * 730},
				{"Application Load Balancer", 1, 0.0225 * 730},
				{"bastion host (t3.micro)", 1, 0.013 * 730},
				{"public IPv4 addresses", 4, 4 * 0.005 * 730},
				{"EBS gp3 volumes", 48, 48 * 0.0912},
				{"Route 53 hosted zone (if stackwiz creates it)", 1, 0.50},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region: "ap-northeast-2",
		},
		{
			name: "no region falls back to us-east-1 and says so",
			edit: func(s *Spec) { s.Network.NAT = NATNone; s.Autoscaling.Desired = 1 },
			lines: []line{
				{"EC2 t3.micro instances", 1, 0.0104 * 730},
				{"Application Load Balancer", 1, 0.0225 * 730},
				{"public IPv4 addresses", 3, 3 * 0.005 * 730},
				{"EBS gp3 volumes", 8, 8 * 0.08},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region: "us-east-1",
			note:   "region not set: us-east-1 prices",
		},
		{
			name: "a billing alarm's topic has a key of its own; none without encryption",
			edit: func(s *Spec) {
				s.Region = "us-east-1"
				s.Network.VPC = VPCDefault
				s.Alarms.BillingThresholdUSD = 20
			},
			lines: []line{
				{"EC2 t3.micro instances", 2, 2 * 0.0104 * 730},
				{"Application Load Balancer", 1, 0.0225 * 730},
				{"public IPv4 addresses", 4, 4 * 0.005 * 730},
				{"EBS gp3 volumes", 16, 16 * 0.08},
				{"KMS keys encrypting the alarm topics", 2, 2 * 1.00},
			},
			region: "us-east-1",
		},
		{
			name: "unpriced type is left out and noted",
			edit: func(s *Spec) {
				s.Region = "us-east-1"
				s.Network.VPC = VPCDefault
				s.Instance.Type = "c6in.2xlarge"
			},
			lines: []line{
				{"EC2 c6in.2xlarge instances", 2, 0},
				{"Application Load Balancer", 1, 0.0225 * 730},
				{"public IPv4 addresses", 4, 4 * 0.005 * 730},
				{"EBS gp3 volumes", 16, 16 * 0.08},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region:  "us-east-1",
			note:    "c6in.2xlarge has no price in the table",
			unknown: []string{"EC2 c6in.2xlarge instances"},
		},
		{
			name: "a region the table lacks is not priced as us-east-1",
			edit: func(s *Spec) { s.Region = "sa-east-1" },
			lines: []line{
				{"EC2 t3.micro instances", 2, 0},
				{"NAT gateways", 1, 0},
				{"Application Load Balancer", 1, 0},
				{"public IPv4 addresses", 3, 3 * 0.005 * 730},
				{"EBS gp3 volumes", 16, 0},
				{"KMS keys encrypting the alarm topics", 1, 1.00},
			},
			region:  "sa-east-1",
			note:    "sa-east-1 is not in the price table: its regional prices are unknown",
			unknown: []string{"EC2 t3.micro instances", "NAT gateways", "Application Load Balancer", "EBS gp3 volumes"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := Defaults()
			s.Name = "demo"
			tc.edit(&s)
			est := EstimateMonthly(&s)
			if est.Region != tc.region {
				t.Errorf("region %q, want %q", est.Region, tc.region)
			}
			if len(est.Lines) != len(tc.lines) {
				t.Fatalf("got lines\n%s", est)
			}
			var total float64
			for i, want := range tc.lines {
				got := est.Lines[i]
				if got.Item != want.item || got.Quantity != want.qty || math.Abs(got.Monthly-want.monthly) > 0.006 {
					t.Errorf("line %d: got %+v, want %+v", i, got, want)
				}
				if math.Abs(got.Quantity*got.UnitPrice*costUnitHours(got.Unit)-got.Monthly) > 0.006 {
					t.Errorf("line %d: quantity × unit price ≠ monthly: %+v", i, got)
				}
				total += got.Monthly
			}
			if math.Abs(est.Total-total) > 0.006 {
				t.Errorf("total %.2f, sum of lines %.2f", est.Total, total)
			}
			if !strings.HasPrefix(est.Note, "estimate, on-demand prices of "+costPriceDate+", excludes data transfer") {
				t.Errorf("note %q", est.Note)
			}
			if tc.note != "" && !strings.Contains(est.Note, tc.note) {
				t.Errorf("note %q lacks %q", est.Note, tc.note)
			}
			if !slices.Equal(est.Unknown, append([]string{}, tc.unknown...)) {
				t.Errorf("unknown %q, want %q", est.Unknown, tc.unknown)
			}
			for _, l := range est.Lines {
				if l.PriceUnknown != slices.Contains(tc.unknown, l.Item) {
					t.Errorf("%s: price_unknown %v", l.Item, l.PriceUnknown)
				}
			}
			text := est.String()
			if len(tc.unknown) > 0 && (!strings.Contains(text, "price unknown") || !strings.Contains(text, "+ what is unknown") ||
				!strings.Contains(est.TotalText(), "(unknown)")) {
				t.Errorf("an estimate with unknown prices does not say so:\n%s\n%s", text, est.TotalText())
			}
		})
	}
}

func costUnitHours(unit string) float64 {
	if unit == "hour" {
		return costHoursPerMonth
	}
	return 1
}

func TestAlarmsBeyondTheFreeTenAreCharged(t *testing.T) {
	s := Defaults()
	s.Name = "demo"
	s.Alarms.BillingThresholdUSD = 10
	// 3 ALB alarms + CPU high + billing + 2 target tracking = 7: free.
	if n := s.alarmCount(); n != 7 {
		t.Fatalf("alarmCount = %d, want 7", n)
	}
	for _, l := range EstimateMonthly(&s).Lines {
		if strings.Contains(l.Item, "CloudWatch alarms") {
			t.Fatalf("alarms within the free ten were charged: %+v", l)
		}
	}
}

func TestEveryPricedTypeIsAValidInstanceType(t *testing.T) {
	for typ := range costUSEast1Hourly {
		if err := ValidateInstanceType(typ); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
		for region := range costRegions {
			if p, ok := costInstanceHourly(typ, region); !ok || p <= 0 {
				t.Errorf("%s in %s: no price", typ, region)
			}
		}
	}
}

// The plan's cost lines read as the bill does: "2 × 730 h" for two
// things running all month, never "2.00 hour".
func TestCostLinesSayHowManyForHowLong(t *testing.T) {
	s := Defaults()
	s.Name, s.Region = "demo", "us-east-1"
	text := EstimateMonthly(&s).String()
	for _, want := range []string{"EC2 t3.micro instances", "2 × 730 h", "× $0.0104/h", "GB-month × $0.08/GB-month", "total (us-east-1)"} {
		if !strings.Contains(text, want) {
			t.Errorf("estimate lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, ".00 hour") {
		t.Errorf("estimate speaks of fractional hours:\n%s", text)
	}
}
