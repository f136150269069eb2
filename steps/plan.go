package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// Action is what apply would do to one resource.
type Action string

// The actions of a plan.
const (
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionReplace Action = "replace"
	ActionDelete  Action = "delete"
	ActionKeep    Action = "keep"
)

// Change is one resource in a plan.
type Change struct {
	Step   StepID `json:"step"`
	Key    string `json:"key"`
	Type   string `json:"type"`
	Name   string `json:"name,omitempty"`
	ID     string `json:"id,omitempty"`
	Action Action `json:"action"`
	// Why says what makes the action necessary.
	Why string `json:"why,omitempty"`
}

// PlanResult is what apply would do, resource by resource, and what the
// stack would cost.
type PlanResult struct {
	Stack   string            `json:"stack"`
	Region  string            `json:"region,omitempty"`
	Changes []Change          `json:"changes"`
	Cost    spec.CostEstimate `json:"cost"`
	// Duration is how long apply is expected to take on AWS, and the
	// chain of waits that sets it (plan_duration.go).
	Duration ApplyEstimate `json:"duration"`
}

// Count returns how many changes have action a.
func (p *PlanResult) Count(a Action) int {
	n := 0
	for _, c := range p.Changes {
		if c.Action == a {
			n++
		}
	}
	return n
}

// Empty reports whether apply would change nothing.
func (p *PlanResult) Empty() bool { return p.Count(ActionKeep) == len(p.Changes) }

// Plan compares the spec with the record and, when the engine has AWS
// clients, with what AWS still has, including what carries the stack's
// tags and is not recorded (orphans). It only reads.
func (e *Engine) Plan(ctx context.Context) (*PlanResult, error) {
	p := &PlanResult{Stack: e.spec.Name, Region: e.spec.Region, Cost: spec.EstimateMonthly(e.spec)}
	if e.aws != nil && p.Region == "" {
		p.Region = e.aws.Region
	}
	keys := map[string]bool{}
	for _, s := range Enabled(e.spec, e.steps) {
		for _, d := range s.Desired(e.spec) {
			keys[d.Key] = true
			c, err := e.planOne(ctx, s.ID(), d)
			if err != nil {
				return nil, err
			}
			p.Changes = append(p.Changes, c)
		}
	}
	for _, r := range e.store.Snapshot().Resources {
		if r.Live() && !keys[r.Key] {
			p.Changes = append(p.Changes, Change{Step: StepID(r.Step), Key: r.Key, Type: r.Type, ID: r.ID,
				Action: ActionDelete, Why: "no longer in the spec"})
		}
	}
	e.planOrphans(ctx, p)
	e.planSSHFrom(ctx, p)
	if err := e.checkDualstackVPC(ctx); err != nil {
		return nil, err
	}
	slices.SortStableFunc(p.Changes, func(a, b Change) int { return e.order(a.Step) - e.order(b.Step) })
	p.Duration = EstimateApply(e.spec, Enabled(e.spec, e.steps), p.Changes)
	return p, nil
}

func (e *Engine) planOne(ctx context.Context, step StepID, d Desired) (Change, error) {
	c := Change{Step: step, Key: d.Key, Type: d.Type, Name: d.Name}
	rec, ok := e.store.Resource(d.Key)
	switch {
	case (!ok || rec.Status == state.ResourceDeleted) && d.Existing != nil && e.aws != nil:
		id, found, err := d.Existing(ctx, e.aws)
		if err != nil {
			return c, fmt.Errorf("plan: look for an existing %s %s: %w", d.Type, d.Name, err)
		}
		c.Action, c.Why = ActionCreate, "not created yet"
		if found {
			c.ID, c.Action, c.Why = id, ActionKeep, "exists already and is not stackwiz's: used as it is, never deleted"
		}
		return c, nil
	case !ok || rec.Status == state.ResourceDeleted:
		c.Action, c.Why = ActionCreate, "not created yet"
		return c, nil
	case rec.Status == state.ResourceIntent:
		c.Action, c.Why = ActionCreate, "an earlier apply stopped while creating it; apply finds or creates it"
		return c, nil
	case rec.Status == state.ResourceDeleting:
		c.Action, c.Why = ActionReplace, "an earlier run stopped while deleting it"
		return c, nil
	}
	c.ID = firstOf(rec.ID, rec.ARN)
	if e.aws != nil {
		gone, err := e.gone(ctx, rec)
		if err != nil {
			return c, fmt.Errorf("plan: %w", err)
		}
		if gone {
			c.Action, c.Why = ActionCreate, "deleted outside stackwiz"
			return c, nil
		}
	}
	switch {
	case attrsMatch(rec.Attrs, d.Attrs):
		c.Action = ActionKeep
	case replaceNeeded(rec.Attrs, d):
		c.Action, c.Why = ActionReplace, changedAttrs(rec.Attrs, d.Attrs)+" (cannot change in place)"
	default:
		c.Action, c.Why = ActionUpdate, changedAttrs(rec.Attrs, d.Attrs)
	}
	return c, nil
}
