package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// Run is what a step's Apply works with: the spec, the AWS adapters, and
// the engine's journaling, waiting and reporting.
type Run struct {
	Step StepID
	Spec *spec.Spec
	AWS  *aws.Clients
	e    *Engine
	// board is the apply's record of published outputs (schedule.go);
	// nil outside an apply.
	board *board
}

// Ops are a step's calls for one resource; Ensure decides which to make.
type Ops struct {
	// Find looks for the resource in AWS by its tags or unique name, for a
	// create whose result was lost: a crash between the call and the
	// record, or a create that got no answer (Ensure looks before sending
	// it again). Nil when Create is idempotent by itself (a client token,
	// a name AWS keeps unique and answers with the existing resource).
	Find func(ctx context.Context) (Found, bool, error)
	// Create makes the resource. token is stable across resumed attempts;
	// pass it as the API's client token where there is one.
	Create func(ctx context.Context, token string) (Found, error)
	// Update brings the existing resource to the desired attrs in place.
	// Nil means any change of attrs replaces the resource.
	Update func(ctx context.Context, current state.Resource) (Found, error)
}

// Tags returns the tags of the step's resource key: stackwiz:stack,
// stackwiz:step, stackwiz:key and Name.
func (r *Run) Tags(key, name string) map[string]string {
	return StackTags(r.Spec.Name, r.Step, key, name)
}

// Name returns the stack's name with suffix, the way every resource is
// named ("qvic-alb").
func (r *Run) Name(suffix string) string { return r.Spec.Name + "-" + suffix }

// Info reports a passing note.
func (r *Run) Info(format string, args ...any) {
	r.e.emit(Event{Kind: Info, Step: r.Step, Message: fmt.Sprintf(format, args...)})
}

// Warn reports something the user should know and may act on.
func (r *Run) Warn(format string, args ...any) {
	r.e.emit(Event{Kind: Warning, Step: r.Step, Message: fmt.Sprintf(format, args...)})
}

// Output returns a value another step (or this one) recorded.
func (r *Run) Output(step StepID, key string) string {
	rec, ok := r.e.store.Step(string(step))
	if !ok {
		return ""
	}
	return rec.Outputs[key]
}

// SetOutputs records values later steps read; they survive a restart. It
// also publishes them: a step that reads only these (EarlyReads) starts
// now, so a step sets each output as soon as the resource it names exists,
// before waiting for anything else, and again at its end.
func (r *Run) SetOutputs(kv map[string]string) error {
	if err := r.e.store.SetOutputs(string(r.Step), kv); err != nil {
		return err
	}
	if r.board != nil {
		r.board.publish(r.Step, slices.Collect(maps.Keys(kv)))
	}
	return nil
}

// Recorded returns the record of key, if any.
func (r *Run) Recorded(key string) (state.Resource, bool) {
	return r.e.store.Resource(key)
}

// Ensure brings the resource d into being, exactly once across crashes and
// resumes, and returns its record:
//
//   - recorded and still in AWS with the desired attrs: nothing is called;
//   - recorded with other attrs: Update in place, or delete and create
//     again when an attr in d.Replace changed (or there is no Update);
//   - recorded but gone from AWS: created again;
//   - an intent from an interrupted run: Find it (its create may have gone
//     through), else Create with the intent's token;
//   - not recorded: record the intent, then Create;
//   - a Create that got no answer (its outcome unknown): Find it before
//     sending it again, so a lost answer never makes a second resource.
//
// Every mutation is on disk before and after the call, so a kill at any
// moment leaves a record the next run follows.
func (r *Run) Ensure(ctx context.Context, d Desired, ops Ops) (state.Resource, error) {
	if d.Key == "" || d.Type == "" || ops.Create == nil {
		return state.Resource{}, fmt.Errorf("ensure %q: key, type and Create are required", d.Key)
	}
	rec, ok := r.e.store.Resource(d.Key)
	if ok && rec.Status == state.ResourceCreated {
		gone, err := r.e.gone(ctx, rec)
		if err != nil {
			return state.Resource{}, err
		}
		switch {
		case gone:
			r.Warn("%s %s is gone from AWS; creating it again", d.Type, rec.ID)
			if err := r.e.store.RecordDeleted(d.Key); err != nil {
				return state.Resource{}, err
			}
		case attrsMatch(rec.Attrs, d.Attrs):
			r.e.emit(Event{Kind: ResourceUnchanged, Step: r.Step, Key: d.Key, Type: d.Type, ID: rec.ID})
			return rec, nil
		case ops.Update != nil && !replaceNeeded(rec.Attrs, d):
			return r.update(ctx, d, rec, ops)
		default:
			r.Info("%s %s must be replaced: %s changed", d.Type, rec.ID, changedAttrs(rec.Attrs, d.Attrs))
			if err := r.e.deleteResource(ctx, rec); err != nil {
				return state.Resource{}, err
			}
		}
	}
	if ok && rec.Status == state.ResourceDeleting {
		if err := r.e.deleteResource(ctx, rec); err != nil {
			return state.Resource{}, err
		}
	}
	resumed := ok && rec.Status == state.ResourceIntent
	intent, err := r.e.store.RecordIntent(state.Intent{
		Key: d.Key, Step: string(r.Step), Type: d.Type, Region: d.Region, Attrs: d.Attrs,
	})
	if err != nil {
		return state.Resource{}, err
	}
	r.e.emit(Event{Kind: ResourceCreating, Step: r.Step, Key: d.Key, Type: d.Type, Message: d.Name})
	var f Found
	found := false
	if resumed && ops.Find != nil {
		if f, found, err = ops.Find(ctx); err != nil {
			return state.Resource{}, fmt.Errorf("find %s %s: %w", d.Type, d.Key, err)
		}
	}
	if !found {
		if f, err = r.create(ctx, d, ops, intent.Token); err != nil {
			var before beforeCreateError
			if !resumed && (aws.CreatedNothing(err) || errors.As(err, &before)) {
				// Refused or unimplemented at the create call itself, or
				// failed before reaching it: nothing exists for a later
				// run or destroy to look for.
				if derr := r.e.store.RecordDeleted(d.Key); derr != nil {
					err = errors.Join(err, derr)
				}
			}
			return state.Resource{}, fmt.Errorf("create %s %s: %w", d.Type, d.Name, err)
		}
	}
	return r.recordCreated(d, f)
}

// createAttempts bounds how often Ensure sends a create whose earlier
// attempts ended without an answer and could not be found afterwards.
const createAttempts = 3

// create calls ops.Create. When a create fails with an unknown outcome
// (sent, and no answer came back: a connection reset, a timeout, a 5xx)
// the resource may exist, so before sending the create again it is looked
// up with Find (by its stackwiz:key tag), after a short pause that lets
// AWS's describes catch up with the create. A lost answer never makes a
// second resource. Without a Find the create is idempotent by itself and
// the SDK's own retries cover it.
func (r *Run) create(ctx context.Context, d Desired, ops Ops, token string) (Found, error) {
	for attempt := 1; ; attempt++ {
		f, err := ops.Create(ctx, token)
		if err == nil || ops.Find == nil || !aws.OutcomeUnknown(err) || ctx.Err() != nil || attempt == createAttempts {
			return f, err
		}
		r.Warn("%s %s: its create got no answer (%s); looking for it by its tags before trying again",
			d.Type, d.Name, firstLine(err.Error()))
		select {
		case <-ctx.Done():
			return Found{}, err
		case <-time.After(r.e.opts.Poll.Min):
		}
		got, ok, ferr := ops.Find(ctx)
		if ferr != nil {
			return Found{}, errors.Join(err, fmt.Errorf("find %s %s: %w", d.Type, d.Key, ferr))
		}
		if ok {
			return got, nil
		}
	}
}

// beforeCreateError is an error a Create returns before its create call
// (a check that must pass first, such as a name still held by a group
// being deleted): like a refused create, it leaves no intent behind, so a
// destroy without the permission the check needed has nothing to look for.
type beforeCreateError struct{ error }

func (e beforeCreateError) Unwrap() error { return e.error }

func (r *Run) update(ctx context.Context, d Desired, rec state.Resource, ops Ops) (state.Resource, error) {
	r.e.emit(Event{Kind: ResourceCreating, Step: r.Step, Key: d.Key, Type: d.Type, ID: rec.ID,
		Message: "update " + changedAttrs(rec.Attrs, d.Attrs)})
	f, err := ops.Update(ctx, rec)
	if err != nil {
		return state.Resource{}, fmt.Errorf("update %s %s: %w", d.Type, rec.ID, err)
	}
	if f.ID == "" {
		f.ID, f.ARN = rec.ID, rec.ARN
	}
	return r.recordCreated(d, f)
}

func (r *Run) recordCreated(d Desired, f Found) (state.Resource, error) {
	attrs := maps.Clone(d.Attrs)
	if attrs == nil {
		attrs = map[string]string{}
	}
	maps.Copy(attrs, f.Attrs)
	if err := r.e.store.RecordCreated(d.Key, f.ID, f.ARN, attrs); err != nil {
		return state.Resource{}, err
	}
	r.e.emit(Event{Kind: ResourceReady, Step: r.Step, Key: d.Key, Type: d.Type, ID: firstOf(f.ID, f.ARN), Message: d.Name})
	rec, _ := r.e.store.Resource(d.Key)
	return rec, nil
}

// SetAttrs records attrs observed after creation (a launch template's new
// version, a load balancer's DNS name) on an existing record.
func (r *Run) SetAttrs(key string, attrs map[string]string) error {
	rec, ok := r.e.store.Resource(key)
	if !ok {
		return fmt.Errorf("set attrs of %s: not recorded", key)
	}
	return r.e.store.RecordCreated(key, rec.ID, rec.ARN, attrs)
}

// Delete deletes the recorded resource key (a builder instance once its
// image is taken), journaled like every other mutation.
func (r *Run) Delete(ctx context.Context, key string) error {
	rec, ok := r.e.store.Resource(key)
	if !ok || !rec.Live() {
		return nil
	}
	return r.e.deleteResource(ctx, rec)
}

// Wait polls check until it reports done or timeout passes, reporting what
// it waits for. The poll interval grows from the engine's minimum to its
// maximum, so a quick sandbox and a slow AWS are both served well.
func (r *Run) Wait(ctx context.Context, key, what string, timeout time.Duration, check func(context.Context) (bool, error)) error {
	return r.e.wait(ctx, r.Step, key, what, timeout, check)
}

// RetryIAM calls fn again while AWS rejects a just-created instance profile
// or role (IAM is eventually consistent), for a bounded time.
func (r *Run) RetryIAM(ctx context.Context, what string, fn func(context.Context) error) error {
	var last error
	err := r.e.wait(ctx, r.Step, "", what+" (waiting for IAM to propagate)", r.e.opts.Poll.IAM, func(ctx context.Context) (bool, error) {
		last = fn(ctx)
		if last != nil && aws.IsIAMPropagation(last) {
			return false, nil
		}
		return true, last
	})
	if errors.Is(err, errWaitTimeout) && last != nil {
		return fmt.Errorf("%s: IAM did not propagate in %s: %w", what, r.e.opts.Poll.IAM, last)
	}
	return err
}

func attrsMatch(recorded, desired map[string]string) bool {
	for k, v := range desired {
		if recorded[k] != v {
			return false
		}
	}
	return true
}

func replaceNeeded(recorded map[string]string, d Desired) bool {
	for _, k := range d.Replace {
		if v, ok := d.Attrs[k]; ok && recorded[k] != v {
			return true
		}
	}
	return false
}

// changedAttrs describes which desired attrs differ from the record.
func changedAttrs(recorded, desired map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(desired)) {
		if recorded[k] != desired[k] {
			out = append(out, fmt.Sprintf("%s %q → %q", k, recorded[k], desired[k]))
		}
	}
	if len(out) == 0 {
		return "nothing"
	}
	return strings.Join(out, ", ")
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
