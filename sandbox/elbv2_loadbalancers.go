package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LoadBalancer is an application load balancer.
type LoadBalancer struct {
	ARN            string            `json:"arn"`
	ID             string            `json:"id"` // the 16 hex digits at the end of the ARN
	Name           string            `json:"name"`
	DNSName        string            `json:"dns_name"`
	Scheme         string            `json:"scheme"` // internet-facing, internal
	Type           string            `json:"type"`   // application
	VpcID          string            `json:"vpc_id"`
	IPAddressType  string            `json:"ip_address_type"`
	Subnets        []LBSubnet        `json:"subnets"`
	SecurityGroups []string          `json:"security_groups"`
	State          string            `json:"state"` // provisioning, active
	ActiveAt       time.Time         `json:"active_at"`
	CreatedTime    time.Time         `json:"created_time"`
	Attributes     map[string]string `json:"attributes"`
	Tags           []Tag             `json:"tags"`
}

// LBSubnet is one subnet a load balancer is in, with the interface it has there.
type LBSubnet struct {
	SubnetID string `json:"subnet_id"`
	AZ       string `json:"az"`
	ENIID    string `json:"eni_id"`
}

// albHostedZoneIDs are the Route 53 zones AWS serves ALB DNS names from,
// per region (Elastic Load Balancing endpoints, "Application Load
// Balancers" column). Alias records must name the right one.
var albHostedZoneIDs = map[string]string{
	"af-south-1": "Z268VQBMOI5EKX", "ap-east-1": "Z3DQVH9N71FHZ0", "ap-northeast-1": "Z14GRHDCWA56QT",
	"ap-northeast-2": "ZWKZPGTI48KDX", "ap-northeast-3": "Z5LXEXXYW11ES", "ap-south-1": "ZP97RAFLXTNZK",
	"ap-south-2": "Z0173938T07WNTVAEPZN", "ap-southeast-1": "Z1LMS91P8CMLE5", "ap-southeast-2": "Z1GM3OXH4ZPM65",
	"ap-southeast-3": "Z08888821HLRG5A9ZRTER", "ap-southeast-4": "Z09517862IB2WZLPXG76F", "ca-central-1": "ZQSVJUPU6J1EY",
	"eu-central-1": "Z215JYRZR1TBD5", "eu-central-2": "Z06391101F2ZOEP8P5EB3", "eu-north-1": "Z23TAZ6LKFMNIO",
	"eu-south-1": "Z3ULH7SSC9OV64", "eu-south-2": "Z0956581394HF5D5LXGAP", "eu-west-1": "Z32O12XQLNTSW2",
	"eu-west-2": "ZHURV8PSTC4K8", "eu-west-3": "Z3Q77PNBQS71R4", "me-central-1": "Z08230872XQRWHG2XF6I",
	"me-south-1": "ZS929ML54UICD", "sa-east-1": "Z2P70J7HTTTPLU", "us-east-1": "Z35SXDOTRQ7X7K",
	"us-east-2": "Z3AADJGX6KTTL2", "us-gov-east-1": "Z166TLBEWOO7G0", "us-gov-west-1": "Z33AYJ8TM3BH4J",
	"us-west-1": "Z368ELLRRE2KJ0", "us-west-2": "Z1H1FL5HABSF5",
}

// albHostedZoneID returns the region's ALB zone; regions AWS has not
// published one for get us-east-1's, so an alias still names a real zone.
func albHostedZoneID(region string) string {
	if z, ok := albHostedZoneIDs[region]; ok {
		return z
	}
	return albHostedZoneIDs["us-east-1"]
}

// defaultLBAttributes are an ALB's attributes as AWS creates them.
func defaultLBAttributes() map[string]string {
	return map[string]string{
		"deletion_protection.enabled":                                   "false",
		"idle_timeout.timeout_seconds":                                  "60",
		"routing.http2.enabled":                                         "true",
		"access_logs.s3.enabled":                                        "false",
		"access_logs.s3.bucket":                                         "",
		"access_logs.s3.prefix":                                         "",
		"connection_logs.s3.enabled":                                    "false",
		"connection_logs.s3.bucket":                                     "",
		"connection_logs.s3.prefix":                                     "",
		"routing.http.drop_invalid_header_fields.enabled":               "false",
		"routing.http.preserve_host_header.enabled":                     "false",
		"routing.http.x_amzn_tls_version_and_cipher_suite.enabled":      "false",
		"routing.http.xff_client_port.enabled":                          "false",
		"routing.http.xff_header_processing.mode":                       "append",
		"routing.http.desync_mitigation_mode":                           "defensive",
		"load_balancing.cross_zone.enabled":                             "true",
		"waf.fail_open.enabled":                                         "false",
		"client_keep_alive.seconds":                                     "3600",
		"zonal_shift.config.enabled":                                    "false",
		"routing.http.x_amzn_mtls_clientcert_serial_number.header_name": "",
	}
}

// validateLBAttribute checks one attribute value against AWS's rules.
func validateLBAttribute(key, value string) *APIError {
	if _, ok := defaultLBAttributes()[key]; !ok {
		return errBadRequest("ValidationError", "Load balancer attribute key '%s' is not recognized", key)
	}
	intRange := func(lo, hi int) *APIError {
		n, err := strconv.Atoi(value)
		if err != nil || n < lo || n > hi {
			return errBadRequest("ValidationError", "Load balancer attribute value '%s' for key '%s' must be an integer from %d to %d", value, key, lo, hi)
		}
		return nil
	}
	switch {
	case strings.HasSuffix(key, ".enabled"):
		if value != "true" && value != "false" {
			return errBadRequest("ValidationError", "Load balancer attribute value '%s' for key '%s' must be 'true' or 'false'", value, key)
		}
	case key == "idle_timeout.timeout_seconds":
		return intRange(1, 4000)
	case key == "client_keep_alive.seconds":
		return intRange(60, 604800)
	case key == "routing.http.desync_mitigation_mode":
		if !slices.Contains([]string{"monitor", "defensive", "strictest"}, value) {
			return errBadRequest("ValidationError", "Load balancer attribute value '%s' for key '%s' must be monitor, defensive or strictest", value, key)
		}
	case key == "routing.http.xff_header_processing.mode":
		if !slices.Contains([]string{"append", "preserve", "remove"}, value) {
			return errBadRequest("ValidationError", "Load balancer attribute value '%s' for key '%s' must be append, preserve or remove", value, key)
		}
	}
	return nil
}

// lbSubnetsFrom reads Subnets or SubnetMappings and checks what AWS checks:
// every subnet exists, all in one VPC, at most one per AZ, at least two AZs.
func lbSubnetsFrom(c *call) ([]LBSubnet, string, *APIError) {
	ids := c.p.List("Subnets.member")
	mappings := c.p.Structs("SubnetMappings.member")
	if len(ids) > 0 && len(mappings) > 0 {
		return nil, "", errBadRequest("ValidationError", "You can specify subnets or subnet mappings, but not both")
	}
	for _, m := range mappings {
		if m.Get("AllocationId") != "" {
			return nil, "", errBadRequest("InvalidConfigurationRequest", "Elastic IP addresses are supported only by Network Load Balancers")
		}
		ids = append(ids, m.Get("SubnetId"))
	}
	var out []LBSubnet
	vpc := ""
	azs := map[string]bool{}
	for _, id := range ids {
		sn := c.r.subnet(id)
		if sn == nil {
			return nil, "", errBadRequest("SubnetNotFound", "The subnet ID '%s' is not valid", id)
		}
		if vpc != "" && sn.VpcID != vpc {
			return nil, "", errBadRequest("InvalidConfigurationRequest", "The subnets must all belong to the same VPC")
		}
		vpc = sn.VpcID
		if azs[sn.AZ] {
			return nil, "", errBadRequest("InvalidConfigurationRequest", "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
		}
		azs[sn.AZ] = true
		out = append(out, LBSubnet{SubnetID: id, AZ: sn.AZ})
	}
	if len(azs) < 2 {
		return nil, "", errBadRequest("ValidationError", "At least two subnets in two different Availability Zones must be specified")
	}
	return out, vpc, nil
}

// lbSecurityGroupsFrom returns the requested groups, checked against the
// VPC, or the VPC's default group when none are given (as AWS does).
func lbSecurityGroupsFrom(c *call, vpcID string) ([]string, *APIError) {
	ids := c.p.List("SecurityGroups.member")
	if len(ids) == 0 {
		for _, id := range sortedKeys(c.r.EC2.Network.SecurityGroups) {
			if sg := c.r.EC2.Network.SecurityGroups[id]; sg.VpcID == vpcID && (sg.IsDefault || sg.Name == "default") {
				return []string{id}, nil
			}
		}
		return nil, errBadRequest("InvalidConfigurationRequest", "The VPC '%s' has no default security group; specify security groups", vpcID)
	}
	if len(ids) > 5 {
		return nil, errBadRequest("ValidationError", "You can specify up to 5 security groups")
	}
	for _, id := range ids {
		sg := c.r.securityGroup(id)
		if sg == nil || sg.VpcID != vpcID {
			return nil, errBadRequest("InvalidSecurityGroup", "Security group '%s' does not exist in VPC '%s'", id, vpcID)
		}
	}
	return ids, nil
}

func elbCreateLoadBalancer(c *call) (any, error) {
	s := c.r.ELB
	name := c.p.Get("Name")
	if err := validateELBName("Load balancer", name); err != nil {
		return nil, err
	}
	if strings.HasPrefix(name, "internal-") {
		return nil, errBadRequest("ValidationError", "Load balancer name '%s' cannot begin with 'internal-'", name)
	}
	lbType := c.p.Get("Type")
	if lbType == "" {
		lbType = "application"
	}
	if lbType != "application" {
		return nil, errBadRequest("ValidationError", "The sandbox serves application load balancers only, not '%s'", lbType)
	}
	scheme := c.p.Get("Scheme")
	if scheme == "" {
		scheme = "internet-facing"
	}
	if scheme != "internet-facing" && scheme != "internal" {
		return nil, errBadRequest("ValidationError", "Scheme '%s' must be one of [internet-facing, internal]", scheme)
	}
	ipType := c.p.Get("IpAddressType")
	if ipType == "" {
		ipType = "ipv4"
	}
	switch ipType {
	case "ipv4", "dualstack":
	case "dualstack-without-public-ipv4":
		if scheme != "internet-facing" {
			return nil, errBadRequest("ValidationError", "IP address type 'dualstack-without-public-ipv4' needs an internet-facing load balancer")
		}
	default:
		return nil, errBadRequest("ValidationError", "IP address type '%s' must be one of [ipv4, dualstack, dualstack-without-public-ipv4]", ipType)
	}
	subnets, vpcID, err := lbSubnetsFrom(c)
	if err != nil {
		return nil, err
	}
	if derr := checkDualstackSubnets(c, ipType, subnets); derr != nil {
		return nil, derr
	}
	groups, err := lbSecurityGroupsFrom(c, vpcID)
	if err != nil {
		return nil, err
	}
	tags, err := mergeTags(nil, c.p.Tags("Tags.member"))
	if err != nil {
		return nil, err
	}
	for _, lb := range s.LoadBalancers {
		if lb.Name != name {
			continue
		}
		// CreateLoadBalancer is idempotent: the same settings give back
		// the existing load balancer.
		if lb.Scheme == scheme && lb.IPAddressType == ipType && sameSet(lbSubnetIDs(lb), lbSubnetIDs(&LoadBalancer{Subnets: subnets})) && sameSet(lb.SecurityGroups, groups) {
			return lbResult(c, []*LoadBalancer{lb}), nil
		}
		return nil, errBadRequest("DuplicateLoadBalancerName", "A load balancer with the same name '%s' exists, but with different settings", name)
	}

	id := c.w.newHex(16)
	lb := &LoadBalancer{
		ARN:            elbARN(c.region, "loadbalancer/app/"+name+"/"+id),
		ID:             id,
		Name:           name,
		Scheme:         scheme,
		Type:           lbType,
		VpcID:          vpcID,
		IPAddressType:  ipType,
		SecurityGroups: groups,
		State:          "provisioning",
		ActiveAt:       c.now.Add(c.d.LBProvisioning),
		CreatedTime:    c.now,
		Attributes:     defaultLBAttributes(),
		Tags:           tags,
	}
	digits, _ := strconv.ParseUint(c.w.newHex(8), 16, 64)
	lb.DNSName = fmt.Sprintf("%s-%d.%s.elb.amazonaws.com", name, digits%9000000000+1000000000, c.region)
	if scheme == "internal" {
		lb.DNSName = "internal-" + lb.DNSName
	}
	for _, sn := range subnets {
		eni, err := c.r.createENI(sn.SubnetID, groups, lb.ARN, "interface", "ELB app/"+name+"/"+id)
		if err != nil {
			c.r.deleteENIsOf(lb.ARN)
			return nil, err
		}
		sn.ENIID = eni.ID
		lb.Subnets = append(lb.Subnets, sn)
	}
	s.LoadBalancers[lb.ARN] = lb
	return lbResult(c, []*LoadBalancer{lb}), nil
}

func lbSubnetIDs(lb *LoadBalancer) []string {
	out := make([]string, 0, len(lb.Subnets))
	for _, sn := range lb.Subnets {
		out = append(out, sn.SubnetID)
	}
	return out
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

type xmlLBAddress struct {
	IPv6Address string `xml:"IPv6Address,omitempty"`
}

type xmlLBZone struct {
	ZoneName  string         `xml:"ZoneName"`
	SubnetID  string         `xml:"SubnetId"`
	Addresses []xmlLBAddress `xml:"LoadBalancerAddresses>member"`
}

type xmlLoadBalancer struct {
	LoadBalancerArn       string      `xml:"LoadBalancerArn"`
	DNSName               string      `xml:"DNSName"`
	CanonicalHostedZoneID string      `xml:"CanonicalHostedZoneId"`
	CreatedTime           string      `xml:"CreatedTime"`
	LoadBalancerName      string      `xml:"LoadBalancerName"`
	Scheme                string      `xml:"Scheme"`
	VpcID                 string      `xml:"VpcId"`
	StateCode             string      `xml:"State>Code"`
	Type                  string      `xml:"Type"`
	AvailabilityZones     []xmlLBZone `xml:"AvailabilityZones>member"`
	SecurityGroups        []string    `xml:"SecurityGroups>member"`
	IPAddressType         string      `xml:"IpAddressType"`
}

func toXMLLoadBalancer(region string, lb *LoadBalancer) xmlLoadBalancer {
	out := xmlLoadBalancer{
		LoadBalancerArn:       lb.ARN,
		DNSName:               lb.DNSName,
		CanonicalHostedZoneID: albHostedZoneID(region),
		CreatedTime:           xmlTime(lb.CreatedTime),
		LoadBalancerName:      lb.Name,
		Scheme:                lb.Scheme,
		VpcID:                 lb.VpcID,
		StateCode:             lb.State,
		Type:                  lb.Type,
		SecurityGroups:        lb.SecurityGroups,
		IPAddressType:         lb.IPAddressType,
	}
	for _, sn := range lb.Subnets {
		out.AvailabilityZones = append(out.AvailabilityZones, xmlLBZone{ZoneName: sn.AZ, SubnetID: sn.SubnetID})
	}
	return out
}

func lbResult(c *call, lbs []*LoadBalancer) any {
	out := struct {
		LoadBalancers []xmlLoadBalancer `xml:"LoadBalancers>member"`
	}{}
	for _, lb := range lbs {
		out.LoadBalancers = append(out.LoadBalancers, toXMLLoadBalancer(c.region, lb))
	}
	return out
}

// loadBalancer returns the load balancer with arn or LoadBalancerNotFound.
func (s *ELBState) loadBalancer(arn string) (*LoadBalancer, *APIError) {
	if lb := s.LoadBalancers[arn]; lb != nil {
		return lb, nil
	}
	return nil, errBadRequest("LoadBalancerNotFound", "Load balancer '%s' not found", arn)
}

func elbDescribeLoadBalancers(c *call) (any, error) {
	s := c.r.ELB
	arns := c.p.List("LoadBalancerArns.member")
	names := c.p.List("Names.member")
	if len(arns) > 0 && len(names) > 0 {
		return nil, errBadRequest("ValidationError", "Load balancer names and load balancer ARNs cannot be specified at the same time")
	}
	var lbs []*LoadBalancer
	switch {
	case len(arns) > 0:
		for _, arn := range arns {
			lb, err := s.loadBalancer(arn)
			if err != nil {
				return nil, errBadRequest("LoadBalancerNotFound", "One or more load balancers not found")
			}
			lbs = append(lbs, lb)
		}
	case len(names) > 0:
		byName := map[string]*LoadBalancer{}
		for _, lb := range s.LoadBalancers {
			byName[lb.Name] = lb
		}
		for _, n := range names {
			lb := byName[n]
			if lb == nil {
				return nil, errBadRequest("LoadBalancerNotFound", "Load balancers '[%s]' not found", n)
			}
			lbs = append(lbs, lb)
		}
	default:
		for _, arn := range sortedKeys(s.LoadBalancers) {
			lbs = append(lbs, s.LoadBalancers[arn])
		}
	}
	items, next, err := elbPage(c, lbs)
	if err != nil {
		return nil, err
	}
	out := struct {
		LoadBalancers []xmlLoadBalancer `xml:"LoadBalancers>member"`
		NextMarker    string            `xml:"NextMarker,omitempty"`
	}{NextMarker: next}
	for _, lb := range items {
		out.LoadBalancers = append(out.LoadBalancers, toXMLLoadBalancer(c.region, lb))
	}
	return out, nil
}

func elbDeleteLoadBalancer(c *call) (any, error) {
	s := c.r.ELB
	arn := c.p.Get("LoadBalancerArn")
	lb := s.LoadBalancers[arn]
	if lb == nil {
		// Deleting a load balancer that is already gone succeeds, as on AWS.
		if strings.Contains(arn, ":loadbalancer/") {
			return nil, nil
		}
		return nil, errBadRequest("ValidationError", "'%s' is not a valid load balancer ARN", arn)
	}
	if lb.Attributes["deletion_protection.enabled"] == "true" {
		return nil, errBadRequest("OperationNotPermitted", "Load balancer '%s' cannot be deleted because deletion protection is enabled", arn)
	}
	for _, larn := range sortedKeys(s.Listeners) {
		if s.Listeners[larn].LoadBalancerARN == arn {
			s.deleteListener(larn)
		}
	}
	delete(s.LoadBalancers, arn)
	// The interfaces linger for a while, as on AWS: their security groups
	// cannot be deleted until they are gone.
	s.ReleasingENIs[arn] = c.now.Add(c.d.LBENIRelease)
	if c.d.LBENIRelease == 0 {
		c.r.deleteENIsOf(arn)
		delete(s.ReleasingENIs, arn)
	}
	return nil, nil
}

type xmlAttribute struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func xmlAttributes(m map[string]string) []xmlAttribute {
	out := make([]xmlAttribute, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, xmlAttribute{k, m[k]})
	}
	return out
}

func elbDescribeLoadBalancerAttributes(c *call) (any, error) {
	lb, err := c.r.ELB.loadBalancer(c.p.Get("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	return struct {
		Attributes []xmlAttribute `xml:"Attributes>member"`
	}{xmlAttributes(lb.Attributes)}, nil
}

func elbModifyLoadBalancerAttributes(c *call) (any, error) {
	lb, err := c.r.ELB.loadBalancer(c.p.Get("LoadBalancerArn"))
	if err != nil {
		return nil, err
	}
	attrs := c.p.Structs("Attributes.member")
	if len(attrs) == 0 {
		return nil, errBadRequest("ValidationError", "Attributes must not be empty")
	}
	set := map[string]string{}
	for _, a := range attrs {
		if err := validateLBAttribute(a.Get("Key"), a.Get("Value")); err != nil {
			return nil, err
		}
		set[a.Get("Key")] = a.Get("Value")
	}
	if err := checkAccessLogs(c, lb, set); err != nil {
		return nil, err
	}
	maps.Copy(lb.Attributes, set)
	return struct {
		Attributes []xmlAttribute `xml:"Attributes>member"`
	}{xmlAttributes(lb.Attributes)}, nil
}
