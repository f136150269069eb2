package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/stackwiz/stackwiz/state"
)

// destroyConcurrency bounds the deletes in flight at one level.
const destroyConcurrency = 8

// Destroy deletes everything the stack created, in reverse dependency
// order, waiting where AWS needs it: what the record holds, and what the
// stack's tags find in AWS that the record does not know (an apply killed
// before it could write, a lost record). Run again after a failure, it
// picks up where it stopped.
func (e *Engine) Destroy(ctx context.Context) error {
	var live []state.Resource
	known := map[string]bool{}
	for _, r := range e.store.Snapshot().Resources {
		known[r.Type+" "+r.ID] = true
		if r.Live() {
			live = append(live, *r)
		}
	}
	leftovers, err := e.listTagged(ctx)
	if err != nil {
		return fmt.Errorf("destroy: %w", err)
	}
	var extra []Found
	for _, f := range leftovers {
		if !known[f.Type+" "+f.ID] {
			extra = append(extra, f)
		}
	}
	if err := e.deleteAll(ctx, live, extra); err != nil {
		return fmt.Errorf("destroy: %w", err)
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

// listTagged returns every resource the kinds find by the stack's tags.
func (e *Engine) listTagged(ctx context.Context) ([]Found, error) {
	var (
		mu   sync.Mutex
		all  []Found
		errs []error
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
				errs = append(errs, fmt.Errorf("list %s: %w", k.Type, err))
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
	return all, errors.Join(errs...)
}

// deleteAll deletes recorded resources and leftovers found by tag, level by
// level in kind order; a level starts only when the one before it is gone,
// and a failure stops the levels after it (what they hold may still be in
// use).
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
	levels := map[int][]state.Resource{}
	for _, r := range recorded {
		o := e.kinds.order(r.Type)
		levels[o] = append(levels[o], r)
	}
	for _, o := range slices.Sorted(maps.Keys(levels)) {
		if err := e.deleteLevel(ctx, levels[o]); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) isLiveKey(key string) bool {
	r, ok := e.store.Resource(key)
	return ok && r.Live()
}

// deleteLevel deletes resources that do not depend on one another, at once
// (newest first within a type, as they were made).
func (e *Engine) deleteLevel(ctx context.Context, rs []state.Resource) error {
	slices.Reverse(rs)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
		sem  = make(chan struct{}, destroyConcurrency)
	)
	for _, r := range rs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := e.deleteResource(ctx, r); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
