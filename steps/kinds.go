package steps

import (
	"context"
	"fmt"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// The tags every resource stackwiz creates carries. TagStack and TagStep
// are a fixed contract (README.md, docs/engine.md); TagKey lets adopt and a resumed create
// find one resource among the stack's.
const (
	TagStack = "stackwiz:stack"
	TagStep  = "stackwiz:step"
	TagKey   = "stackwiz:key"
)

// Kind is how the engine handles one type of resource whichever step made
// it: how to look at it (status, drift, resume), how to delete it (destroy,
// prune, replace), and how to find the stack's resources of this type by
// their tags (leftovers the record does not know, adopt).
type Kind struct {
	Type string
	// Order places the kind in destroy: lower deletes first. Kinds with the
	// same order are deleted concurrently.
	Order int
	// Describe returns the resource as AWS has it; Exists is false when it
	// is gone. Nil means the kind is never checked (a sub-resource checked
	// with its parent).
	Describe func(ctx context.Context, t Target) (Observed, error)
	// Delete removes the resource and returns once what depends on its
	// absence can proceed (a NAT gateway deleted before its address is
	// released). Not found is success.
	Delete func(ctx context.Context, t Target) error
	// List finds the stack's resources of this kind by their stackwiz tags.
	// Nil when the kind cannot be listed by tag.
	List func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error)
	// Manual is the AWS CLI command that deletes the resource by hand, for
	// destroy's report of what it left (--region is added unless Global).
	// Nil when no one-line command does it (a record: a change batch).
	Manual func(r state.Resource) string
	// Global kinds (IAM) live in no region.
	Global bool
}

// manualByID is a Manual: cmd followed by the resource's id.
func manualByID(cmd string) func(state.Resource) string {
	return func(r state.Resource) string { return cmd + " " + shellQuote(firstOf(r.ID, r.ARN)) }
}

// manualByARN is a Manual: cmd followed by the resource's ARN.
func manualByARN(cmd string) func(state.Resource) string {
	return func(r state.Resource) string { return cmd + " " + shellQuote(firstOf(r.ARN, r.ID)) }
}

// Target is the resource a Kind function works on.
type Target struct {
	AWS      *aws.Clients
	Resource state.Resource
	wait     func(ctx context.Context, what string, check func(context.Context) (bool, error)) error
}

// Wait polls check until it reports done, reporting what it waits for.
func (t Target) Wait(ctx context.Context, what string, check func(context.Context) (bool, error)) error {
	if t.wait == nil {
		return fmt.Errorf("wait for %s: no poller", what)
	}
	return t.wait(ctx, what, check)
}

// Observed is a resource as AWS has it.
type Observed struct {
	Exists bool
	// State is AWS's lifecycle word ("available", "active", "InService").
	State string
	// Healthy is false when the resource exists but does not work
	// (an unhealthy target, a failed NAT gateway); Problem says why.
	Healthy bool
	Problem string
	// Attrs are the observed values of the attrs the record keeps; status
	// compares them with the record to report drift.
	Attrs map[string]string
}

// Found is a resource found in AWS: by a step's lookup during a resumed
// create, or by a Kind's List.
type Found struct {
	ID    string
	ARN   string
	Attrs map[string]string
	// Key, Step and Type come from the resource's tags (List only).
	Key  string
	Step StepID
	Type string
	// Region is set when the resource lives outside the stack's region
	// (the billing alarm and its topic in us-east-1), so that destroy and
	// adopt record it where Describe and Delete will look for it.
	Region string
}

// allKinds gathers every step's kinds.
func allKinds() []Kind {
	var ks []Kind
	for _, f := range []func() []Kind{
		identityKinds, iamKinds, networkKinds, securityKinds, instanceKinds, amiKinds,
		launchTemplateKinds, certificateKinds, loadBalancerKinds,
		autoscalingKinds, dnsKinds, alarmsKinds, keysKinds, logsKinds,
	} {
		ks = append(ks, f()...)
	}
	return ks
}

// kindRegistry indexes kinds by type.
type kindRegistry map[string]Kind

func newKindRegistry(ks []Kind) kindRegistry {
	r := make(kindRegistry, len(ks))
	for _, k := range ks {
		r[k.Type] = k
	}
	return r
}

// order returns the destroy order of typ; unknown types go last.
func (r kindRegistry) order(typ string) int {
	if k, ok := r[typ]; ok {
		return k.Order
	}
	return 1 << 20
}

// StackTags returns the tags of a resource of step with key in stack.
func StackTags(stack string, step StepID, key, name string) map[string]string {
	t := map[string]string{TagStack: stack, TagStep: string(step), TagKey: key}
	if name != "" {
		t["Name"] = name
	}
	return t
}
