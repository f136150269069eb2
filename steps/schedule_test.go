package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
)

// earlyProducer stands for the load balancer step: it publishes tg_arn,
// then holds on until the group's step has started (its long wait), and
// fails before publishing, after, or not at all.
type earlyProducer struct {
	fail    string // "", "before" or "after"
	started *atomic.Bool
	release chan struct{}
}

func (earlyProducer) ID() StepID                   { return StepLoadBalancer }
func (earlyProducer) Title() string                { return "Load balancer" }
func (earlyProducer) Why() string                  { return "test" }
func (earlyProducer) Enabled(*spec.Spec) bool      { return true }
func (earlyProducer) Desired(*spec.Spec) []Desired { return nil }
func (earlyProducer) Needs(*spec.Spec) []StepID    { return []StepID{StepIdentity} }
func (p earlyProducer) Apply(ctx context.Context, r *Run) error {
	if p.fail == "before" {
		return errors.New("failed before its target group existed")
	}
	// An output left by an earlier run does not start the group's step.
	time.Sleep(50 * time.Millisecond)
	if p.started.Load() {
		return errors.New("the group's step started on the record of an earlier run")
	}
	if err := r.SetOutputs(map[string]string{"tg_arn": "tg-new"}); err != nil {
		return err
	}
	select {
	case <-p.release:
	case <-time.After(10 * time.Second):
		return errors.New("the group's step did not start while the load balancer provisioned")
	}
	if p.fail == "after" {
		return errors.New("failed to become active")
	}
	return r.SetOutputs(map[string]string{"lb_arn": "lb-new"})
}

// earlyConsumer stands for the group's step: it reads tg_arn early, then
// waits for the whole load balancer step.
type earlyConsumer struct {
	started *atomic.Bool
	release chan struct{}
	read    *atomic.Value
}

func (earlyConsumer) ID() StepID                   { return StepAutoscaling }
func (earlyConsumer) Title() string                { return "Auto Scaling group" }
func (earlyConsumer) Why() string                  { return "test" }
func (earlyConsumer) Enabled(*spec.Spec) bool      { return true }
func (earlyConsumer) Desired(*spec.Spec) []Desired { return nil }
func (earlyConsumer) Needs(*spec.Spec) []StepID    { return []StepID{StepLoadBalancer} }
func (c earlyConsumer) Apply(ctx context.Context, r *Run) error {
	c.started.Store(true)
	c.read.Store(r.Output(StepLoadBalancer, "tg_arn"))
	close(c.release)
	return r.AwaitStep(ctx, StepLoadBalancer)
}

// TestAStepStartsOnTheOutputsItReads: the group's step starts as soon as
// the target group is published in this run (not on an earlier run's
// record), before the load balancer step is done, and is done only after
// it; a producer that fails before publishing blocks it, one that fails
// after makes its wait fail, naming the step it waited for.
func TestAStepStartsOnTheOutputsItReads(t *testing.T) {
	for _, fail := range []string{"", "before", "after"} {
		t.Run("fail="+fail, func(t *testing.T) {
			env := newEngineEnv(t)
			ctx := testContext(t)
			if err := env.Store.SetOutputs(string(StepLoadBalancer), map[string]string{"tg_arn": "tg-old"}); err != nil {
				t.Fatal(err)
			}
			var started atomic.Bool
			var read atomic.Value
			release := make(chan struct{})
			env.Options.Steps = []Step{identityStep{},
				earlyProducer{fail: fail, started: &started, release: release},
				earlyConsumer{started: &started, release: release, read: &read}}
			err := env.engine(env.spec("name: eng\n")).Apply(ctx)
			var aerr *ApplyError
			switch fail {
			case "":
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				if got := read.Load(); got != "tg-new" {
					t.Errorf("the group's step read tg_arn %v, want this run's tg-new", got)
				}
				order := env.stepEvents()
				lbDone := slices.Index(order, "done load_balancer")
				if asg := slices.Index(order, "started autoscaling"); asg < 0 || lbDone < 0 || asg > lbDone {
					t.Errorf("events %v: the group's step should start before the load balancer's is done", order)
				}
				if asg := slices.Index(order, "done autoscaling"); asg < lbDone {
					t.Errorf("events %v: the group's step is done before the load balancer's", order)
				}
			case "before":
				if !errors.As(err, &aerr) || !slices.Equal(aerr.Blocked, []StepID{StepAutoscaling}) || len(aerr.Failed) != 1 {
					t.Fatalf("apply = %v, want the load balancer failed and the group blocked", err)
				}
			case "after":
				if !errors.As(err, &aerr) || len(aerr.Failed) != 2 || len(aerr.Blocked) != 0 {
					t.Fatalf("apply = %v, want both steps failed", err)
				}
				if msg := aerr.Failed[1].Error(); aerr.Failed[1].Step != StepAutoscaling || !strings.Contains(msg, "waiting for load_balancer") {
					t.Errorf("the group's failure %q should say it waited for load_balancer", msg)
				}
			}
		})
	}
}

// stepEvents returns the step events emitted so far as "started id",
// "done id", "failed id", "blocked id", in order.
func (e *testEnv) stepEvents() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.events {
		switch ev.Kind {
		case StepStarted:
			out = append(out, "started "+string(ev.Step))
		case StepDone:
			out = append(out, "done "+string(ev.Step))
		case StepFailed:
			out = append(out, "failed "+string(ev.Step))
		case StepBlocked:
			out = append(out, "blocked "+string(ev.Step))
		}
	}
	return out
}

// TestEarlyReadsArePublishedBeforeTheLongWaits applies the examples and
// checks in the events that each step reading early outputs started before
// the step it reads from was done: in HA the security groups, the image
// builder and the load balancer (after its certificate) before the
// network's NAT gateways, the launch template before the builder is gone;
// in minimal the group before the load balancer is active.
func TestEarlyReadsArePublishedBeforeTheLongWaits(t *testing.T) {
	for name, pairs := range map[string][][2]StepID{
		"ha": {{StepAMI, StepNetwork}, {StepSecurity, StepNetwork}, {StepLoadBalancer, StepNetwork},
			{StepLaunchTemplate, StepAMI}},
		"minimal": {{StepAutoscaling, StepLoadBalancer}},
	} {
		t.Run(name, func(t *testing.T) {
			// The realistic clock at 100×: each wait lasts long enough to see.
			env, spec := newExampleEnv(t, name, func(o *sandbox.Options) { o.Latency = sandbox.LatencyRealistic; o.Speed = 100 })
			ctx := testContext(t)
			if err := env.engine(spec).Apply(ctx); err != nil {
				t.Fatalf("apply: %v", err)
			}
			order := env.stepEvents()
			for _, pair := range pairs {
				started, done := slices.Index(order, "started "+string(pair[0])), slices.Index(order, "done "+string(pair[1]))
				if started < 0 || done < 0 || started > done {
					t.Errorf("%s started at event %d, %s was done at %d: it should start on the outputs it reads early\n%v",
						pair[0], started, pair[1], done, order)
				}
			}
		})
	}
}
