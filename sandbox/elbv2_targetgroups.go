package sandbox

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// TargetGroup is a target group of instances with its health check.
type TargetGroup struct {
	ARN             string            `json:"arn"`
	Name            string            `json:"name"`
	Protocol        string            `json:"protocol"`
	ProtocolVersion string            `json:"protocol_version"`
	Port            int               `json:"port"`
	VpcID           string            `json:"vpc_id"`
	TargetType      string            `json:"target_type"`
	IPAddressType   string            `json:"ip_address_type"`
	HealthCheck     HealthCheck       `json:"health_check"`
	Attributes      map[string]string `json:"attributes"`
	Targets         []*Target         `json:"targets"` // in registration order
	CreatedTime     time.Time         `json:"created_time"`
	Tags            []Tag             `json:"tags"`
}

// HealthCheck is a target group's health check settings.
type HealthCheck struct {
	Protocol           string `json:"protocol"`
	Port               string `json:"port"` // "traffic-port" or a number
	Path               string `json:"path"`
	IntervalSeconds    int    `json:"interval_seconds"`
	TimeoutSeconds     int    `json:"timeout_seconds"`
	HealthyThreshold   int    `json:"healthy_threshold"`
	UnhealthyThreshold int    `json:"unhealthy_threshold"`
	Matcher            string `json:"matcher"` // HTTP codes: "200", "200,302", "200-299"
}

// defaultHealthCheck is what AWS gives an HTTP target group of an ALB.
func defaultHealthCheck(protocol string) HealthCheck {
	return HealthCheck{Protocol: protocol, Port: "traffic-port", Path: "/", IntervalSeconds: 30, TimeoutSeconds: 5,
		HealthyThreshold: 5, UnhealthyThreshold: 2, Matcher: "200"}
}

// defaultTGAttributes are an instance target group's attributes as AWS creates them.
func defaultTGAttributes() map[string]string {
	return map[string]string{
		"deregistration_delay.timeout_seconds":                                           "300",
		"stickiness.enabled":                                                             "false",
		"stickiness.type":                                                                "lb_cookie",
		"stickiness.lb_cookie.duration_seconds":                                          "86400",
		"stickiness.app_cookie.cookie_name":                                              "",
		"stickiness.app_cookie.duration_seconds":                                         "86400",
		"load_balancing.algorithm.type":                                                  "round_robin",
		"load_balancing.algorithm.anomaly_mitigation":                                    "off",
		"load_balancing.cross_zone.enabled":                                              "use_load_balancer_configuration",
		"slow_start.duration_seconds":                                                    "0",
		"target_group_health.dns_failover.minimum_healthy_targets.count":                 "1",
		"target_group_health.dns_failover.minimum_healthy_targets.percentage":            "off",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.count":      "1",
		"target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
	}
}

// healthCheckFrom overlays the health check parameters of a Create or
// ModifyTargetGroup request on hc and validates the result against AWS's ranges.
func healthCheckFrom(p params, hc HealthCheck) (HealthCheck, *APIError) {
	ints := []struct {
		key    string
		field  *int
		lo, hi int
	}{
		{"HealthCheckIntervalSeconds", &hc.IntervalSeconds, 5, 300},
		{"HealthCheckTimeoutSeconds", &hc.TimeoutSeconds, 2, 120},
		{"HealthyThresholdCount", &hc.HealthyThreshold, 2, 10},
		{"UnhealthyThresholdCount", &hc.UnhealthyThreshold, 2, 10},
	}
	for _, f := range ints {
		v, err := p.Int(f.key, *f.field)
		if err != nil {
			return hc, err.(*APIError)
		}
		if v < f.lo || v > f.hi {
			return hc, errBadRequest("ValidationError", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value between %d and %d", v, lowerFirst(f.key), f.lo, f.hi)
		}
		*f.field = v
	}
	if hc.TimeoutSeconds >= hc.IntervalSeconds {
		return hc, errBadRequest("ValidationError", "Health check timeout '%d' must be smaller than the interval '%d'", hc.TimeoutSeconds, hc.IntervalSeconds)
	}
	if v := p.Get("HealthCheckProtocol"); v != "" {
		if v != "HTTP" && v != "HTTPS" {
			return hc, errBadRequest("ValidationError", "Health check protocol '%s' is not supported for target groups of application load balancers; use HTTP or HTTPS", v)
		}
		hc.Protocol = v
	}
	if v := p.Get("HealthCheckPort"); v != "" {
		if v != "traffic-port" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 65535 {
				return hc, errBadRequest("ValidationError", "Health check port '%s' must be 'traffic-port' or a port from 1 to 65535", v)
			}
		}
		hc.Port = v
	}
	if p.Has("HealthCheckPath") {
		v := p.Get("HealthCheckPath")
		if !strings.HasPrefix(v, "/") || len(v) > 1024 {
			return hc, errBadRequest("ValidationError", "Health check path '%s' must begin with '/' and be at most 1024 characters", v)
		}
		hc.Path = v
	}
	if p.Has("Matcher.HttpCode") {
		v := p.Get("Matcher.HttpCode")
		if !validMatcher(v) {
			return hc, errBadRequest("ValidationError", "Health check matcher HTTP code '%s' must be codes or ranges from 200 to 499, such as '200', '200,202' or '200-299'", v)
		}
		hc.Matcher = v
	}
	if p.Get("Matcher.GrpcCode") != "" {
		return hc, errBadRequest("ValidationError", "A gRPC matcher needs a target group with protocol version GRPC")
	}
	return hc, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// validMatcher reports whether an HTTP matcher is codes or ranges in 200–499.
func validMatcher(m string) bool {
	if m == "" {
		return false
	}
	for _, part := range strings.Split(m, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 200 || a > 499 {
			return false
		}
		if isRange {
			b, err := strconv.Atoi(hi)
			if err != nil || b < a || b > 499 {
				return false
			}
		}
	}
	return true
}

// matches reports whether an HTTP status code satisfies a validated matcher.
func matches(matcher string, code int) bool {
	for _, part := range strings.Split(matcher, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			b, _ = strconv.Atoi(hi)
		}
		if code >= a && code <= b {
			return true
		}
	}
	return false
}

func elbCreateTargetGroup(c *call) (any, error) {
	s := c.r.ELB
	name := c.p.Get("Name")
	if err := validateELBName("Target group", name); err != nil {
		return nil, err
	}
	targetType := c.p.Get("TargetType")
	if targetType == "" {
		targetType = "instance"
	}
	if targetType != "instance" {
		return nil, errBadRequest("ValidationError", "The sandbox serves target groups of target type 'instance' only, not '%s'", targetType)
	}
	protocol := c.p.Get("Protocol")
	if protocol != "HTTP" && protocol != "HTTPS" {
		return nil, errBadRequest("ValidationError", "A target group of type 'instance' for an application load balancer needs protocol HTTP or HTTPS, not '%s'", protocol)
	}
	port, err := c.p.Int("Port", 0)
	if err != nil {
		return nil, err
	}
	if port < 1 || port > 65535 {
		return nil, errBadRequest("ValidationError", "A port from 1 to 65535 must be specified for target groups of type 'instance'")
	}
	vpcID := c.p.Get("VpcId")
	if vpcID == "" {
		return nil, errBadRequest("ValidationError", "A VPC ID must be specified for target groups of type 'instance'")
	}
	if c.r.EC2.Network.Vpcs[vpcID] == nil {
		return nil, errBadRequest("ValidationError", "The VPC ID '%s' is not found", vpcID)
	}
	version := c.p.Get("ProtocolVersion")
	if version == "" {
		version = "HTTP1"
	}
	if version != "HTTP1" && version != "HTTP2" {
		return nil, errBadRequest("ValidationError", "Protocol version '%s' must be HTTP1 or HTTP2 (the sandbox does not serve GRPC)", version)
	}
	ipType := c.p.Get("IpAddressType")
	if ipType == "" {
		ipType = "ipv4"
	}
	if ipType != "ipv4" && ipType != "ipv6" {
		return nil, errBadRequest("ValidationError", "IP address type '%s' must be ipv4 or ipv6", ipType)
	}
	if c.p.Get("HealthCheckEnabled") == "false" {
		return nil, errBadRequest("ValidationError", "Health checks cannot be disabled for target groups with target type 'instance'")
	}
	hc, aerr := healthCheckFrom(c.p, defaultHealthCheck(protocol))
	if aerr != nil {
		return nil, aerr
	}
	tags, aerr := mergeTags(nil, c.p.Tags("Tags.member"))
	if aerr != nil {
		return nil, aerr
	}
	for _, tg := range s.TargetGroups {
		if tg.Name != name {
			continue
		}
		// CreateTargetGroup is idempotent for identical settings.
		if tg.Protocol == protocol && tg.Port == port && tg.VpcID == vpcID && tg.HealthCheck == hc && tg.ProtocolVersion == version {
			return tgResult(c, []*TargetGroup{tg}, ""), nil
		}
		return nil, errBadRequest("DuplicateTargetGroupName", "A target group with the same name '%s' exists, but with different settings", name)
	}
	tg := &TargetGroup{
		ARN:             elbARN(c.region, "targetgroup/"+name+"/"+c.w.newHex(16)),
		Name:            name,
		Protocol:        protocol,
		ProtocolVersion: version,
		Port:            port,
		VpcID:           vpcID,
		TargetType:      targetType,
		IPAddressType:   ipType,
		HealthCheck:     hc,
		Attributes:      defaultTGAttributes(),
		CreatedTime:     c.now,
		Tags:            tags,
	}
	s.TargetGroups[tg.ARN] = tg
	return tgResult(c, []*TargetGroup{tg}, ""), nil
}

type xmlTargetGroup struct {
	TargetGroupArn             string   `xml:"TargetGroupArn"`
	TargetGroupName            string   `xml:"TargetGroupName"`
	Protocol                   string   `xml:"Protocol"`
	Port                       int      `xml:"Port"`
	VpcID                      string   `xml:"VpcId"`
	HealthCheckProtocol        string   `xml:"HealthCheckProtocol"`
	HealthCheckPort            string   `xml:"HealthCheckPort"`
	HealthCheckEnabled         bool     `xml:"HealthCheckEnabled"`
	HealthCheckIntervalSeconds int      `xml:"HealthCheckIntervalSeconds"`
	HealthCheckTimeoutSeconds  int      `xml:"HealthCheckTimeoutSeconds"`
	HealthyThresholdCount      int      `xml:"HealthyThresholdCount"`
	UnhealthyThresholdCount    int      `xml:"UnhealthyThresholdCount"`
	HealthCheckPath            string   `xml:"HealthCheckPath"`
	MatcherHTTPCode            string   `xml:"Matcher>HttpCode"`
	LoadBalancerArns           []string `xml:"LoadBalancerArns>member"`
	TargetType                 string   `xml:"TargetType"`
	ProtocolVersion            string   `xml:"ProtocolVersion"`
	IPAddressType              string   `xml:"IpAddressType"`
}

func (s *ELBState) toXMLTargetGroup(tg *TargetGroup) xmlTargetGroup {
	hc := tg.HealthCheck
	out := xmlTargetGroup{
		TargetGroupArn: tg.ARN, TargetGroupName: tg.Name, Protocol: tg.Protocol, Port: tg.Port, VpcID: tg.VpcID,
		HealthCheckProtocol: hc.Protocol, HealthCheckPort: hc.Port, HealthCheckEnabled: true,
		HealthCheckIntervalSeconds: hc.IntervalSeconds, HealthCheckTimeoutSeconds: hc.TimeoutSeconds,
		HealthyThresholdCount: hc.HealthyThreshold, UnhealthyThresholdCount: hc.UnhealthyThreshold,
		HealthCheckPath: hc.Path, MatcherHTTPCode: hc.Matcher, TargetType: tg.TargetType,
		ProtocolVersion: tg.ProtocolVersion, IPAddressType: tg.IPAddressType,
	}
	if lb := s.loadBalancerOf(tg.ARN); lb != "" {
		out.LoadBalancerArns = []string{lb}
	}
	return out
}

func tgResult(c *call, tgs []*TargetGroup, next string) any {
	out := struct {
		TargetGroups []xmlTargetGroup `xml:"TargetGroups>member"`
		NextMarker   string           `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, tg := range tgs {
		out.TargetGroups = append(out.TargetGroups, c.r.ELB.toXMLTargetGroup(tg))
	}
	return out
}

// targetGroup returns the group with arn or TargetGroupNotFound.
func (s *ELBState) targetGroup(arn string) (*TargetGroup, *APIError) {
	if tg := s.TargetGroups[arn]; tg != nil {
		return tg, nil
	}
	return nil, errBadRequest("TargetGroupNotFound", "Target group '%s' not found", arn)
}

// loadBalancerOf returns the load balancer whose listeners forward to the
// target group, or "". An ALB target group serves one load balancer at most.
func (s *ELBState) loadBalancerOf(tgARN string) string {
	for _, l := range s.Listeners {
		if l.forwardsTo(tgARN) {
			return l.LoadBalancerARN
		}
	}
	return ""
}

func elbDescribeTargetGroups(c *call) (any, error) {
	s := c.r.ELB
	lbARN := c.p.Get("LoadBalancerArn")
	arns := c.p.List("TargetGroupArns.member")
	names := c.p.List("Names.member")
	given := 0
	for _, b := range []bool{lbARN != "", len(arns) > 0, len(names) > 0} {
		if b {
			given++
		}
	}
	if given > 1 {
		return nil, errBadRequest("ValidationError", "Specify only one of load balancer ARN, target group ARNs or target group names")
	}
	var tgs []*TargetGroup
	switch {
	case len(arns) > 0:
		for _, arn := range arns {
			tg := s.TargetGroups[arn]
			if tg == nil {
				return nil, errBadRequest("TargetGroupNotFound", "One or more target groups not found")
			}
			tgs = append(tgs, tg)
		}
	case len(names) > 0:
		for _, n := range names {
			var found *TargetGroup
			for _, tg := range s.TargetGroups {
				if tg.Name == n {
					found = tg
				}
			}
			if found == nil {
				return nil, errBadRequest("TargetGroupNotFound", "Target groups '[%s]' not found", n)
			}
			tgs = append(tgs, found)
		}
	default:
		if lbARN != "" {
			if _, err := s.loadBalancer(lbARN); err != nil {
				return nil, err
			}
		}
		for _, arn := range sortedKeys(s.TargetGroups) {
			if lbARN == "" || s.loadBalancerOf(arn) == lbARN {
				tgs = append(tgs, s.TargetGroups[arn])
			}
		}
	}
	items, next, err := elbPage(c, tgs)
	if err != nil {
		return nil, err
	}
	return tgResult(c, items, next), nil
}

func elbModifyTargetGroup(c *call) (any, error) {
	tg, err := c.r.ELB.targetGroup(c.p.Get("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	if c.p.Get("HealthCheckEnabled") == "false" {
		return nil, errBadRequest("ValidationError", "Health checks cannot be disabled for target groups with target type 'instance'")
	}
	hc, err := healthCheckFrom(c.p, tg.HealthCheck)
	if err != nil {
		return nil, err
	}
	tg.HealthCheck = hc
	return tgResult(c, []*TargetGroup{tg}, ""), nil
}

func elbDeleteTargetGroup(c *call) (any, error) {
	s := c.r.ELB
	arn := c.p.Get("TargetGroupArn")
	if s.TargetGroups[arn] == nil {
		// Deleting a group that is already gone succeeds, as on AWS.
		if strings.Contains(arn, ":targetgroup/") {
			return nil, nil
		}
		return nil, errBadRequest("ValidationError", "'%s' is not a valid target group ARN", arn)
	}
	if s.loadBalancerOf(arn) != "" {
		return nil, errBadRequest("ResourceInUse", "Target group '%s' is currently in use by a listener or a rule", arn)
	}
	delete(s.TargetGroups, arn)
	return nil, nil
}

// validateTGAttribute checks one target group attribute against AWS's rules.
func validateTGAttribute(key, value string) *APIError {
	if _, ok := defaultTGAttributes()[key]; !ok {
		return errBadRequest("ValidationError", "Target group attribute key '%s' is not recognized", key)
	}
	intRange := func(lo, hi int) *APIError {
		n, err := strconv.Atoi(value)
		if err != nil || n < lo || n > hi {
			return errBadRequest("ValidationError", "Target group attribute value '%s' for key '%s' must be an integer from %d to %d", value, key, lo, hi)
		}
		return nil
	}
	switch key {
	case "deregistration_delay.timeout_seconds":
		return intRange(0, 3600)
	case "stickiness.enabled":
		if value != "true" && value != "false" {
			return errBadRequest("ValidationError", "Target group attribute value '%s' for key '%s' must be 'true' or 'false'", value, key)
		}
	case "stickiness.type":
		if value != "lb_cookie" && value != "app_cookie" {
			return errBadRequest("ValidationError", "Target group attribute value '%s' for key '%s' must be lb_cookie or app_cookie", value, key)
		}
	case "stickiness.lb_cookie.duration_seconds", "stickiness.app_cookie.duration_seconds":
		return intRange(1, 604800)
	case "slow_start.duration_seconds":
		n, err := strconv.Atoi(value)
		if err != nil || (n != 0 && (n < 30 || n > 900)) {
			return errBadRequest("ValidationError", "Target group attribute value '%s' for key '%s' must be 0 or from 30 to 900", value, key)
		}
	case "load_balancing.algorithm.type":
		if !slices.Contains([]string{"round_robin", "least_outstanding_requests", "weighted_random"}, value) {
			return errBadRequest("ValidationError", "Target group attribute value '%s' for key '%s' must be round_robin, least_outstanding_requests or weighted_random", value, key)
		}
	}
	return nil
}

func elbDescribeTargetGroupAttributes(c *call) (any, error) {
	tg, err := c.r.ELB.targetGroup(c.p.Get("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	return struct {
		Attributes []xmlAttribute `xml:"Attributes>member"`
	}{xmlAttributes(tg.Attributes)}, nil
}

func elbModifyTargetGroupAttributes(c *call) (any, error) {
	tg, err := c.r.ELB.targetGroup(c.p.Get("TargetGroupArn"))
	if err != nil {
		return nil, err
	}
	attrs := c.p.Structs("Attributes.member")
	if len(attrs) == 0 {
		return nil, errBadRequest("ValidationError", "Attributes must not be empty")
	}
	for _, a := range attrs {
		if err := validateTGAttribute(a.Get("Key"), a.Get("Value")); err != nil {
			return nil, err
		}
	}
	for _, a := range attrs {
		tg.Attributes[a.Get("Key")] = a.Get("Value")
	}
	return struct {
		Attributes []xmlAttribute `xml:"Attributes>member"`
	}{xmlAttributes(tg.Attributes)}, nil
}
