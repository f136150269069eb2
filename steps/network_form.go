package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the VPC (a new one, the default or one found in the account),
// its AZs, CIDR and NAT, the bastion and the flow logs.
func (networkStep) Form() Form {
	newVPC := func(a Answers) bool { return a.Text("network.vpc") == spec.VPCNew }
	bastion := func(a Answers) bool { return a.On("network.bastion.enabled") }
	return Form{
		Owns:  []string{"network"},
		Waits: []FormLookup{LookupAZs, LookupVPCs, LookupPublicIP},
		Groups: []FormGroup{
			{Fields: []FormField{
				// The VPCs found in the account follow "new", then the default
				// VPC (when the region has one).
				{Path: "network.vpc", Title: "VPC", Kind: FieldSelect, Lookup: LookupVPCs,
					Options:  []FormOption{{Label: "new — a VPC for this stack", Value: spec.VPCNew}},
					Validate: func(a Answers, _ string) error { return spec.ValidateVPC(a.Text("network.vpc")) }},
				{Path: "network.azs", Title: "AZs", Kind: FieldSelect, Inline: true, Lookup: LookupAZs},
			}},
			{Hide: func(a Answers) bool { return !newVPC(a) }, Fields: []FormField{
				{Path: "network.cidr", Title: "CIDR", Kind: FieldText, Hidden: HiddenKept,
					Validate: func(a Answers, _ string) error {
						if !newVPC(a) {
							return nil
						}
						return spec.ValidateCIDR(strings.TrimSpace(a.Text("network.cidr")))
					}},
				{Path: "network.nat", Title: "NAT", Kind: FieldSelect, Hidden: HiddenKept, Options: []FormOption{
					{Label: "single — one NAT gateway, cheaper", Value: spec.NATSingle},
					{Label: "per-az — one per AZ, an AZ outage stays local", Value: spec.NATPerAZ},
					{Label: "none — instances in public subnets", Value: spec.NATNone},
				}, Validate: func(a Answers, _ string) error { return spec.ValidateNAT(a.Text("network.nat")) }},
			}},
			{Fields: []FormField{
				{Path: "network.bastion.enabled", Title: "Bastion host", Kind: FieldConfirm, Inline: true},
			}},
			{Hide: func(a Answers) bool { return !bastion(a) }, Fields: []FormField{
				// Suggested: auto, and the caller's public IP when found.
				{Path: "network.bastion.ssh_from", Title: "SSH from", Kind: FieldText, Lookup: LookupPublicIP,
					Validate: func(a Answers, _ string) error {
						err := spec.ValidateSSHFrom(strings.TrimSpace(a.Text("network.bastion.ssh_from")))
						if !bastion(a) && spec.ValidateBlocking(err) == nil {
							return nil // no bastion: nothing is open, so a warning is moot
						}
						return err
					}},
			}},
			{Fields: []FormField{
				{Path: "network.flow_logs.enabled", Title: "VPC flow logs", Kind: FieldConfirm,
					Description: "Every connection accepted or rejected in the VPC, to an S3 bucket of the stack's, kept 90 days (Security Hub EC2.6). About $0.25 per GB delivered plus storage; destroy deletes them."},
			}},
		},
	}
}
