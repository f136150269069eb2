package sandbox

import (
	"encoding/base64"
	"sort"
	"strings"
)

// This file holds what every EC2 Describe and Create shares: filters,
// pagination, tag specifications and the XML shape of tags.

// xmlTag is a tagSet item.
type xmlTag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func xmlTags(tags []Tag) []xmlTag {
	out := make([]xmlTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, xmlTag{t.Key, t.Value})
	}
	return out
}

// ec2Bool is the <return>true</return> most EC2 mutations answer.
type ec2Bool struct {
	Return bool `xml:"return"`
}

// resourceType maps an EC2 id to the resource type EC2 reports for it in
// DescribeTags and expects in TagSpecifications.
func resourceType(id string) string {
	prefix, _, ok := strings.Cut(id, "-")
	if !ok {
		return ""
	}
	if strings.HasPrefix(id, "eni-attach-") {
		return ""
	}
	return map[string]string{
		"vpc": "vpc", "subnet": "subnet", "sg": "security-group", "eni": "network-interface",
		"igw": "internet-gateway", "eipalloc": "elastic-ip", "nat": "natgateway", "rtb": "route-table",
		"key": "key-pair", "i": "instance", "ami": "image", "lt": "launch-template", "sgr": "security-group-rule", "snap": "snapshot",
		"vol": "volume",
	}[prefix]
}

// notFoundCode is the error EC2 gives for an unknown id of each type.
func notFoundCode(id string) (code, message string) {
	switch resourceType(id) {
	case "vpc":
		return "InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist"
	case "subnet":
		return "InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist"
	case "security-group":
		return "InvalidGroup.NotFound", "The security group '" + id + "' does not exist"
	case "network-interface":
		return "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '" + id + "' does not exist"
	case "internet-gateway":
		return "InvalidInternetGatewayID.NotFound", "The internetGateway ID '" + id + "' does not exist"
	case "elastic-ip":
		return "InvalidAllocationID.NotFound", "The allocation ID '" + id + "' does not exist"
	case "natgateway":
		return "NatGatewayNotFound", "The Nat Gateway " + id + " was not found"
	case "route-table":
		return "InvalidRouteTableID.NotFound", "The routeTable ID '" + id + "' does not exist"
	case "key-pair":
		return "InvalidKeyPair.NotFound", "The key pair '" + id + "' does not exist"
	case "instance":
		return "InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist"
	case "image":
		return "InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist"
	case "security-group-rule":
		return "InvalidSecurityGroupRuleId.NotFound", "The security group rule ID '" + id + "' does not exist"
	case "snapshot":
		return "InvalidSnapshot.NotFound", "The snapshot '" + id + "' does not exist."
	case "volume":
		return "InvalidVolume.NotFound", "The volume '" + id + "' does not exist."
	case "launch-template":
		return "InvalidLaunchTemplateId.NotFound", "The specified launch template, with template ID " + id + ", does not exist."
	}
	return "InvalidID", "The ID '" + id + "' is not valid"
}

// errNoID is the NotFound error for id.
func errNoID(id string) *APIError {
	code, msg := notFoundCode(id)
	return errBadRequest(code, "%s", msg)
}

// errMissing is EC2's answer to a request without a required parameter.
func errMissing(name string) *APIError {
	return errBadRequest("MissingParameter", "The request must contain the parameter %s", name)
}

// tagSpecs returns the tags a Create call asks for its resource type in
// TagSpecification.N. A specification for another type is an error, as on EC2.
func tagSpecs(c *call, resType string) ([]Tag, error) {
	var out []Tag
	for _, spec := range c.p.Structs("TagSpecification") {
		rt := spec.Get("ResourceType")
		if rt != "" && rt != resType {
			return nil, errBadRequest("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", rt)
		}
		out = append(out, spec.Tags("Tag")...)
	}
	if err := validateTags(out); err != nil {
		return nil, err
	}
	return out, nil
}

// validateTags applies EC2's tag restrictions.
func validateTags(tags []Tag) error {
	if len(tags) > 50 {
		return errBadRequest("TagLimitExceeded", "The maximum number of tags per resource is 50.")
	}
	for _, t := range tags {
		switch {
		case t.Key == "":
			return errBadRequest("InvalidParameterValue", "Tag key must not be empty")
		case len(t.Key) > 128:
			return errBadRequest("InvalidParameterValue", "Tag key exceeds the maximum length of 128 characters")
		case len(t.Value) > 256:
			return errBadRequest("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return errBadRequest("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use")
		}
	}
	return nil
}

// setTags adds or overwrites tags in *dst.
func setTags(dst *[]Tag, tags []Tag) {
	for _, t := range tags {
		i := indexTag(*dst, t.Key)
		if i >= 0 {
			(*dst)[i].Value = t.Value
		} else {
			*dst = append(*dst, t)
		}
	}
}

func indexTag(tags []Tag, key string) int {
	for i, t := range tags {
		if t.Key == key {
			return i
		}
	}
	return -1
}

// fieldFunc gives a resource's values for a filter name; known is false
// for a filter the resource type does not support.
type fieldFunc func(name string) (values []string, known bool)

// filterSet is a request's Filter.N list, checked against each resource.
type filterSet map[string][]string

// match reports whether a resource with tags and fields passes every
// filter: within one filter any value may match (with * and ? wildcards),
// and all filters must match. An unsupported filter name is an error.
func (fs filterSet) match(tags []Tag, fields fieldFunc) (bool, error) {
	for name, want := range fs {
		var have []string
		switch {
		case strings.HasPrefix(name, "tag:"):
			if i := indexTag(tags, name[4:]); i >= 0 {
				have = []string{tags[i].Value}
			}
		case name == "tag-key":
			for _, t := range tags {
				have = append(have, t.Key)
			}
		case name == "tag-value":
			for _, t := range tags {
				have = append(have, t.Value)
			}
		default:
			v, known := fields(name)
			if !known {
				return false, errBadRequest("InvalidParameterValue", "The filter '%s' is invalid", name)
			}
			have = v
		}
		if !anyMatch(want, have) {
			return false, nil
		}
	}
	return true, nil
}

func anyMatch(patterns, values []string) bool {
	for _, p := range patterns {
		for _, v := range values {
			if globMatch(p, v) {
				return true
			}
		}
	}
	return false
}

// globMatch matches EC2 filter wildcards: * any run, ? one character.
// (path.Match would treat the / of a CIDR specially.)
func globMatch(pattern, s string) bool {
	if !strings.ContainsAny(pattern, "*?") {
		return pattern == s
	}
	px, sx := 0, 0
	starP, starS := -1, 0
	for sx < len(s) {
		switch {
		case px < len(pattern) && (pattern[px] == '?' || pattern[px] == s[sx]):
			px++
			sx++
		case px < len(pattern) && pattern[px] == '*':
			starP, starS = px, sx
			px++
		case starP >= 0:
			px = starP + 1
			starS++
			sx = starS
		default:
			return false
		}
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// selectIDs returns the ids to describe: those asked for by name (each must
// exist, else the NotFound error of its type) or, when none are, every key
// of all, in order.
func selectIDs[V any](all map[string]V, asked []string) ([]string, error) {
	if len(asked) == 0 {
		return sortedKeys(all), nil
	}
	seen := map[string]bool{}
	var out []string
	for _, id := range asked {
		if _, ok := all[id]; !ok {
			return nil, errNoID(id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out, nil
}

// page cuts one page out of ids (sorted) for MaxResults/NextToken. The
// token is the last id returned, opaque to clients. minMax is the smallest
// MaxResults the operation accepts (AWS: 5 for most describes).
func page(c *call, ids []string, minMax int) ([]string, string, error) {
	max, err := c.p.Int("MaxResults", 0)
	if err != nil {
		return nil, "", err
	}
	if c.p.Has("MaxResults") && (max < minMax || max > 1000) {
		return nil, "", errBadRequest("InvalidParameterValue", "Value ( %d ) for parameter maxResults is invalid. Parameter must be between %d and 1000.", max, minMax)
	}
	if tok := c.p.Get("NextToken"); tok != "" {
		raw, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || len(raw) == 0 {
			return nil, "", errBadRequest("InvalidPaginationToken", "Invalid pagination token: %s", tok)
		}
		after := string(raw)
		i := sort.SearchStrings(ids, after)
		if i < len(ids) && ids[i] == after {
			i++
		}
		ids = ids[i:]
	}
	if max == 0 || len(ids) <= max {
		return ids, "", nil
	}
	return ids[:max], base64.RawURLEncoding.EncodeToString([]byte(ids[max-1])), nil
}

// describe selects the resources a Describe call asks for: by id (the list
// parameter idParam, each id must exist), then by Filter.N, then one page.
// fields gives a resource's filter values (an unknown filter name is
// reported when the first resource is examined); minMax is the smallest
// MaxResults the operation accepts, 0 when it does not page.
func describe[V any](c *call, all map[string]V, idParam string, tags func(V) []Tag, fields func(V) fieldFunc, minMax int) ([]V, string, error) {
	fs := filterSet(c.p.Filters())
	ids, err := selectIDs(all, c.p.List(idParam))
	if err != nil {
		return nil, "", err
	}
	var matched []string
	for _, id := range ids {
		v := all[id]
		ok, err := fs.match(tags(v), fields(v))
		if err != nil {
			return nil, "", err
		}
		if ok {
			matched = append(matched, id)
		}
	}
	next := ""
	if minMax > 0 {
		if matched, next, err = page(c, matched, minMax); err != nil {
			return nil, "", err
		}
	}
	out := make([]V, 0, len(matched))
	for _, id := range matched {
		out = append(out, all[id])
	}
	return out, next, nil
}
