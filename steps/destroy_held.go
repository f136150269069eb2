package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/state"
)

// holder returns a resource among left (what destroy could not delete) that
// may be what keeps r in use, or "". A resource can only be used by one of
// its own step or of a step that needs r's step, directly or not (a load
// balancer holds its security groups and subnets; a group's instances hold
// the app's security group). Alarms, topics and subscriptions never hold
// another resource on AWS, whatever their step needs. Waiting for such a
// holder to let go is waiting for nothing: the delete reports the
// dependency at once instead of retrying for Poll.Dependency (ten minutes
// on AWS), and a later destroy, once the holder is gone, deletes it.
func (e *Engine) holder(r state.Resource, left []state.Resource) string {
	for _, l := range left {
		if strings.HasPrefix(l.Type, "cloudwatch:") || strings.HasPrefix(l.Type, "sns:") {
			continue
		}
		if l.Step == r.Step || e.stepNeeds(StepID(l.Step), StepID(r.Step)) {
			return l.Type + " " + firstOf(l.ID, l.ARN, l.Key)
		}
	}
	return ""
}

// stepNeeds reports whether step a needs step b, directly or through the
// steps it needs. An unknown step (a leftover found by tag without one)
// may need anything.
func (e *Engine) stepNeeds(a, b StepID) bool {
	if e.spec == nil {
		return true
	}
	seen := map[StepID]bool{}
	var needs func(id StepID) bool
	needs = func(id StepID) bool {
		if seen[id] {
			return false
		}
		seen[id] = true
		s, ok := Lookup(e.steps, id)
		if !ok {
			return true
		}
		for _, n := range s.Needs(e.spec) {
			if n == b || needs(n) {
				return true
			}
		}
		return false
	}
	return needs(a)
}
