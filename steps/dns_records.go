package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// Route 53 records cannot be tagged. So that destroy and adopt still find
// the records the stack wrote — including one whose write returned but was
// never recorded — each record has a marker tag on the resource it serves:
// the alias records on the load balancer, the validation CNAME on the
// certificate. The tag is written before the record.
//
//	stackwiz:rr:<key> = "<zone id> <type> <name>"
const recordMarker = "stackwiz:rr:"

// recordChangeTimeout bounds the wait for a change to reach every Route 53
// name server; AWS documents INSYNC "generally within 60 seconds".
const recordChangeTimeout = 5 * time.Minute

// recordID is the ID stackwiz records for a record set: zone, name, type.
func recordID(zoneID, name, rtype string) string { return zoneID + "/" + name + "/" + rtype }

// parseRecordID splits a recordID; the name may itself hold slashes.
func parseRecordID(id string) (zone, name, rtype string, ok bool) {
	zone, rest, ok1 := strings.Cut(id, "/")
	i := strings.LastIndexByte(rest, '/')
	if !ok1 || i < 0 {
		return "", "", "", false
	}
	return zone, rest[:i], rest[i+1:], true
}

// recordTarget is what a record points at: an alias's DNS name, or its
// values sorted and joined.
func recordTarget(rec aws.Record) string {
	if rec.Alias != nil {
		return rec.Alias.DNSName
	}
	vs := make([]string, len(rec.Values))
	for i, v := range rec.Values {
		vs[i] = aws.FQDN(v)
	}
	slices.Sort(vs)
	return strings.Join(vs, ",")
}

// sameRecord reports whether two record sets carry the same data.
func sameRecord(a, b aws.Record) bool {
	if recordTarget(a) != recordTarget(b) || (a.Alias == nil) != (b.Alias == nil) {
		return false
	}
	if a.Alias != nil {
		return a.Alias.ZoneID == b.Alias.ZoneID && a.Alias.EvaluateTargetHealth == b.Alias.EvaluateTargetHealth
	}
	return a.TTL == b.TTL
}

// recordWant is a record the stack writes.
type recordWant struct {
	Key    string
	ZoneID string
	Record aws.Record
	// Owner is the ARN of the load balancer or certificate that carries
	// the record's marker tag.
	Owner string
	// Ours reports whether a record already at the name may be
	// overwritten: it is the stack's (an alias to its load balancer).
	Ours func(aws.Record) bool
	// Foreign is the error for a record at the name that is not ours.
	Foreign func(aws.Record) error
	// KeepIdentical: an identical record already there belongs to someone
	// else (another certificate's validation shares the CNAME), so it is
	// recorded as preexisting and never deleted.
	KeepIdentical bool
}

// attrs are what the record keeps: where it lives, what it points at, and
// which resource carries its marker.
func (w recordWant) attrs() map[string]string {
	a := map[string]string{"zone_id": w.ZoneID, "name": w.Record.Name, "type": w.Record.Type,
		"target": recordTarget(w.Record), "owner_arn": w.Owner}
	if al := w.Record.Alias; al != nil {
		a["alias_zone"] = al.ZoneID
		a["evaluate_target_health"] = fmt.Sprint(al.EvaluateTargetHealth)
	}
	return a
}

// writeRecord brings the record into the zone, refusing to overwrite a
// record that is not the stack's, and waits until Route 53 has it
// everywhere.
func writeRecord(ctx context.Context, r *Run, w recordWant) (Found, error) {
	found := Found{ID: recordID(w.ZoneID, w.Record.Name, w.Record.Type), Attrs: w.attrs()}
	at, err := r.AWS.DNS.RecordsNamed(ctx, w.ZoneID, w.Record.Name)
	if err != nil {
		return Found{}, err
	}
	for _, cur := range at {
		// The same name and type is the record set itself; a CNAME cannot
		// share its name with any other type.
		conflict := cur.Type == w.Record.Type || cur.Type == "CNAME" || w.Record.Type == "CNAME"
		if !conflict || cur.Type == "NS" || cur.Type == "SOA" {
			continue
		}
		switch {
		case cur.Type == w.Record.Type && cur.SetIdentifier == "" && sameRecord(cur, w.Record) && w.KeepIdentical:
			r.Info("%s %s is already in the zone, exactly as needed; it is not stackwiz's, so destroy will leave it", cur.Type, cur.Name)
			found.Attrs["preexisting"] = "true"
			return found, nil
		case cur.Type == w.Record.Type && cur.SetIdentifier == "" && (sameRecord(cur, w.Record) || w.Ours != nil && w.Ours(cur)):
		default:
			return Found{}, w.Foreign(cur)
		}
	}
	if err := tagOwner(ctx, r.AWS, w.Owner, map[string]string{recordMarker + w.Key: w.ZoneID + " " + w.Record.Type + " " + w.Record.Name}); err != nil {
		return Found{}, err
	}
	change, err := r.AWS.DNS.Upsert(ctx, w.ZoneID, w.Record, "stackwiz "+r.Spec.Name+" "+w.Key)
	if err != nil {
		return Found{}, err
	}
	if err := r.Wait(ctx, w.Key, fmt.Sprintf("Route 53 to serve %s %s everywhere (PENDING → INSYNC)", w.Record.Type, w.Record.Name),
		recordChangeTimeout, func(ctx context.Context) (bool, error) { return r.AWS.DNS.ChangeInSync(ctx, change) }); err != nil {
		return Found{}, err
	}
	return found, nil
}

// tagOwner adds tags to the load balancer or certificate arn.
func tagOwner(ctx context.Context, c *aws.Clients, arn string, tags map[string]string) error {
	switch {
	case arn == "":
		return nil
	case strings.Contains(arn, ":acm:"):
		return c.Certs.AddTags(ctx, arn, tags)
	}
	return c.LB.AddTags(ctx, arn, tags)
}

// untagOwner removes tag keys from the load balancer or certificate arn;
// an owner that is gone has no tags left to remove.
func untagOwner(ctx context.Context, c *aws.Clients, arn string, keys ...string) error {
	var err error
	switch {
	case arn == "":
		return nil
	case strings.Contains(arn, ":acm:"):
		err = c.Certs.RemoveTags(ctx, arn, keys...)
	default:
		err = c.LB.RemoveTags(ctx, arn, keys...)
	}
	if aws.IsNotFound(err) {
		return nil
	}
	return err
}

// recordKinds handles route53:record for every step that writes records.
func recordKinds() []Kind {
	return []Kind{{
		Type:     typeRecord,
		Order:    20,
		Describe: describeRecord,
		Delete:   deleteRecord,
		List:     listRecords,
	}}
}

func describeRecord(ctx context.Context, t Target) (Observed, error) {
	zone, name, rtype, ok := parseRecordID(t.Resource.ID)
	if !ok {
		return Observed{}, fmt.Errorf("record id %q is not zone/name/type", t.Resource.ID)
	}
	cur, found, err := t.AWS.DNS.Record(ctx, zone, name, rtype)
	if err == nil && !found && switchedHere(t.Resource.Attrs, cur, found) {
		obs := Observed{Attrs: map[string]string{}}
		describeSwitched(t.Resource.Attrs, cur, found, &obs)
		return obs, nil
	}
	if aws.IsNotFound(err) || err == nil && !found {
		return Observed{}, nil
	}
	if err != nil {
		return Observed{}, err
	}
	obs := Observed{Exists: true, Healthy: true, Attrs: map[string]string{"target": recordTarget(cur)}}
	if cur.Alias != nil {
		obs.Attrs["alias_zone"] = cur.Alias.ZoneID
		obs.Attrs["evaluate_target_health"] = fmt.Sprint(cur.Alias.EvaluateTargetHealth)
	}
	if want := t.Resource.Attrs["target"]; cur.Alias != nil && want != "" && sameAliasHost(obs.Attrs["target"], want) {
		// "dualstack." or not, an alias names the same load balancer (the
		// console's switch back writes it without the prefix).
		obs.Attrs["target"] = want
	}
	describeSwitched(t.Resource.Attrs, cur, found, &obs)
	return obs, nil
}

// deleteRecord deletes the record with exactly its current data (Route 53
// refuses a DELETE whose values differ). A record someone changed since
// stackwiz wrote it is theirs now and is left alone, as is one that was
// there before stackwiz (preexisting).
func deleteRecord(ctx context.Context, t Target) error {
	zone, name, rtype, ok := parseRecordID(t.Resource.ID)
	if !ok {
		return fmt.Errorf("record id %q is not zone/name/type", t.Resource.ID)
	}
	a := t.Resource.Attrs
	cur, found, err := t.AWS.DNS.Record(ctx, zone, name, rtype)
	if aws.IsNotFound(err) {
		return nil // the zone is gone, and its records with it
	}
	if err != nil {
		return err
	}
	// A record the console switched to another stack is still this
	// stack's: destroy deletes it wherever it points now (noteSwitched
	// has said where).
	if found && a["preexisting"] != "true" && (a["target"] == "" || recordTarget(cur) == a["target"] || switchedHere(a, cur, found)) {
		if _, err := t.AWS.DNS.DeleteRecord(ctx, zone, cur, "stackwiz delete "+t.Resource.Key); err != nil && !aws.IsCode(err, "InvalidChangeBatch") {
			return err
		}
	}
	err = untagOwner(ctx, t.AWS, a["owner_arn"], recordMarker+t.Resource.Key)
	if aws.IsAccessDenied(err) {
		// The record is gone; only its marker stays on an owner we may not
		// untag (and so may not delete either): listRecords skips a marker
		// whose record is gone, and the marker goes with its owner.
		return nil
	}
	return err
}

// listRecords finds the stack's records through the marker tags on its
// load balancers and certificates, keeping only records that still point
// where the stack pointed them.
func listRecords(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	type owner struct {
		arn     string
		tags    map[string]string
		targets []string // what the owner's records point at
		domain  string   // a certificate's domain
	}
	var owners []owner
	lbs, lbTags, err := stackLoadBalancers(ctx, c, stack)
	if err != nil {
		return nil, err
	}
	for _, lb := range lbs {
		owners = append(owners, owner{lb.ARN, lbTags[lb.ARN], []string{aliasDNSName(lb.DNSName)}, ""})
	}
	certs, err := stackCertificates(ctx, c, stack)
	if err != nil {
		return nil, err
	}
	for _, sc := range certs {
		cert, found, err := c.Certs.Describe(ctx, sc.ARN)
		if err != nil {
			return nil, err
		}
		if !found {
			continue // deleted since the listing
		}
		var targets []string
		for _, v := range cert.Validation {
			targets = append(targets, recordTarget(v))
		}
		owners = append(owners, owner{sc.ARN, sc.Tags, targets, cert.Domain})
	}
	zoneNames := map[string]string{}
	var out []Found
	for _, o := range owners {
		for k, v := range o.tags {
			key, ok := strings.CutPrefix(k, recordMarker)
			fields := strings.SplitN(v, " ", 3)
			if !ok || len(fields) != 3 {
				continue
			}
			zone, rtype, name := fields[0], fields[1], fields[2]
			cur, found, err := c.DNS.Record(ctx, zone, name, rtype)
			if aws.IsNotFound(err) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if !found || !slices.Contains(o.targets, recordTarget(cur)) {
				continue // gone, or someone else's now
			}
			if _, ok := zoneNames[zone]; !ok {
				z, _, err := c.DNS.Zone(ctx, zone)
				if err != nil {
					return nil, err
				}
				zoneNames[zone] = z.Name
			}
			if zoneNames[zone] == "" {
				continue // the zone is gone, and the record with it
			}
			step, _, _ := strings.Cut(key, "/")
			w := recordWant{ZoneID: zone, Record: cur, Owner: o.arn}
			// The attrs the steps record, so that an apply after adopt finds
			// the record as it wants it.
			attrs := w.attrs()
			attrs["zone"] = zoneNames[zone]
			if o.domain != "" {
				attrs["domain"] = o.domain
			}
			out = append(out, Found{ID: recordID(zone, name, rtype), Key: key, Step: StepID(step), Type: typeRecord, Attrs: attrs})
		}
	}
	return out, nil
}
