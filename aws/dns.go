package aws

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// DNS wraps the route53 calls stackwiz makes: the stack's hosted zone and
// the records it writes there (the alias to the load balancer, the
// certificate's validation CNAME).
type DNS struct{ api dnsAPI }

// dnsAPI lists only the SDK methods DNS calls.
type dnsAPI interface {
	ListHostedZones(context.Context, *route53.ListHostedZonesInput, ...func(*route53.Options)) (*route53.ListHostedZonesOutput, error)
	ListHostedZonesByName(context.Context, *route53.ListHostedZonesByNameInput, ...func(*route53.Options)) (*route53.ListHostedZonesByNameOutput, error)
	GetHostedZone(context.Context, *route53.GetHostedZoneInput, ...func(*route53.Options)) (*route53.GetHostedZoneOutput, error)
	CreateHostedZone(context.Context, *route53.CreateHostedZoneInput, ...func(*route53.Options)) (*route53.CreateHostedZoneOutput, error)
	DeleteHostedZone(context.Context, *route53.DeleteHostedZoneInput, ...func(*route53.Options)) (*route53.DeleteHostedZoneOutput, error)
	ChangeTagsForResource(context.Context, *route53.ChangeTagsForResourceInput, ...func(*route53.Options)) (*route53.ChangeTagsForResourceOutput, error)
	ListTagsForResources(context.Context, *route53.ListTagsForResourcesInput, ...func(*route53.Options)) (*route53.ListTagsForResourcesOutput, error)
	ListResourceRecordSets(context.Context, *route53.ListResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ListResourceRecordSetsOutput, error)
	ChangeResourceRecordSets(context.Context, *route53.ChangeResourceRecordSetsInput, ...func(*route53.Options)) (*route53.ChangeResourceRecordSetsOutput, error)
	GetChange(context.Context, *route53.GetChangeInput, ...func(*route53.Options)) (*route53.GetChangeOutput, error)
}

// Zone is a hosted zone. Name is in Route 53's form: lower case with the
// trailing dot.
type Zone struct {
	ID              string // without the "/hostedzone/" prefix
	Name            string
	CallerReference string
	Private         bool
	// NameServers are the delegation set (GetHostedZone and CreateHostedZone only).
	NameServers []string
}

// Record is one resource record set: values with a TTL, or an alias.
type Record struct {
	Name   string // FQDN with the trailing dot
	Type   string // A, AAAA, CNAME, ...
	TTL    int64
	Values []string
	Alias  *Alias
	// SetIdentifier is set on weighted, latency, ... records; stackwiz
	// writes simple records only and leaves such records alone.
	SetIdentifier string
}

// Alias is where an alias record points.
type Alias struct {
	ZoneID               string
	DNSName              string
	EvaluateTargetHealth bool
}

// FQDN writes a DNS name the way Route 53 returns it: lower case, with the
// trailing dot, "*" unescaped.
func FQDN(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.ReplaceAll(name, `\052`, "*")
	if name != "" && !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

func zoneID(id string) string   { return strings.TrimPrefix(id, "/hostedzone/") }
func changeID(id string) string { return strings.TrimPrefix(id, "/change/") }

func zoneFrom(z types.HostedZone) Zone {
	out := Zone{ID: zoneID(deref(z.Id)), Name: FQDN(deref(z.Name)), CallerReference: deref(z.CallerReference)}
	if z.Config != nil {
		out.Private = z.Config.PrivateZone
	}
	return out
}

// ZonesByName returns the hosted zones named exactly name, public and
// private (Route 53 allows several zones of one name).
func (d *DNS) ZonesByName(ctx context.Context, name string) ([]Zone, error) {
	want := FQDN(name)
	in := &route53.ListHostedZonesByNameInput{DNSName: sdk.String(want)}
	var out []Zone
	for {
		page, err := d.api.ListHostedZonesByName(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("list hosted zones named %s: %w", want, err)
		}
		for _, z := range page.HostedZones {
			zz := zoneFrom(z)
			if zz.Name != want {
				// Zones come sorted by reversed name: past ours, none match.
				return out, nil
			}
			out = append(out, zz)
		}
		if !page.IsTruncated {
			return out, nil
		}
		in.DNSName, in.HostedZoneId = page.NextDNSName, page.NextHostedZoneId
	}
}

// Zones returns every hosted zone of the account.
func (d *DNS) Zones(ctx context.Context) ([]Zone, error) {
	var out []Zone
	p := route53.NewListHostedZonesPaginator(d.api, &route53.ListHostedZonesInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list hosted zones: %w", err)
		}
		for _, z := range page.HostedZones {
			out = append(out, zoneFrom(z))
		}
	}
	return out, nil
}

// Zone returns the hosted zone id with its name servers; found is false
// when it does not exist.
func (d *DNS) Zone(ctx context.Context, id string) (Zone, bool, error) {
	out, err := d.api.GetHostedZone(ctx, &route53.GetHostedZoneInput{Id: sdk.String(id)})
	if IsNotFound(err) {
		return Zone{}, false, nil
	}
	if err != nil {
		return Zone{}, false, fmt.Errorf("get hosted zone %s: %w", id, err)
	}
	z := zoneFrom(*out.HostedZone)
	if out.DelegationSet != nil {
		z.NameServers = out.DelegationSet.NameServers
	}
	return z, true, nil
}

// CreateZone creates a public hosted zone. ref is the CallerReference that
// makes the call idempotent: Route 53 answers a reused one with
// HostedZoneAlreadyExists (see ZoneByReference).
func (d *DNS) CreateZone(ctx context.Context, name, ref, comment string) (Zone, error) {
	out, err := d.api.CreateHostedZone(ctx, &route53.CreateHostedZoneInput{
		Name: sdk.String(FQDN(name)), CallerReference: sdk.String(ref),
		HostedZoneConfig: &types.HostedZoneConfig{Comment: sdk.String(comment)},
	})
	if err != nil {
		return Zone{}, fmt.Errorf("create hosted zone %s: %w", name, err)
	}
	z := zoneFrom(*out.HostedZone)
	if out.DelegationSet != nil {
		z.NameServers = out.DelegationSet.NameServers
	}
	return z, nil
}

// ZoneByReference returns the zone named name that was created with
// CallerReference ref.
func (d *DNS) ZoneByReference(ctx context.Context, name, ref string) (Zone, bool, error) {
	zs, err := d.ZonesByName(ctx, name)
	if err != nil {
		return Zone{}, false, err
	}
	for _, z := range zs {
		if z.CallerReference == ref {
			return d.Zone(ctx, z.ID)
		}
	}
	return Zone{}, false, nil
}

// TagZone adds tags to a hosted zone (CreateHostedZone takes none).
func (d *DNS) TagZone(ctx context.Context, id string, tags map[string]string) error {
	var ts []types.Tag
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		ts = append(ts, types.Tag{Key: sdk.String(k), Value: sdk.String(tags[k])})
	}
	_, err := d.api.ChangeTagsForResource(ctx, &route53.ChangeTagsForResourceInput{
		ResourceType: types.TagResourceTypeHostedzone, ResourceId: sdk.String(id), AddTags: ts,
	})
	if err != nil {
		return fmt.Errorf("tag hosted zone %s: %w", id, err)
	}
	return nil
}

// ZoneTags returns the tags of each zone in ids, ten zones a request (the
// most ListTagsForResources takes). A zone deleted meanwhile is left out.
func (d *DNS) ZoneTags(ctx context.Context, ids []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(ids))
	for start := 0; start < len(ids); start += 10 {
		batch := ids[start:min(start+10, len(ids))]
		page, err := d.api.ListTagsForResources(ctx, &route53.ListTagsForResourcesInput{
			ResourceType: types.TagResourceTypeHostedzone, ResourceIds: batch,
		})
		if IsNotFound(err) && len(batch) > 1 {
			// A zone went away between the listing and now: ask one by one.
			for _, id := range batch {
				one, err := d.ZoneTags(ctx, []string{id})
				if err != nil {
					return nil, err
				}
				maps.Copy(out, one)
			}
			continue
		}
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list tags of hosted zones %s: %w", strings.Join(batch, ", "), err)
		}
		for _, set := range page.ResourceTagSets {
			tags := map[string]string{}
			for _, t := range set.Tags {
				tags[deref(t.Key)] = deref(t.Value)
			}
			out[zoneID(deref(set.ResourceId))] = tags
		}
	}
	return out, nil
}

// DeleteZone deletes an empty hosted zone.
func (d *DNS) DeleteZone(ctx context.Context, id string) error {
	if _, err := d.api.DeleteHostedZone(ctx, &route53.DeleteHostedZoneInput{Id: sdk.String(id)}); err != nil {
		return fmt.Errorf("delete hosted zone %s: %w", id, err)
	}
	return nil
}

func recordFrom(rs types.ResourceRecordSet) Record {
	r := Record{Name: FQDN(deref(rs.Name)), Type: string(rs.Type), SetIdentifier: deref(rs.SetIdentifier)}
	if rs.TTL != nil {
		r.TTL = *rs.TTL
	}
	for _, v := range rs.ResourceRecords {
		r.Values = append(r.Values, deref(v.Value))
	}
	if a := rs.AliasTarget; a != nil {
		r.Alias = &Alias{ZoneID: deref(a.HostedZoneId), DNSName: FQDN(deref(a.DNSName)), EvaluateTargetHealth: a.EvaluateTargetHealth}
	}
	return r
}

func (r Record) sdk() *types.ResourceRecordSet {
	rs := &types.ResourceRecordSet{Name: sdk.String(r.Name), Type: types.RRType(r.Type)}
	if r.SetIdentifier != "" {
		rs.SetIdentifier = sdk.String(r.SetIdentifier)
	}
	if r.Alias != nil {
		rs.AliasTarget = &types.AliasTarget{HostedZoneId: sdk.String(r.Alias.ZoneID), DNSName: sdk.String(r.Alias.DNSName),
			EvaluateTargetHealth: r.Alias.EvaluateTargetHealth}
		return rs
	}
	rs.TTL = sdk.Int64(r.TTL)
	for _, v := range r.Values {
		rs.ResourceRecords = append(rs.ResourceRecords, types.ResourceRecord{Value: sdk.String(v)})
	}
	return rs
}

// Record returns the simple (no set identifier) record set name/type in
// the zone, exactly as Route 53 holds it; found is false when there is none.
func (d *DNS) Record(ctx context.Context, zone, name, rtype string) (Record, bool, error) {
	name = FQDN(name)
	out, err := d.api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId: sdk.String(zone), StartRecordName: sdk.String(name), StartRecordType: types.RRType(rtype),
		MaxItems: sdk.Int32(10),
	})
	if err != nil {
		return Record{}, false, fmt.Errorf("read record %s %s in zone %s: %w", name, rtype, zone, err)
	}
	for _, rs := range out.ResourceRecordSets {
		r := recordFrom(rs)
		if r.Name != name || r.Type != rtype {
			break // sorted by name and type: past the one asked for
		}
		if r.SetIdentifier == "" {
			return r, true, nil
		}
	}
	return Record{}, false, nil
}

// RecordsNamed returns every record set at name in the zone, any type.
func (d *DNS) RecordsNamed(ctx context.Context, zone, name string) ([]Record, error) {
	name = FQDN(name)
	out, err := d.api.ListResourceRecordSets(ctx, &route53.ListResourceRecordSetsInput{
		HostedZoneId: sdk.String(zone), StartRecordName: sdk.String(name), MaxItems: sdk.Int32(50),
	})
	if err != nil {
		return nil, fmt.Errorf("read records at %s in zone %s: %w", name, zone, err)
	}
	var rs []Record
	for _, x := range out.ResourceRecordSets {
		r := recordFrom(x)
		if r.Name != name {
			break
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// Records returns every record set of the zone.
func (d *DNS) Records(ctx context.Context, zone string) ([]Record, error) {
	var out []Record
	p := route53.NewListResourceRecordSetsPaginator(d.api, &route53.ListResourceRecordSetsInput{HostedZoneId: sdk.String(zone)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list records of zone %s: %w", zone, err)
		}
		for _, rs := range page.ResourceRecordSets {
			out = append(out, recordFrom(rs))
		}
	}
	return out, nil
}

// Upsert creates or replaces the record set and returns the change id to
// wait on.
func (d *DNS) Upsert(ctx context.Context, zone string, r Record, comment string) (string, error) {
	return d.change(ctx, zone, types.ChangeActionUpsert, r, comment)
}

// DeleteRecord deletes the record set; r must carry its current values
// exactly, as Route 53 requires.
func (d *DNS) DeleteRecord(ctx context.Context, zone string, r Record, comment string) (string, error) {
	return d.change(ctx, zone, types.ChangeActionDelete, r, comment)
}

func (d *DNS) change(ctx context.Context, zone string, action types.ChangeAction, r Record, comment string) (string, error) {
	out, err := d.api.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: sdk.String(zone),
		ChangeBatch: &types.ChangeBatch{Comment: sdk.String(comment),
			Changes: []types.Change{{Action: action, ResourceRecordSet: r.sdk()}}},
	})
	if err != nil {
		return "", fmt.Errorf("%s record %s %s in zone %s: %w", strings.ToLower(string(action)), r.Name, r.Type, zone, err)
	}
	return changeID(deref(out.ChangeInfo.Id)), nil
}

// ChangeInSync reports whether a change has reached every Route 53 name
// server (PENDING → INSYNC).
func (d *DNS) ChangeInSync(ctx context.Context, id string) (bool, error) {
	out, err := d.api.GetChange(ctx, &route53.GetChangeInput{Id: sdk.String(id)})
	if err != nil {
		return false, fmt.Errorf("get change %s: %w", id, err)
	}
	return out.ChangeInfo.Status == types.ChangeStatusInsync, nil
}
