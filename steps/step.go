// Package steps owns the graph of steps that builds the stack a spec
// describes: plan, apply (journaled, resumable), destroy, drift, the CLI
// export, and each step's wizard questions as data (<step>_form.go).
package steps

import (
	"context"
	"slices"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// StepID names a step; it is the value of the stackwiz:step tag and the key
// of the step's record in the state file.
type StepID string

// The steps of the stack, in the recommended order.
const (
	StepIdentity       StepID = "identity"
	StepIAM            StepID = "iam"
	StepNetwork        StepID = "network"
	StepSecurity       StepID = "security"
	StepAMI            StepID = "ami"
	StepLaunchTemplate StepID = "launch_template"
	StepCertificate    StepID = "certificate"
	StepLoadBalancer   StepID = "load_balancer"
	StepAutoscaling    StepID = "autoscaling"
	StepDNS            StepID = "dns"
	StepAlarms         StepID = "alarms"
)

// Step is one part of the stack. A step is data plus verbs: it says what it
// needs, which resources it wants for a spec (for plan), and how to bring
// them about (apply). The engine owns ordering, concurrency, journaling,
// waiting and deletion; a step never re-implements them.
type Step interface {
	ID() StepID
	// Title is the step's name in lists ("Network").
	Title() string
	// Why is one line on the step's place in the order, shown by the wizard
	// and plan ("the role comes first: ...").
	Why() string
	// Enabled reports whether spec asks for the step at all.
	Enabled(sp *spec.Spec) bool
	// Needs lists the steps whose outputs this one reads.
	Needs(sp *spec.Spec) []StepID
	// Desired lists the resources the step keeps for spec, with the
	// attributes plan compares with the record. Resources a step creates
	// and removes within one apply (a builder instance) are not listed.
	Desired(sp *spec.Spec) []Desired
	// Apply creates or updates the step's resources through r and sets the
	// outputs later steps read. It must be safe to run again at any point:
	// apply is resume.
	Apply(ctx context.Context, r *Run) error
}

// Desired is one resource a step keeps for a spec.
type Desired struct {
	// Key is unique in the stack ("network/subnet/public/0") and is the
	// stackwiz:key tag of the resource.
	Key string
	// Type is the service and kind ("ec2:subnet"); it selects the Kind that
	// describes and deletes it.
	Type string
	// Name is the resource's name in AWS or in lists.
	Name string
	// Region is set when the resource lives outside the stack's region.
	Region string
	// Attrs are what the spec decides about the resource; plan compares them
	// with the record to tell update from no change.
	Attrs map[string]string
	// Replace lists the attrs whose change means a new resource: AWS cannot
	// change them in place.
	Replace []string
	// Existing, when set, looks in AWS for a resource the stack uses but
	// does not own (the user's own hosted zone). When it finds one and the
	// key is not recorded, plan shows it kept rather than created: Apply
	// uses it without recording it, so destroy never deletes it.
	Existing func(ctx context.Context, c *aws.Clients) (id string, found bool, err error)
}

// All returns every step in the recommended order.
func All() []Step {
	return []Step{
		identityStep{}, iamStep{}, networkStep{}, securityStep{}, amiStep{},
		launchTemplateStep{}, certificateStep{}, loadBalancerStep{},
		autoscalingStep{}, dnsStep{}, alarmsStep{},
	}
}

// Enabled returns the steps spec asks for, in the recommended order.
func Enabled(sp *spec.Spec, all []Step) []Step {
	var out []Step
	for _, s := range all {
		if s.Enabled(sp) {
			out = append(out, s)
		}
	}
	return out
}

// Lookup returns the step with id among all.
func Lookup(all []Step, id StepID) (Step, bool) {
	i := slices.IndexFunc(all, func(s Step) bool { return s.ID() == id })
	if i < 0 {
		return nil, false
	}
	return all[i], true
}
