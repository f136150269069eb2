package steps

import (
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the target group's health check, the IP address type and the
// access logs.
func (loadBalancerStep) Form() Form {
	const hc = "load_balancer.health_check."
	number := func(path string, validate func(int) error) FormField {
		return FormField{Path: hc + path, Kind: FieldNumber,
			Validate: func(a Answers, _ string) error { return spec.ValidateNumber(a.Text(hc+path), validate) }}
	}
	interval := number("interval_seconds", spec.ValidateHealthCheckInterval)
	interval.Title = "Interval (s)"
	timeout := FormField{Path: hc + "timeout_seconds", Title: "Timeout (s)", Kind: FieldNumber,
		Validate: func(a Answers, _ string) error {
			interval := 300
			if n, err := strconv.Atoi(strings.TrimSpace(a.Text(hc + "interval_seconds"))); err == nil {
				interval = n
			}
			return spec.ValidateNumber(a.Text(hc+"timeout_seconds"), func(t int) error { return spec.ValidateHealthCheckTimeout(t, interval) })
		}}
	healthy := number("healthy_threshold", spec.ValidateThreshold)
	healthy.Title = "Healthy after"
	unhealthy := number("unhealthy_threshold", spec.ValidateThreshold)
	unhealthy.Title = "Unhealthy after"
	return Form{
		Owns: []string{"load_balancer"},
		Groups: []FormGroup{
			{Fields: []FormField{
				{Path: hc + "path", Title: "Health check path", Kind: FieldText,
					Validate: func(a Answers, _ string) error {
						return spec.ValidateHealthCheckPath(strings.TrimSpace(a.Text(hc + "path")))
					}},
				interval, timeout,
			}},
			{Fields: []FormField{
				healthy, unhealthy,
				{Path: hc + "success_codes", Title: "Success codes", Kind: FieldText,
					Validate: func(a Answers, _ string) error {
						return spec.ValidateSuccessCodes(strings.TrimSpace(a.Text(hc + "success_codes")))
					}},
			}},
			{Fields: []FormField{
				{Path: "load_balancer.ip_address_type", Title: "Clients reach it over", Kind: FieldSelect,
					// What dualstack needs of the network and what it costs.
					Describe: func(a Answers) string {
						if a.Text("network.vpc") != spec.VPCNew {
							return "dualstack needs the VPC and its public subnets to have IPv6 blocks already (plan says how to add them); a new VPC gets them by itself. No extra cost."
						}
						return "dualstack: a new VPC gets an Amazon-provided IPv6 block and /64s on its public subnets, and the name an AAAA record. No extra cost: IPv6 is free, the load balancer keeps its public IPv4 addresses."
					},
					Options: []FormOption{
						{Label: "IPv4 only", Value: spec.IPv4},
						{Label: "IPv4 and IPv6 (dualstack)", Value: spec.Dualstack},
					},
					Validate: func(a Answers, _ string) error {
						return spec.ValidateIPAddressType(a.Text("load_balancer.ip_address_type"))
					}},
				{Path: "load_balancer.access_logs.enabled", Title: "Access logs", Kind: FieldConfirm,
					Description: "One line per request to an S3 bucket of the stack's, kept 90 days (Security Hub ELB.5). S3 storage, about $0.023 per GB-month; destroy deletes them."},
			}},
		},
	}
}
