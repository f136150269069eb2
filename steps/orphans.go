package steps

import (
	"context"
	"fmt"

	"github.com/stackwiz/stackwiz/state"
)

// An orphan is a resource that carries the stack's tags but that the record
// does not know: a create whose answer was lost and that was sent again, a
// record lost or restored from an older copy. Plan and status list them;
// apply adopts the ones the spec wants and has not recorded, and deletes the
// others once every step is done.

// orphanFate is what apply does with an orphan.
type orphanFate int

const (
	// orphanAdopt: its key is a desired resource the record does not hold;
	// apply records an intent for it, which Ensure's Find then takes up.
	orphanAdopt orphanFate = iota
	// orphanDuplicate: the record holds another resource under its key.
	orphanDuplicate
	// orphanLeftover: its key is not wanted by the spec.
	orphanLeftover
)

type orphan struct {
	Found
	fate orphanFate
	// want is the desired resource an adopted orphan becomes.
	want Desired
	step StepID
}

// why says what apply will do with the orphan and why.
func (o orphan) why() string {
	switch o.fate {
	case orphanAdopt:
		return "carries this stack's tags but is not in the record (a create whose answer was lost, or a lost record): apply records it instead of creating another"
	case orphanDuplicate:
		return "a second resource for this key, not in the record (a create whose answer was lost, sent again): apply deletes it"
	}
	return "carries this stack's tags but is not in the record nor wanted by the spec: apply deletes it"
}

// orphans lists the stack's resources by their tags and returns those the
// record does not know, each with its fate. A kind that cannot be listed
// (denied, or an endpoint without the operation) hides its orphans; destroy
// is where that is reported.
func (e *Engine) orphans(ctx context.Context) []orphan {
	if e.aws == nil {
		return nil
	}
	found, _ := e.listTagged(ctx)
	known := map[string]bool{}
	for _, r := range e.store.Snapshot().Resources {
		for _, id := range []string{r.ID, r.ARN} {
			if id != "" {
				known[r.Type+" "+id] = true
			}
		}
	}
	type wanted struct {
		d    Desired
		step StepID
	}
	desired := map[string]wanted{}
	for _, s := range Enabled(e.spec, e.steps) {
		for _, d := range s.Desired(e.spec) {
			desired[d.Key] = wanted{d, s.ID()}
		}
	}
	adopted := map[string]bool{}
	var out []orphan
	for _, f := range found {
		if known[f.Type+" "+f.ID] || f.ARN != "" && known[f.Type+" "+f.ARN] {
			continue
		}
		if f.Key == "" {
			// Everything stackwiz makes carries its stackwiz:key; without
			// one it may be an endpoint answering a tag filter loosely.
			// Destroy still deletes it; apply leaves it alone.
			continue
		}
		o := orphan{Found: f, fate: orphanLeftover}
		rec, recorded := e.store.Resource(f.Key)
		w, isWanted := desired[f.Key]
		switch {
		case recorded && rec.Status == state.ResourceIntent && rec.ID == "" && rec.ARN == "" && rec.Type == f.Type:
			// The interrupted create of a recorded intent: Ensure's Find
			// (or destroy) takes it up as that resource.
			continue
		case recorded && rec.Live(), adopted[f.Key]:
			o.fate = orphanDuplicate
		case isWanted && w.d.Type == f.Type:
			o.fate, o.want, o.step = orphanAdopt, w.d, w.step
			adopted[f.Key] = true
		}
		out = append(out, o)
	}
	return out
}

// adoptOrphans records an intent for each orphan the spec wants and the
// record lacks, before the steps run: the step's Ensure then resumes it as
// an interrupted create, finds the resource by its tag and records it,
// rather than creating a second one.
func (e *Engine) adoptOrphans(ctx context.Context) error {
	for _, o := range e.orphans(ctx) {
		if o.fate != orphanAdopt {
			continue
		}
		e.emit(Event{Kind: Warning, Step: o.step, Key: o.Key, Type: o.Type, ID: firstOf(o.ID, o.ARN),
			Message: fmt.Sprintf("%s %s carries this stack's tags but is not in the record; adopting it as %s", o.Type, firstOf(o.ID, o.ARN), o.Key)})
		if _, err := e.store.RecordIntent(state.Intent{Key: o.Key, Step: string(o.step), Type: o.want.Type,
			Region: o.want.Region, Attrs: o.want.Attrs}); err != nil {
			return fmt.Errorf("adopt %s %s: %w", o.Type, firstOf(o.ID, o.ARN), err)
		}
	}
	return nil
}

// deleteOrphans deletes, once every step is done and the record holds the
// whole stack, what carries the stack's tags and is neither recorded nor
// adoptable: duplicates made by a create sent twice, and leftovers.
func (e *Engine) deleteOrphans(ctx context.Context) error {
	var extra []Found
	for _, o := range e.orphans(ctx) {
		if o.fate != orphanAdopt {
			extra = append(extra, o.Found)
		}
	}
	if len(extra) == 0 {
		return nil
	}
	return e.deleteAll(ctx, nil, extra)
}

// planOrphans adds the orphans to a plan: an adopted one turns its key's
// create into an update of the record, the others are deletes.
func (e *Engine) planOrphans(ctx context.Context, p *PlanResult) {
	for _, o := range e.orphans(ctx) {
		id := firstOf(o.ID, o.ARN)
		if o.fate == orphanAdopt {
			for i := range p.Changes {
				if c := &p.Changes[i]; c.Key == o.Key && c.Action == ActionCreate {
					c.ID, c.Action, c.Why = id, ActionUpdate, o.why()
				}
			}
			continue
		}
		step := o.Step
		if step == "" {
			step = "unknown"
		}
		p.Changes = append(p.Changes, Change{Step: step, Key: o.Key, Type: o.Type, ID: id, Action: ActionDelete, Why: o.why()})
	}
}

// statusOrphans reports the orphans as unhealthy resources of the stack.
func (e *Engine) statusOrphans(ctx context.Context, rep *StatusReport) {
	for _, o := range e.orphans(ctx) {
		step := o.Step
		if step == "" {
			step = "unknown"
		}
		rep.Resources = append(rep.Resources, ResourceReport{Step: step, Key: o.Key, Type: o.Type, ID: firstOf(o.ID, o.ARN),
			Record: "not recorded", Exists: true, State: "orphan", Problem: o.why()})
		rep.Healthy = false
	}
}
