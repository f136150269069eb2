package main

import (
	"sync"
	"time"

	"github.com/stackwiz/stackwiz/steps"
)

// withETA wraps the apply's event printer so that each step's start line
// ends with the time the apply has left on AWS ("≈ 4 min left"): the
// plan's estimate, re-counted from what has finished and how long the
// running steps have been at it, so it counts down along the critical path
// and corrects itself when AWS is faster or slower than usual.
func withETA(next steps.Sink, est steps.ApplyEstimate) steps.Sink {
	var (
		mu      sync.Mutex
		done    = map[steps.StepID]bool{}
		started = map[steps.StepID]time.Time{}
	)
	return func(e steps.Event) {
		mu.Lock()
		switch e.Kind {
		case steps.StepStarted:
			started[e.Step] = e.Time
			running := make(map[steps.StepID]time.Duration, len(started))
			for id, at := range started {
				if !done[id] {
					running[id] = e.Time.Sub(at)
				}
			}
			left := est.Remaining(done, running)
			eta := steps.Minutes(left) + " left"
			if left >= time.Minute {
				eta = "≈ " + eta
			}
			e.Message += "  " + eta
		case steps.StepDone, steps.StepFailed, steps.StepBlocked:
			done[e.Step] = true
		}
		mu.Unlock()
		next(e)
	}
}
