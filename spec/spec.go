// Package spec owns stack.yaml: its fields and their defaults, loading
// (unknown fields reported with their line and a suggestion), validation
// (one FieldError per problem, at its path, with the fix), the subnet plan,
// the monthly cost estimate and the advice the wizard shows with figures.
// It knows nothing of steps, AWS calls or the terminal: steps, the wizard
// and the CLI import it.
package spec

import (
	"fmt"
	"path/filepath"

	"github.com/goccy/go-yaml"
)

// Spec is a stack.yaml: everything stackwiz needs to build one stack. The
// field names are a fixed contract (README.md and docs/schemas/stack.schema.json); Defaults
// fills every field but Name, so `name: demo` is a complete spec.
type Spec struct {
	// Name prefixes every resource name and tags every resource (stackwiz:stack).
	Name string `yaml:"name" json:"name"`
	// Region is empty to take the region from the profile or AWS_REGION.
	Region       string       `yaml:"region" json:"region"`
	Network      Network      `yaml:"network" json:"network"`
	IAM          IAM          `yaml:"iam" json:"iam"`
	AMI          AMI          `yaml:"ami" json:"ami"`
	Instance     Instance     `yaml:"instance" json:"instance"`
	LoadBalancer LoadBalancer `yaml:"load_balancer" json:"load_balancer"`
	Autoscaling  Autoscaling  `yaml:"autoscaling" json:"autoscaling"`
	DNS          DNS          `yaml:"dns" json:"dns"`
	Alarms       Alarms       `yaml:"alarms" json:"alarms"`

	// lines maps the field paths present in the parsed file to their line,
	// so that a problem with a field the user wrote can point at it. It is
	// nil for a spec built in code.
	lines map[string]int
	// baseDir is the directory the spec's relative file paths (user data,
	// setup script) resolve against: the spec file's, or empty for the
	// working directory.
	baseDir string
}

// Network is where the stack lives: the default VPC, an existing one, or
// a new VPC with public and private subnets in each AZ.
type Network struct {
	// VPC is "new", "default" or an existing VPC id (vpc-0123...).
	VPC string `yaml:"vpc" json:"vpc"`
	// CIDR is the new VPC's IPv4 block; used only when VPC is "new".
	CIDR string `yaml:"cidr" json:"cidr"`
	// AZs is how many Availability Zones the stack spans: 2 or 3.
	AZs int `yaml:"azs" json:"azs"`
	// NAT is "none", "single" or "per-az": how private subnets reach the internet.
	NAT string `yaml:"nat" json:"nat"`
	// PublicSubnetBits is the prefix length of each public subnet (24 = /24).
	PublicSubnetBits int `yaml:"public_subnet_bits" json:"public_subnet_bits"`
	// PrivateSubnetBits is the prefix length of each private subnet (20 = /20).
	PrivateSubnetBits int     `yaml:"private_subnet_bits" json:"private_subnet_bits"`
	Bastion           Bastion `yaml:"bastion" json:"bastion"`
	// FlowLogs records the VPC's connections to a bucket (network_flowlogs.go).
	FlowLogs Logs `yaml:"flow_logs" json:"flow_logs"`
}

// Bastion is the optional SSH jump host in a public subnet.
type Bastion struct {
	Enabled bool `yaml:"enabled" json:"enabled"`
	// SSHFrom is "auto" (the caller's public IP as a /32) or an IPv4 CIDR.
	SSHFrom string `yaml:"ssh_from" json:"ssh_from"`
}

// IAM is the role the instances run as.
type IAM struct {
	// RoleName is empty in code to mean "<name>-app"; Parse fills it in.
	RoleName string `yaml:"role_name" json:"role_name"`
	// ManagedPolicies are AWS managed policy names or policy ARNs.
	ManagedPolicies []string `yaml:"managed_policies" json:"managed_policies"`
}

// AMI is the image the group launches.
type AMI struct {
	// Source is "latest" (the base's current public image), "existing" (ID)
	// or "bake" (a builder instance runs SetupScript, then an image is taken).
	Source string `yaml:"source" json:"source"`
	ID     string `yaml:"id" json:"id"`
	// Base is amazon-linux-2023, ubuntu-22.04 or ubuntu-24.04.
	Base string `yaml:"base" json:"base"`
	// SetupScript is a file, relative to the spec's directory.
	SetupScript string `yaml:"setup_script" json:"setup_script"`
}

// Instance is what each instance of the group looks like.
type Instance struct {
	Type string `yaml:"type" json:"type"`
	// Port is the port the app listens on; the target group sends traffic there.
	Port int `yaml:"port" json:"port"`
	// UserData is a file, relative to the spec's directory, run once at boot.
	UserData string `yaml:"user_data" json:"user_data"`
	// VolumeGiB is the root volume's size; 0 takes the image's root
	// snapshot size, which differs between images (8 GiB for Amazon Linux
	// and Ubuntu on AWS, other sizes elsewhere) and which a root volume
	// cannot be smaller than.
	VolumeGiB int    `yaml:"volume_gib" json:"volume_gib"`
	KeyName   string `yaml:"key_name" json:"key_name"`
	// Egress is what the stack's security groups let out: restricted
	// (only what the stack needs, security_egress.go) or all (AWS's
	// default: every port to anywhere).
	Egress string `yaml:"egress" json:"egress"`
	// EgressPorts are more TCP ports the app instances may reach anywhere
	// when Egress is restricted: a database, an SMTP relay, an API on a
	// port other than 443.
	EgressPorts []int `yaml:"egress_ports" json:"egress_ports"`
}

// LoadBalancer is the internet-facing Application Load Balancer.
type LoadBalancer struct {
	HealthCheck HealthCheck `yaml:"health_check" json:"health_check"`
	// HTTPS needs DNS.Zone and DNS.Record: the certificate is DNS-validated there.
	HTTPS bool `yaml:"https" json:"https"`
	// DropInvalidHeaderFields makes the load balancer drop HTTP headers
	// whose names are not valid (request smuggling; Security Hub ELB.4).
	DropInvalidHeaderFields bool `yaml:"drop_invalid_header_fields" json:"drop_invalid_header_fields"`
	// AccessLogs records every request to a bucket (loadbalancer_accesslogs.go).
	AccessLogs Logs `yaml:"access_logs" json:"access_logs"`
	// IPAddressType is ipv4 or dualstack (IPv4 and IPv6: the new VPC gets
	// an Amazon-provided IPv6 block, the public subnets a /64 each, and
	// dns.record an AAAA alias beside the A alias).
	IPAddressType string `yaml:"ip_address_type" json:"ip_address_type"`
}

// HealthCheck is the target group's health check.
type HealthCheck struct {
	Path               string `yaml:"path" json:"path"`
	IntervalSeconds    int    `yaml:"interval_seconds" json:"interval_seconds"`
	TimeoutSeconds     int    `yaml:"timeout_seconds" json:"timeout_seconds"`
	HealthyThreshold   int    `yaml:"healthy_threshold" json:"healthy_threshold"`
	UnhealthyThreshold int    `yaml:"unhealthy_threshold" json:"unhealthy_threshold"`
	// SuccessCodes is the target group matcher: "200", "200,204" or "200-299".
	SuccessCodes string `yaml:"success_codes" json:"success_codes"`
}

// Autoscaling is the Auto Scaling group.
type Autoscaling struct {
	Min     int `yaml:"min" json:"min"`
	Desired int `yaml:"desired" json:"desired"`
	Max     int `yaml:"max" json:"max"`
	// TerminationPolicies are set explicitly on the group, in this order.
	TerminationPolicies     []string `yaml:"termination_policies" json:"termination_policies"`
	HealthCheckGraceSeconds int      `yaml:"health_check_grace_seconds" json:"health_check_grace_seconds"`
	// CPUTargetPercent is the target-tracking goal; 0 disables target tracking.
	CPUTargetPercent int `yaml:"cpu_target_percent" json:"cpu_target_percent"`
}

// DNS is the Route 53 name of the stack. An empty Zone skips Route 53.
type DNS struct {
	Zone   string `yaml:"zone" json:"zone"`
	Record string `yaml:"record" json:"record"`
}

// Alarms is the CloudWatch alarms and their SNS topic.
type Alarms struct {
	// Email subscribes to the alarm topic; empty creates alarms without one.
	Email string `yaml:"email" json:"email"`
	// BillingThresholdUSD is the billing alarm's threshold; 0 disables it.
	BillingThresholdUSD float64 `yaml:"billing_threshold_usd" json:"billing_threshold_usd"`
	// CPUHighPercent is the group's average-CPU alarm threshold.
	CPUHighPercent int `yaml:"cpu_high_percent" json:"cpu_high_percent"`
	// EncryptTopic encrypts the alarm topics at rest with a customer
	// managed KMS key each, which CloudWatch may use (alarms_keys.go).
	EncryptTopic bool `yaml:"encrypt_topic" json:"encrypt_topic"`
}

// The values of the enumerated fields.
const (
	VPCNew     = "new"
	VPCDefault = "default"

	NATNone   = "none"
	NATSingle = "single"
	NATPerAZ  = "per-az"

	SSHFromAuto = "auto"

	EgressRestricted = "restricted"
	EgressAll        = "all"

	IPv4      = "ipv4"
	Dualstack = "dualstack"

	AMILatest   = "latest"
	AMIExisting = "existing"
	AMIBake     = "bake"

	BaseAmazonLinux2023 = "amazon-linux-2023"
	BaseUbuntu2204      = "ubuntu-22.04"
	BaseUbuntu2404      = "ubuntu-24.04"
)

// Defaults returns a spec with every field set to its default except Name,
// Region (empty: the profile's) and IAM.RoleName (empty: "<name>-app"). The values are the seeds':
// an Express app on port 3000 behind an ALB, two t3.micro instances in two
// AZs, ELB health checks with a grace period, CPU target tracking at 50%.
func Defaults() Spec {
	return Spec{
		Network: Network{
			VPC:               VPCNew,
			CIDR:              "10.0.0.0/16",
			AZs:               2,
			NAT:               NATSingle,
			PublicSubnetBits:  24, // a public /24 per AZ: room for load balancer nodes and NAT gateways
			PrivateSubnetBits: 20, // a private /20 per AZ: room for the group to grow
			Bastion:           Bastion{SSHFrom: SSHFromAuto},
			FlowLogs:          logsDefault,
		},
		IAM: IAM{
			// SSM replaces SSH keys for getting onto an instance; the agent
			// policy lets it ship logs and memory metrics.
			ManagedPolicies: []string{"AmazonSSMManagedInstanceCore", "CloudWatchAgentServerPolicy"},
		},
		AMI: AMI{Source: AMILatest, Base: BaseAmazonLinux2023},
		Instance: Instance{
			Type: "t3.micro",
			Port: 3000,
			// 0: the image's root snapshot size, read when the launch
			// template is made, since only a value the user wrote may be
			// refused for being smaller than the image.
			VolumeGiB:   0,
			Egress:      EgressRestricted,
			EgressPorts: []int{},
		},
		LoadBalancer: LoadBalancer{
			HealthCheck: HealthCheck{
				Path:               "/",
				IntervalSeconds:    30,
				TimeoutSeconds:     5,
				HealthyThreshold:   3,
				UnhealthyThreshold: 2,
				SuccessCodes:       "200",
			},
			DropInvalidHeaderFields: true,
			AccessLogs:              logsDefault,
			IPAddressType:           IPv4,
		},
		Autoscaling: Autoscaling{
			Min:     2,
			Desired: 2,
			Max:     4,
			// Set explicitly: a group whose policy nobody chose loses a
			// hand-built instance to it; Default is what AWS would apply anyway.
			TerminationPolicies: []string{"Default"},
			// The API default is 0, which lets ELB health checks kill instances
			// that are still booting (DOMAIN.md, Auto Scaling).
			HealthCheckGraceSeconds: 120,
			CPUTargetPercent:        50,
		},
		Alarms: Alarms{CPUHighPercent: 80, EncryptTopic: true},
	}
}

// File returns the path of a file the spec names (instance.user_data,
// ami.setup_script): a relative path is relative to the spec file's
// directory, as validation resolved it.
func (s *Spec) File(path string) string {
	if path == "" || filepath.IsAbs(path) || s.baseDir == "" {
		return path
	}
	return filepath.Join(s.baseDir, path)
}

// imageRootGiB is the root snapshot size of the images stackwiz offers
// (Amazon Linux 2023 and Ubuntu on AWS): what cost and advice assume when
// instance.volume_gib is left to the image.
const imageRootGiB = 8

// RootGiB is the root volume size cost and advice count: the spec's, or
// the usual image root size when the spec leaves it to the image.
func (s *Spec) RootGiB() int {
	if s.Instance.VolumeGiB > 0 {
		return s.Instance.VolumeGiB
	}
	return imageRootGiB
}

// DefaultRoleName is the role name used when iam.role_name is empty.
func (s *Spec) DefaultRoleName() string { return s.Name + "-app" }

// fillDerived sets the defaults that depend on other fields.
func (s *Spec) fillDerived() {
	if s.IAM.RoleName == "" && s.Name != "" {
		s.IAM.RoleName = s.DefaultRoleName()
	}
}

// YAML renders the spec as stack.yaml, fields in the contract's order.
// Parse(YAML()) gives back an equal spec.
func (s *Spec) YAML() ([]byte, error) {
	out := *s
	out.fillDerived()
	// A nil list would be written as null, which reads back as the default
	// list rather than as no entries.
	if out.IAM.ManagedPolicies == nil {
		out.IAM.ManagedPolicies = []string{}
	}
	if out.Autoscaling.TerminationPolicies == nil {
		out.Autoscaling.TerminationPolicies = []string{}
	}
	comments := yaml.CommentMap{}
	for path, text := range fieldComments {
		comments["$."+path] = []*yaml.Comment{yaml.LineComment(" " + text)}
	}
	b, err := yaml.MarshalWithOptions(out, yaml.Indent(2), yaml.IndentSequence(true), yaml.WithComment(comments))
	if err != nil {
		return nil, fmt.Errorf("marshal stack spec: %w", err)
	}
	return b, nil
}

// fieldComments are the line comments YAML writes, so that a stack.yaml
// the wizard wrote explains its own choices (as the README's example spec does).
var fieldComments = map[string]string{
	"name":                        "[a-z0-9-]{1,20}; prefixes resource names",
	"region":                      "empty: from the profile / AWS_REGION",
	"network.vpc":                 "new | default | vpc-0123...",
	"network.azs":                 "2 or 3 (load balancers need at least 2)",
	"network.nat":                 "none | single | per-az",
	"network.public_subnet_bits":  "prefix length of each AZ's public subnet",
	"network.private_subnet_bits": "prefix length of each AZ's private subnet",
	"network.bastion.ssh_from":    "auto = your public IP /32, or a CIDR",
	"ami.source":                  "latest | existing | bake",
	"ami.id":                      "when source: existing",
	"ami.base":                    "amazon-linux-2023 | ubuntu-22.04 | ubuntu-24.04",
	"ami.setup_script":            "bake: run on the builder before the image is taken",
	"instance.port":               "the port the app listens on",
	"instance.user_data":          "a file run once at boot; starts the app",
	"instance.volume_gib":         "0 = the image's root snapshot size",
	"instance.egress":             "restricted (what the stack needs) | all",
	"load_balancer.drop_invalid_header_fields": "drop malformed HTTP headers (ELB.4)",
	"load_balancer.access_logs.enabled":        "request logs to a bucket of the stack (ELB.5)",
	"network.flow_logs.enabled":                "VPC connection logs to a bucket of the stack (EC2.6)",
	"alarms.encrypt_topic":                     "a KMS key per topic, $1/month each",
	"load_balancer.https":                      "true needs dns.zone and dns.record",
	"load_balancer.ip_address_type":            "ipv4 | dualstack (IPv6 too; new VPCs get an IPv6 block)",
	"autoscaling.termination_policies":         "which instance goes first on scale-in",
	"autoscaling.health_check_grace_seconds":   "time to boot and start the app",
	"autoscaling.cpu_target_percent":           "0 disables target tracking",
	"dns.zone":                                 "example.com; empty skips Route 53",
	"dns.record":                               "api.example.com",
	"alarms.email":                             "empty: alarms without a subscription",
	"alarms.billing_threshold_usd":             "0 disables the billing alarm",
}
