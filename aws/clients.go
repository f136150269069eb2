package aws

import (
	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// BillingRegion is where AWS publishes EstimatedCharges: billing alarms live
// in us-east-1 whatever the stack's region.
const BillingRegion = "us-east-1"

// Clients are the per-service adapters for one region, built from one
// aws.Config. They are safe for concurrent use.
type Clients struct {
	// Region is the stack's region.
	Region   string
	Identity *Identity
	Zones    *Zones
	Network  *Network
	Firewall *Firewall
	Compute  *Compute
	Params   *Params
	IAM      *IAM
	LB       *LoadBalancing
	Certs    *Certificates
	DNS      *DNS
	ASG      *AutoScaling
	Alarms   *Alarms
	// Billing is the alarms adapter in BillingRegion.
	Billing *Alarms
	// Buckets and FlowLogs keep the optional log delivery: the load
	// balancer's access logs and the VPC's flow logs, to S3.
	Buckets  *Buckets
	FlowLogs *FlowLogs
	// Discover answers the wizard's lookups of defaults (read only).
	Discover *Discovery

	cfg sdk.Config // what the adapters were built from: Doctor reuses it
}

// NewClients builds every adapter from cfg, whose HTTP client it wraps so
// that each request's body outlives the call (withWholeBodies says why).
func NewClients(cfg sdk.Config) *Clients {
	cfg = withWholeBodies(cfg)
	ec := ec2.NewFromConfig(cfg)
	billing := cfg.Copy()
	billing.Region = BillingRegion
	return &Clients{
		Region:   cfg.Region,
		Identity: &Identity{api: sts.NewFromConfig(cfg), region: cfg.Region},
		Zones:    &Zones{api: ec},
		Network:  &Network{api: ec},
		Firewall: &Firewall{api: ec},
		Compute:  &Compute{api: ec},
		Params:   &Params{api: ssm.NewFromConfig(cfg)},
		IAM:      &IAM{api: iam.NewFromConfig(cfg)},
		LB:       &LoadBalancing{api: elasticloadbalancingv2.NewFromConfig(cfg)},
		Certs:    &Certificates{api: acm.NewFromConfig(cfg)},
		DNS:      &DNS{api: route53.NewFromConfig(cfg)},
		ASG:      &AutoScaling{api: autoscaling.NewFromConfig(cfg), elb: elasticloadbalancingv2.NewFromConfig(cfg)},
		Alarms:   &Alarms{cw: cloudwatch.NewFromConfig(cfg), sns: sns.NewFromConfig(cfg), kms: kms.NewFromConfig(cfg)},
		Billing:  &Alarms{cw: cloudwatch.NewFromConfig(billing), sns: sns.NewFromConfig(billing), kms: kms.NewFromConfig(billing)},
		Buckets:  &Buckets{api: newS3(cfg), region: cfg.Region},
		FlowLogs: &FlowLogs{api: ec},
		Discover: NewDiscovery(cfg),
		cfg:      cfg,
	}
}

// Config is the configuration the adapters were built from: the console's
// read model (package aws/fleet) builds its own clients from it.
func (c *Clients) Config() sdk.Config { return c.cfg }

// newS3 is the S3 client. With a custom endpoint (the sandbox, an
// emulator) it addresses buckets by path: virtual-hosted names
// (bucket.localhost) do not resolve there.
func newS3(cfg sdk.Config) *s3.Client {
	custom := cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != ""
	return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = custom })
}
