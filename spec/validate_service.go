package spec

import (
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
)

// terminationPolicies are the names of the one list of Auto Scaling
// termination policies (aws.TerminationPolicies).
var terminationPolicies = aws.TerminationPolicyNames()

// maxGroupSize is stackwiz's cap on autoscaling.max: far above what a
// first stack needs, low enough to catch a stray zero.
const maxGroupSize = 1000

// minGraceSeconds is the shortest health check grace period accepted with
// ELB health checks: less than this and the target group has not even run
// its first checks before Auto Scaling may act on them.
const minGraceSeconds = 30

var labelPattern = regexp.MustCompile(`^([a-z0-9]|[a-z0-9][a-z0-9-]{0,61}[a-z0-9])$`)

func checkHealthCheckPath(path string) *FieldError {
	// CreateTargetGroup HealthCheckPath: 1 to 1024 characters, starting with /.
	if !strings.HasPrefix(path, "/") {
		return problem(fmt.Sprintf("%q does not start with /", path), "write a path like / or /health")
	}
	if len(path) > 1024 {
		return problem("is longer than the 1024 characters ALB allows", "use a shorter path")
	}
	if strings.ContainsAny(path, " \t") {
		return problem(fmt.Sprintf("%q contains spaces", path), "URL-encode them (%20)")
	}
	return nil
}

// ValidateHealthCheckPath checks the target group's health check path.
func ValidateHealthCheckPath(path string) error { return asError(checkHealthCheckPath(path)) }

func checkRange(v, lo, hi int, what string) *FieldError {
	if v < lo || v > hi {
		return problem(fmt.Sprintf("%d is outside %s's %d to %d", v, what, lo, hi), fmt.Sprintf("use %d to %d", lo, hi))
	}
	return nil
}

// ValidateHealthCheckInterval checks interval_seconds: 5–300 (CreateTargetGroup).
func ValidateHealthCheckInterval(seconds int) error {
	return asError(checkRange(seconds, 5, 300, "the health check interval"))
}

func checkHealthCheckTimeout(timeout, interval int) *FieldError {
	// CreateTargetGroup: HealthCheckTimeoutSeconds 2–120, and less than the interval.
	if fe := checkRange(timeout, 2, 120, "the health check timeout"); fe != nil {
		return fe
	}
	if timeout >= interval {
		return problem(fmt.Sprintf("%d is not less than interval_seconds (%d)", timeout, interval), fmt.Sprintf("use less than %d (5 by default)", interval))
	}
	return nil
}

// ValidateHealthCheckTimeout checks timeout_seconds: 2–120 and below the interval.
func ValidateHealthCheckTimeout(timeout, interval int) error {
	return asError(checkHealthCheckTimeout(timeout, interval))
}

// ValidateThreshold checks a healthy or unhealthy threshold: 2–10 (CreateTargetGroup).
func ValidateThreshold(count int) error {
	return asError(checkRange(count, 2, 10, "the health check threshold"))
}

func checkSuccessCodes(codes string) *FieldError {
	// ALB matchers take "200", "200,202" or "200-299", codes 200 to 499
	// (CreateTargetGroup, Matcher.HttpCode).
	bad := problem(fmt.Sprintf("%q is not a list of HTTP codes", codes), `write "200", "200,204" or "200-299"`)
	if codes == "" {
		return bad
	}
	for part := range strings.SplitSeq(codes, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		if !isRange {
			hi = lo
		}
		l, err1 := strconv.Atoi(lo)
		h, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || l > h {
			return bad
		}
		if l < 200 || h > 499 {
			return problem(fmt.Sprintf("%q has codes outside 200 to 499", codes), "ALB health checks accept success codes from 200 to 499")
		}
	}
	return nil
}

// ValidateSuccessCodes checks the health check's success codes.
func ValidateSuccessCodes(codes string) error {
	return bounded("load_balancer.health_check.success_codes", codes, checkSuccessCodes)
}

// checkCapacity returns the problems of min, desired and max, each at its path.
func checkCapacity(minSize, desired, maxSize int) []FieldError {
	var out []FieldError
	add := func(path string, v int, fe *FieldError) {
		if fe != nil {
			fe.Path, fe.Value = path, strconv.Itoa(v)
			out = append(out, *fe)
		}
	}
	const fix = "set min ≤ desired ≤ max"
	if minSize < 0 {
		add("autoscaling.min", minSize, problem(fmt.Sprintf("%d is negative", minSize), "use 0 or more"))
	}
	if maxSize < 1 {
		add("autoscaling.max", maxSize, problem(fmt.Sprintf("%d leaves no room for an instance", maxSize), "use 1 or more"))
	} else if maxSize > maxGroupSize {
		add("autoscaling.max", maxSize, problem(fmt.Sprintf("%d is more than stackwiz's cap of %d", maxSize, maxGroupSize), fmt.Sprintf("use %d or less", maxGroupSize)))
	}
	// Every bound that is violated, each at its field, so one edit can
	// fix them all.
	if minSize > maxSize {
		add("autoscaling.min", minSize, problem(fmt.Sprintf("%d is greater than autoscaling.max (%d)", minSize, maxSize), fix))
	}
	if minSize > desired {
		add("autoscaling.min", minSize, problem(fmt.Sprintf("%d is greater than autoscaling.desired (%d)", minSize, desired), fix))
	}
	if desired > maxSize {
		add("autoscaling.desired", desired, problem(fmt.Sprintf("%d is greater than autoscaling.max (%d)", desired, maxSize), fix))
	}
	if desired == 0 && minSize == 0 && maxSize >= 1 {
		add("autoscaling.desired", desired, warning("0 starts the group with no instance, so nothing serves until it scales out", "use 2 for one instance in each of two AZs"))
	}
	return out
}

// ValidateCapacity checks min ≤ desired ≤ max and the cap on max; each
// problem names its field.
func ValidateCapacity(minSize, desired, maxSize int) error {
	return joinProblems(checkCapacity(minSize, desired, maxSize))
}

// checkTerminationPolicies returns the problems of the list, each at its path.
func checkTerminationPolicies(policies []string) []FieldError {
	const path = "autoscaling.termination_policies"
	if len(policies) == 0 {
		return []FieldError{{Path: path, Problem: "is empty", Fix: "list at least one policy, such as [Default]"}}
	}
	var out []FieldError
	seen := map[string]int{}
	for i, p := range policies {
		at := fmt.Sprintf("%s[%d]", path, i)
		if !slices.Contains(terminationPolicies, p) {
			fix := "use one of " + strings.Join(terminationPolicies, ", ")
			if known := closestPolicy(p); known != "" {
				fix = "did you mean " + known + "?"
			}
			out = append(out, FieldError{Path: at, Value: p, Problem: p + " is not a termination policy", Fix: fix})
			continue
		}
		if first, dup := seen[p]; dup {
			out = append(out, FieldError{Path: at, Value: p, Problem: fmt.Sprintf("%s repeats %s[%d]", p, path, first), Fix: "remove one"})
			continue
		}
		seen[p] = i
		switch p {
		case "OldestLaunchConfiguration":
			out = append(out, FieldError{Path: at, Value: p, Severity: SeverityWarning,
				Problem: "OldestLaunchConfiguration applies to launch configurations, which are legacy; stackwiz uses launch templates",
				Fix:     "use OldestLaunchTemplate"})
		case "AllocationStrategy":
			out = append(out, FieldError{Path: at, Value: p, Severity: SeverityWarning,
				Problem: "AllocationStrategy only decides in groups with a mixed instances policy; this group has one instance type",
				Fix:     "remove it"})
		case "Default":
			// Default ends in a random choice, so it always picks an
			// instance: a policy listed after it never gets to decide.
			if i != len(policies)-1 {
				out = append(out, FieldError{Path: at, Value: p, Severity: SeverityWarning,
					Problem: "Default always picks an instance, so the policies after it never apply",
					Fix:     "put Default last, or remove it"})
			}
		}
	}
	return out
}

// closestPolicy returns the known policy p was probably meant to be.
func closestPolicy(p string) string {
	for _, known := range terminationPolicies {
		if strings.EqualFold(known, p) {
			return known
		}
	}
	lower := make([]string, len(terminationPolicies))
	for i, k := range terminationPolicies {
		lower[i] = strings.ToLower(k)
	}
	if best := closest(strings.ToLower(p), lower); best != "" {
		return terminationPolicies[slices.Index(lower, best)]
	}
	return ""
}

// ValidateTerminationPolicies checks the termination policies: known
// names, no repeats, warnings for legacy or unreachable ones.
func ValidateTerminationPolicies(policies []string) error {
	return joinProblems(checkTerminationPolicies(policies))
}

func checkGraceSeconds(seconds int) *FieldError {
	if seconds < 0 {
		return problem(fmt.Sprintf("%d is negative", seconds), "use the seconds an instance needs to boot and start the app (120 is a safe start)")
	}
	// The API default is 0 (CreateAutoScalingGroup), unlike the console's
	// 300: with ELB health checks, a booting instance fails them and is
	// replaced, and so is its replacement, forever (DOMAIN.md).
	if seconds < minGraceSeconds {
		return problem(fmt.Sprintf("%d seconds lets the ELB health check kill instances that are still booting, and their replacements, in a loop", seconds),
			fmt.Sprintf("use at least %d, better the seconds an instance needs to boot and start the app (120 is a safe start)", minGraceSeconds))
	}
	return nil
}

// ValidateGraceSeconds checks autoscaling.health_check_grace_seconds.
func ValidateGraceSeconds(seconds int) error { return asError(checkGraceSeconds(seconds)) }

func checkPercent(p int, zeroFix string) *FieldError {
	if p < 0 || p > 100 {
		return problem(fmt.Sprintf("%d is not a percentage", p), "use 1 to 100, or 0 "+zeroFix)
	}
	return nil
}

// ValidateCPUTarget checks autoscaling.cpu_target_percent: 0 (off) or 1–100.
func ValidateCPUTarget(percent int) error {
	return asError(checkPercent(percent, "to turn target tracking off"))
}

// normalizeDomain lowercases a domain and drops a final dot.
func normalizeDomain(d string) string { return strings.TrimSuffix(strings.ToLower(d), ".") }

func checkDomain(d string, allowWildcard bool) *FieldError {
	name := normalizeDomain(d)
	// RFC 1035: labels of 1 to 63 characters, 253 in all.
	if len(name) > 253 {
		return problem(fmt.Sprintf("is %d characters, longer than DNS's 253", len(name)), "use a shorter name")
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return problem(d+" is not a domain name", "write it like example.com")
	}
	for i, l := range labels {
		if i == 0 && l == "*" && allowWildcard {
			continue
		}
		if !labelPattern.MatchString(l) {
			return problem(d+" is not a domain name", "use letters, digits and hyphens between the dots, like api.example.com")
		}
	}
	return nil
}

// ValidateDNSZone checks dns.zone: empty (no Route 53) or a domain.
func ValidateDNSZone(zone string) error {
	if zone == "" {
		return nil
	}
	return asError(checkDomain(zone, false))
}

func checkDNSRecord(record, zone string) *FieldError {
	if record == "" {
		if zone == "" {
			return nil
		}
		return problem("is empty but dns.zone is set", "set the name the stack answers on, like api."+normalizeDomain(zone)+", or "+normalizeDomain(zone)+" itself")
	}
	if fe := checkDomain(record, true); fe != nil {
		return fe
	}
	if zone == "" {
		return problem("is set but dns.zone is empty", "set dns.zone to the hosted zone that holds "+record)
	}
	r, z := normalizeDomain(record), normalizeDomain(zone)
	if r != z && !strings.HasSuffix(r, "."+z) {
		return problem(fmt.Sprintf("%s is not inside dns.zone (%s)", record, zone), "use a name ending in ."+z+", or "+z+" itself")
	}
	return nil
}

// ValidateDNSRecord checks dns.record: a domain equal to or inside zone.
func ValidateDNSRecord(record, zone string) error {
	return asError(checkDNSRecord(record, zone))
}

func checkEmail(email string) *FieldError {
	if email == "" {
		return nil
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || !strings.Contains(email[strings.LastIndex(email, "@")+1:], ".") {
		return problem(email+" is not an email address", "write it like ops@example.com")
	}
	return nil
}

// ValidateEmail checks alarms.email; empty is allowed (no subscription).
func ValidateEmail(email string) error { return bounded("alarms.email", email, checkEmail) }

func checkBillingThreshold(usd float64) *FieldError {
	if math.IsNaN(usd) || math.IsInf(usd, 0) || usd < 0 {
		return problem(fmt.Sprintf("%v is not an amount", usd), "use 0 (no billing alarm) or a monthly amount in USD, like 20")
	}
	return nil
}

// ValidateBillingThreshold checks alarms.billing_threshold_usd: 0 (off) or more.
func ValidateBillingThreshold(usd float64) error { return asError(checkBillingThreshold(usd)) }

func checkIPAddressType(t string) *FieldError {
	switch t {
	case IPv4, Dualstack:
		return nil
	}
	return enumProblem(t, "is not an IP address type",
		"write ipv4 (IPv4 only) or dualstack (IPv4 and IPv6, with an AAAA record beside the A record)", IPv4, Dualstack)
}

// ValidateIPAddressType checks load_balancer.ip_address_type: ipv4 or dualstack.
func ValidateIPAddressType(t string) error { return asError(checkIPAddressType(t)) }

// validateLoadBalancer checks the load_balancer section.
func (s *Spec) validateLoadBalancer(c *collector) {
	hc := s.LoadBalancer.HealthCheck
	const p = "load_balancer.health_check."
	c.at(p+"path", hc.Path, checkHealthCheckPath(hc.Path))
	interval := checkRange(hc.IntervalSeconds, 5, 300, "the health check interval")
	c.at(p+"interval_seconds", hc.IntervalSeconds, interval)
	if interval == nil {
		c.at(p+"timeout_seconds", hc.TimeoutSeconds, checkHealthCheckTimeout(hc.TimeoutSeconds, hc.IntervalSeconds))
	} else {
		c.at(p+"timeout_seconds", hc.TimeoutSeconds, checkRange(hc.TimeoutSeconds, 2, 120, "the health check timeout"))
	}
	c.at(p+"healthy_threshold", hc.HealthyThreshold, checkRange(hc.HealthyThreshold, 2, 10, "the healthy threshold"))
	c.at(p+"unhealthy_threshold", hc.UnhealthyThreshold, checkRange(hc.UnhealthyThreshold, 2, 10, "the unhealthy threshold"))
	c.at(p+"success_codes", hc.SuccessCodes, checkSuccessCodes(hc.SuccessCodes))
	c.at("load_balancer.ip_address_type", s.LoadBalancer.IPAddressType, checkIPAddressType(s.LoadBalancer.IPAddressType))
	if s.LoadBalancer.HTTPS && (s.DNS.Zone == "" || s.DNS.Record == "") {
		c.at("load_balancer.https", true, problem("true needs dns.zone and dns.record: the ACM certificate is for dns.record and is validated through a record in dns.zone",
			"set dns.zone and dns.record, or https: false"))
	}
}

// validateAutoscaling checks the autoscaling section.
func (s *Spec) validateAutoscaling(c *collector) {
	a := s.Autoscaling
	for _, fe := range checkCapacity(a.Min, a.Desired, a.Max) {
		c.add(fe)
	}
	for _, fe := range checkTerminationPolicies(a.TerminationPolicies) {
		c.add(fe)
	}
	c.at("autoscaling.health_check_grace_seconds", a.HealthCheckGraceSeconds, checkGraceSeconds(a.HealthCheckGraceSeconds))
	c.at("autoscaling.cpu_target_percent", a.CPUTargetPercent, checkPercent(a.CPUTargetPercent, "to turn target tracking off"))
}

// validateDNS checks the dns section.
func (s *Spec) validateDNS(c *collector) {
	if s.DNS.Zone != "" {
		c.at("dns.zone", s.DNS.Zone, checkDomain(s.DNS.Zone, false))
	}
	c.at("dns.record", s.DNS.Record, checkDNSRecord(s.DNS.Record, s.DNS.Zone))
}

// validateAlarms checks the alarms section.
func (s *Spec) validateAlarms(c *collector) {
	al := s.Alarms
	c.at("alarms.email", al.Email, checkEmail(al.Email))
	c.at("alarms.billing_threshold_usd", al.BillingThresholdUSD, checkBillingThreshold(al.BillingThresholdUSD))
	if al.BillingThresholdUSD > 0 && al.Email == "" {
		c.at("alarms.billing_threshold_usd", al.BillingThresholdUSD, warning("has nobody to notify: alarms.email is empty", "set alarms.email, or subscribe to the alarm topic yourself"))
	}
	c.at("alarms.cpu_high_percent", al.CPUHighPercent, checkPercent(al.CPUHighPercent, "to leave out the CPU alarm"))
}
