package sandbox

import (
	"fmt"
	"net"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// rrsetXML is a ResourceRecordSet as Route 53 sends and receives it.
type rrsetXML struct {
	Name            string           `xml:"Name"`
	Type            string           `xml:"Type"`
	SetIdentifier   string           `xml:"SetIdentifier,omitempty"`
	Weight          *int64           `xml:"Weight,omitempty"`
	TTL             *int64           `xml:"TTL,omitempty"`
	ResourceRecords []resourceRecord `xml:"ResourceRecords>ResourceRecord,omitempty"`
	AliasTarget     *aliasXML        `xml:"AliasTarget,omitempty"`
}

type resourceRecord struct {
	Value string `xml:"Value"`
}

type aliasXML struct {
	HostedZoneID         string `xml:"HostedZoneId"`
	DNSName              string `xml:"DNSName"`
	EvaluateTargetHealth bool   `xml:"EvaluateTargetHealth"`
}

func (rs *RecordSet) xml() rrsetXML {
	out := rrsetXML{Name: escapeDNSName(rs.Name), Type: rs.Type, SetIdentifier: rs.SetIdentifier, Weight: rs.Weight, TTL: rs.TTL}
	for _, v := range rs.Values {
		out.ResourceRecords = append(out.ResourceRecords, resourceRecord{v})
	}
	if rs.Alias != nil {
		out.AliasTarget = &aliasXML{rs.Alias.HostedZoneID, rs.Alias.DNSName, rs.Alias.EvaluateTargetHealth}
	}
	return out
}

// key identifies a record set within a zone: name, type and set identifier.
func (rs *RecordSet) key() string { return rs.Name + "|" + rs.Type + "|" + rs.SetIdentifier }

// same reports whether rs carries exactly the data o does; a DELETE must
// name the record set's current values, not just its name and type.
func (rs *RecordSet) same(o *RecordSet) bool {
	if (rs.TTL == nil) != (o.TTL == nil) || rs.TTL != nil && *rs.TTL != *o.TTL {
		return false
	}
	if (rs.Alias == nil) != (o.Alias == nil) || rs.Alias != nil && *rs.Alias != *o.Alias {
		return false
	}
	if (rs.Weight == nil) != (o.Weight == nil) || rs.Weight != nil && *rs.Weight != *o.Weight {
		return false
	}
	a, b := slices.Clone(rs.Values), slices.Clone(o.Values)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// rrsetTypes are the record types Route 53 accepts in a public zone.
var rrsetTypes = map[string]bool{"A": true, "AAAA": true, "CAA": true, "CNAME": true, "DS": true, "MX": true,
	"NAPTR": true, "NS": true, "PTR": true, "SOA": true, "SPF": true, "SRV": true, "TXT": true}

// sortRecords orders record sets as ListResourceRecordSets returns them:
// by name with the labels reversed, then type, then set identifier.
func sortRecords(records []*RecordSet) {
	sort.SliceStable(records, func(i, j int) bool {
		return recordLess(records[i], reversedLabels(records[j].Name), records[j].Type, records[j].SetIdentifier)
	})
}

func recordLess(a *RecordSet, revName, rtype, setID string) bool {
	ra := reversedLabels(a.Name)
	if ra != revName {
		return ra < revName
	}
	if a.Type != rtype {
		return a.Type < rtype
	}
	return a.SetIdentifier < setID
}

func r53ChangeResourceRecordSets(c *call) (any, error) {
	s := c.w.Route53
	z, err := s.zone(zoneIDParam(c))
	if err != nil {
		return nil, err
	}
	var in struct {
		ChangeBatch struct {
			Comment string `xml:"Comment"`
			Changes []struct {
				Action            string   `xml:"Action"`
				ResourceRecordSet rrsetXML `xml:"ResourceRecordSet"`
			} `xml:"Changes>Change"`
		} `xml:"ChangeBatch"`
	}
	if err := c.decodeXML(&in); err != nil {
		return nil, err
	}
	if len(in.ChangeBatch.Changes) == 0 {
		return nil, errBadRequest("InvalidInput", "1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	// Apply the batch to a copy: AWS applies all of it or none of it, and
	// reports every problem it found, not only the first.
	work := slices.Clone(z.Records)
	var problems []string
	for _, ch := range in.ChangeBatch.Changes {
		rs, err := recordFromXML(ch.Action, ch.ResourceRecordSet)
		if err != nil {
			return nil, err
		}
		var msg string
		work, msg = applyChange(c.w, z, work, ch.Action, rs)
		if msg != "" {
			problems = append(problems, msg)
		}
	}
	if len(problems) > 0 {
		return nil, errBadRequest("InvalidChangeBatch", "[%s]", strings.Join(problems, ", "))
	}
	sortRecords(work)
	z.Records = work
	change := s.newChange(c.w, c.now, c.d, in.ChangeBatch.Comment)
	return restResult{Root: "ChangeResourceRecordSetsResponse", Body: struct {
		ChangeInfo r53ChangeInfoXML `xml:"ChangeInfo"`
	}{change.xml(c.now)}}, nil
}

// recordFromXML checks the shape of one change and returns its record set.
// Shape errors are InvalidInput; conflicts with the zone's contents are
// InvalidChangeBatch, found later by applyChange.
func recordFromXML(action string, x rrsetXML) (*RecordSet, error) {
	switch action {
	case "CREATE", "UPSERT", "DELETE":
	default:
		return nil, errBadRequest("InvalidInput", "1 validation error detected: Value '%s' at 'changeBatch.changes.1.member.action' failed to satisfy constraint: Member must satisfy enum value set: [CREATE, DELETE, UPSERT]", action)
	}
	if !rrsetTypes[x.Type] {
		return nil, errBadRequest("InvalidInput", "1 validation error detected: Value '%s' at 'changeBatch.changes.1.member.resourceRecordSet.type' failed to satisfy constraint: Member must satisfy enum value set: [SOA, A, TXT, NS, CNAME, MX, NAPTR, PTR, SRV, SPF, AAAA, CAA, DS]", x.Type)
	}
	rs := &RecordSet{Name: normalizeDNSName(x.Name), Type: x.Type, SetIdentifier: x.SetIdentifier, Weight: x.Weight, TTL: x.TTL}
	for _, r := range x.ResourceRecords {
		rs.Values = append(rs.Values, r.Value)
	}
	where := fmt.Sprintf("Change with [Action=%s, Name=%s, Type=%s, SetIdentifier=%s]", action, rs.Name, rs.Type, setIDOrNull(rs.SetIdentifier))
	hasData := rs.TTL != nil || len(rs.Values) > 0
	switch {
	case x.AliasTarget != nil && hasData:
		return nil, errBadRequest("InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found more than one in %s", where)
	case x.AliasTarget == nil && (rs.TTL == nil || len(rs.Values) == 0):
		return nil, errBadRequest("InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in %s", where)
	}
	if x.AliasTarget != nil {
		if x.AliasTarget.HostedZoneID == "" || x.AliasTarget.DNSName == "" {
			return nil, errBadRequest("InvalidInput", "Invalid request: AliasTarget needs HostedZoneId and DNSName in %s", where)
		}
		rs.Alias = &AliasTarget{HostedZoneID: x.AliasTarget.HostedZoneID, DNSName: normalizeDNSName(x.AliasTarget.DNSName), EvaluateTargetHealth: x.AliasTarget.EvaluateTargetHealth}
	}
	if rs.TTL != nil && (*rs.TTL < 0 || *rs.TTL > 2147483647) {
		return nil, errBadRequest("InvalidInput", "1 validation error detected: Value '%d' at 'changeBatch.changes.1.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value between 0 and 2147483647", *rs.TTL)
	}
	return rs, nil
}

func setIDOrNull(id string) string {
	if id == "" {
		return "null"
	}
	return id
}

// recordValueProblem checks a value the way Route 53 parses the record's
// data, returning its message for a bad one.
func recordValueProblem(rtype, v string) string {
	bad := func(code, why string) string {
		return fmt.Sprintf("Invalid Resource Record: 'FATAL problem: %s (%s) encountered with '%s''", code, why, v)
	}
	switch rtype {
	case "A":
		if ip := net.ParseIP(v); ip == nil || ip.To4() == nil || strings.Contains(v, ":") {
			return bad("ARRDATAIllegalIPv4Address", "Value is not a valid IPv4 address")
		}
	case "AAAA":
		if ip := net.ParseIP(v); ip == nil || !strings.Contains(v, ":") {
			return bad("AAAARRDATAIllegalIPv6Address", "Value is not a valid IPv6 address")
		}
	case "TXT", "SPF":
		if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			return bad("InvalidCharacterString", "Value should be enclosed in quotation marks")
		}
	case "MX":
		prio, host, ok := strings.Cut(v, " ")
		if n, err := strconv.Atoi(prio); !ok || err != nil || n < 0 || n > 65535 || strings.TrimSpace(host) == "" {
			return bad("MXRRDATANotTwoFields", "MX record data must be a priority and a domain name")
		}
	case "CNAME":
		if strings.TrimSpace(v) == "" || strings.Contains(v, " ") {
			return bad("DomainLabelEmpty", "Domain label is empty")
		}
	}
	return ""
}

// applyChange applies one change to records (a working copy of the zone's
// record sets) and returns the new list, or the InvalidChangeBatch message
// AWS gives for it.
func applyChange(w *World, z *HostedZone, records []*RecordSet, action string, rs *RecordSet) ([]*RecordSet, string) {
	idx := slices.IndexFunc(records, func(o *RecordSet) bool { return o.key() == rs.key() })
	if action == "DELETE" {
		switch {
		case idx < 0:
			return records, fmt.Sprintf("Tried to delete resource record set [name='%s', type='%s'%s] but it was not found", escapeDNSName(rs.Name), rs.Type, setIDPart(rs))
		case !records[idx].same(rs):
			return records, fmt.Sprintf("Tried to delete resource record set [name='%s', type='%s'%s] but the values provided do not match the current values", escapeDNSName(rs.Name), rs.Type, setIDPart(rs))
		case rs.Name == z.Name && rs.Type == "SOA":
			return records, "A HostedZone must contain exactly one SOA record."
		case rs.Name == z.Name && rs.Type == "NS":
			return records, "A HostedZone must contain at least one NS record for the zone itself."
		}
		return slices.Delete(records, idx, idx+1), ""
	}
	if !inZone(rs.Name, z.Name) {
		return records, fmt.Sprintf("RRSet with DNS name %s is not permitted in zone %s", escapeDNSName(rs.Name), z.Name)
	}
	if action == "CREATE" && idx >= 0 {
		return records, fmt.Sprintf("Tried to create resource record set [name='%s', type='%s'%s] but it already exists", escapeDNSName(rs.Name), rs.Type, setIDPart(rs))
	}
	if rs.Type == "CNAME" && rs.Name == z.Name {
		return records, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s", escapeDNSName(rs.Name), z.Name)
	}
	if rs.Type == "CNAME" && len(rs.Values) > 1 {
		return records, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted because it has more than one value", escapeDNSName(rs.Name))
	}
	for _, o := range records {
		if o.Name != rs.Name || o.Type == rs.Type {
			continue
		}
		if rs.Type == "CNAME" {
			return records, fmt.Sprintf("RRSet of type CNAME with DNS name %s is not permitted as it conflicts with other records with the same DNS name in zone %s", escapeDNSName(rs.Name), z.Name)
		}
		if o.Type == "CNAME" {
			return records, fmt.Sprintf("RRSet of type %s with DNS name %s is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone %s", rs.Type, escapeDNSName(rs.Name), z.Name)
		}
	}
	for _, v := range rs.Values {
		if msg := recordValueProblem(rs.Type, v); msg != "" {
			return records, msg
		}
	}
	if rs.Alias != nil {
		if msg := aliasProblem(w, z, records, rs); msg != "" {
			return records, msg
		}
	}
	if idx >= 0 {
		records[idx] = rs
		return records, ""
	}
	return append(records, rs), ""
}

// aliasProblem checks an alias target as Route 53 does: a record in a
// sandbox hosted zone must exist, and a load balancer's DNS name must
// belong to a load balancer served from the zone named (its region's ALB
// zone, the CanonicalHostedZoneId DescribeLoadBalancers reports). Other
// targets (CloudFront, S3) are accepted as they are.
func aliasProblem(w *World, z *HostedZone, records []*RecordSet, rs *RecordSet) string {
	problem := fmt.Sprintf("Tried to create an alias that targets %s, type %s in zone %s, but the alias target name does not lie within the target zone", escapeDNSName(rs.Alias.DNSName), rs.Type, rs.Alias.HostedZoneID)
	if target := w.Route53.Zones[rs.Alias.HostedZoneID]; target != nil {
		list := target.Records
		if target == z {
			list = records // the batch may create the target earlier in the same change
		}
		for _, o := range list {
			if o.Name == rs.Alias.DNSName && o.Type == rs.Type {
				return ""
			}
		}
		return problem
	}
	isELBZone := false
	for _, id := range albHostedZoneIDs {
		isELBZone = isELBZone || id == rs.Alias.HostedZoneID
	}
	if !isELBZone && !strings.HasSuffix(rs.Alias.DNSName, ".elb.amazonaws.com.") {
		return ""
	}
	name := strings.TrimPrefix(rs.Alias.DNSName, "dualstack.")
	for _, region := range w.regionNames() {
		for _, lb := range w.Regions[region].ELB.LoadBalancers {
			if normalizeDNSName(lb.DNSName) == name && albHostedZoneID(region) == rs.Alias.HostedZoneID {
				return ""
			}
		}
	}
	return problem
}

func setIDPart(rs *RecordSet) string {
	if rs.SetIdentifier == "" {
		return ""
	}
	return fmt.Sprintf(", set-identifier='%s'", rs.SetIdentifier)
}

func r53ListResourceRecordSets(c *call) (any, error) {
	z, err := c.w.Route53.zone(zoneIDParam(c))
	if err != nil {
		return nil, err
	}
	q := c.req.URL.Query()
	limit, err := maxItems(c, 300)
	if err != nil {
		return nil, err
	}
	name, rtype, setID := q.Get("name"), q.Get("type"), q.Get("identifier")
	if rtype != "" && name == "" {
		return nil, errBadRequest("InvalidInput", "The input is not valid: a StartRecordType requires a StartRecordName")
	}
	records := z.Records
	start := 0
	if name != "" {
		rev := reversedLabels(normalizeDNSName(name))
		start = sort.Search(len(records), func(i int) bool { return !recordLess(records[i], rev, rtype, setID) })
	}
	out := struct {
		ResourceRecordSets   []rrsetXML `xml:"ResourceRecordSets>ResourceRecordSet"`
		IsTruncated          bool       `xml:"IsTruncated"`
		NextRecordName       string     `xml:"NextRecordName,omitempty"`
		NextRecordType       string     `xml:"NextRecordType,omitempty"`
		NextRecordIdentifier string     `xml:"NextRecordIdentifier,omitempty"`
		MaxItems             int        `xml:"MaxItems"`
	}{ResourceRecordSets: []rrsetXML{}, MaxItems: limit}
	end := min(start+limit, len(records))
	for _, rs := range records[start:end] {
		out.ResourceRecordSets = append(out.ResourceRecordSets, rs.xml())
	}
	if end < len(records) {
		next := records[end]
		out.IsTruncated, out.NextRecordName, out.NextRecordType, out.NextRecordIdentifier = true, escapeDNSName(next.Name), next.Type, next.SetIdentifier
	}
	return restResult{Root: "ListResourceRecordSetsResponse", Body: out}, nil
}
