package steps

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// Poll sets how the engine waits on AWS.
type Poll struct {
	// Min and Max bound the interval between checks; it doubles from Min.
	Min, Max time.Duration
	// IAM bounds the retries of a call AWS rejects while IAM propagates.
	IAM time.Duration
	// Dependency bounds the retries of a delete that something still uses
	// (an ENI of a terminating instance holding a security group).
	Dependency time.Duration
}

// DefaultPoll suits AWS itself.
var DefaultPoll = Poll{Min: 2 * time.Second, Max: 15 * time.Second, IAM: 2 * time.Minute, Dependency: 10 * time.Minute}

// Options tune an Engine.
type Options struct {
	Poll Poll
	// Steps replaces All() (tests).
	Steps []Step
	// Kinds replaces the steps' kinds (tests).
	Kinds []Kind
	// Now replaces the clock in events.
	Now func() time.Time
	// PublicIP, when set, answers the caller's public address for
	// network.bastion.ssh_from: auto instead of checkip.amazonaws.com (the
	// sandbox has no internet to ask).
	PublicIP func(ctx context.Context) (netip.Addr, error)
	// Lease, when set, makes Apply and Destroy hold the stack's lease in
	// the account while they run (lease.go).
	Lease *LeaseOptions
}

// Engine plans, applies, destroys and checks one stack. The caller holds
// the store's lock for Apply, Destroy and Adopt.
type Engine struct {
	spec  *spec.Spec
	aws   *aws.Clients
	store *state.Store
	sink  Sink
	opts  Options
	steps []Step
	kinds kindRegistry
	sinkM sync.Mutex
}

// New returns an engine for spec, with its record in store, reporting to
// sink (nil discards events).
func New(sp *spec.Spec, clients *aws.Clients, store *state.Store, sink Sink, opts Options) *Engine {
	if opts.Poll.Min <= 0 {
		opts.Poll.Min = DefaultPoll.Min
	}
	if opts.Poll.Max < opts.Poll.Min {
		opts.Poll.Max = max(DefaultPoll.Max, opts.Poll.Min)
	}
	if opts.Poll.IAM <= 0 {
		opts.Poll.IAM = DefaultPoll.IAM
	}
	if opts.Poll.Dependency <= 0 {
		opts.Poll.Dependency = DefaultPoll.Dependency
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	all := opts.Steps
	if all == nil {
		all = All()
	}
	if opts.PublicIP != nil {
		all = slices.Clone(all)
		for i, s := range all {
			if _, ok := s.(securityStep); ok {
				all[i] = securityStep{publicIP: opts.PublicIP}
			}
		}
	}
	ks := opts.Kinds
	if ks == nil {
		ks = allKinds()
	}
	return &Engine{spec: sp, aws: clients, store: store, sink: sink, opts: opts, steps: all, kinds: newKindRegistry(ks)}
}

// Steps returns the engine's steps in the recommended order.
func (e *Engine) Steps() []Step { return e.steps }

func (e *Engine) emit(ev Event) {
	if e.sink == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = e.opts.Now()
	}
	e.sinkM.Lock()
	defer e.sinkM.Unlock()
	e.sink(ev)
}

// StepError is one step's failure.
type StepError struct {
	Step StepID
	Err  error
}

func (e *StepError) Error() string { return fmt.Sprintf("step %s: %v", e.Step, e.Err) }
func (e *StepError) Unwrap() error { return e.Err }

// ApplyError lists the steps that failed and those blocked behind them.
type ApplyError struct {
	Failed  []*StepError
	Blocked []StepID
}

func (e *ApplyError) Error() string {
	var b strings.Builder
	for i, f := range e.Failed {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(f.Error())
	}
	if len(e.Blocked) > 0 {
		fmt.Fprintf(&b, " (not started: %s)", joinIDs(e.Blocked))
	}
	return b.String()
}

// Unwrap returns the step failures, so errors.Is/As see AWS's errors.
func (e *ApplyError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		out[i] = f
	}
	return out
}

// Apply creates or resumes the stack: every enabled step runs as soon as
// the steps it needs are done, independent branches at once. A step that
// fails stops only the steps behind it; re-running Apply resumes. When
// every step is done, resources the spec no longer asks for are deleted.
func (e *Engine) Apply(ctx context.Context) error {
	ctx, err := e.withSSHFrom(ctx)
	if err != nil {
		return err
	}
	if err := e.checkDualstackVPC(ctx); err != nil {
		return err
	}
	text, err := e.spec.YAML()
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	if err := e.store.SetSpec(string(text)); err != nil {
		return err
	}
	release, err := e.takeLease(ctx, "apply")
	if err != nil {
		return err
	}
	defer release()
	if err := e.adoptOrphans(ctx); err != nil {
		return err
	}
	enabled := Enabled(e.spec, e.steps)
	ids := make([]StepID, len(enabled))
	for i, s := range enabled {
		ids[i] = s.ID()
	}
	b := newBoard(ids)
	var (
		mu   sync.Mutex
		aerr ApplyError
		wg   sync.WaitGroup
	)
	for _, s := range enabled {
		wg.Go(func() {
			// A step waits for the outputs it reads early (EarlyReads) and
			// for the whole of every other step it needs.
			for _, need := range s.Needs(e.spec) {
				if err := b.await(ctx, need, earlyKeys(e.spec, s.ID(), need)); err != nil || ctx.Err() != nil {
					mu.Lock()
					aerr.Blocked = append(aerr.Blocked, s.ID())
					mu.Unlock()
					b.end(s.ID(), errNotRun)
					e.emit(Event{Kind: StepBlocked, Step: s.ID(), Message: "waits for " + string(need)})
					return
				}
			}
			err := e.runStep(ctx, s, b)
			if err != nil {
				mu.Lock()
				aerr.Failed = append(aerr.Failed, &StepError{Step: s.ID(), Err: err})
				mu.Unlock()
			}
			b.end(s.ID(), err)
		})
	}
	wg.Wait()
	if len(aerr.Failed) > 0 || len(aerr.Blocked) > 0 {
		slices.SortFunc(aerr.Failed, func(a, b *StepError) int { return e.order(a.Step) - e.order(b.Step) })
		slices.SortFunc(aerr.Blocked, func(a, b StepID) int { return e.order(a) - e.order(b) })
		if len(aerr.Failed) == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		return &aerr
	}
	if err := e.prune(ctx); err != nil {
		return err
	}
	return e.deleteOrphans(ctx)
}

// order is id's place in the recommended order (-1 for an unknown step).
func (e *Engine) order(id StepID) int {
	return slices.IndexFunc(e.steps, func(s Step) bool { return s.ID() == id })
}

func (e *Engine) runStep(ctx context.Context, s Step, b *board) error {
	start := e.opts.Now()
	if err := e.store.SetStep(string(s.ID()), state.StepInProgress, nil); err != nil {
		return err
	}
	e.emit(Event{Kind: StepStarted, Step: s.ID(), Message: s.Title()})
	r := &Run{Step: s.ID(), Spec: e.spec, AWS: e.aws, e: e, board: b}
	err := s.Apply(ctx, r)
	if err != nil {
		err = plainFailure(err)
		if serr := e.store.SetStep(string(s.ID()), state.StepFailed, err); serr != nil {
			err = errors.Join(err, serr)
		}
		e.emit(Event{Kind: StepFailed, Step: s.ID(), Err: err, Message: err.Error(), Hint: HintFor(err), Elapsed: e.opts.Now().Sub(start)})
		return err
	}
	if err := e.store.SetStep(string(s.ID()), state.StepDone, nil); err != nil {
		return err
	}
	e.emit(Event{Kind: StepDone, Step: s.ID(), Message: s.Title(), Elapsed: e.opts.Now().Sub(start)})
	return nil
}

// desiredKeys returns the keys every enabled step keeps for the spec.
func (e *Engine) desiredKeys() map[string]bool {
	keys := map[string]bool{}
	for _, s := range Enabled(e.spec, e.steps) {
		for _, d := range s.Desired(e.spec) {
			keys[d.Key] = true
		}
	}
	return keys
}

// prune deletes what the record holds and the spec no longer asks for
// (a NAT gateway per AZ after nat: single), in destroy order.
func (e *Engine) prune(ctx context.Context) error {
	keys := e.desiredKeys()
	var unwanted []state.Resource
	for _, r := range e.store.Snapshot().Resources {
		if r.Live() && !keys[r.Key] {
			unwanted = append(unwanted, *r)
		}
	}
	if len(unwanted) == 0 {
		return nil
	}
	return e.deleteAll(ctx, unwanted, nil)
}

var errWaitTimeout = errors.New("timed out")

// wait polls check with a growing interval until it is done, fails, or
// timeout passes, emitting a waiting event as it starts and as time goes.
func (e *Engine) wait(ctx context.Context, step StepID, key, what string, timeout time.Duration, check func(context.Context) (bool, error)) error {
	start := e.opts.Now()
	interval := e.opts.Poll.Min
	announced := false
	for {
		ok, err := check(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		elapsed := e.opts.Now().Sub(start)
		if timeout > 0 && elapsed > timeout {
			return fmt.Errorf("wait for %s: %w after %s", what, errWaitTimeout, timeout.Round(time.Second))
		}
		if !announced || interval >= e.opts.Poll.Max {
			e.emit(Event{Kind: ResourceWaiting, Step: step, Key: key, Message: what, Elapsed: elapsed})
			announced = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
		interval = min(interval*2, e.opts.Poll.Max)
	}
}

// target returns the Kind target for r.
func (e *Engine) target(r state.Resource) Target {
	return Target{AWS: e.aws, Resource: r, wait: func(ctx context.Context, what string, check func(context.Context) (bool, error)) error {
		return e.wait(ctx, StepID(r.Step), r.Key, what, 0, check)
	}}
}

// gone reports whether a recorded resource no longer exists in AWS.
func (e *Engine) gone(ctx context.Context, r state.Resource) (bool, error) {
	k, ok := e.kinds[r.Type]
	if !ok || k.Describe == nil || r.ID == "" && r.ARN == "" {
		return false, nil
	}
	obs, err := k.Describe(ctx, e.target(r))
	if err != nil {
		return false, fmt.Errorf("describe %s %s: %w", r.Type, firstOf(r.ID, r.ARN), err)
	}
	return !obs.Exists, nil
}

// deleteResource deletes one recorded resource, journaled: deleting before
// the call, deleted after AWS confirms. An intent whose create never
// reached AWS (no id) is found by its tags first, or dropped.
func (e *Engine) deleteResource(ctx context.Context, r state.Resource) error {
	return e.deleteHeld(ctx, r, "")
}

// deleteHeld is deleteResource for a resource that heldBy (a resource
// destroy could not delete, "elbv2:load-balancer arn:...") may be using:
// a dependency error then ends the delete at once instead of waiting for
// a dependent that will not go.
func (e *Engine) deleteHeld(ctx context.Context, r state.Resource, heldBy string) error {
	k, ok := e.kinds[r.Type]
	if !ok {
		return fmt.Errorf("delete %s: no kind handles type %s", r.Key, r.Type)
	}
	if r.ID == "" && r.ARN == "" {
		f, found, err := e.findByKey(ctx, k, r.Key)
		if err != nil {
			return fmt.Errorf("find %s %s: %w", r.Type, r.Key, err)
		}
		if !found {
			return e.store.RecordDeleted(r.Key)
		}
		if err := e.store.RecordCreated(r.Key, f.ID, f.ARN, f.Attrs); err != nil {
			return err
		}
		r, _ = e.store.Resource(r.Key)
	}
	if err := e.store.RecordDeleting(r.Key); err != nil {
		return err
	}
	e.emit(Event{Kind: ResourceDeleting, Step: StepID(r.Step), Key: r.Key, Type: r.Type, ID: firstOf(r.ID, r.ARN)})
	if err := e.deleteRetrying(ctx, k, r, heldBy); err != nil {
		return err
	}
	if err := e.store.RecordDeleted(r.Key); err != nil {
		return err
	}
	e.emit(Event{Kind: ResourceDeleted, Step: StepID(r.Step), Key: r.Key, Type: r.Type, ID: firstOf(r.ID, r.ARN)})
	return nil
}

// deleteRetrying calls the kind's Delete, retrying while AWS says a
// dependent still holds the resource (bounded by Poll.Dependency), unless
// heldBy names a resource that is staying and may be that dependent.
func (e *Engine) deleteRetrying(ctx context.Context, k Kind, r state.Resource, heldBy string) error {
	var last error
	err := e.wait(ctx, StepID(r.Step), r.Key, "dependents of "+firstOf(r.ID, r.ARN)+" to go", e.opts.Poll.Dependency, func(ctx context.Context) (bool, error) {
		last = k.Delete(ctx, e.target(r))
		switch {
		case last == nil:
			return true, nil
		case aws.IsNotFound(last):
			// A delete touches other resources too (a security group
			// revokes rules in its peers): the NotFound may be theirs.
			// Gone means the resource itself is gone.
			return e.confirmGone(ctx, k, r)
		case aws.IsDependency(last) && heldBy != "":
			return false, fmt.Errorf("%w (in use by %s, which is not deleted)", last, heldBy)
		case aws.IsDependency(last):
			return false, nil
		}
		return false, last
	})
	if err != nil {
		if errors.Is(err, errWaitTimeout) && last != nil {
			err = last
		}
		return fmt.Errorf("delete %s %s: %w", r.Type, firstOf(r.ID, r.ARN), err)
	}
	return nil
}

// confirmGone reports whether r is really gone after its delete said
// NotFound; if it still exists the delete is tried again.
func (e *Engine) confirmGone(ctx context.Context, k Kind, r state.Resource) (bool, error) {
	if k.Describe == nil {
		return true, nil
	}
	obs, err := k.Describe(ctx, e.target(r))
	if err != nil {
		return false, fmt.Errorf("describe %s %s after its delete: %w", r.Type, firstOf(r.ID, r.ARN), err)
	}
	return !obs.Exists, nil
}

// findByKey lists the kind's resources of the stack and returns the one
// tagged with key.
func (e *Engine) findByKey(ctx context.Context, k Kind, key string) (Found, bool, error) {
	if k.List == nil {
		return Found{}, false, nil
	}
	fs, err := k.List(ctx, e.aws, e.spec.Name)
	if err != nil {
		return Found{}, false, err
	}
	for _, f := range fs {
		if f.Key == key {
			return f, true, nil
		}
	}
	return Found{}, false, nil
}

func joinIDs(ids []StepID) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ", ")
}
