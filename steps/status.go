package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// ResourceReport is one recorded resource as AWS has it. Every key is in
// its JSON form, empty or not (docs/schemas/status.schema.json).
type ResourceReport struct {
	Step   StepID `json:"step"`
	Key    string `json:"key"`
	Type   string `json:"type"`
	ID     string `json:"id"`
	Record string `json:"record"`
	Exists bool   `json:"exists"`
	State  string `json:"state"`
	// Checked is false when status could not read the resource (a denied
	// permission, an endpoint without the operation): Healthy then says
	// nothing about it.
	Checked bool `json:"checked"`
	// Healthy is false for a missing, failed or unhealthy resource, and for
	// one that could not be checked.
	Healthy bool `json:"healthy"`
	// Drift lists the attrs whose value in AWS is not the recorded one.
	Drift   []string `json:"drift"`
	Problem string   `json:"problem"`
}

// StepReport is one step's progress.
type StepReport struct {
	ID     StepID           `json:"id"`
	Title  string           `json:"title"`
	Status state.StepStatus `json:"status"`
	Error  string           `json:"error"`
}

// Verdict is status's answer in one word. It is what `stackwiz status`
// exits by: 0 healthy, 1 unhealthy, 3 unknown.
type Verdict string

const (
	// VerdictHealthy: every step is done and every resource was checked
	// and is well.
	VerdictHealthy Verdict = "healthy"
	// VerdictUnhealthy: something checked is wrong (a step not done, a
	// resource missing, failing, drifted or notifying nobody, an orphan).
	VerdictUnhealthy Verdict = "unhealthy"
	// VerdictUnknown: nothing checked is wrong, but some resources could
	// not be checked.
	VerdictUnknown Verdict = "unknown"
)

// StatusReport is the whole stack as AWS has it.
type StatusReport struct {
	Stack     string           `json:"stack"`
	Region    string           `json:"region"`
	Account   string           `json:"account"`
	Steps     []StepReport     `json:"steps"`
	Resources []ResourceReport `json:"resources"`
	// Healthy is true when every step is done and every resource exists,
	// is healthy and has not drifted (Verdict is VerdictHealthy).
	Healthy bool    `json:"healthy"`
	Verdict Verdict `json:"verdict"`
}

// statusConcurrency bounds the describes in flight.
const statusConcurrency = 8

// Status checks every recorded resource against AWS, and lists what
// carries the stack's tags without being recorded (orphans, unhealthy).
func (e *Engine) Status(ctx context.Context) (*StatusReport, error) {
	snap := e.store.Snapshot()
	rep := &StatusReport{Stack: snap.Name, Region: snap.Region, Account: snap.AccountID, Steps: []StepReport{}}
	for _, s := range Enabled(e.spec, e.steps) {
		sr := StepReport{ID: s.ID(), Title: s.Title(), Status: state.StepPending}
		if rec, ok := snap.Steps[string(s.ID())]; ok {
			sr.Status, sr.Error = rec.Status, rec.Error
		}
		rep.Steps = append(rep.Steps, sr)
	}
	var live []*state.Resource
	for _, r := range snap.Resources {
		if r.Live() {
			live = append(live, r)
		}
	}
	rep.Resources = make([]ResourceReport, len(live))
	var (
		wg   sync.WaitGroup
		sem  = make(chan struct{}, statusConcurrency)
		mu   sync.Mutex
		errs []error
	)
	for i, r := range live {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			rr, err := e.check(ctx, *r)
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
			rep.Resources[i] = rr
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("status: %w", errs[0])
	}
	checked := len(rep.Resources)
	e.noteAliasesOnto(ctx, rep)
	e.statusOrphans(ctx, rep)
	for i := checked; i < len(rep.Resources); i++ {
		rep.Resources[i].Checked = true // found by their tags: they are there
	}
	rep.judge()
	return rep, nil
}

// judge sets the report's verdict from its steps and resources, and gives
// every list an empty value rather than none, so that the JSON form has
// arrays only.
func (rep *StatusReport) judge() {
	unchecked, unhealthy := false, false
	for _, sr := range rep.Steps {
		unhealthy = unhealthy || sr.Status != state.StepDone
	}
	for i := range rep.Resources {
		rr := &rep.Resources[i]
		if rr.Drift == nil {
			rr.Drift = []string{}
		}
		switch {
		case !rr.Checked:
			unchecked = true
		case !rr.Healthy:
			unhealthy = true
		}
	}
	switch {
	case unhealthy:
		rep.Verdict = VerdictUnhealthy
	case unchecked:
		rep.Verdict = VerdictUnknown
	default:
		rep.Verdict = VerdictHealthy
	}
	rep.Healthy = rep.Verdict == VerdictHealthy
}

func (e *Engine) check(ctx context.Context, r state.Resource) (ResourceReport, error) {
	rr := ResourceReport{Step: StepID(r.Step), Key: r.Key, Type: r.Type, ID: firstOf(r.ID, r.ARN), Record: string(r.Status), Checked: true}
	if r.Status != state.ResourceCreated {
		rr.Problem = fmt.Sprintf("left %s by an interrupted run: run apply to finish or destroy to remove it", r.Status)
		return rr, nil
	}
	k, ok := e.kinds[r.Type]
	if !ok || k.Describe == nil {
		rr.Exists, rr.Healthy = true, true
		return rr, nil
	}
	obs, err := k.Describe(ctx, e.target(r))
	if err != nil {
		err = fmt.Errorf("describe %s %s: %w", r.Type, rr.ID, err)
		if aws.IsAccessDenied(err) || aws.IsUnsupported(err) {
			// A permission (or operation) this one resource needs hides
			// it alone: report the rest, and say which one to allow.
			rr.State, rr.Problem, rr.Checked = "unknown", "cannot check: "+plainFailure(err).Error(), false
			return rr, nil
		}
		return rr, err
	}
	rr.Exists, rr.State, rr.Problem = obs.Exists, obs.State, obs.Problem
	if !obs.Exists {
		rr.Problem = "deleted outside stackwiz: run apply to create it again"
		return rr, nil
	}
	for _, k := range slices.Sorted(maps.Keys(obs.Attrs)) {
		if want, ok := r.Attrs[k]; ok && want != obs.Attrs[k] {
			rr.Drift = append(rr.Drift, fmt.Sprintf("%s: recorded %q, AWS has %q", k, want, obs.Attrs[k]))
		}
	}
	rr.Healthy = obs.Healthy && len(rr.Drift) == 0
	if r.Type == typeSubscription && obs.State == subscriptionPending {
		// Alarms that notify nobody are not a healthy stack.
		rr.Healthy, rr.Problem = false, pendingSubscriptionProblem(e.target(r), obs.Attrs["endpoint"])
	}
	return rr, nil
}

// Adopt rebuilds the record from the stack's tags in AWS: every resource
// tagged stackwiz:stack with the stack's name and a stackwiz:key is
// recorded as created. The next apply finds them all unchanged and rebuilds
// the steps' outputs. It returns how many resources were adopted.
func (e *Engine) Adopt(ctx context.Context) (int, error) {
	found, unlisted := e.listTagged(ctx)
	if err := unlistedError(unlisted); err != nil {
		// A partial search would record part of the stack, and a later
		// destroy would follow that record: refuse instead.
		return 0, fmt.Errorf("adopt: %w", err)
	}
	return e.adoptFound(found)
}

// WrongRegionError is AdoptRegional's refusal: the tags found only the
// stack's global resources (IAM, Route 53, the billing alarm), which every
// region lists, and none of its regional ones, so the stack was built in
// another region than the one searched.
type WrongRegionError struct {
	Stack  string
	Region string
	// Global is how many of the stack's global resources were found.
	Global int
}

func (e *WrongRegionError) Error() string {
	return fmt.Sprintf("found %d global resources of stack %s (IAM, Route 53, billing) but none of its regional ones in %s: the stack was built in another region",
		e.Global, e.Stack, e.Region)
}

// AdoptRegional is Adopt for a whole stack: it refuses, before recording
// anything, a search that found only global resources. Adopting those
// alone would give a record that a later destroy follows to delete half of
// a live stack.
func (e *Engine) AdoptRegional(ctx context.Context) (int, error) {
	found, unlisted := e.listTagged(ctx)
	if err := unlistedError(unlisted); err != nil {
		// A partial search would record part of the stack, and a later
		// destroy would follow that record: refuse instead.
		return 0, fmt.Errorf("adopt: %w", err)
	}
	global := 0
	for _, f := range found {
		if isGlobal(f) {
			global++
		}
	}
	if global > 0 && global == len(found) {
		region := ""
		if e.aws != nil {
			region = e.aws.Region
		}
		return 0, &WrongRegionError{Stack: e.spec.Name, Region: region, Global: global}
	}
	return e.adoptFound(found)
}

// isGlobal reports whether a found resource is one that any region's
// search finds: IAM and Route 53 are global, and a resource with its own
// region (the billing alarm in us-east-1) is listed from every region.
func isGlobal(f Found) bool {
	return strings.HasPrefix(f.Type, "iam:") || strings.HasPrefix(f.Type, "route53:") || f.Region != ""
}

func (e *Engine) adoptFound(found []Found) (int, error) {
	slices.SortStableFunc(found, func(a, b Found) int { return e.kinds.order(b.Type) - e.kinds.order(a.Type) })
	n := 0
	for _, f := range found {
		if f.Key == "" || e.isLiveKey(f.Key) {
			continue
		}
		step := f.Step
		if step == "" {
			step = "unknown"
		}
		if _, err := e.store.RecordIntent(state.Intent{Key: f.Key, Step: string(step), Type: f.Type, Region: f.Region}); err != nil {
			return n, err
		}
		if err := e.store.RecordCreated(f.Key, f.ID, f.ARN, f.Attrs); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
