package fleet

import (
	"slices"
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// A snapshot is read in parts, and each part answers for itself: one part
// refused or missing does not blank the others. A part that will not
// change by asking again — access denied, an operation the endpoint does
// not implement — is a gap: it is asked again only every GapRetry, so
// a console refreshing every 5 s does not send AWS a refused call each time.

// Part names one independently read part of a snapshot.
type Part string

// The parts of a snapshot. The group itself (DescribeAutoScalingGroups) is
// not one: without it there is no snapshot, and Snapshot fails.
const (
	PartInstances  Part = "instances"     // ec2 DescribeInstances: state, IP, image, launch time
	PartTargets    Part = "targets"       // elbv2 DescribeTargetHealth
	PartMetrics    Part = "metrics"       // cloudwatch GetMetricData: CPU sparklines
	PartAlarms     Part = "alarms"        // cloudwatch DescribeAlarms
	PartHistory    Part = "alarm history" // cloudwatch DescribeAlarmHistory
	PartActivities Part = "activities"    // autoscaling DescribeScalingActivities
	PartRefreshes  Part = "refreshes"     // autoscaling DescribeInstanceRefreshes
	PartLB         Part = "load balancer" // elbv2 load balancer, target group, listeners, rules
	PartCerts      Part = "certificates"  // acm DescribeCertificate
	PartRecord     Part = "record"        // route53 ListResourceRecordSets
)

// GapRetry is how often a part found denied or unsupported is asked
// again: often enough that a policy fixed in the meantime shows within a
// minute, rarely enough not to fill CloudTrail with refusals.
const GapRetry = 60 * time.Second

// PartState says how a part's last read went.
type PartState int

const (
	// PartOK: read (or not needed by this stack).
	PartOK PartState = iota
	// PartDenied: refused for a permission; Action names the IAM action.
	PartDenied
	// PartUnsupported: the endpoint does not implement the operation;
	// Detail says which, and where.
	PartUnsupported
	// PartFailed: any other error (throttling, a timeout, a 5xx). The
	// part's data is the previous snapshot's and it is asked again on the
	// next refresh.
	PartFailed
)

func (s PartState) String() string {
	return [...]string{"ok", "denied", "unsupported", "failed"}[s]
}

// PartStatus is how one part of a snapshot was read.
type PartStatus struct {
	Part  Part
	State PartState
	// Action is the IAM action a denied part needs ("cloudwatch:DescribeAlarms").
	Action string
	// Detail is, for an unsupported part, the one line naming the
	// operation and the endpoint (see aws.Unsupported).
	Detail string
	// Err is the error as the part's read returned it; nil when ok.
	Err error
	// Checked is when the part was last asked; a gap is asked again at
	// Checked + GapRetry.
	Checked time.Time
}

// Gap reports whether the part is denied or unsupported: missing for a
// reason that asking again soon will not change.
func (p PartStatus) Gap() bool {
	return p.State == PartDenied || p.State == PartUnsupported
}

// Part returns how part p was read; a part the snapshot does not list was
// read without trouble.
func (s *Snapshot) Part(p Part) PartStatus {
	if st, ok := s.Parts[p]; ok {
		return st
	}
	return PartStatus{Part: p, State: PartOK}
}

// Gaps lists the parts that are denied or unsupported, in the order of
// the constants above.
func (s *Snapshot) Gaps() []PartStatus {
	var out []PartStatus
	for _, p := range allParts {
		if st := s.Part(p); st.Gap() {
			out = append(out, st)
		}
	}
	return out
}

var allParts = []Part{PartInstances, PartTargets, PartMetrics, PartAlarms, PartHistory,
	PartActivities, PartRefreshes, PartLB, PartCerts, PartRecord}

// Parts are every part a snapshot reads, in the order of the constants
// above: the console checks that a panel names each.
func Parts() []Part { return slices.Clone(allParts) }

// partStatus classifies the error of one part's read at now.
func partStatus(p Part, err error, now time.Time) PartStatus {
	st := PartStatus{Part: p, Err: err, Checked: now}
	switch {
	case err == nil:
		st.State = PartOK
	case aws.IsCanceled(err):
		st.State = PartFailed
	case aws.IsAccessDenied(err):
		st.State, st.Action = PartDenied, aws.Action(err)
	case aws.IsUnsupported(err):
		st.State, st.Detail = PartUnsupported, aws.Unsupported(err)
	default:
		st.State = PartFailed
	}
	return st
}

// gapSkips decides, from the previous snapshot, which parts this one
// skips: the gaps not due for another look. recheck asks every part now
// (the console's r).
type gapSkips struct {
	prev    *Snapshot
	now     time.Time
	recheck bool
}

// skip reports whether part p is a gap the snapshot does not ask this time.
func (g gapSkips) skip(p Part) bool {
	if g.prev == nil || g.recheck {
		return false
	}
	st := g.prev.Part(p)
	return st.Gap() && g.now.Sub(st.Checked) < GapRetry
}
