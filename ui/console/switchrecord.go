package console

import (
	"context"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/steps"
	"github.com/stackwiz/stackwiz/ui/screen"
)

// switchAndRecord switches the alias, then records the switch in the
// owner's record (steps.RecordAliasSwitch, under its lock), so that
// status, apply and destroy of either stack treat the record the console
// wrote as the owner's own. Switching back to the owner clears it. A
// switch that could not be recorded (an apply of the owner holds its lock)
// has still happened: the log says so first, with what follows from it.
func switchAndRecord(ctx context.Context, fl *fleet.Fleet, dir, owner, zone, record string, p peer, now time.Time) ([]string, error) {
	detail, sw, err := switchAlias(ctx, fl, zone, record, p)
	if err != nil || dir == "" || owner == "" || sw.After == nil {
		return detail, err
	}
	rec := steps.AliasSwitch{Owner: owner, Record: strings.TrimSuffix(record, "."), To: p.name,
		Target: sw.After.TargetDNS, TargetZone: sw.After.TargetZoneID, Types: sw.After.Types, At: now}
	if err := steps.RecordAliasSwitch(ctx, dir, rec); err != nil {
		warn := "switched, but not recorded in stack " + owner + "'s record (" + screen.Describe(err).Summary + "): status of " + owner +
			" reports the record as drifted and its apply points it back, until the switch is made again from the console"
		return append([]string{warn}, detail...), nil
	}
	if p.name == owner {
		return append(detail, "recorded: stack "+owner+"'s record is its own again"), nil
	}
	return append(detail, "recorded in stack "+owner+"'s record: its status, apply and destroy keep the switch; stack "+p.name+"'s destroy refuses while it holds"), nil
}
