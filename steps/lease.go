package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// The lock on a stack's state dir keeps two processes of one machine
// apart; the lease keeps apart two state dirs — a teammate, a CI job —
// that would otherwise build a second copy of the stack or delete it
// under each other. It is an SSM parameter in the stack's region, written
// with a conditional put, renewed while the command runs, and given back
// at its end.

// LeaseOptions turn the lease on (Options.Lease); nil leaves it off
// (the engine's own tests, which count every request).
type LeaseOptions struct {
	// Holder names this process for the one it keeps waiting:
	// user@host, pid.
	Holder string
	// StateDir is this process's state dir: a lease held under the same
	// host and state dir is one a killed run of this very record left
	// (its local lock is free, since this process holds it now).
	StateDir string
	// Host is this machine's name.
	Host string
	// Force breaks a lease held by someone else (--force-unlock).
	Force bool
	// TTL is how long a lease stays valid without renewal; 0 is 2 minutes.
	TTL time.Duration
}

// lease is what the parameter holds.
type lease struct {
	Holder   string    `json:"holder"`
	Host     string    `json:"host"`
	StateDir string    `json:"state_dir"`
	Command  string    `json:"command"`
	Since    time.Time `json:"since"`
	Renewed  time.Time `json:"renewed"`
	TTL      int       `json:"ttl_seconds"`
}

// LeaseHeldError is a stack another state dir is changing now.
type LeaseHeldError struct {
	Stack string
	Held  lease
	Age   time.Duration // since the last renewal
}

func (e *LeaseHeldError) Error() string {
	return fmt.Sprintf("stack %s is being changed by %s from %s (state dir %s) since %s, renewed %s ago: wait for it to finish; "+
		"if that process is gone, its lease lapses %s after its last renewal, or run again with --force-unlock",
		e.Stack, e.Held.Command, e.Held.Holder, e.Held.StateDir, e.Held.Since.Format(time.RFC3339), e.Age.Round(time.Second),
		time.Duration(e.Held.TTL)*time.Second)
}

// leaseName is the parameter of stack's lease.
func leaseName(stack string) string { return "/stackwiz/" + stack + "/lease" }

// takeLease takes the stack's lease for command and keeps it renewed until
// the returned release is called. Without Options.Lease it does nothing.
// An account that will not keep a lease (SSM denied, an endpoint without
// it) is warned about and left to the local lock.
func (e *Engine) takeLease(ctx context.Context, command string) (release func(), err error) {
	o := e.opts.Lease
	if o == nil || e.aws == nil || e.aws.Params == nil {
		return func() {}, nil
	}
	ttl := o.TTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	name := leaseName(e.spec.Name)
	now := e.opts.Now()
	mine := lease{Holder: o.Holder, Host: o.Host, StateDir: o.StateDir, Command: command, Since: now, Renewed: now, TTL: int(ttl.Seconds())}
	encode := func(l lease) string { b, _ := json.Marshal(l); return string(b) }
	params := e.aws.Params

	ok, err := params.Create(ctx, name, encode(mine))
	if err != nil {
		if aws.IsAccessDenied(err) || aws.IsUnsupported(err) {
			e.emit(Event{Kind: Warning, Step: "lease", Message: fmt.Sprintf("cannot keep a lease on the stack in the account (%s): only this state dir's lock keeps two runs apart", firstLine(reasonOf(err)))})
			return func() {}, nil
		}
		return nil, fmt.Errorf("take the lease on stack %s: %w", e.spec.Name, err)
	}
	if !ok {
		held, err := readLease(ctx, params, name)
		if err != nil {
			return nil, err
		}
		age := now.Sub(held.Renewed)
		switch {
		case held.Host == o.Host && held.StateDir == o.StateDir:
			// A run of this very record that was killed: this process holds
			// the record's lock, so that run is gone.
		case age > time.Duration(held.TTL)*time.Second:
			e.emit(Event{Kind: Warning, Step: "lease", Message: fmt.Sprintf("the lease of %s (%s) was not renewed for %s: it lapsed; taking it", held.Holder, held.Command, age.Round(time.Second))})
		case o.Force:
			e.emit(Event{Kind: Warning, Step: "lease", Message: fmt.Sprintf("--force-unlock: breaking the lease %s holds (%s since %s)", held.Holder, held.Command, held.Since.Format(time.RFC3339))})
		default:
			return nil, &LeaseHeldError{Stack: e.spec.Name, Held: held, Age: age}
		}
		if err := params.Overwrite(ctx, name, encode(mine)); err != nil {
			return nil, fmt.Errorf("take the lease on stack %s: %w", e.spec.Name, err)
		}
	}

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				held, err := readLease(ctx, params, name)
				if err != nil || held.Holder != mine.Holder || !held.Since.Equal(mine.Since) {
					e.emit(Event{Kind: Warning, Step: "lease", Message: "the lease on the stack was taken by another run (--force-unlock?): this run goes on, but the two may now collide"})
					return
				}
				mine.Renewed = e.opts.Now()
				_ = params.Overwrite(ctx, name, encode(mine))
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		// Given back even when ctx was cancelled (Ctrl-C): with a short
		// context of its own, so a dead endpoint cannot hold the exit.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if held, err := readLease(rctx, params, name); err == nil && held.Holder == mine.Holder && held.Since.Equal(mine.Since) {
			_ = params.Delete(rctx, name)
		}
	}, nil
}

// readLease reads the lease parameter; a gone or unreadable one reads as
// a lease that lapsed long ago.
func readLease(ctx context.Context, params *aws.Params, name string) (lease, error) {
	v, ok, err := params.Get(ctx, name)
	if err != nil {
		return lease{}, fmt.Errorf("read the lease %s: %w", name, err)
	}
	var l lease
	if !ok || json.Unmarshal([]byte(v), &l) != nil {
		return lease{}, nil
	}
	return l, nil
}

// IsLeaseHeld reports whether err is a stack another state dir is changing.
func IsLeaseHeld(err error) bool {
	var h *LeaseHeldError
	return errors.As(err, &h)
}
