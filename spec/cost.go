package spec

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// costPriceDate is when the price table below was written down. Prices are
// on-demand list prices, Linux, in USD, from AWS's public pricing pages:
// aws.amazon.com/ec2/pricing/on-demand, /vpc/pricing (NAT gateway, public
// IPv4), /elasticloadbalancing/pricing, /ebs/pricing (gp3),
// /route53/pricing, /cloudwatch/pricing. They change rarely but do change:
// the estimate says it is one.
const costPriceDate = "2026-11-23"

// costHoursPerMonth is the month AWS's own calculator uses (365 × 24 / 12).
const costHoursPerMonth = 730

// costUSEast1Hourly is the on-demand hourly price of each offered instance
// type in us-east-1; other regions scale it by their costRegion factor.
var costUSEast1Hourly = map[string]float64{
	"t3.nano": 0.0052, "t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832, "t3.xlarge": 0.1664,
	"t3a.micro": 0.0094, "t3a.small": 0.0188, "t3a.medium": 0.0376, "t3a.large": 0.0752,
	"t4g.nano": 0.0042, "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336, "t4g.large": 0.0672,
	"t2.micro": 0.0116, "t2.small": 0.023,
	"m5.large": 0.096, "m6i.large": 0.096, "m7i.large": 0.1008, "m7g.large": 0.0816,
	"c5.large": 0.085, "c6i.large": 0.085, "c7i.large": 0.08925, "c7g.large": 0.0725,
	"r6i.large": 0.126, "r7g.large": 0.1071,
}

// costRegion holds one region's prices.
type costRegion struct {
	// instanceFactor scales costUSEast1Hourly: the region's t3.micro price
	// over us-east-1's. EC2 prices across a region's general-purpose types
	// move together closely enough for an estimate.
	instanceFactor float64
	natHourly      float64 // per NAT gateway
	natPerGB       float64 // data processed by a NAT gateway
	albHourly      float64 // per Application Load Balancer, LCUs extra
	albLCUHourly   float64
	gp3GBMonth     float64
}

var costRegions = map[string]costRegion{
	"us-east-1":      {1.0, 0.045, 0.045, 0.0225, 0.008, 0.08},
	"us-east-2":      {1.0, 0.045, 0.045, 0.0225, 0.008, 0.08},
	"us-west-2":      {1.0, 0.045, 0.045, 0.0225, 0.008, 0.08},
	"eu-west-1":      {0.0114 / 0.0104, 0.048, 0.048, 0.0252, 0.008, 0.088},
	"eu-central-1":   {0.0120 / 0.0104, 0.052, 0.052, 0.027, 0.008, 0.0952},
	"ap-northeast-1": {0.0136 / 0.0104, 0.062, 0.062, 0.0243, 0.008, 0.096},
	"ap-northeast-2": {0.0130 / 0.0104, 0.059, 0.059, 0.0225, 0.008, 0.0912},
	"ap-southeast-1": {0.0132 / 0.0104, 0.059, 0.059, 0.0252, 0.008, 0.096},
}

// Prices that are the same in every region the table covers.
const (
	costPublicIPv4Hourly  = 0.005 // every public IPv4 address, attached or not, since February 2024
	costHostedZoneMonthly = 0.50  // per hosted zone, first 25 zones
	costAlarmMonthly      = 0.10  // per standard-resolution metric alarm
	costKMSKeyMonthly     = 1.00  // per customer managed KMS key (aws.amazon.com/kms/pricing); requests within the free 20,000 a month
	// Logs are billed by volume, which depends on traffic: plan states the
	// prices rather than a guess. S3 Standard storage, first 50 TB in
	// us-east-1 (aws.amazon.com/s3/pricing); flow logs delivered to S3 are
	// CloudWatch vended logs, first 10 TB (aws.amazon.com/cloudwatch/pricing).
	costS3GBMonth          = 0.023
	costFlowLogDeliveredGB = 0.25
	costFreeAlarms         = 10 // CloudWatch free tier: ten alarms
	// costBastionType is the bastion's instance type: it only forwards SSH.
	costBastionType = "t3.micro"
)

// CostLine is one priced item of a stack.
type CostLine struct {
	Item      string  `json:"item"`
	Quantity  float64 `json:"quantity"`
	Unit      string  `json:"unit"`
	UnitPrice float64 `json:"unit_price_usd"`
	Monthly   float64 `json:"monthly_usd"`
	// PriceUnknown: the table has no price for this item (an instance type
	// or a region it lacks); UnitPrice and Monthly are 0 and the total
	// leaves it out.
	PriceUnknown bool `json:"price_unknown"`
}

// CostEstimate is a stack's monthly cost at on-demand list prices.
type CostEstimate struct {
	Region string     `json:"region"`
	Lines  []CostLine `json:"lines"`
	// Total is the priced lines' sum: with Unknown items, the least the
	// stack costs.
	Total float64 `json:"total_usd"`
	// Unknown names the items without a price, which Total leaves out.
	Unknown []string `json:"unknown"`
	Note    string   `json:"note"`
}

// TotalText is the total in words: "$48.49/month", or with items the
// table cannot price, "$48.49/month + the price of EC2 c6in.2xlarge
// instances (unknown)".
func (e CostEstimate) TotalText() string {
	t := fmt.Sprintf("$%.2f/month", e.Total)
	if len(e.Unknown) > 0 {
		t += " + the price of " + strings.Join(e.Unknown, ", ") + " (unknown)"
	}
	return t
}

// costInstanceHourly returns an instance type's hourly price in region.
func costInstanceHourly(instanceType, region string) (float64, bool) {
	base, ok := costUSEast1Hourly[instanceType]
	if !ok {
		return 0, false
	}
	r, ok := costRegions[region]
	if !ok {
		r = costRegions["us-east-1"]
	}
	return costRound(base*r.instanceFactor, 5), true
}

// costOfferedTypesText lists the priced instance types, for messages.
func costOfferedTypesText() string {
	types := make([]string, 0, len(costUSEast1Hourly))
	for t := range costUSEast1Hourly {
		types = append(types, t)
	}
	slices.Sort(types)
	return "priced types: " + strings.Join(types, ", ")
}

// EstimateMonthly prices what s runs for a month in its region (us-east-1
// when the spec leaves the region to the profile, or the table lacks it):
// instances at autoscaling.desired, their volumes, the load balancer, NAT
// gateways, public IPv4 addresses, the bastion, the hosted zone and alarms
// beyond the free ten. Data transfer, NAT data processing and load
// balancer capacity units depend on traffic and are left out; the note says so.
func EstimateMonthly(s *Spec) CostEstimate {
	region := s.Region
	notes := []string{"estimate, on-demand prices of " + costPriceDate + ", excludes data transfer, NAT data processing and load balancer LCUs"}
	r, regionKnown := costRegions[region]
	switch {
	case region == "":
		// Said, not silent: the profile's region is not known here.
		notes = append(notes, "region not set: us-east-1 prices")
		region, r, regionKnown = "us-east-1", costRegions["us-east-1"], true
	case !regionKnown:
		notes = append(notes, region+" is not in the price table: its regional prices are unknown (see the AWS pricing pages)")
	}
	est := CostEstimate{Region: region, Unknown: []string{}}
	unknown := func(item, unit string, qty float64) {
		if qty > 0 {
			est.Lines = append(est.Lines, CostLine{Item: item, Quantity: qty, Unit: unit, PriceUnknown: true})
			est.Unknown = append(est.Unknown, item)
		}
	}
	// hourly prices a line by the hour, or marks it unknown when the
	// table has no price for it (known is false).
	hourly := func(item string, qty, price float64, known ...bool) {
		if len(known) > 0 && !known[0] {
			unknown(item, "hour", qty)
			return
		}
		if qty > 0 {
			est.Lines = append(est.Lines, CostLine{Item: item, Quantity: qty, Unit: "hour", UnitPrice: price, Monthly: qty * price * costHoursPerMonth})
		}
	}
	monthly := func(item, unit string, qty, price float64) {
		if qty > 0 {
			est.Lines = append(est.Lines, CostLine{Item: item, Quantity: qty, Unit: unit, UnitPrice: price, Monthly: qty * price})
		}
	}

	instances := float64(s.Autoscaling.Desired)
	price, typeKnown := costInstanceHourly(s.Instance.Type, region)
	if !typeKnown {
		notes = append(notes, s.Instance.Type+" has no price in the table: the total leaves its instances out")
	}
	hourly("EC2 "+s.Instance.Type+" instances", instances, price, typeKnown && regionKnown)
	volumes := instances * float64(s.RootGiB())
	if s.Instance.VolumeGiB == 0 {
		notes = append(notes, fmt.Sprintf("root volumes counted at %d GiB, the usual image root size: the image's own size is used at apply", imageRootGiB))
	}

	publicIPs := 0.0
	if s.Network.VPC == VPCNew {
		nats := 0.0
		switch s.Network.NAT {
		case NATSingle:
			nats = 1
		case NATPerAZ:
			nats = float64(s.Network.AZs)
		case NATNone:
			publicIPs += instances // instances run in public subnets
		}
		hourly("NAT gateways", nats, r.natHourly, regionKnown)
		publicIPs += nats // each NAT gateway's Elastic IP
	} else {
		// The default VPC has only public subnets, which map public IPs; an
		// existing VPC is assumed to do the same (not known before apply).
		publicIPs += instances
	}
	// An internet-facing ALB holds a public IPv4 address in each AZ.
	hourly("Application Load Balancer", 1, r.albHourly, regionKnown)
	publicIPs += float64(s.Network.AZs)

	if s.Network.Bastion.Enabled {
		price, _ := costInstanceHourly(costBastionType, region)
		hourly("bastion host ("+costBastionType+")", 1, price, regionKnown)
		volumes += 8
		publicIPs++
	}
	hourly("public IPv4 addresses", publicIPs, costPublicIPv4Hourly)
	if regionKnown {
		monthly("EBS gp3 volumes", "GB-month", volumes, r.gp3GBMonth)
	} else {
		unknown("EBS gp3 volumes", "GB-month", volumes)
	}
	if s.DNS.Zone != "" {
		monthly("Route 53 hosted zone (if stackwiz creates it)", "zone-month", 1, costHostedZoneMonthly)
	}
	if s.Alarms.EncryptTopic {
		keys := 1.0
		if s.Alarms.BillingThresholdUSD > 0 {
			keys++ // the billing topic's, in us-east-1
		}
		monthly("KMS keys encrypting the alarm topics", "key-month", keys, costKMSKeyMonthly)
	}
	notes = append(notes, s.logsCostNotes()...)
	if note := s.dualstackCostNote(); note != "" {
		notes = append(notes, note)
	}
	if extra := s.alarmCount() - costFreeAlarms; extra > 0 {
		monthly("CloudWatch alarms beyond the free ten", "alarm-month", float64(extra), costAlarmMonthly)
	}
	for i := range est.Lines {
		est.Lines[i].Monthly = costRound(est.Lines[i].Monthly, 2)
		est.Total += est.Lines[i].Monthly
	}
	est.Total = costRound(est.Total, 2)
	est.Note = strings.Join(notes, "; ")
	return est
}

// alarmCount is how many CloudWatch alarms the stack creates, counting the
// two (high and low) that target tracking creates for its policy; they are
// ordinary alarms in the account and are counted as such here.
func (s *Spec) alarmCount() int {
	n := 3 // UnHealthyHostCount, ELB 5XX, TargetResponseTime
	if s.Alarms.CPUHighPercent > 0 {
		n++
	}
	if s.Alarms.BillingThresholdUSD > 0 {
		n++
	}
	if s.Autoscaling.CPUTargetPercent > 0 {
		n += 2
	}
	return n
}

// Amount says how much of the item a month holds, in words a reader
// checks against the bill: "2 × 730 h" for two things running all month,
// "16 GB-month" for storage.
func (l CostLine) Amount() string {
	q := strconv.FormatFloat(l.Quantity, 'f', -1, 64)
	if l.Unit == "hour" {
		return fmt.Sprintf("%s × %d h", q, costHoursPerMonth)
	}
	return q + " " + l.Unit
}

// String renders the estimate as a small table.
func (e CostEstimate) String() string {
	rows := make([][4]string, len(e.Lines))
	var w [3]int
	for i, l := range e.Lines {
		unit := "/" + l.Unit
		if l.Unit == "hour" {
			unit = "/h"
		}
		rows[i] = [4]string{l.Item, l.Amount(), "$" + strconv.FormatFloat(l.UnitPrice, 'f', -1, 64) + unit, fmt.Sprintf("$%9.2f/month", l.Monthly)}
		if l.PriceUnknown {
			rows[i][2], rows[i][3] = "price unknown", "      price unknown"
		}
		for c := range w {
			w[c] = max(w[c], len([]rune(rows[i][c])))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s  %s × %s  %s\n", pad(r[0], w[0]), pad(r[1], w[1]), pad(r[2], w[2]), r[3])
	}
	total := fmt.Sprintf("$%9.2f/month", e.Total)
	if len(e.Unknown) > 0 {
		total += " + what is unknown"
	}
	fmt.Fprintf(&b, "%s  %s\n", pad("total ("+e.Region+")", w[0]+w[1]+w[2]+5), total)
	b.WriteString("(" + e.Note + ")")
	return b.String()
}

// pad right-pads s with spaces to n runes.
func pad(s string, n int) string {
	return s + strings.Repeat(" ", max(0, n-len([]rune(s))))
}

func costRound(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// logsCostNotes prices the log options by volume, which plan cannot know.
func (s *Spec) logsCostNotes() []string {
	var out []string
	if l := s.LoadBalancer.AccessLogs; l.Enabled {
		out = append(out, fmt.Sprintf("access logs: S3 storage at $%.3f per GB-month, each log kept %d days (delivery is free)", costS3GBMonth, l.RetentionDays))
	}
	if l := s.Network.FlowLogs; l.Enabled {
		out = append(out, fmt.Sprintf("flow logs: $%.2f per GB delivered plus S3 storage at $%.3f per GB-month, each log kept %d days", costFlowLogDeliveredGB, costS3GBMonth, l.RetentionDays))
	}
	return out
}

// dualstackCostNote says what dualstack adds to the bill: nothing. IPv6
// addresses and an Amazon-provided IPv6 block are free, while the
// internet-facing load balancer keeps a public IPv4 address per AZ,
// already counted among the public IPv4 addresses
// (aws.amazon.com/vpc/pricing, "Public IPv4 addresses", read on
// costPriceDate); alias queries to a load balancer, the AAAA one
// included, are free (aws.amazon.com/route53/pricing).
func (s *Spec) dualstackCostNote() string {
	if s.LoadBalancer.IPAddressType != Dualstack {
		return ""
	}
	return "dualstack adds nothing: IPv6 addresses and the VPC's Amazon-provided IPv6 block are free, the AAAA alias's queries too; the load balancer keeps its public IPv4 address per AZ, billed above"
}
