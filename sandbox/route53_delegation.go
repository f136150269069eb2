package sandbox

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Delegation is what the registrar does outside every AWS API: it points a
// domain's NS records at one hosted zone's name servers. Until it does,
// nothing in that zone resolves publicly, so ACM cannot see a validation
// CNAME written there and the certificate stays PENDING_VALIDATION (ACM
// gives up after 72 hours). The sandbox starts every zone created through
// the API undelegated and lets POST /_sandbox/delegate (or Delegate) stand
// in for the registrar.

// Errors of Delegate that the caller can fix by naming another zone.
var (
	errNoZone        = errors.New("no such hosted zone")
	errZoneAmbiguous = errors.New("name shared by several hosted zones")
)

// DelegatedZone is what Delegate and POST /_sandbox/delegate answer.
type DelegatedZone struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	NameServers []string `json:"name_servers"`
	Delegated   bool     `json:"delegated"`
}

// findZone finds a hosted zone by id (with or without "/hostedzone/") or
// by name. A name that several zones share is refused: only one of them
// can be the one the registrar points at, and the caller must say which.
func (s *Route53State) findZone(ref string) (*HostedZone, error) {
	ref = strings.TrimSpace(ref)
	if z := s.Zones[strings.TrimPrefix(ref, "/hostedzone/")]; z != nil {
		return z, nil
	}
	name := normalizeDNSName(ref)
	var found []*HostedZone
	for _, z := range s.Zones {
		if z.Name == name {
			found = append(found, z)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: %s (give a zone id or a zone name)", errNoZone, ref)
	case 1:
		return found[0], nil
	}
	ids := make([]string, len(found))
	for i, z := range found {
		ids[i] = z.ID
	}
	sort.Strings(ids)
	return nil, fmt.Errorf("%w: %d hosted zones are named %s (%s); a registrar delegates to one of them, so name it by id", errZoneAmbiguous, len(found), name, strings.Join(ids, ", "))
}

// Delegate marks a hosted zone (by id or name) as delegated to, or, with
// delegated false, as no longer delegated to, as if the domain's registrar
// had been pointed at its name servers or away from them. Certificates
// whose validation CNAMEs sit in it validate once it is delegated.
func (s *Sandbox) Delegate(zone string, delegated bool) (DelegatedZone, error) {
	unlock, err := s.lockWorld()
	if err != nil {
		return DelegatedZone{}, err
	}
	z, ferr := s.world.Route53.findZone(zone)
	if ferr != nil {
		if err := unlock(); err != nil {
			return DelegatedZone{}, err
		}
		return DelegatedZone{}, ferr
	}
	z.Delegated = delegated
	// ACM's delay runs from the moment the records became visible, not
	// from whichever request happens to come next.
	s.world.tick(s.clock.Now(), s.dur)
	out := DelegatedZone{ID: z.ID, Name: z.Name, NameServers: append([]string(nil), z.NameServers...), Delegated: z.Delegated}
	return out, unlock()
}

// delegatesAtOnce reports whether Options.DelegatedDomains names the zone
// name (normalized, with its trailing dot).
func (s *Sandbox) delegatesAtOnce(name string) bool {
	for _, d := range s.opts.DelegatedDomains {
		if normalizeDNSName(d) == name {
			return true
		}
	}
	return false
}
