package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// destroyConcurrency bounds the deletes in flight at one level.
const destroyConcurrency = 8

// Destroy deletes everything the stack created, in reverse dependency
// order, waiting where AWS needs it: what the record holds, and what the
// stack's tags find in AWS that the record does not know (an apply killed
// before it could write, a lost record). One failing call never stops the
// rest: a type that cannot be listed or a resource that cannot be deleted
// (a denied permission, an endpoint that lacks the operation) is reported,
// and everything else is still deleted in order. What remains comes back
// as a *DestroyError listing each resource with the command that removes
// it by hand. Run again after a failure, it finishes what has become
// possible.
func (e *Engine) Destroy(ctx context.Context) error {
	if err := e.refuseAliasHeld(ctx); err != nil {
		return err
	}
	e.noteSwitched()
	release, err := e.takeLease(ctx, "destroy")
	if err != nil {
		return err
	}
	defer release()
	var live []state.Resource
	known := map[string]bool{}
	for _, r := range e.store.Snapshot().Resources {
		// A record marked deleted whose resource the tags still find (a
		// delete AWS acknowledged but did not carry out, or a listing that
		// was behind) is deleted again, as a leftover.
		if r.Live() {
			known[r.Type+" "+r.ID] = true
			live = append(live, *r)
		}
	}
	leftovers, failed := e.listTagged(ctx)
	var unlisted []unlistedType
	for _, u := range failed {
		if aws.IsUnsupported(u.Err) {
			// An endpoint without the type's list operation has none of
			// its resources beyond what the record holds.
			e.emit(Event{Kind: Warning, Step: "destroy", Type: u.Type,
				Message: fmt.Sprintf("%s: deleting the recorded %s resources only", firstLine(reasonOf(u.Err)), u.Type)})
			continue
		}
		unlisted = append(unlisted, u)
		e.emit(Event{Kind: Warning, Step: "destroy", Type: u.Type,
			Message: fmt.Sprintf("cannot list %s by the stack's tags (%s): deleting the recorded ones; others may remain", u.Type, firstLine(reasonOf(u.Err)))})
	}
	var extra []Found
	for _, f := range leftovers {
		if !known[f.Type+" "+f.ID] {
			extra = append(extra, f)
		}
	}
	if err := e.deleteAll(ctx, live, extra); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("destroy: %w", err)
		}
		return e.destroyError(err, unlisted)
	}
	if len(unlisted) > 0 {
		return e.destroyError(nil, unlisted)
	}
	if err := e.verifyGone(ctx); err != nil {
		return err
	}
	for id, rec := range e.store.Snapshot().Steps {
		if rec.Status != state.StepDestroyed {
			if err := e.store.SetStep(id, state.StepDestroyed, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// unlistedType is a kind whose List failed: its resources that the record
// does not know could not be looked for.
type unlistedType struct {
	Type string
	Err  error
}

// unlistedError joins the failures of listTagged, or is nil.
func unlistedError(us []unlistedType) error {
	var errs []error
	for _, u := range us {
		errs = append(errs, u.Err)
	}
	return errors.Join(errs...)
}

// listTagged returns every resource the kinds find by the stack's tags, and
// the kinds that could not be listed; one failing list does not hide the
// others.
func (e *Engine) listTagged(ctx context.Context) ([]Found, []unlistedType) {
	var (
		mu   sync.Mutex
		all  []Found
		errs []unlistedType
		wg   sync.WaitGroup
	)
	for _, k := range e.kinds {
		if k.List == nil {
			continue
		}
		wg.Go(func() {
			fs, err := k.List(ctx, e.aws, e.spec.Name)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, unlistedType{Type: k.Type, Err: fmt.Errorf("list %s: %w", k.Type, err)})
				return
			}
			for _, f := range fs {
				if f.Type == "" {
					f.Type = k.Type
				}
				all = append(all, f)
			}
		})
	}
	wg.Wait()
	slices.SortFunc(errs, func(a, b unlistedType) int { return strings.Compare(a.Type, b.Type) })
	return all, errs
}

// deleteAll deletes recorded resources and leftovers found by tag, each as
// soon as what may use it is gone (deleteGraph, destroy_graph.go).
func (e *Engine) deleteAll(ctx context.Context, recorded []state.Resource, leftovers []Found) error {
	for _, f := range leftovers {
		// The interrupted create of a recorded intent: the same resource,
		// not a second one. Give the record its id so it is deleted once.
		if r, ok := e.store.Resource(f.Key); ok && f.Key != "" && r.Status == state.ResourceIntent && r.ID == "" && r.ARN == "" && r.Type == f.Type {
			if err := e.store.RecordCreated(f.Key, f.ID, f.ARN, f.Attrs); err != nil {
				return err
			}
			rec, _ := e.store.Resource(f.Key)
			for i := range recorded {
				if recorded[i].Key == f.Key {
					recorded[i] = rec
				}
			}
			continue
		}
		key := f.Key
		if key == "" || e.isLiveKey(key) {
			key = "leftover/" + f.Type + "/" + firstOf(f.ID, f.ARN)
		}
		step := f.Step
		if step == "" {
			step = "unknown"
		}
		e.emit(Event{Kind: Warning, Step: step, Key: key, Type: f.Type, ID: f.ID,
			Message: fmt.Sprintf("%s %s carries this stack's tags but is not in the record; deleting it too", f.Type, firstOf(f.ID, f.ARN))})
		if _, err := e.store.RecordIntent(state.Intent{Key: key, Step: string(step), Type: f.Type, Region: f.Region, Attrs: f.Attrs}); err != nil {
			return err
		}
		if err := e.store.RecordCreated(key, f.ID, f.ARN, nil); err != nil {
			return err
		}
		r, _ := e.store.Resource(key)
		recorded = append(recorded, r)
	}
	return e.deleteGraph(ctx, recorded)
}

func (e *Engine) isLiveKey(key string) bool {
	r, ok := e.store.Resource(key)
	return ok && r.Live()
}
