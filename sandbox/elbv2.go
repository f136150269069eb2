package sandbox

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ELBState is one region's Elastic Load Balancing v2: application load
// balancers, their listeners, target groups and registered targets. Load
// balancers live in elbv2_loadbalancers.go, target groups in
// elbv2_targetgroups.go, listeners and rules in elbv2_listeners.go, targets
// and health checks in elbv2_targets.go.
type ELBState struct {
	LoadBalancers map[string]*LoadBalancer `json:"load_balancers"` // by ARN
	TargetGroups  map[string]*TargetGroup  `json:"target_groups"`  // by ARN
	Listeners     map[string]*Listener     `json:"listeners"`      // by ARN
	// ReleasingENIs holds deleted load balancers whose network interfaces
	// AWS has not released yet: ARN → when they disappear.
	ReleasingENIs map[string]time.Time `json:"releasing_enis"`
}

func newELBState() *ELBState {
	s := &ELBState{}
	s.ensure()
	return s
}

func (s *ELBState) ensure() {
	if s.LoadBalancers == nil {
		s.LoadBalancers = map[string]*LoadBalancer{}
	}
	if s.TargetGroups == nil {
		s.TargetGroups = map[string]*TargetGroup{}
	}
	if s.Listeners == nil {
		s.Listeners = map[string]*Listener{}
	}
	if s.ReleasingENIs == nil {
		s.ReleasingENIs = map[string]time.Time{}
	}
}

func elbHandlers() map[string]handler {
	return map[string]handler{
		"CreateLoadBalancer":             elbCreateLoadBalancer,
		"DescribeLoadBalancers":          elbDescribeLoadBalancers,
		"DeleteLoadBalancer":             elbDeleteLoadBalancer,
		"DescribeLoadBalancerAttributes": elbDescribeLoadBalancerAttributes,
		"ModifyLoadBalancerAttributes":   elbModifyLoadBalancerAttributes,
		"CreateTargetGroup":              elbCreateTargetGroup,
		"DescribeTargetGroups":           elbDescribeTargetGroups,
		"ModifyTargetGroup":              elbModifyTargetGroup,
		"DeleteTargetGroup":              elbDeleteTargetGroup,
		"DescribeTargetGroupAttributes":  elbDescribeTargetGroupAttributes,
		"ModifyTargetGroupAttributes":    elbModifyTargetGroupAttributes,
		"CreateListener":                 elbCreateListener,
		"DescribeListeners":              elbDescribeListeners,
		"ModifyListener":                 elbModifyListener,
		"DeleteListener":                 elbDeleteListener,
		"DescribeRules":                  elbDescribeRules,
		"RegisterTargets":                elbRegisterTargets,
		"DeregisterTargets":              elbDeregisterTargets,
		"DescribeTargetHealth":           elbDescribeTargetHealth,
		"AddTags":                        elbAddTags,
		"RemoveTags":                     elbRemoveTags,
		"DescribeTags":                   elbDescribeTags,
		"DescribeSSLPolicies":            elbDescribeSSLPolicies,
		"SetIpAddressType":               elbSetIPAddressType,
		"DescribeAccountLimits":          elbDescribeAccountLimits,
	}
}

// inventory lists the load balancers, target groups and listeners created
// through the API.
func (s *ELBState) inventory() []InventoryItem {
	var items []InventoryItem
	for _, lb := range s.LoadBalancers {
		items = append(items, InventoryItem{Type: "elbv2:loadbalancer", ID: lb.ARN, Name: lb.Name, State: lb.State, Tags: tagMap(lb.Tags)})
	}
	for _, tg := range s.TargetGroups {
		items = append(items, InventoryItem{Type: "elbv2:targetgroup", ID: tg.ARN, Name: tg.Name, Tags: tagMap(tg.Tags)})
	}
	for _, l := range s.Listeners {
		items = append(items, InventoryItem{Type: "elbv2:listener", ID: l.ARN, Name: l.Protocol + ":" + strconv.Itoa(l.Port), Tags: tagMap(l.Tags)})
	}
	return items
}

// tick finishes provisioning, releases the interfaces of deleted load
// balancers, and runs the health checks that are due.
func (s *ELBState) tick(r *Region, now time.Time, d durations) {
	s.ensure() // a loaded world may lack a map
	for _, lb := range s.LoadBalancers {
		if lb.State == "provisioning" && !now.Before(lb.ActiveAt) {
			lb.State = "active"
		}
	}
	for arn, at := range s.ReleasingENIs {
		if !now.Before(at) {
			r.deleteENIsOf(arn)
			delete(s.ReleasingENIs, arn)
		}
	}
	s.tickHealth(r, now, d)
}

// elbARN builds an ELBv2 ARN: arn:aws:elasticloadbalancing:REGION:ACCOUNT:RESOURCE.
func elbARN(region, resource string) string {
	return fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:%s", region, AccountID, resource)
}

// elbNamePattern is what load balancer and target group names may contain.
var elbNamePattern = regexp.MustCompile(`^[a-zA-Z0-9-]+$`)

// validateELBName applies AWS's rules for load balancer and target group
// names; kind is "Load balancer" or "Target group" for the message.
func validateELBName(kind, name string) *APIError {
	switch {
	case name == "":
		return errBadRequest("ValidationError", "%s name cannot be empty", kind)
	case len(name) > 32:
		return errBadRequest("ValidationError", "%s name '%s' cannot be longer than '32' characters", kind, name)
	case !elbNamePattern.MatchString(name):
		return errBadRequest("ValidationError", "%s name '%s' can only contain characters that are alphanumeric characters or hyphens(-)", kind, name)
	case strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-"):
		return errBadRequest("ValidationError", "%s name '%s' cannot begin or end with '-'", kind, name)
	}
	return nil
}

// page cuts items to one page of a Marker/PageSize listing. The marker is
// an opaque offset, as AWS's markers are opaque.
func elbPage[T any](c *call, items []T) ([]T, string, error) {
	size, err := c.p.Int("PageSize", 400)
	if err != nil {
		return nil, "", err
	}
	if size < 1 || size > 400 {
		return nil, "", errBadRequest("ValidationError", "1 validation error detected: Value '%d' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400", size)
	}
	start := 0
	if m := c.p.Get("Marker"); m != "" {
		b, err := base64.RawURLEncoding.DecodeString(m)
		n, convErr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || convErr != nil || n < 0 || n > len(items) {
			return nil, "", errBadRequest("ValidationError", "Invalid marker '%s'", m)
		}
		start = n
	}
	end := min(start+size, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

// elbXMLTag is a tag as ELBv2 writes it.
type elbXMLTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value,omitempty"`
}

func elbXMLTags(tags []Tag) []elbXMLTag {
	out := make([]elbXMLTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, elbXMLTag{t.Key, t.Value})
	}
	return out
}

// taggedResource returns the tag list of an ELBv2 resource by ARN, or nil.
func (s *ELBState) taggedResource(arn string) *[]Tag {
	if lb := s.LoadBalancers[arn]; lb != nil {
		return &lb.Tags
	}
	if tg := s.TargetGroups[arn]; tg != nil {
		return &tg.Tags
	}
	if l := s.Listeners[arn]; l != nil {
		return &l.Tags
	}
	for _, l := range s.Listeners {
		if l.DefaultRuleARN == arn {
			return &l.RuleTags
		}
	}
	return nil
}

// notFoundFor answers an unknown ARN with the error of its resource type.
func notFoundFor(arn string) *APIError {
	switch {
	case strings.Contains(arn, ":loadbalancer/"):
		return errBadRequest("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
	case strings.Contains(arn, ":targetgroup/"):
		return errBadRequest("TargetGroupNotFound", "Target group '%s' not found", arn)
	case strings.Contains(arn, ":listener-rule/"):
		return errBadRequest("RuleNotFound", "One or more rules not found")
	case strings.Contains(arn, ":listener/"):
		return errBadRequest("ListenerNotFound", "One or more listeners not found")
	}
	return errBadRequest("ValidationError", "'%s' is not a valid Elastic Load Balancing resource ARN", arn)
}

// maxELBTags is AWS's limit of tags per resource.
const maxELBTags = 50

// mergeTags adds or replaces tags, enforcing the per-resource limit and
// rejecting a key given twice in one request.
func mergeTags(existing []Tag, add []Tag) ([]Tag, *APIError) {
	seen := map[string]bool{}
	for _, t := range add {
		if seen[t.Key] {
			return nil, errBadRequest("DuplicateTagKeys", "Tag key '%s' is duplicated", t.Key)
		}
		seen[t.Key] = true
		if t.Key == "" || len(t.Key) > 128 || len(t.Value) > 256 {
			return nil, errBadRequest("ValidationError", "Tag key must be 1 to 128 characters and value at most 256 characters")
		}
		if strings.HasPrefix(t.Key, "aws:") {
			return nil, errBadRequest("ValidationError", "Tag keys starting with 'aws:' are reserved for AWS use")
		}
	}
	out := append([]Tag(nil), existing...)
	for _, t := range add {
		replaced := false
		for i := range out {
			if out[i].Key == t.Key {
				out[i].Value = t.Value
				replaced = true
			}
		}
		if !replaced {
			out = append(out, t)
		}
	}
	if len(out) > maxELBTags {
		return nil, errBadRequest("TooManyTags", "You've reached the limit on the number of tags for this resource (%d)", maxELBTags)
	}
	return out, nil
}

func elbAddTags(c *call) (any, error) {
	arns := c.p.List("ResourceArns.member")
	tags := c.p.Tags("Tags.member")
	if len(arns) == 0 || len(tags) == 0 {
		return nil, errBadRequest("ValidationError", "ResourceArns and Tags must not be empty")
	}
	s := c.r.ELB
	// Check everything first so a failure changes nothing.
	updated := make([][]Tag, len(arns))
	for i, arn := range arns {
		t := s.taggedResource(arn)
		if t == nil {
			return nil, notFoundFor(arn)
		}
		merged, err := mergeTags(*t, tags)
		if err != nil {
			return nil, err
		}
		updated[i] = merged
	}
	for i, arn := range arns {
		*s.taggedResource(arn) = updated[i]
	}
	return nil, nil
}

func elbRemoveTags(c *call) (any, error) {
	arns := c.p.List("ResourceArns.member")
	keys := c.p.List("TagKeys.member")
	s := c.r.ELB
	for _, arn := range arns {
		if s.taggedResource(arn) == nil {
			return nil, notFoundFor(arn)
		}
	}
	drop := map[string]bool{}
	for _, k := range keys {
		drop[k] = true
	}
	for _, arn := range arns {
		t := s.taggedResource(arn)
		kept := (*t)[:0:0]
		for _, tag := range *t {
			if !drop[tag.Key] {
				kept = append(kept, tag)
			}
		}
		*t = kept
	}
	return nil, nil
}

func elbDescribeTags(c *call) (any, error) {
	arns := c.p.List("ResourceArns.member")
	if len(arns) == 0 {
		return nil, errBadRequest("ValidationError", "ResourceArns must not be empty")
	}
	if len(arns) > 20 {
		return nil, errBadRequest("ValidationError", "You can specify up to 20 resource ARNs")
	}
	type desc struct {
		ResourceArn string      `xml:"ResourceArn"`
		Tags        []elbXMLTag `xml:"Tags>member"`
	}
	out := struct {
		TagDescriptions []desc `xml:"TagDescriptions>member"`
	}{}
	for _, arn := range arns {
		t := c.r.ELB.taggedResource(arn)
		if t == nil {
			return nil, notFoundFor(arn)
		}
		out.TagDescriptions = append(out.TagDescriptions, desc{arn, elbXMLTags(*t)})
	}
	return out, nil
}

// sslPolicies are the policies DescribeSSLPolicies lists: AWS's current
// recommended ones, with their protocols and a representative cipher list.
var sslPolicies = []struct {
	Name      string
	Protocols []string
	Ciphers   []string
}{
	{"ELBSecurityPolicy-TLS13-1-2-2021-06", []string{"TLSv1.2", "TLSv1.3"}, []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384"}},
	{"ELBSecurityPolicy-TLS13-1-2-Res-2021-06", []string{"TLSv1.2", "TLSv1.3"}, []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}},
	{"ELBSecurityPolicy-TLS13-1-3-2021-06", []string{"TLSv1.3"}, []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}},
	{"ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", []string{"TLSv1.2", "TLSv1.3"}, []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256", "AES128-SHA256", "AES256-GCM-SHA384", "AES256-SHA256"}},
	{"ELBSecurityPolicy-2016-08", []string{"TLSv1", "TLSv1.1", "TLSv1.2"}, []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256", "ECDHE-ECDSA-AES128-SHA", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES256-SHA", "ECDHE-ECDSA-AES256-SHA", "AES128-GCM-SHA256", "AES128-SHA256", "AES128-SHA", "AES256-GCM-SHA384", "AES256-SHA256", "AES256-SHA"}},
	{"ELBSecurityPolicy-FS-1-2-Res-2020-10", []string{"TLSv1.2"}, []string{"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384"}},
}

// defaultSSLPolicy is what an HTTPS listener gets when none is named.
const defaultSSLPolicy = "ELBSecurityPolicy-TLS13-1-2-2021-06"

func sslPolicyExists(name string) bool {
	for _, p := range sslPolicies {
		if p.Name == name {
			return true
		}
	}
	return false
}

func elbDescribeSSLPolicies(c *call) (any, error) {
	type cipher struct {
		Name     string `xml:"Name"`
		Priority int    `xml:"Priority"`
	}
	type policy struct {
		Name           string   `xml:"Name"`
		SslProtocols   []string `xml:"SslProtocols>member"`
		Ciphers        []cipher `xml:"Ciphers>member"`
		SupportedTypes []string `xml:"SupportedLoadBalancerTypes>member"`
	}
	want := map[string]bool{}
	for _, n := range c.p.List("Names.member") {
		if !sslPolicyExists(n) {
			return nil, errBadRequest("SSLPolicyNotFound", "SSL policy '%s' not found", n)
		}
		want[n] = true
	}
	var all []policy
	for _, p := range sslPolicies {
		if len(want) > 0 && !want[p.Name] {
			continue
		}
		pol := policy{Name: p.Name, SslProtocols: p.Protocols, SupportedTypes: []string{"application", "network"}}
		for i, ci := range p.Ciphers {
			pol.Ciphers = append(pol.Ciphers, cipher{ci, i + 1})
		}
		all = append(all, pol)
	}
	items, next, err := elbPage(c, all)
	if err != nil {
		return nil, err
	}
	return struct {
		SslPolicies []policy `xml:"SslPolicies>member"`
		NextMarker  string   `xml:"NextMarker,omitempty"`
	}{items, next}, nil
}

// accountLimits are AWS's default ELBv2 quotas.
var accountLimits = []struct{ Name, Max string }{
	{"application-load-balancers", "50"},
	{"target-groups", "3000"},
	{"targets-per-application-load-balancer", "1000"},
	{"listeners-per-application-load-balancer", "50"},
	{"rules-per-application-load-balancer", "100"},
	{"certificates-per-application-load-balancer", "25"},
	{"target-groups-per-application-load-balancer", "100"},
	{"targets-per-target-group", "1000"},
	{"network-load-balancers", "50"},
	{"gateway-load-balancers", "100"},
}

func elbDescribeAccountLimits(c *call) (any, error) {
	type limit struct {
		Name string `xml:"Name"`
		Max  string `xml:"Max"`
	}
	var all []limit
	for _, l := range accountLimits {
		all = append(all, limit{l.Name, l.Max})
	}
	items, next, err := elbPage(c, all)
	if err != nil {
		return nil, err
	}
	return struct {
		Limits     []limit `xml:"Limits>member"`
		NextMarker string  `xml:"NextMarker,omitempty"`
	}{items, next}, nil
}
