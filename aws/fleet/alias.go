package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
)

// SwitchTarget is a load balancer as a Route 53 alias points at it.
type SwitchTarget struct {
	// DNSName and ZoneID (the load balancer's canonical hosted zone id,
	// from DescribeLoadBalancers — never a table) identify the target.
	DNSName string
	ZoneID  string
	// DualStack load balancers also get the AAAA alias.
	DualStack bool
}

// AliasSwitch is what SwitchAlias did.
type AliasSwitch struct {
	Before *Record
	After  *Record
	// Changed is false when the record already pointed at the target.
	Changed bool
	// ChangeID and Status (PENDING, then INSYNC once every Route 53 server
	// answers the new value) are Route 53's.
	ChangeID string
	Status   string
}

// SwitchAlias points the alias record at another load balancer — the
// blue/green switch between two stacks. It UPSERTs the A alias
// (and the AAAA alias for a dualstack target) with EvaluateTargetHealth, in
// one change batch; when the new target is not dualstack, an AAAA alias
// left from the old one is deleted in the same batch, or IPv6 clients
// would stay on the old stack. Alias records have no TTL of their own:
// resolvers follow the switch as soon as Route 53 is in sync.
func (f *Fleet) SwitchAlias(ctx context.Context, zoneID, record string, to SwitchTarget) (AliasSwitch, error) {
	if err := f.guard("switch alias " + record + " to " + to.DNSName); err != nil {
		return AliasSwitch{}, err
	}
	switch {
	case zoneID == "" || record == "":
		return AliasSwitch{}, errors.New("switch alias: the stack has no Route 53 record (dns.zone and dns.record in stack.yaml)")
	case to.DNSName == "" || to.ZoneID == "":
		return AliasSwitch{}, fmt.Errorf("switch alias %s: the other stack's load balancer has no DNS name or zone id (its load_balancer outputs lb_dns and lb_zone_id are empty: apply it first)", record)
	}
	nop := func() {}
	sets, err := f.recordSets(ctx, zoneID, record, nop)
	if err != nil {
		return AliasSwitch{}, fmt.Errorf("switch alias: %w", err)
	}
	res := AliasSwitch{Before: recordOf(zoneID, record, sets)}
	name := fqdnOf(record)
	alias := func(t r53types.RRType) r53types.Change {
		return r53types.Change{Action: r53types.ChangeActionUpsert, ResourceRecordSet: &r53types.ResourceRecordSet{
			Name: sdk.String(name), Type: t,
			AliasTarget: &r53types.AliasTarget{DNSName: sdk.String(to.DNSName), HostedZoneId: sdk.String(to.ZoneID), EvaluateTargetHealth: true},
		}}
	}
	var changes []r53types.Change
	for _, rs := range sets {
		if rs.AliasTarget == nil {
			return res, fmt.Errorf("switch alias %s: its %s record is not an alias (it holds addresses); stackwiz only switches alias records", name, rs.Type)
		}
	}
	if !aliasPointsAt(sets, r53types.RRTypeA, to) {
		changes = append(changes, alias(r53types.RRTypeA))
	}
	if to.DualStack {
		if !aliasPointsAt(sets, r53types.RRTypeAaaa, to) {
			changes = append(changes, alias(r53types.RRTypeAaaa))
		}
	} else {
		for _, rs := range sets {
			if rs.Type == r53types.RRTypeAaaa {
				rs := rs
				changes = append(changes, r53types.Change{Action: r53types.ChangeActionDelete, ResourceRecordSet: &rs})
			}
		}
	}
	if len(changes) == 0 {
		res.After = res.Before
		return res, nil
	}
	out, err := f.dns.ChangeResourceRecordSets(ctx, &route53.ChangeResourceRecordSetsInput{
		HostedZoneId: sdk.String(zoneID),
		ChangeBatch: &r53types.ChangeBatch{
			Comment: sdk.String("stackwiz console: switch " + name + " to " + to.DNSName),
			Changes: changes,
		},
	})
	if err != nil {
		return res, fmt.Errorf("switch alias %s to %s: %w", name, to.DNSName, err)
	}
	res.Changed = true
	if ci := out.ChangeInfo; ci != nil {
		res.ChangeID, res.Status = strings.TrimPrefix(sdk.ToString(ci.Id), "/change/"), string(ci.Status)
	}
	after, err := f.recordSets(ctx, zoneID, record, nop)
	if err != nil {
		return res, fmt.Errorf("switch alias: changed, but reading it back failed: %w", err)
	}
	res.After = recordOf(zoneID, record, after)
	return res, nil
}

// pointsAt reports whether the record set of type t is an alias to target.
func aliasPointsAt(sets []r53types.ResourceRecordSet, t r53types.RRType, target SwitchTarget) bool {
	for _, rs := range sets {
		if rs.Type == t && rs.AliasTarget != nil {
			return sameAliasDNS(sdk.ToString(rs.AliasTarget.DNSName), target.DNSName) &&
				sdk.ToString(rs.AliasTarget.HostedZoneId) == target.ZoneID
		}
	}
	return false
}

// sameDNS compares DNS names as Route 53 stores alias targets: without case,
// final dot or the "dualstack." prefix.
func sameAliasDNS(a, b string) bool {
	norm := func(s string) string {
		s = strings.TrimSuffix(strings.ToLower(s), ".")
		return strings.TrimPrefix(s, "dualstack.")
	}
	return norm(a) == norm(b)
}
