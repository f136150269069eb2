// Package durations is the one table of how long AWS takes to finish the
// processes a stack waits for. The sandbox's realistic latency profile runs
// on it, plan estimates an apply's duration from it, and the benchmarks
// compute the critical path of the examples from it, so the clock the
// sandbox keeps and the yardsticks apply is measured against cannot drift
// apart. It imports nothing, so every layer may read it.
package durations

import "time"

// The names of the table's processes.
const (
	InstancePending  = "instance-pending"  // EC2 instance pending → running
	InstanceShutdown = "instance-shutdown" // EC2 instance shutting-down → terminated
	AppBoot          = "app-boot"          // after running, until user data has the app answering
	NATPending       = "nat-pending"       // NAT gateway pending → available
	NATDeleting      = "nat-deleting"      // NAT gateway deleting → deleted
	LBProvisioning   = "lb-provisioning"   // Application Load Balancer provisioning → active
	ImagePending     = "image-pending"     // AMI pending → available (8 GiB root volume)
	CertValidation   = "cert-validation"   // ACM: validation CNAME in sync → certificate issued
	DNSChange        = "dns-change"        // Route 53 change PENDING → INSYNC
	IAMPropagation   = "iam-propagation"   // a new instance profile usable by EC2
	LBENIRelease     = "lb-eni-release"    // a deleted load balancer's network interfaces released
)

// AWS returns how long each process usually takes on AWS, at 1x. Where
// each figure comes from:
//
//	instance-pending   40 s   EC2 User Guide, "Instance lifecycle": pending lasts until the
//	                          instance is running, typically under a minute for EBS-backed
//	                          Amazon Linux 2023 / Ubuntu on Nitro types; observed 30–45 s.
//	instance-shutdown  30 s   observed shutting-down → terminated for t3/t4g, 20–60 s.
//	app-boot           40 s   cloud-init running a small user-data script (package install
//	                          and service start) on Amazon Linux 2023; observed 30–60 s.
//	nat-pending       120 s   VPC User Guide, "NAT gateways": "It might take a few minutes
//	                          for the NAT gateway to become available"; observed 1–3 min.
//	nat-deleting       60 s   observed deleting → deleted, about a minute.
//	lb-provisioning   180 s   ELB User Guide: a new Application Load Balancer is
//	                          provisioning for "a few minutes"; observed 2–4 min.
//	image-pending     300 s   EC2 User Guide, "Create an Amazon EBS-backed AMI": the image
//	                          is pending until its snapshot completes; 5–10 min for 8 GiB.
//	cert-validation    60 s   ACM User Guide, "DNS validation": issued within minutes of
//	                          the CNAME being visible; observed about a minute.
//	dns-change         30 s   Route 53 API Reference, GetChange: changes generally reach
//	                          all authoritative servers "within 60 seconds"; observed ~30 s.
//	iam-propagation    10 s   IAM User Guide, "Troubleshooting IAM roles": a new instance
//	                          profile may be refused by EC2 for a few seconds.
//	lb-eni-release     60 s   observed: a deleted load balancer's ENIs hold its security
//	                          groups and subnets for about a minute.
func AWS() map[string]time.Duration {
	return map[string]time.Duration{
		InstancePending:  40 * time.Second,
		InstanceShutdown: 30 * time.Second,
		AppBoot:          40 * time.Second,
		NATPending:       120 * time.Second,
		NATDeleting:      60 * time.Second,
		LBProvisioning:   180 * time.Second,
		ImagePending:     300 * time.Second,
		CertValidation:   60 * time.Second,
		DNSChange:        30 * time.Second,
		IAMPropagation:   10 * time.Second,
		LBENIRelease:     60 * time.Second,
	}
}
