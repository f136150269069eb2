package sandbox

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Route53State is the account's Route 53: public hosted zones with their
// record sets, and the changes submitted to them. Route 53 is global, so it
// hangs off the World rather than a Region.
type Route53State struct {
	Zones   map[string]*HostedZone `json:"zones"`
	Changes map[string]*DNSChange  `json:"changes"`
	// CallerRefs maps every CallerReference ever used to its zone id: AWS
	// refuses a reused reference even after the zone is gone.
	CallerRefs map[string]string `json:"caller_refs"`
}

// HostedZone is a public hosted zone.
type HostedZone struct {
	ID              string       `json:"id"` // Z + uppercase alphanumerics, without "/hostedzone/"
	Name            string       `json:"name"`
	CallerReference string       `json:"caller_reference"`
	Comment         string       `json:"comment,omitempty"`
	NameServers     []string     `json:"name_servers"`
	Records         []*RecordSet `json:"records"`
	CreatedAt       time.Time    `json:"created_at"`
	Tags            []Tag        `json:"tags"`
	// Delegated says the domain's registrar points at this zone's name
	// servers, so the public DNS (and ACM) sees its records. A zone created
	// through the API is not delegated until POST /_sandbox/delegate marks
	// it: on AWS that step happens at the registrar, outside any API call.
	Delegated bool `json:"delegated,omitempty"`
}

// RecordSet is one resource record set: a name and type with either values
// and a TTL, or an alias target.
type RecordSet struct {
	Name          string       `json:"name"` // lower case, trailing dot, '*' unescaped
	Type          string       `json:"type"`
	SetIdentifier string       `json:"set_identifier,omitempty"`
	Weight        *int64       `json:"weight,omitempty"`
	TTL           *int64       `json:"ttl,omitempty"`
	Values        []string     `json:"values,omitempty"`
	Alias         *AliasTarget `json:"alias,omitempty"`
}

// AliasTarget is where an alias record points: a load balancer, a
// CloudFront distribution, or another record in a hosted zone.
type AliasTarget struct {
	HostedZoneID         string `json:"hosted_zone_id"`
	DNSName              string `json:"dns_name"`
	EvaluateTargetHealth bool   `json:"evaluate_target_health"`
}

// DNSChange is a submitted change batch; it is PENDING until InsyncAt.
type DNSChange struct {
	ID          string    `json:"id"`
	Comment     string    `json:"comment,omitempty"`
	SubmittedAt time.Time `json:"submitted_at"`
	InsyncAt    time.Time `json:"insync_at"`
}

func newRoute53State() *Route53State {
	return &Route53State{Zones: map[string]*HostedZone{}, Changes: map[string]*DNSChange{}, CallerRefs: map[string]string{}}
}

func (s *Route53State) ensure() {
	if s.Zones == nil {
		s.Zones = map[string]*HostedZone{}
	}
	if s.Changes == nil {
		s.Changes = map[string]*DNSChange{}
	}
	if s.CallerRefs == nil {
		s.CallerRefs = map[string]string{}
	}
}

func (s *Route53State) inventory() []InventoryItem {
	var out []InventoryItem
	for _, z := range s.Zones {
		out = append(out, InventoryItem{Type: "route53:hostedzone", ID: z.ID, Name: z.Name, Tags: tagMap(z.Tags)})
	}
	return out
}

// changeRetention is how long GetChange still knows a change; AWS keeps them
// for a while after INSYNC, and a long-lived sandbox must not grow forever.
const changeRetention = 24 * time.Hour

// tick forgets old changes. A change's status needs no tick: it is PENDING
// until its InsyncAt deadline, which GetChange compares with the clock.
func (s *Route53State) tick(w *World, now time.Time, d durations) {
	s.ensure()
	if len(s.Changes) < 1000 {
		return
	}
	for id, ch := range s.Changes {
		if now.Sub(ch.InsyncAt) > changeRetention {
			delete(s.Changes, id)
		}
	}
}

// hasRecord reports whether the public DNS answers name/type with value:
// some delegated hosted zone holds that record set (ACM validation looks
// for its CNAME). A record in a zone nobody delegates to is never seen.
func (s *Route53State) hasRecord(name, rtype, value string) bool {
	name = normalizeDNSName(name)
	value = normalizeDNSName(value)
	for _, z := range s.Zones {
		if !z.Delegated {
			continue
		}
		for _, rs := range z.Records {
			if rs.Name != name || rs.Type != rtype {
				continue
			}
			for _, v := range rs.Values {
				if strings.EqualFold(normalizeDNSName(v), value) {
					return true
				}
			}
		}
	}
	return false
}

// newChange records a change batch that becomes INSYNC after the DNS propagation time.
func (s *Route53State) newChange(w *World, now time.Time, d durations, comment string) *DNSChange {
	ch := &DNSChange{ID: "C" + strings.ToUpper(w.newHex(20)), Comment: comment, SubmittedAt: now, InsyncAt: now.Add(d.DNSChange)}
	s.Changes[ch.ID] = ch
	return ch
}

// normalizeDNSName lower-cases a name, adds the trailing dot, and turns the
// octal escape AWS uses for '*' back into the character.
func normalizeDNSName(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.ReplaceAll(name, `\052`, "*")
	if name != "" && !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// escapeDNSName writes a name as Route 53 returns it: '*' as \052.
func escapeDNSName(name string) string { return strings.ReplaceAll(name, "*", `\052`) }

// reversedLabels is the sort key AWS uses for names: www.example.com. sorts as com.example.www.
func reversedLabels(name string) string {
	labels := strings.Split(strings.TrimSuffix(name, "."), ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	return strings.Join(labels, ".")
}

// inZone reports whether name is the zone's apex or below it.
func inZone(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }

// route53Route maps a REST request to its operation and path parameters.
func route53Route(method, path string) (string, map[string]string) {
	rest, ok := strings.CutPrefix(path, "/2013-04-01/")
	if !ok {
		return "", nil
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "hostedzone":
		switch method {
		case http.MethodPost:
			return "CreateHostedZone", nil
		case http.MethodGet:
			return "ListHostedZones", nil
		}
	case len(parts) == 1 && parts[0] == "hostedzonesbyname" && method == http.MethodGet:
		return "ListHostedZonesByName", nil
	case len(parts) == 1 && parts[0] == "hostedzonecount" && method == http.MethodGet:
		return "GetHostedZoneCount", nil
	case len(parts) == 2 && parts[0] == "hostedzone":
		p := map[string]string{"Id": parts[1]}
		switch method {
		case http.MethodGet:
			return "GetHostedZone", p
		case http.MethodDelete:
			return "DeleteHostedZone", p
		case http.MethodPost:
			return "UpdateHostedZoneComment", p
		}
	case len(parts) == 3 && parts[0] == "hostedzone" && parts[2] == "rrset":
		p := map[string]string{"Id": parts[1]}
		switch method {
		case http.MethodPost:
			return "ChangeResourceRecordSets", p
		case http.MethodGet:
			return "ListResourceRecordSets", p
		}
	case len(parts) == 2 && parts[0] == "change" && method == http.MethodGet:
		return "GetChange", map[string]string{"Id": parts[1]}
	case len(parts) == 2 && parts[0] == "tags" && method == http.MethodPost:
		return "ListTagsForResources", map[string]string{"ResourceType": parts[1]}
	case len(parts) == 3 && parts[0] == "tags":
		p := map[string]string{"ResourceType": parts[1], "ResourceId": parts[2]}
		switch method {
		case http.MethodPost:
			return "ChangeTagsForResource", p
		case http.MethodGet:
			return "ListTagsForResource", p
		}
	}
	return "", nil
}

func route53Handlers() map[string]handler {
	return map[string]handler{
		"CreateHostedZone":         r53CreateHostedZone,
		"GetHostedZone":            r53GetHostedZone,
		"GetHostedZoneCount":       r53GetHostedZoneCount,
		"UpdateHostedZoneComment":  r53UpdateHostedZoneComment,
		"ListHostedZones":          r53ListHostedZones,
		"ListHostedZonesByName":    r53ListHostedZonesByName,
		"DeleteHostedZone":         r53DeleteHostedZone,
		"ChangeResourceRecordSets": r53ChangeResourceRecordSets,
		"ListResourceRecordSets":   r53ListResourceRecordSets,
		"GetChange":                r53GetChange,
		"ChangeTagsForResource":    r53ChangeTagsForResource,
		"ListTagsForResource":      r53ListTagsForResource,
		"ListTagsForResources":     r53ListTagsForResources,
	}
}

// XML shapes of the responses, with the element names the SDK parses.

type r53ZoneXML struct {
	ID              string `xml:"Id"`
	Name            string `xml:"Name"`
	CallerReference string `xml:"CallerReference"`
	Config          struct {
		Comment     string `xml:"Comment,omitempty"`
		PrivateZone bool   `xml:"PrivateZone"`
	} `xml:"Config"`
	ResourceRecordSetCount int `xml:"ResourceRecordSetCount"`
}

type r53ChangeInfoXML struct {
	ID          string `xml:"Id"`
	Status      string `xml:"Status"`
	SubmittedAt string `xml:"SubmittedAt"`
	Comment     string `xml:"Comment,omitempty"`
}

type r53DelegationSetXML struct {
	NameServers []string `xml:"NameServers>NameServer"`
}

func (z *HostedZone) xml() r53ZoneXML {
	out := r53ZoneXML{ID: "/hostedzone/" + z.ID, Name: escapeDNSName(z.Name), CallerReference: z.CallerReference, ResourceRecordSetCount: len(z.Records)}
	out.Config.Comment = z.Comment
	return out
}

func (ch *DNSChange) xml(now time.Time) r53ChangeInfoXML {
	status := "PENDING"
	if !now.Before(ch.InsyncAt) {
		status = "INSYNC"
	}
	return r53ChangeInfoXML{ID: "/change/" + ch.ID, Status: status, SubmittedAt: xmlTime(ch.SubmittedAt), Comment: ch.Comment}
}

// decodeXML reads a REST-XML request body into v.
func (c *call) decodeXML(v any) error {
	if err := xml.Unmarshal(c.body, v); err != nil {
		return errBadRequest("InvalidInput", "Invalid XML ; %v", err)
	}
	return nil
}

// zoneID takes the id from a path parameter, with or without "/hostedzone/".
func zoneIDParam(c *call) string {
	id := c.path["Id"]
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	return id
}

func (s *Route53State) zone(id string) (*HostedZone, error) {
	z := s.Zones[id]
	if z == nil {
		return nil, errNotFound("NoSuchHostedZone", "No hosted zone found with ID: %s", id)
	}
	return z, nil
}

// validZoneName checks a domain name the way CreateHostedZone does.
func validZoneName(name string) bool {
	n := strings.TrimSuffix(name, ".")
	if n == "" || len(n) > 253 || !strings.Contains(n, ".") {
		return false
	}
	for _, label := range strings.Split(n, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// nameServers picks the four name servers of a new zone's delegation set,
// one per top-level domain, as AWS does (ns-NNN.awsdns-NN.com and so on).
func nameServers(w *World) []string {
	h := w.newHex(16)
	n := func(i int) int { v, _ := strconv.ParseUint(h[i*4:i*4+4], 16, 32); return int(v) }
	tlds := []string{"com", "net", "org", "co.uk"}
	out := make([]string, len(tlds))
	for i, tld := range tlds {
		// Each TLD owns a quarter of the 0–2047 range, so the four differ the way AWS's do.
		out[i] = fmt.Sprintf("ns-%d.awsdns-%02d.%s", i*512+n(i)%512, n(i)%64, tld)
	}
	return out
}

func r53CreateHostedZone(c *call) (any, error) {
	var in struct {
		Name             string `xml:"Name"`
		CallerReference  string `xml:"CallerReference"`
		HostedZoneConfig struct {
			Comment     string `xml:"Comment"`
			PrivateZone bool   `xml:"PrivateZone"`
		} `xml:"HostedZoneConfig"`
		DelegationSetID string `xml:"DelegationSetId"`
		VPC             struct {
			VPCID string `xml:"VPCId"`
		} `xml:"VPC"`
	}
	if err := c.decodeXML(&in); err != nil {
		return nil, err
	}
	s := c.w.Route53
	if in.CallerReference == "" {
		return nil, errBadRequest("InvalidInput", "Invalid request: CallerReference is required")
	}
	if in.HostedZoneConfig.PrivateZone || in.VPC.VPCID != "" {
		return nil, errBadRequest("InvalidInput", "The sandbox serves public hosted zones only")
	}
	if in.DelegationSetID != "" {
		return nil, errBadRequest("NoSuchDelegationSet", "A reusable delegation set with the specified ID does not exist: %s", in.DelegationSetID)
	}
	name := normalizeDNSName(in.Name)
	if !validZoneName(name) {
		return nil, errBadRequest("InvalidDomainName", "%s is not a valid domain name", in.Name)
	}
	if _, used := s.CallerRefs[in.CallerReference]; used {
		return nil, errConflict("HostedZoneAlreadyExists", "A hosted zone has already been created with the specified caller reference.")
	}
	z := &HostedZone{
		ID:              "Z" + strings.ToUpper(c.w.newHex(20)),
		Name:            name,
		CallerReference: in.CallerReference,
		Comment:         in.HostedZoneConfig.Comment,
		NameServers:     nameServers(c.w),
		CreatedAt:       c.now,
		Delegated:       c.sb.delegatesAtOnce(name),
	}
	ns := make([]string, len(z.NameServers))
	for i, n := range z.NameServers {
		ns[i] = n + "."
	}
	z.Records = []*RecordSet{
		{Name: name, Type: "NS", TTL: ptrInt64(172800), Values: ns},
		{Name: name, Type: "SOA", TTL: ptrInt64(900), Values: []string{ns[0] + " awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"}},
	}
	s.Zones[z.ID] = z
	s.CallerRefs[in.CallerReference] = z.ID
	ch := s.newChange(c.w, c.now, c.d, "")
	return restResult{Status: http.StatusCreated, Root: "CreateHostedZoneResponse", Body: struct {
		HostedZone    r53ZoneXML          `xml:"HostedZone"`
		ChangeInfo    r53ChangeInfoXML    `xml:"ChangeInfo"`
		DelegationSet r53DelegationSetXML `xml:"DelegationSet"`
	}{z.xml(), ch.xml(c.now), r53DelegationSetXML{z.NameServers}}, Location: "https://route53.amazonaws.com/2013-04-01/hostedzone/" + z.ID}, nil
}

func ptrInt64(v int64) *int64 { return &v }

func r53GetHostedZone(c *call) (any, error) {
	z, err := c.w.Route53.zone(zoneIDParam(c))
	if err != nil {
		return nil, err
	}
	return restResult{Root: "GetHostedZoneResponse", Body: struct {
		HostedZone    r53ZoneXML          `xml:"HostedZone"`
		DelegationSet r53DelegationSetXML `xml:"DelegationSet"`
	}{z.xml(), r53DelegationSetXML{z.NameServers}}}, nil
}

func r53GetHostedZoneCount(c *call) (any, error) {
	return restResult{Root: "GetHostedZoneCountResponse", Body: struct {
		HostedZoneCount int `xml:"HostedZoneCount"`
	}{len(c.w.Route53.Zones)}}, nil
}

func r53UpdateHostedZoneComment(c *call) (any, error) {
	z, err := c.w.Route53.zone(zoneIDParam(c))
	if err != nil {
		return nil, err
	}
	var in struct {
		Comment string `xml:"Comment"`
	}
	if err := c.decodeXML(&in); err != nil {
		return nil, err
	}
	z.Comment = in.Comment
	return restResult{Root: "UpdateHostedZoneCommentResponse", Body: struct {
		HostedZone r53ZoneXML `xml:"HostedZone"`
	}{z.xml()}}, nil
}

// maxItems reads the maxitems query parameter (default def, at most def).
func maxItems(c *call, def int) (int, error) {
	s := c.req.URL.Query().Get("maxitems")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errBadRequest("InvalidInput", "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must be a positive integer", s)
	}
	return min(n, def), nil
}

// zonesByID returns every zone sorted by id, the order ListHostedZones pages in.
func (s *Route53State) zonesByID() []*HostedZone {
	out := make([]*HostedZone, 0, len(s.Zones))
	for _, z := range s.Zones {
		out = append(out, z)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func r53ListHostedZones(c *call) (any, error) {
	limit, err := maxItems(c, 100)
	if err != nil {
		return nil, err
	}
	marker := c.req.URL.Query().Get("marker")
	zones := c.w.Route53.zonesByID()
	start := 0
	if marker != "" {
		start = sort.Search(len(zones), func(i int) bool { return zones[i].ID >= marker })
		if start == len(zones) || zones[start].ID != marker {
			return nil, errBadRequest("InvalidInput", "Invalid marker: %s", marker)
		}
	}
	out := struct {
		HostedZones []r53ZoneXML `xml:"HostedZones>HostedZone"`
		Marker      string       `xml:"Marker,omitempty"`
		IsTruncated bool         `xml:"IsTruncated"`
		NextMarker  string       `xml:"NextMarker,omitempty"`
		MaxItems    int          `xml:"MaxItems"`
	}{HostedZones: []r53ZoneXML{}, Marker: marker, MaxItems: limit}
	end := min(start+limit, len(zones))
	for _, z := range zones[start:end] {
		out.HostedZones = append(out.HostedZones, z.xml())
	}
	if end < len(zones) {
		out.IsTruncated, out.NextMarker = true, zones[end].ID
	}
	return restResult{Root: "ListHostedZonesResponse", Body: out}, nil
}

func r53ListHostedZonesByName(c *call) (any, error) {
	q := c.req.URL.Query()
	limit, err := maxItems(c, 100)
	if err != nil {
		return nil, err
	}
	dnsName, zoneID := q.Get("dnsname"), q.Get("hostedzoneid")
	if zoneID != "" && dnsName == "" {
		return nil, errBadRequest("InvalidInput", "The input is not valid: HostedZoneId requires DNSName")
	}
	zones := c.w.Route53.zonesByID()
	sort.SliceStable(zones, func(i, j int) bool { return reversedLabels(zones[i].Name) < reversedLabels(zones[j].Name) })
	start := 0
	if dnsName != "" {
		if !validZoneName(normalizeDNSName(dnsName)) {
			return nil, errBadRequest("InvalidDomainName", "%s is not a valid domain name", dnsName)
		}
		key := reversedLabels(normalizeDNSName(dnsName))
		start = sort.Search(len(zones), func(i int) bool {
			k := reversedLabels(zones[i].Name)
			return k > key || k == key && zones[i].ID >= zoneID
		})
	}
	out := struct {
		HostedZones      []r53ZoneXML `xml:"HostedZones>HostedZone"`
		DNSName          string       `xml:"DNSName,omitempty"`
		HostedZoneID     string       `xml:"HostedZoneId,omitempty"`
		IsTruncated      bool         `xml:"IsTruncated"`
		NextDNSName      string       `xml:"NextDNSName,omitempty"`
		NextHostedZoneID string       `xml:"NextHostedZoneId,omitempty"`
		MaxItems         int          `xml:"MaxItems"`
	}{HostedZones: []r53ZoneXML{}, DNSName: dnsName, HostedZoneID: zoneID, MaxItems: limit}
	end := min(start+limit, len(zones))
	for _, z := range zones[start:end] {
		out.HostedZones = append(out.HostedZones, z.xml())
	}
	if end < len(zones) {
		out.IsTruncated, out.NextDNSName, out.NextHostedZoneID = true, zones[end].Name, zones[end].ID
	}
	return restResult{Root: "ListHostedZonesByNameResponse", Body: out}, nil
}

func r53DeleteHostedZone(c *call) (any, error) {
	s := c.w.Route53
	z, err := s.zone(zoneIDParam(c))
	if err != nil {
		return nil, err
	}
	for _, rs := range z.Records {
		if rs.Name != z.Name || rs.Type != "NS" && rs.Type != "SOA" {
			return nil, errBadRequest("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource record sets and so cannot be deleted.")
		}
	}
	delete(s.Zones, z.ID)
	ch := s.newChange(c.w, c.now, c.d, "")
	return restResult{Root: "DeleteHostedZoneResponse", Body: struct {
		ChangeInfo r53ChangeInfoXML `xml:"ChangeInfo"`
	}{ch.xml(c.now)}}, nil
}

func r53GetChange(c *call) (any, error) {
	id := c.path["Id"]
	if i := strings.LastIndexByte(id, '/'); i >= 0 {
		id = id[i+1:]
	}
	ch := c.w.Route53.Changes[id]
	if ch == nil {
		return nil, errNotFound("NoSuchChange", "A change with the specified change ID does not exist: %s", id)
	}
	return restResult{Root: "GetChangeResponse", Body: struct {
		ChangeInfo r53ChangeInfoXML `xml:"ChangeInfo"`
	}{ch.xml(c.now)}}, nil
}
