package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
)

// zonesOffering keeps, of zones and in their order, those where the spec's
// instance type is offered: subnets in a zone without it would leave the
// group unable to launch there. An endpoint that will not say (denied, not
// implemented) leaves zones as they are, with a warning.
func zonesOffering(ctx context.Context, r *Run, zones []string) ([]string, error) {
	t := r.Spec.Instance.Type
	offered, err := r.AWS.Zones.Offering(ctx, t)
	switch {
	case aws.IsUnsupported(err) || aws.IsAccessDenied(err):
		r.Warn("cannot ask where %s is offered (%s): the zones are taken in order, and a zone without it would stop the group launching there", t, firstLine(reasonOf(err)))
		return zones, nil
	case err != nil:
		return nil, err
	}
	var out []string
	for _, z := range zones {
		if slices.Contains(offered, z) {
			out = append(out, z)
		}
	}
	if len(out) < r.Spec.Network.AZs {
		return nil, fmt.Errorf("instance.type: %s is offered in %d of the usable zones (%s of %s) and network.azs is %d: choose a type offered in more zones, or lower network.azs",
			t, len(out), strings.Join(out, ", "), strings.Join(zones, ", "), r.Spec.Network.AZs)
	}
	if skipped := len(zones) - len(out); skipped > 0 {
		r.Info("%s is not offered in %d of the zones (%s): the stack uses the zones that have it", t, skipped, strings.Join(slices.DeleteFunc(slices.Clone(zones), func(z string) bool { return slices.Contains(out, z) }), ", "))
	}
	return out, nil
}
