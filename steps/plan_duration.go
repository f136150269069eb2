package steps

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/durations"
	"github.com/stackwiz/stackwiz/spec"
)

// How long an apply takes on AWS is set by AWS's own waits (a load
// balancer provisioning, an image being taken, instances booting and
// passing health checks), not by the API calls around them, which take
// seconds. The estimate takes each wait a plan's creates cause from the one
// table of AWS durations (package durations, which the sandbox's realistic
// clock also runs on), chains them the way the engine runs them — a step's
// waits one after the other, a step starting when the outputs it reads
// early (EarlyReads) are published and every other step it Needs is done —
// and reports the longest chain: the critical path.

// Leg is one wait on the critical path.
type Leg struct {
	Step StepID `json:"step"`
	// Wait says what AWS is doing ("load balancer provisioning → active").
	Wait string `json:"wait"`
	// Took is how long AWS usually takes for it.
	Took time.Duration `json:"-"`
	// Seconds is Took in seconds, for the JSON document.
	Seconds float64 `json:"seconds"`

	// after, when set, is a step this wait starts after, besides the
	// step's waits before it (health checks need an active load balancer).
	after StepID
	// publishes are the outputs the step publishes before this wait.
	publishes []string
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
	early map[StepID][]OutputRef
	waits map[StepID][]Leg
}

// estimateNote is the estimate's assumptions, in the plan and its document.
const estimateNote = "AWS's usual times (instance boot, load balancer provisioning, image, NAT gateway, certificate, " +
	"DNS), chained as apply runs the steps; API calls and your network add seconds, a busy region minutes"

// EstimateApply estimates how long applying changes to spec takes on AWS,
// for the steps enabled (in the recommended order). Only what the plan
// creates or replaces waits for AWS; a resource kept or updated in place
// costs seconds.
func EstimateApply(sp *spec.Spec, enabled []Step, changes []Change) ApplyEstimate {
	fresh := map[string]bool{}
	for _, c := range changes {
		if c.Action == ActionCreate || c.Action == ActionReplace {
			fresh[c.Key] = true
		}
	}
	d := durations.AWS()
	est := ApplyEstimate{Path: []Leg{}, Note: estimateNote, needs: map[StepID][]StepID{},
		early: map[StepID][]OutputRef{}, waits: map[StepID][]Leg{}}
	for _, s := range enabled {
		id := s.ID()
		est.order = append(est.order, id)
		est.needs[id] = s.Needs(sp)
		est.early[id] = EarlyReads(sp, id)
		for _, l := range stepWaits(sp, id, fresh, d) {
			l.Step, l.Seconds = id, l.Took.Seconds()
			est.waits[id] = append(est.waits[id], l)
		}
	}
	finish := est.schedule(nil, nil)
	for _, id := range est.order {
		if f := finish[id]; f.at > est.Total {
			est.Total, est.Path = f.at, slices.Clone(f.path)
		}
	}
	est.Seconds = est.Total.Seconds()
	return est
}

// point is a moment of the schedule, counted from now, with the chain of
// waits that leads to it.
type point struct {
	at   time.Duration
	path []Leg
}

func later(a, b point) point {
	if b.at > a.at {
		return b
	}
	return a
}

// schedule returns when each step finishes, counted from now, given the
// steps already done and how long ago the running ones started: a step
// starts when the outputs it reads early are published and every other
// step it needs has finished, then makes its waits one after the other.
func (e *ApplyEstimate) schedule(done map[StepID]bool, running map[StepID]time.Duration) map[StepID]point {
	finish := map[StepID]point{}
	published := map[OutputRef]point{}
	var at func(StepID) point
	// pub is when step publishes key: before the wait that lists it, else
	// when the step finishes.
	pub := func(step StepID, key string) point {
		f := at(step)
		if p, ok := published[OutputRef{step, key}]; ok {
			return p
		}
		return f
	}
	at = func(id StepID) point {
		if f, ok := finish[id]; ok {
			return f
		}
		finish[id] = point{} // a cycle (there is none) ends here
		if done[id] {
			// Finished some time ago: it holds back nothing, not even
			// a running step's later wait.
			finish[id] = point{at: -1 << 62}
			return finish[id]
		}
		var cur point
		if ago, ok := running[id]; ok {
			cur.at = -ago
		} else {
			for _, n := range e.needs[id] {
				if !slices.Contains(e.order, n) {
					continue // a step the spec does not enable
				}
				var keys []string
				for _, r := range e.early[id] {
					if r.Step == n {
						keys = append(keys, r.Key)
					}
				}
				if len(keys) == 0 {
					cur = later(cur, at(n))
				}
				for _, k := range keys {
					cur = later(cur, pub(n, k))
				}
			}
		}
		for _, l := range e.waits[id] {
			if l.after != "" && slices.Contains(e.order, l.after) {
				cur = later(cur, at(l.after))
			}
			for _, k := range l.publishes {
				published[OutputRef{id, k}] = point{max(0, cur.at), cur.path}
			}
			cur = point{cur.at + l.Took, append(slices.Clone(cur.path), l)}
		}
		cur.at = max(0, cur.at)
		finish[id] = cur
		return cur
	}
	for _, id := range e.order {
		at(id)
	}
	return finish
}

// Remaining is how long the apply still has to go on AWS: done lists the
// steps finished (or failed), running how long ago each running step
// started. It counts down as the steps on the critical path advance.
func (e *ApplyEstimate) Remaining(done map[StepID]bool, running map[StepID]time.Duration) time.Duration {
	var left time.Duration
	for _, f := range e.schedule(done, running) {
		left = max(left, f.at)
	}
	return left
}

// publishing is l with the outputs the step publishes before it.
func publishing(l Leg, keys ...string) Leg {
	l.publishes = keys
	return l
}

// stepWaits lists the waits step id makes for AWS when it creates the
// resources in fresh, in the order the step makes them.
func stepWaits(s *spec.Spec, id StepID, fresh map[string]bool, d map[string]time.Duration) []Leg {
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
				// The public side is published before (network_vpc.go).
				return []Leg{publishing(leg("NAT gateways pending → available", d[durations.NATPending]),
					"vpc_id", "vpc_cidr", "azs", "public_subnets")}
			}
		}
	case StepSecurity:
		if fresh[keyBastion] {
			return []Leg{publishing(leg("bastion pending → running", d[durations.InstancePending]),
				"alb_sg", "app_sg", "bastion_sg")}
		}
	case StepAMI:
		if s.AMI.Source == spec.AMIBake && fresh[amiImageKey(amiBakeName(s))] {
			return []Leg{
				leg("image builder pending → running", d[durations.InstancePending]),
				leg("builder runs ami.setup_script and passes its status checks", d[durations.AppBoot]),
				leg("image pending → available", d[durations.ImagePending]),
				publishing(leg("builder terminated", d[durations.InstanceShutdown]), "image_id"),
			}
		}
	case StepCertificate:
		if fresh[certKey(s)] {
			return []Leg{
				leg("validation record in sync in Route 53", d[durations.DNSChange]),
				leg("ACM validates and issues the certificate", d[durations.CertValidation]),
			}
		}
	case StepLoadBalancer:
		if fresh[lbKey] {
			return []Leg{publishing(leg("load balancer provisioning → active", d[durations.LBProvisioning]),
				"tg_arn", "tg_dimension")}
		}
	case StepAutoscaling:
		if fresh[asgKeyGroup] {
			hc := s.LoadBalancer.HealthCheck
			healthy := leg(fmt.Sprintf("healthy in the target group (%d checks × %d s)", hc.HealthyThreshold, hc.IntervalSeconds),
				time.Duration(hc.HealthyThreshold*hc.IntervalSeconds)*time.Second)
			// Checks start once the load balancer is active too.
			healthy.after = StepLoadBalancer
			return []Leg{
				leg("group's instances pending → running", d[durations.InstancePending]),
				leg("instance.user_data starts the app", d[durations.AppBoot]),
				healthy,
			}
		}
	case StepDNS:
		var out []Leg
		for _, rtype := range aliasTypes(s) {
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
