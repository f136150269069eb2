package sandbox

import (
	"hash/fnv"
	"math"
	"strings"
	"time"
)

// Synthetic metrics. Every value is a pure function of a resource id and a
// timestamp (plus, for target health, the counts CloudWatch observed), so a
// metric reads the same however often it is asked for, survives a restart,
// and tests can assert it. A metric has samples only on its own grid (EC2
// basic monitoring: 5 minutes; load balancers: 1 minute; billing: 6 hours)
// and only while the resource existed.

// metricSeries is one metric's samples: at returns the value at a grid
// point t, or false when the resource did not exist (or had no data) then.
type metricSeries struct {
	step time.Duration
	unit string
	at   func(t time.Time) (float64, bool)
}

// Native resolutions.
const (
	ec2Step     = 5 * time.Minute // basic monitoring
	elbStep     = time.Minute
	billingStep = 6 * time.Hour
)

// unit01 hashes a key and a number to [0,1), the sandbox's deterministic noise.
func unit01(key string, n int64) float64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	var b [8]byte
	for i := range b {
		b[i] = byte(n >> (8 * i))
	}
	h.Write(b[:])
	return float64(h.Sum64()>>11) / float64(1<<53)
}

// wave is a smooth daily-ish swing unique to key: a sine with a period of
// 30–120 minutes and a phase taken from the key.
func wave(key string, t time.Time) float64 {
	period := (30 + 90*unit01(key, -3)) * 60
	phase := 2 * math.Pi * unit01(key, -4)
	return math.Sin(2*math.Pi*float64(t.Unix())/period + phase)
}

// instanceAlive reports whether an instance was running at t.
func instanceAlive(in *Instance, t, now time.Time) bool {
	if in.RunningAt.IsZero() || t.Before(in.RunningAt) || t.After(now) {
		return false
	}
	if !in.TerminatedAt.IsZero() && !t.Before(in.TerminatedAt) {
		return false
	}
	if (in.State == "stopped" || in.State == "stopping") && !in.StopAt.IsZero() && !t.Before(in.StopAt) {
		return false
	}
	return true
}

// instanceCPU is an instance's CPUUtilization at t: 5–40 % with a smooth
// wave and a little noise; an instance whose app is failing spins hotter.
func instanceCPU(in *Instance, t time.Time) float64 {
	base := 12 + 12*unit01(in.ID, -1)
	amp := 3 + 5*unit01(in.ID, -2)
	noise := (unit01(in.ID, t.Unix()/60) - 0.5) * 3
	v := base + amp*wave(in.ID, t) + noise
	if in.AppFailing {
		v += 45
	}
	return math.Round(math.Max(0.5, math.Min(100, v))*1000) / 1000
}

// ec2Metrics are the per-instance metrics the sandbox serves, with their units.
var ec2Metrics = map[string]string{"CPUUtilization": "Percent", "NetworkIn": "Bytes", "NetworkOut": "Bytes"}

// instanceMetric is an EC2 metric of an instance at t. Network traffic
// (bytes per 5-minute sample) follows the CPU: a busier instance moves more.
func instanceMetric(in *Instance, name string, t time.Time) float64 {
	cpu := instanceCPU(in, t)
	switch name {
	case "NetworkIn":
		return math.Round((150_000 + 60_000*wave(in.ID+"in", t)) * (1 + cpu/25))
	case "NetworkOut":
		return math.Round((900_000 + 300_000*wave(in.ID+"out", t)) * (1 + cpu/25))
	}
	return cpu
}

// series finds the metric a namespace, name and exact dimension set name.
func (r *Region) series(now time.Time, namespace, name string, dims map[string]string) (metricSeries, bool) {
	switch namespace {
	case "AWS/EC2":
		unit, known := ec2Metrics[name]
		if !known || len(dims) != 1 {
			return metricSeries{}, false
		}
		if id, ok := dims["InstanceId"]; ok {
			in := r.instance(id)
			if in == nil {
				return metricSeries{}, false
			}
			return metricSeries{step: ec2Step, unit: unit, at: func(t time.Time) (float64, bool) {
				if !instanceAlive(in, t, now) {
					return 0, false
				}
				return instanceMetric(in, name, t), true
			}}, true
		}
		if group, ok := dims["AutoScalingGroupName"]; ok {
			return r.groupSeries(now, group, name, unit)
		}
	case "AWS/ApplicationELB":
		return r.albSeries(now, name, dims)
	case "AWS/Billing":
		if name == "EstimatedCharges" && len(dims) == 1 && dims["Currency"] == "USD" && r.Name == "us-east-1" {
			return metricSeries{step: billingStep, unit: "None", at: func(t time.Time) (float64, bool) {
				if t.After(now) {
					return 0, false
				}
				return r.w.estimatedCharges(t, now), true
			}}, true
		}
	}
	return metricSeries{}, false
}

// groupSeries averages an EC2 metric over the group's instances at each point.
func (r *Region) groupSeries(now time.Time, group, name, unit string) (metricSeries, bool) {
	if r.ASG.Groups[group] == nil {
		return metricSeries{}, false
	}
	var members []*Instance
	for _, id := range r.groupInstances(group) {
		if in := r.instance(id); in != nil {
			members = append(members, in)
		}
	}
	return metricSeries{step: ec2Step, unit: unit, at: func(t time.Time) (float64, bool) {
		sum, n := 0.0, 0
		for _, in := range members {
			if instanceAlive(in, t, now) {
				sum += instanceMetric(in, name, t)
				n++
			}
		}
		if n == 0 {
			return 0, false
		}
		return sum / float64(n), true
	}}, true
}

// arnSuffix returns what follows marker in an ARN: the dimension value
// CloudWatch uses for load balancers ("app/NAME/ID") and target groups
// ("targetgroup/NAME/ID").
func arnSuffix(arn, marker string) string {
	if i := strings.Index(arn, marker); i >= 0 {
		return arn[i+len(marker):]
	}
	return ""
}

func lbDimension(lbArn string) string { return arnSuffix(lbArn, ":loadbalancer/") }
func tgDimension(tgArn string) string { return "targetgroup/" + arnSuffix(tgArn, ":targetgroup/") }

// healthAt returns the target group's counts as observed at t.
func (s *CWState) healthAt(tgArn string, t time.Time) (healthy, unhealthy int, ok bool) {
	samples := s.Health[tgArn]
	if len(samples) == 0 || t.Before(samples[0].At) {
		return 0, 0, false
	}
	i := len(samples) - 1
	for i > 0 && samples[i].At.After(t) {
		i--
	}
	return samples[i].Healthy, samples[i].Unhealthy, true
}

// requestsPerMinute is the traffic clients send a load balancer at t.
func requestsPerMinute(lbKey string, t time.Time) float64 {
	perSecond := 8 + 6*wave(lbKey, t) + 2*unit01(lbKey, t.Unix()/60)
	return math.Round(perSecond * 60)
}

// albSeries serves AWS/ApplicationELB: per target group (TargetGroup +
// LoadBalancer) HealthyHostCount, UnHealthyHostCount, RequestCount and
// TargetResponseTime; per load balancer RequestCount, TargetResponseTime
// and HTTPCode_ELB_5XX_Count (503s while no target is healthy).
func (r *Region) albSeries(now time.Time, name string, dims map[string]string) (metricSeries, bool) {
	lbDim := dims["LoadBalancer"]
	if lbDim == "" && name == "RequestCountPerTarget" && len(dims) == 1 {
		// The metric target tracking uses names the target group alone.
		for _, tg := range r.albTargetGroups() {
			if tgDimension(tg.ARN) == dims["TargetGroup"] {
				lbDim = lbDimension(tg.LoadBalancerARN)
				dims = map[string]string{"TargetGroup": dims["TargetGroup"], "LoadBalancer": lbDim}
				break
			}
		}
	}
	if lbDim == "" {
		return metricSeries{}, false
	}
	var groups []albTargetGroup
	for _, tg := range r.albTargetGroups() {
		if lbDimension(tg.LoadBalancerARN) == lbDim {
			groups = append(groups, tg)
		}
	}
	if len(groups) == 0 {
		return metricSeries{}, false
	}
	cw := r.CW
	health := func(gs []albTargetGroup, t time.Time) (healthy, unhealthy int, ok bool) {
		for _, g := range gs {
			h, u, seen := cw.healthAt(g.ARN, t)
			if seen && !t.After(now) {
				healthy, unhealthy, ok = healthy+h, unhealthy+u, true
			}
		}
		return
	}
	lbKey := groups[0].LoadBalancerARN
	if tgDim, ok := dims["TargetGroup"]; ok {
		if len(dims) != 2 {
			return metricSeries{}, false
		}
		var g []albTargetGroup
		for _, tg := range groups {
			if tgDimension(tg.ARN) == tgDim {
				g = append(g, tg)
			}
		}
		if len(g) == 0 {
			return metricSeries{}, false
		}
		share := 1 / float64(len(groups)) // traffic splits evenly across the load balancer's groups
		switch name {
		case "HealthyHostCount", "UnHealthyHostCount":
			return metricSeries{step: elbStep, unit: "Count", at: func(t time.Time) (float64, bool) {
				h, u, ok := health(g, t)
				if name == "HealthyHostCount" {
					return float64(h), ok
				}
				return float64(u), ok
			}}, true
		case "RequestCount":
			return metricSeries{step: elbStep, unit: "Count", at: func(t time.Time) (float64, bool) {
				h, _, ok := health(g, t)
				if !ok || h == 0 {
					return 0, false
				}
				return math.Round(requestsPerMinute(lbKey, t) * share), true
			}}, true
		case "RequestCountPerTarget":
			return metricSeries{step: elbStep, unit: "Count", at: func(t time.Time) (float64, bool) {
				h, _, ok := health(g, t)
				if !ok || h == 0 {
					return 0, false
				}
				return math.Round(requestsPerMinute(lbKey, t) * share / float64(h)), true
			}}, true
		case "TargetResponseTime":
			return responseTimeSeries(lbKey, g, health), true
		}
		return metricSeries{}, false
	}
	if len(dims) != 1 {
		return metricSeries{}, false
	}
	switch name {
	case "RequestCount":
		return metricSeries{step: elbStep, unit: "Count", at: func(t time.Time) (float64, bool) {
			if _, _, ok := health(groups, t); !ok {
				return 0, false
			}
			return requestsPerMinute(lbKey, t), true
		}}, true
	case "HTTPCode_ELB_5XX_Count":
		return metricSeries{step: elbStep, unit: "Count", at: func(t time.Time) (float64, bool) {
			h, _, ok := health(groups, t)
			if !ok {
				return 0, false
			}
			if h == 0 {
				return requestsPerMinute(lbKey, t), true // every request is a 503
			}
			if unit01(lbKey, t.Unix()/60+7) < 0.9 {
				return 0, false // AWS publishes no datapoint for a minute without 5XXs
			}
			return 1, true
		}}, true
	case "TargetResponseTime":
		return responseTimeSeries(lbKey, groups, health), true
	}
	return metricSeries{}, false
}

// responseTimeSeries is the average seconds targets take to answer: ~40–90 ms,
// slower as fewer healthy targets share the traffic; no data without one.
func responseTimeSeries(lbKey string, groups []albTargetGroup, health func([]albTargetGroup, time.Time) (int, int, bool)) metricSeries {
	return metricSeries{step: elbStep, unit: "Seconds", at: func(t time.Time) (float64, bool) {
		h, _, ok := health(groups, t)
		if !ok || h == 0 {
			return 0, false
		}
		perTarget := requestsPerMinute(lbKey, t) / 60 / float64(h)
		v := 0.045 + 0.015*wave(lbKey+"rt", t) + 0.002*perTarget + 0.01*unit01(lbKey, t.Unix()/60+11)
		return math.Round(v*1e5) / 1e5, true
	}}
}

// hourlyPrice is the on-demand Linux price (USD/hour, us-east-1) the
// billing metric charges for an instance type.
func hourlyPrice(instanceType string) float64 {
	prices := map[string]float64{
		"t2.micro": 0.0116, "t2.small": 0.023, "t2.medium": 0.0464,
		"t3.nano": 0.0052, "t3.micro": 0.0104, "t3.small": 0.0208, "t3.medium": 0.0416, "t3.large": 0.0832,
		"t4g.nano": 0.0042, "t4g.micro": 0.0084, "t4g.small": 0.0168, "t4g.medium": 0.0336,
		"m5.large": 0.096, "m6i.large": 0.096, "m7g.large": 0.0816, "c5.large": 0.085, "c6i.large": 0.085, "r5.large": 0.126,
	}
	if p, ok := prices[instanceType]; ok {
		return p
	}
	return 0.1
}

// Prices the billing metric uses for what is not an instance.
const (
	albHourly      = 0.0225 + 0.008 // the hour plus about one LCU
	zoneMonthly    = 0.50
	minimumCharges = 0.0
)

// estimatedCharges is the account's month-to-date bill at t: instance hours
// in every region, load balancer hours, and hosted zones (charged in full
// when created, as AWS does), rounded to cents.
func (w *World) estimatedCharges(t, now time.Time) float64 {
	monthStart := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	hours := func(from, to time.Time) float64 {
		if from.Before(monthStart) {
			from = monthStart
		}
		if to.IsZero() || to.After(t) {
			to = t
		}
		if !to.After(from) {
			return 0
		}
		return to.Sub(from).Hours()
	}
	total := minimumCharges
	for _, name := range w.regionNames() {
		r := w.Regions[name]
		for _, in := range r.EC2.Compute.Instances {
			if in.LaunchTime.IsZero() {
				continue
			}
			total += hours(in.LaunchTime, in.TerminatedAt) * hourlyPrice(in.InstanceType)
		}
		seen := map[string]bool{}
		for _, tg := range r.albTargetGroups() {
			if tg.LoadBalancerARN == "" || seen[tg.LoadBalancerARN] {
				continue
			}
			seen[tg.LoadBalancerARN] = true
			total += hours(tg.LoadBalancerCreated, time.Time{}) * albHourly
		}
	}
	for _, z := range w.Route53.Zones {
		if !z.CreatedAt.After(t) && !z.CreatedAt.Before(monthStart) {
			total += zoneMonthly
		}
	}
	return math.Round(total*100) / 100
}
