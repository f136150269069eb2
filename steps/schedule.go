package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/stackwiz/stackwiz/spec"
)

// Steps are what the user sees and what apply resumes by, but a step need
// not wait for the whole of every step it needs: most read one or two
// outputs that exist long before the step that makes them is done (the
// public subnets are there while the NAT gateways come up; the target
// group while the load balancer provisions). A producing step publishes
// such an output as soon as the resource it names exists (Run.SetOutputs,
// before its long waits), and a step that reads only it starts then.
//
// A step is still done only when its Apply returns, and the journal is the
// same: every resource goes through Run.Ensure whichever step starts
// first. An output counts only once it is published in this run, never
// from the record of an earlier one, so a resumed apply cannot start a
// step on a value the producer is about to change.

// OutputRef names one output of a step.
type OutputRef struct {
	Step StepID
	Key  string
}

func refs(step StepID, keys ...string) []OutputRef {
	out := make([]OutputRef, len(keys))
	for i, k := range keys {
		out[i] = OutputRef{step, k}
	}
	return out
}

// EarlyReads lists the outputs step id reads from steps it needs before
// those steps are done; for a needed step it names no output of, it waits
// for the whole step. Every output listed is published by its step before
// that step's long waits (the estimate's publishAt says when).
//
//   - the security groups need only the VPC, and the bastion a public
//     subnet with its route to the internet gateway — not the NAT gateways;
//   - the image builder needs a public subnet and the app's group, not the
//     NAT gateways or the bastion;
//   - the launch template needs the image, not the builder's termination;
//   - the load balancer needs the public subnets and its group;
//   - the Auto Scaling group needs the target group, not an active load
//     balancer: its instances boot while it provisions (the group's step
//     waits for the load balancer before it waits for health checks).
func EarlyReads(s *spec.Spec, id StepID) []OutputRef {
	switch id {
	case StepSecurity:
		return refs(StepNetwork, "vpc_id", "public_subnets")
	case StepAMI:
		if s.AMI.Source == spec.AMIBake {
			return append(refs(StepNetwork, "public_subnets"), refs(StepSecurity, "app_sg")...)
		}
	case StepLaunchTemplate:
		return append(refs(StepSecurity, "app_sg"), refs(StepAMI, "image_id")...)
	case StepLoadBalancer:
		return append(refs(StepNetwork, "vpc_id", "public_subnets", "azs"), refs(StepSecurity, "alb_sg")...)
	case StepAutoscaling:
		return refs(StepLoadBalancer, "tg_arn")
	}
	return nil
}

// earlyKeys returns the keys of need's outputs that step id reads early;
// none means id waits for the whole of need.
func earlyKeys(sp *spec.Spec, id, need StepID) []string {
	var keys []string
	for _, r := range EarlyReads(sp, id) {
		if r.Step == need {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// errNotRun marks a step that ended without running: one it needed failed
// (or the apply was cancelled).
var errNotRun = errors.New("not started")

// board is what an apply's steps have published so far: the outputs each
// set in this run and whether it has ended, and how.
type board struct {
	mu    sync.Mutex
	steps []StepID
	pub   map[StepID]map[string]bool
	ended map[StepID]error
	wake  chan struct{}
}

func newBoard(steps []StepID) *board {
	return &board{steps: steps, pub: map[StepID]map[string]bool{}, ended: map[StepID]error{}, wake: make(chan struct{})}
}

// changed wakes every waiter; b.mu is held.
func (b *board) changed() {
	close(b.wake)
	b.wake = make(chan struct{})
}

func (b *board) publish(step StepID, keys []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pub[step] == nil {
		b.pub[step] = map[string]bool{}
	}
	for _, k := range keys {
		b.pub[step][k] = true
	}
	b.changed()
}

// end records that step ended, with err when it failed or did not run.
func (b *board) end(step StepID, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ended[step] = err
	b.changed()
}

// await returns when step has published every one of keys in this run, or
// has ended; with no keys, when it has ended. It returns step's error when
// step ended without publishing them (failed, or never ran). A step the
// apply does not run is not waited for.
func (b *board) await(ctx context.Context, step StepID, keys []string) error {
	if !slices.Contains(b.steps, step) {
		return nil
	}
	for {
		b.mu.Lock()
		err, ended := b.ended[step]
		published := len(keys) > 0
		for _, k := range keys {
			published = published && b.pub[step][k]
		}
		wake := b.wake
		b.mu.Unlock()
		switch {
		case published:
			return nil
		case ended:
			return err
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AwaitStep waits until step, which this one needs, is done: for a wait
// that needs all of it (the group's health checks need an active load
// balancer, though the group is created as soon as the target group
// exists). Outside an apply it returns at once.
func (r *Run) AwaitStep(ctx context.Context, step StepID) error {
	if r.board == nil {
		return nil
	}
	if err := r.board.await(ctx, step, nil); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("waiting for %s: it failed, so %s cannot finish: run apply again once it is fixed", step, r.Step)
	}
	return nil
}
