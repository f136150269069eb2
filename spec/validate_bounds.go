package spec

import (
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"
)

// Every string of the spec has a bound, checked before anything else looks
// at it: a value far past what AWS accepts is refused with its length and
// the limit, never echoed back, fed to a pattern or an edit distance, nor
// written to the state file (a 10 MB alarms.email once took 62 s and
// 399 MB). Each limit is AWS's own where AWS has one.

// maxFileBytes bounds the spec file itself, read before parsing: a
// stack.yaml is a few KiB, so a file over 1 MiB is the wrong file.
const maxFileBytes = 1 << 20

// maxPathChars bounds a file path the spec names: Linux's PATH_MAX.
const maxPathChars = 4096

// maxManagedPolicies is the most managed policies IAM lets a role
// have attached, after a quota increase; the default quota is
// defaultManagedPolicies (IAM User Guide, "IAM and AWS STS quotas").
const (
	maxManagedPolicies     = 20
	defaultManagedPolicies = 10
)

// maxTerminationPolicies bounds autoscaling.termination_policies:
// there are six named policies, and a list longer than that repeats one.
const maxTerminationPolicies = 10

// stringBound is the longest value one string field may hold.
type stringBound struct {
	path string
	max  int
	why  string // where the limit comes from
	get  func(*Spec) string
}

// stringBounds lists every string field of Spec; a test walks Spec by
// reflection so that a new field without a bound fails it.
var stringBounds = []stringBound{
	{"name", 20, "stackwiz's limit (it prefixes AWS names of 32 characters)", func(s *Spec) string { return s.Name }},
	{"region", 64, "far past any AWS region name", func(s *Spec) string { return s.Region }},
	{"network.vpc", 64, "far past new, default or a VPC id", func(s *Spec) string { return s.Network.VPC }},
	{"network.cidr", 64, "far past any IPv4 CIDR block", func(s *Spec) string { return s.Network.CIDR }},
	{"network.nat", 64, "far past none, single or per-az", func(s *Spec) string { return s.Network.NAT }},
	{"network.bastion.ssh_from", 64, "far past auto or an IPv4 CIDR block", func(s *Spec) string { return s.Network.Bastion.SSHFrom }},
	{"iam.role_name", 64, "IAM's limit for role names", func(s *Spec) string { return s.IAM.RoleName }},
	{"ami.source", 64, "far past latest, existing or bake", func(s *Spec) string { return s.AMI.Source }},
	{"ami.id", 64, "far past an image id", func(s *Spec) string { return s.AMI.ID }},
	{"ami.base", 64, "far past any base stackwiz offers", func(s *Spec) string { return s.AMI.Base }},
	{"ami.setup_script", maxPathChars, "the longest path Linux opens", func(s *Spec) string { return s.AMI.SetupScript }},
	{"instance.type", 64, "far past any EC2 instance type", func(s *Spec) string { return s.Instance.Type }},
	{"instance.user_data", maxPathChars, "the longest path Linux opens", func(s *Spec) string { return s.Instance.UserData }},
	{"instance.key_name", 255, "EC2's limit for key pair names", func(s *Spec) string { return s.Instance.KeyName }},
	{"instance.egress", 64, "far past any egress setting", func(s *Spec) string { return s.Instance.Egress }},
	{"load_balancer.ip_address_type", 64, "far past any IP address type", func(s *Spec) string { return s.LoadBalancer.IPAddressType }},
	{"load_balancer.health_check.path", 1024, "Elastic Load Balancing's limit for health check paths", func(s *Spec) string { return s.LoadBalancer.HealthCheck.Path }},
	{"load_balancer.health_check.success_codes", 128, "a list or range of HTTP codes", func(s *Spec) string { return s.LoadBalancer.HealthCheck.SuccessCodes }},
	{"dns.zone", 254, "DNS's 253 characters, and a final dot", func(s *Spec) string { return s.DNS.Zone }},
	{"dns.record", 254, "DNS's 253 characters, and a final dot", func(s *Spec) string { return s.DNS.Record }},
	{"alarms.email", 254, "RFC 5321's limit for an address", func(s *Spec) string { return s.Alarms.Email }},
}

// listBound bounds a list field: how many entries, and how long each.
type listBound struct {
	path     string
	maxItems int
	itemsWhy string
	maxChars int
	charsWhy string
	get      func(*Spec) []string
}

var listBounds = []listBound{
	{"iam.managed_policies", maxManagedPolicies, "IAM attaches at most 20 managed policies to a role (10 unless the quota is raised)",
		2048, "IAM's limit for a policy ARN", func(s *Spec) []string { return s.IAM.ManagedPolicies }},
	{"autoscaling.termination_policies", maxTerminationPolicies, "there are six termination policies",
		1600, "Auto Scaling's limit for a termination policy", func(s *Spec) []string { return s.Autoscaling.TerminationPolicies }},
}

// checkLength refuses a value longer than max characters, saying how
// long it is instead of quoting it.
func checkLength(value string, max int, why string) *FieldError {
	if n := utf8.RuneCountInString(value); n > max {
		return &FieldError{
			Value:   truncate(value),
			Problem: fmt.Sprintf("is %d characters, more than the %d allowed (%s)", n, max, why),
			Fix:     fmt.Sprintf("shorten it to at most %d characters", max),
		}
	}
	return nil
}

// fieldBound returns the bound of the string field at path.
func fieldBound(path string) (stringBound, bool) {
	for _, b := range stringBounds {
		if b.path == path {
			return b, true
		}
	}
	return stringBound{}, false
}

// checkFieldLength is checkLength with the bound of the field at
// path, for the field validators a form calls.
func checkFieldLength(path, value string) *FieldError {
	b, ok := fieldBound(path)
	if !ok {
		return nil
	}
	return checkLength(value, b.max, b.why)
}

// validateBounds checks every string and list of the spec against its
// bound and marks the paths that fail, so no other check reports on them.
// It returns the spec the other checks see: a copy whose over-long values
// are cut short, since a problem with one field may quote another.
func (s *Spec) validateBounds(c *collector) *Spec {
	shown := *s
	cut := reflect.ValueOf(&shown).Elem()
	for _, b := range stringBounds {
		if fe := checkLength(b.get(s), b.max, b.why); fe != nil {
			c.bound(b.path, fe)
			pathValue(cut, b.path).SetString(truncate(b.get(s)))
		}
	}
	for _, b := range listBounds {
		items := b.get(s)
		short := make([]string, len(items))
		for i, item := range items {
			short[i] = truncate(item)
		}
		if items != nil {
			pathValue(cut, b.path).Set(reflect.ValueOf(short))
		}
		if len(items) > b.maxItems {
			c.bound(b.path, &FieldError{
				Value:   fmt.Sprintf("%d entries", len(items)),
				Problem: fmt.Sprintf("has %d entries, more than the %d allowed (%s)", len(items), b.maxItems, b.itemsWhy),
				Fix:     fmt.Sprintf("keep at most %d", b.maxItems),
			})
		}
		for i, item := range items {
			c.bound(fmt.Sprintf("%s[%d]", b.path, i), checkLength(item, b.maxChars, b.charsWhy))
		}
	}
	if n := len(s.IAM.ManagedPolicies); n > defaultManagedPolicies && n <= maxManagedPolicies {
		c.at("iam.managed_policies", fmt.Sprintf("%d entries", n), warning(
			fmt.Sprintf("has %d entries; IAM's default quota is %d managed policies per role", n, defaultManagedPolicies),
			"make sure the account's quota was raised, or combine policies"))
	}
	return &shown
}

// pathValue is the field of v (a Spec) at a dotted path.
func pathValue(v reflect.Value, path string) reflect.Value {
	for _, key := range strings.Split(path, ".") {
		v, _ = fieldByTag(v, key)
	}
	return v
}

// truncate shortens a value for display in a problem.
func truncate(v string) string {
	const keep = 64
	n := 0
	for i := range v {
		if n == keep {
			return v[:i] + fmt.Sprintf("… (%d characters)", utf8.RuneCountInString(v))
		}
		n++
	}
	return v
}

// bounded is a form validator: the bound of the field at path first,
// and check only on a value within it, so a pasted megabyte is refused by
// its length before any pattern or edit distance runs on it.
func bounded(path, value string, check func(string) *FieldError) error {
	if fe := checkFieldLength(path, value); fe != nil {
		return fe
	}
	return asError(check(value))
}
