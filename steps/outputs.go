package steps

import (
	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// Outputs reads what the steps of a stack recorded, by name. It is the one
// place outside each step that spells their output keys: the console, the
// apply summary and the wizard's last screen read a stack through it, so a
// renamed output breaks the build here rather than the console at run time.
type Outputs struct{ steps map[string]*state.StepRecord }

// OutputsOf reads the outputs of a stack's record (a Store's Snapshot).
func OutputsOf(st state.Stack) Outputs { return Outputs{st.Steps} }

func (o Outputs) get(step StepID, key string) string {
	if r := o.steps[string(step)]; r != nil {
		return r.Outputs[key]
	}
	return ""
}

// The identity step's: the account and region the stack was applied in.
func (o Outputs) Account() string { return o.get(StepIdentity, "account") }
func (o Outputs) Region() string  { return o.get(StepIdentity, "region") }

// The security step's bastion, when the spec has one.
func (o Outputs) BastionPublicIP() string   { return o.get(StepSecurity, "bastion_public_ip") }
func (o Outputs) BastionInstanceID() string { return o.get(StepSecurity, "bastion_instance_id") }

// CertificateARN is the HTTPS listener's certificate; empty without HTTPS.
func (o Outputs) CertificateARN() string { return o.get(StepCertificate, "certificate_arn") }

// The load balancer step's.
func (o Outputs) LoadBalancerARN() string { return o.get(StepLoadBalancer, "lb_arn") }
func (o Outputs) LoadBalancerDNS() string { return o.get(StepLoadBalancer, "lb_dns") }

// LoadBalancerZoneID is the load balancer's own hosted zone, which an
// alias record names.
func (o Outputs) LoadBalancerZoneID() string { return o.get(StepLoadBalancer, "lb_zone_id") }
func (o Outputs) TargetGroupARN() string     { return o.get(StepLoadBalancer, "tg_arn") }

// ASGName is the Auto Scaling group's name; empty until the group exists.
func (o Outputs) ASGName() string { return o.get(StepAutoscaling, "asg_name") }

// The DNS step's: the hosted zone and the record's full name.
func (o Outputs) ZoneID() string     { return o.get(StepDNS, "zone_id") }
func (o Outputs) RecordFQDN() string { return o.get(StepDNS, "record_fqdn") }

// ConsoleTarget is what the console reads and acts on for a stack named
// stack: its group, target group, load balancer (and their CloudWatch
// dimensions), alarms and alias record.
func (o Outputs) ConsoleTarget(stack string) fleet.Ref {
	return fleet.Ref{
		ASGName:         o.ASGName(),
		TargetGroupARN:  o.TargetGroupARN(),
		LoadBalancerARN: o.LoadBalancerARN(),
		LBDimension:     o.get(StepLoadBalancer, "lb_dimension"),
		TGDimension:     o.get(StepLoadBalancer, "tg_dimension"),
		AlarmPrefix:     stack + "-",
		ZoneID:          o.ZoneID(),
		RecordFQDN:      o.RecordFQDN(),
	}
}

// Complete reports whether every step spec enables (among all) is done in
// the stack's record: a complete stack opens on the console.
func Complete(sp *spec.Spec, all []Step, st state.Stack) bool {
	for _, s := range Enabled(sp, all) {
		r, ok := st.Steps[string(s.ID())]
		if !ok || r.Status != state.StepDone {
			return false
		}
	}
	return true
}
