package wizard

import (
	"github.com/stackwiz/stackwiz/spec"
	"charm.land/huh/v2"

)

// ipTypeSelect asks load_balancer.ip_address_type: IPv4 only, or
// dualstack, with what dualstack needs of the network and what it costs.
func ipTypeSelect(a *answers) *huh.Select[string] {
	desc := "dualstack: a new VPC gets an Amazon-provided IPv6 block and /64s on its public subnets, and the name an AAAA record. No extra cost: IPv6 is free, the load balancer keeps its public IPv4 addresses."
	if a.VPC != spec.VPCNew {
		desc = "dualstack needs the VPC and its public subnets to have IPv6 blocks already (plan says how to add them); a new VPC gets them by itself. No extra cost."
	}
	return huh.NewSelect[string]().Key("load_balancer.ip_address_type").Title("Clients reach it over").Description(desc).Options(
		option("IPv4 only", spec.IPv4),
		option("IPv4 and IPv6 (dualstack)", spec.Dualstack),
	).Value(&a.IPType)
}

// logsConfirm asks whether to turn a log delivery on, saying what it
// records, what it costs and that destroy deletes it.
func logsConfirm(key, title, desc string, v *bool) *huh.Confirm {
	return huh.NewConfirm().Key(key).Title(title).Description(desc).Value(v).Affirmative("Yes").Negative("No")
}
