package steps

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/durations"
)

// How long an apply takes on AWS is set by AWS's own waits (a load
// balancer provisioning, an image being taken, instances booting and
// passing health checks), not by the API calls around them, which take
// seconds. The estimate takes each wait a plan's creates cause from the one
// table of AWS durations (package durations, which the sandbox's realistic
// clock also runs on), chains them the way the engine runs them — a step's
// waits one after the other, a step starting when every step it Needs is
// done — and reports the longest chain: the critical path.

// Leg is one wait on the critical path.
type Leg struct {
	Step StepID `json:"step"`
	// Wait says what AWS is doing ("load balancer provisioning → active").
	Wait string `json:"wait"`
	// Took is how long AWS usually takes for it.
	Took time.Duration `json:"-"`
	// Seconds is Took in seconds, for the JSON document.
	Seconds float64 `json:"seconds"`
}

// ApplyEstimate is how long apply is expected to take on AWS.
type ApplyEstimate struct {
	// Total is the length of the critical path.
	Total time.Duration `json:"-"`
	// Seconds is Total in seconds, for the JSON document.
	Seconds float64 `json:"seconds"`
	// Path is the chain of waits that sets Total, in order. Empty when the
	// plan creates nothing AWS takes long over.
	Path []Leg `json:"path"`
	// Note says what the estimate assumes.
	Note string `json:"note"`

	order []StepID
	needs map[StepID][]StepID
	took  map[StepID]time.Duration
	waits map[StepID][]Leg
}

// estimateNote is the estimate's assumptions, in the plan and its document.
const estimateNote = "AWS's usual times (instance boot, load balancer provisioning, image, NAT gateway, certificate, " +
	"DNS), chained as apply runs the steps; API calls and your network add seconds, a busy region minutes"

// EstimateApply estimates how long applying changes to spec takes on AWS,
// for the steps enabled (in the recommended order). Only what the plan
// creates or replaces waits for AWS; a resource kept or updated in place
// costs seconds.
func EstimateApply(spec *Spec, enabled []Step, changes []Change) ApplyEstimate {
	fresh := map[string]bool{}
	for _, c := range changes {
		if c.Action == ActionCreate || c.Action == ActionReplace {
			fresh[c.Key] = true
		}
	}
	d := durations.AWS()
	est := ApplyEstimate{Path: []Leg{}, Note: estimateNote, needs: map[StepID][]StepID{},
		took: map[StepID]time.Duration{}, waits: map[StepID][]Leg{}}
	for _, s := range enabled {
		id := s.ID()
		est.order = append(est.order, id)
		est.needs[id] = s.Needs(spec)
		for _, l := range stepWaits(spec, id, fresh, d) {
			l.Step, l.Seconds = id, l.Took.Seconds()
			est.waits[id] = append(est.waits[id], l)
			est.took[id] += l.Took
		}
	}
	finish, via := est.schedule(nil, nil)
	var end StepID
	for _, id := range est.order {
		if finish[id] > est.Total {
			est.Total, end = finish[id], id
		}
	}
	for id := end; id != ""; id = via[id] {
		est.Path = append(slices.Clone(est.waits[id]), est.Path...)
	}
	est.Seconds = est.Total.Seconds()
	return est
}

// schedule returns when each step finishes, counted from now, given the
// steps already done and how long ago the running ones started; via names
// the needed step each one waited for last.
func (e *ApplyEstimate) schedule(done map[StepID]bool, running map[StepID]time.Duration) (map[StepID]time.Duration, map[StepID]StepID) {
	finish := map[StepID]time.Duration{}
	via := map[StepID]StepID{}
	var at func(StepID) time.Duration
	at = func(id StepID) time.Duration {
		if f, ok := finish[id]; ok {
			return f
		}
		finish[id] = 0 // a cycle (there is none) ends here
		if done[id] {
			return 0
		}
		if ago, ok := running[id]; ok {
			finish[id] = max(0, e.took[id]-ago)
			return finish[id]
		}
		var start time.Duration
		for _, n := range e.needs[id] {
			if !slices.Contains(e.order, n) {
				continue // a step the spec does not enable
			}
			if f := at(n); f > start {
				start, via[id] = f, n
			}
		}
		finish[id] = start + e.took[id]
		return finish[id]
	}
	for _, id := range e.order {
		at(id)
	}
	return finish, via
}

// Remaining is how long the apply still has to go on AWS: done lists the
// steps finished (or failed), running how long ago each running step
// started. It counts down as the steps on the critical path advance.
func (e *ApplyEstimate) Remaining(done map[StepID]bool, running map[StepID]time.Duration) time.Duration {
	finish, _ := e.schedule(done, running)
	var left time.Duration
	for _, f := range finish {
		left = max(left, f)
	}
	return left
}

// stepWaits lists the waits step id makes for AWS when it creates the
// resources in fresh, in the order the step makes them.
func stepWaits(spec *Spec, id StepID, fresh map[string]bool, d map[string]time.Duration) []Leg {
	leg := func(wait string, took time.Duration) Leg { return Leg{Wait: wait, Took: took} }
	switch id {
	case StepIAM:
		if fresh[iamProfileKey] {
			return []Leg{leg("instance profile usable by EC2 (IAM propagation)", d[durations.IAMPropagation])}
		}
	case StepNetwork:
		// The NAT gateways are created together, then waited for.
		for k := range fresh {
			if strings.HasPrefix(k, "network/nat/") {
				return []Leg{leg("NAT gateways pending → available", d[durations.NATPending])}
			}
		}
	case StepSecurity:
		if fresh[keyBastion] {
			return []Leg{leg("bastion pending → running", d[durations.InstancePending])}
		}
	case StepAMI:
		if spec.AMI.Source == SpecAMIBake && fresh[amiImageKey(amiBakeName(spec))] {
			return []Leg{
				leg("image builder pending → running", d[durations.InstancePending]),
				leg("builder runs ami.setup_script and passes its status checks", d[durations.AppBoot]),
				leg("image pending → available", d[durations.ImagePending]),
				leg("builder terminated", d[durations.InstanceShutdown]),
			}
		}
	case StepCertificate:
		if fresh[certKey(spec)] {
			return []Leg{
				leg("validation record in sync in Route 53", d[durations.DNSChange]),
				leg("ACM validates and issues the certificate", d[durations.CertValidation]),
			}
		}
	case StepLoadBalancer:
		if fresh[lbKey] {
			return []Leg{leg("load balancer provisioning → active", d[durations.LBProvisioning])}
		}
	case StepAutoscaling:
		if fresh[asgKeyGroup] {
			hc := spec.LoadBalancer.HealthCheck
			return []Leg{
				leg("group's instances pending → running", d[durations.InstancePending]),
				leg("instance.user_data starts the app", d[durations.AppBoot]),
				leg(fmt.Sprintf("healthy in the target group (%d checks × %d s)", hc.HealthyThreshold, hc.IntervalSeconds),
					time.Duration(hc.HealthyThreshold*hc.IntervalSeconds)*time.Second),
			}
		}
	case StepDNS:
		var out []Leg
		for _, rtype := range aliasTypes(spec) {
			if fresh[aliasKey(rtype)] {
				out = append(out, leg(rtype+" alias record PENDING → INSYNC", d[durations.DNSChange]))
			}
		}
		return out
	}
	return nil
}

// String is the estimate for people: the total and the chain that sets it.
func (e ApplyEstimate) String() string {
	if e.Total == 0 {
		return "Time: apply waits for nothing AWS takes long over (no load balancer, instances, image or NAT gateway to create): seconds."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Time: apply takes ≈ %s on AWS. The chain of waits that sets it (everything else runs beside it):\n", ShortDuration(e.Total))
	for _, l := range e.Path {
		fmt.Fprintf(&b, "  %-16s %-62s %s\n", l.Step, l.Wait, ShortDuration(l.Took))
	}
	fmt.Fprintf(&b, "  Assumes %s.", e.Note)
	return b.String()
}

// Minutes says d in whole minutes, rounded up: "6 min", or "< 1 min".
func Minutes(d time.Duration) string {
	if d < time.Minute {
		return "< 1 min"
	}
	return fmt.Sprintf("%d min", int(math.Ceil(d.Minutes())))
}

// ShortDuration says d as "3 min", "1 min 30 s" or "40 s".
func ShortDuration(d time.Duration) string {
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%d s", s)
	case s == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, s)
}
