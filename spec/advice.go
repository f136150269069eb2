package spec

import (
	"fmt"
	"strings"
)

// Free tier figures (aws.amazon.com/free, "AWS Free Tier update", July
// 2025): accounts created before 15 July 2025 have 750 hours a month of
// t2.micro/t3.micro and 30 GB of EBS for their first 12 months; accounts
// created since get credits (up to $200 for 6 months) instead. Which one an
// account has is not known before apply, so the advice gives both.
const (
	freeTierHours       = 750
	freeTierEBSGB       = 30
	freeTierCreditsUSD  = 200
	freeTierCutoverDate = "15 July 2025"
)

// The ids of the steps advice belongs to: the values of steps.StepID, which
// spec cannot import (steps imports spec; a steps test keeps them equal).
const (
	stepNetwork        = "network"
	stepLaunchTemplate = "launch_template"
	stepCertificate    = "certificate"
	stepLoadBalancer   = "load_balancer"
	stepAutoscaling    = "autoscaling"
	stepAlarms         = "alarms"
)

// freeTierTypes are the instance types the legacy free tier covers.
var freeTierTypes = map[string]bool{"t2.micro": true, "t3.micro": true}

// Advice is one thing the wizard tells the user about a choice, with the
// figures that make it matter. Unlike a validation problem it never stops
// anything.
type Advice struct {
	// Step is the id of the step whose form the advice belongs to (a
	// steps.StepID: "network", "launch_template", ...).
	Step string `json:"step"`
	// Path is the spec field it is about.
	Path string `json:"path"`
	// Warn is true for something that costs money or exposes the stack;
	// false for a note.
	Warn bool   `json:"warn"`
	Text string `json:"text"`
}

// Advise returns the advice for s: free-tier hours and EBS gigabytes, NAT
// gateway and public IPv4 costs, SSH open to the world, no billing alarm,
// no HTTPS, and how long a new instance waits for traffic. Prices come
// from the same table as EstimateMonthly.
func Advise(s *Spec) []Advice {
	var out []Advice
	add := func(step string, path string, warn bool, format string, args ...any) {
		out = append(out, Advice{Step: step, Path: path, Warn: warn, Text: fmt.Sprintf(format, args...)})
	}
	region := s.Region
	r, ok := costRegions[region]
	if !ok {
		region, r = "us-east-1", costRegions["us-east-1"]
	}
	month := func(hourly float64) float64 { return costRound(hourly*costHoursPerMonth, 2) }

	// Network: NAT gateways and public IPv4 addresses.
	if s.Network.VPC == VPCNew {
		switch s.Network.NAT {
		case NATSingle:
			add(stepNetwork, "network.nat", true, "1 NAT gateway: $%g/hour ≈ $%.2f/month, plus $%g per GB it forwards (%s); one AZ's outage cuts the others' private subnets off the internet",
				r.natHourly, month(r.natHourly), r.natPerGB, region)
		case NATPerAZ:
			add(stepNetwork, "network.nat", true, "%d NAT gateways, one per AZ: %d × $%.2f ≈ $%.2f/month, plus $%g per GB (%s); single would save $%.2f/month",
				s.Network.AZs, s.Network.AZs, month(r.natHourly), month(float64(s.Network.AZs)*r.natHourly), r.natPerGB, region,
				month(float64(s.Network.AZs-1)*r.natHourly))
		}
	}
	if ips := advisePublicIPs(s); ips > 0 {
		add(stepNetwork, "network.nat", false, "%d public IPv4 addresses (%s) at $%g/hour each ≈ $%.2f/month: AWS charges every one, attached or idle, since February 2024; stackwiz releases its Elastic IPs on destroy",
			ips, advisePublicIPsText(s), costPublicIPv4Hourly, month(float64(ips)*costPublicIPv4Hourly))
	}
	if s.Network.Bastion.Enabled && strings.TrimSpace(s.Network.Bastion.SSHFrom) == "0.0.0.0/0" {
		add(stepNetwork, "network.bastion.ssh_from", true, "SSH open to 0.0.0.0/0: bots find and try the bastion within minutes; use auto (your IP /32)")
	}

	// Instances: free tier hours and EBS gigabytes.
	hours := s.Autoscaling.Desired * costHoursPerMonth
	who := fmt.Sprintf("%d × %s", s.Autoscaling.Desired, s.Instance.Type)
	if s.Network.Bastion.Enabled {
		if freeTierTypes[costBastionType] {
			hours += costHoursPerMonth
		}
		who += " + the bastion"
	}
	if price, ok := costInstanceHourly(s.Instance.Type, region); ok && !freeTierTypes[s.Instance.Type] {
		add(stepLaunchTemplate, "instance.type", true, "%s is outside the free tier: %d × $%g/hour ≈ $%.2f/month",
			s.Instance.Type, s.Autoscaling.Desired, price, month(float64(s.Autoscaling.Desired)*price))
	} else if ok {
		over := hours - freeTierHours
		text := fmt.Sprintf("%s run %d instance-hours a month; the free tier covers %d (accounts opened before %s, first 12 months)",
			who, hours, freeTierHours, freeTierCutoverDate)
		if over > 0 {
			text += fmt.Sprintf(": the other %d h cost ≈ $%.2f", over, costRound(float64(over)*price, 2))
		}
		add(stepLaunchTemplate, "instance.type", over > 0, "%s. Accounts opened since get up to $%d of credits for 6 months instead", text, freeTierCreditsUSD)
	}
	gb := s.Autoscaling.Desired * s.RootGiB()
	maxGB := s.Autoscaling.Max * s.RootGiB()
	if s.Network.Bastion.Enabled {
		gb += 8
		maxGB += 8
	}
	text := fmt.Sprintf("%d × %d GiB volumes = %d GB of EBS (%d GB at autoscaling.max %d); the free tier covers %d GB",
		s.Autoscaling.Desired, s.RootGiB(), gb, maxGB, s.Autoscaling.Max, freeTierEBSGB)
	if over := maxGB - freeTierEBSGB; over > 0 {
		text += fmt.Sprintf(", beyond it gp3 is $%g/GB-month (≈ $%.2f for the %d GB over at max)", r.gp3GBMonth, costRound(float64(over)*r.gp3GBMonth, 2), over)
	}
	add(stepLaunchTemplate, "instance.volume_gib", maxGB > freeTierEBSGB, "%s. Stopped instances keep paying for their volumes", text)

	// Load balancer: how long before a new instance takes traffic, HTTPS.
	hc := s.LoadBalancer.HealthCheck
	add(stepLoadBalancer, "load_balancer.health_check.interval_seconds", false,
		"a new instance takes traffic after %d passing checks %d s apart: at least %d s after the app answers on port %d",
		hc.HealthyThreshold, hc.IntervalSeconds, hc.HealthyThreshold*hc.IntervalSeconds, s.Instance.Port)
	if price := r.albHourly; price > 0 {
		add(stepLoadBalancer, "load_balancer", false, "the load balancer: $%g/hour ≈ $%.2f/month, plus $%g per LCU-hour of traffic", price, month(price), r.albLCUHourly)
	}
	if !s.LoadBalancer.HTTPS {
		fix := "set a hosted zone and record (dns) to get a free ACM certificate"
		if s.DNS.Zone != "" && s.DNS.Record != "" {
			fix = "turn https on: the certificate is free and validated in " + s.DNS.Zone
		}
		add(stepCertificate, "load_balancer.https", true, "no HTTPS: logins and cookies cross the internet readable; %s", fix)
	}

	// Autoscaling: metrics granularity.
	if s.Autoscaling.CPUTargetPercent > 0 {
		add(stepAutoscaling, "autoscaling.cpu_target_percent", false,
			"target tracking at %d%% CPU reads EC2's free 5-minute metrics; AWS advises 1-minute (detailed monitoring, paid) for faster reaction",
			s.Autoscaling.CPUTargetPercent)
	}

	// Alarms: no billing alarm.
	est := EstimateMonthly(s)
	if s.Alarms.BillingThresholdUSD <= 0 {
		add(stepAlarms, "alarms.billing_threshold_usd", true, "no billing alarm: nothing warns you when the bill grows (set one before anything else); this stack is ≈ $%.2f/month, so a threshold of $%.0f would catch a surprise",
			est.Total, adviseThreshold(est.Total))
	} else if s.Alarms.BillingThresholdUSD < est.Total {
		add(stepAlarms, "alarms.billing_threshold_usd", true, "the billing alarm at $%g is below this stack's ≈ $%.2f/month: it will fire every month",
			s.Alarms.BillingThresholdUSD, est.Total)
	}
	return out
}

// AdviceFor returns the advice about step.
func AdviceFor(all []Advice, step string) []Advice {
	var out []Advice
	for _, a := range all {
		if a.Step == step {
			out = append(out, a)
		}
	}
	return out
}

// advisePublicIPs counts the stack's public IPv4 addresses the way
// EstimateMonthly does.
func advisePublicIPs(s *Spec) int {
	for _, l := range EstimateMonthly(s).Lines {
		if l.Item == "public IPv4 addresses" {
			return int(l.Quantity)
		}
	}
	return 0
}

func advisePublicIPsText(s *Spec) string {
	var parts []string
	switch {
	case s.Network.VPC != VPCNew || s.Network.NAT == NATNone:
		parts = append(parts, fmt.Sprintf("%d instances in public subnets", s.Autoscaling.Desired))
	case s.Network.NAT == NATSingle:
		parts = append(parts, "the NAT gateway's")
	case s.Network.NAT == NATPerAZ:
		parts = append(parts, fmt.Sprintf("%d NAT gateways'", s.Network.AZs))
	}
	parts = append(parts, fmt.Sprintf("the load balancer's %d", s.Network.AZs))
	if s.Network.Bastion.Enabled {
		parts = append(parts, "the bastion's")
	}
	return strings.Join(parts, ", ")
}

// adviseThreshold rounds a monthly estimate up to a threshold worth setting:
// the estimate plus a fifth, to the next $5.
func adviseThreshold(total float64) float64 {
	t := total * 1.2
	return float64(int(t/5)+1) * 5
}
