package aws

import (
	"context"
	"errors"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Snapshot reads the fleet of t once and joins it into one view.
//
// The number of API requests does not grow with the group's size. For a
// group of n instances, each snapshot makes:
//
//	autoscaling DescribeAutoScalingGroups   1  the group, instances included
//	ec2 DescribeInstances                   ⌈n/1000⌉: MaxResults 1000, filtered by the
//	                                           group's tag, so 1 for any group up to 1,000
//	elbv2 DescribeTargetHealth              1  every target of the group (no paging)
//	monitoring GetMetricData                1  up to 500 CPU sparklines; a larger group
//	                                           is covered in batches of 500 over
//	                                           successive snapshots (new instances first)
//	monitoring DescribeAlarms               2  the stack's prefix, target tracking's prefix
//	monitoring DescribeAlarmHistory         1  state changes of the last 24 h (100 items)
//	autoscaling DescribeScalingActivities   1  the 20 newest
//	autoscaling DescribeInstanceRefreshes   1  the 5 newest
//
// that is 9 requests up to 1,000 instances; and, on the first snapshot,
// every LBEvery-th one, or when opts.LoadBalancer asks, the load balancer
// part: DescribeLoadBalancers, DescribeTargetGroups, DescribeListeners
// (1 each), DescribeRules (1 per listener), DescribeCertificate (1 per
// certificate) and ListResourceRecordSets (1, when the stack has a record)
// — bounded by the listeners, not the instances. A part found denied or
// unsupported costs nothing until FleetGapRetry has passed.
//
// Snapshot fails only when the group itself cannot be read. Any other part
// answers for itself (Parts): one that failed for a passing reason is
// listed in Problems and carried from opts.Prev; one denied or unsupported
// is left empty.
func (f *Fleet) Snapshot(ctx context.Context, t FleetRef, opts SnapshotOptions) (*Snapshot, error) {
	if t.ASGName == "" {
		return nil, errors.New("read fleet: no Auto Scaling group name (the stack's autoscaling output asg_name is empty: has the autoscaling step run?)")
	}
	prev := opts.Prev
	s := &Snapshot{TakenAt: f.now()}
	if prev != nil {
		s.Seq = prev.Seq + 1
	}
	rd := &fleetReader{f: f, t: t, now: s.TakenAt}
	gaps := fleetGaps{prev: prev, now: s.TakenAt, recheck: opts.Recheck}

	var (
		wg       sync.WaitGroup
		group    FleetGroup
		members  []FleetInstance
		groupErr error
		ec2s     map[string]fleetEC2Instance
		targets  []FleetTarget
		alarms   []FleetAlarm
		history  []FleetAlarmEvent
		acts     []FleetActivity
		refrs    []FleetRefresh
		lb       *FleetLB
		certs    []FleetCert
		rec      *FleetRecord
		// errs holds the error of each part read this time (nil when it
		// was read): a part absent from it was not asked.
		errs   = map[FleetPart]error{}
		errsMu sync.Mutex
		readLB = opts.LoadBalancer || prev == nil || prev.LB == nil || s.Seq%lbPeriod(t) == 0
	)
	// read runs part p's read unless it is a gap not due again.
	read := func(p FleetPart, fn func() error) {
		if gaps.skip(p) {
			return
		}
		wg.Go(func() {
			err := fn()
			errsMu.Lock()
			errs[p] = err
			errsMu.Unlock()
		})
	}
	wg.Go(func() { group, members, groupErr = rd.group(ctx) })
	read(PartInstances, func() (err error) { ec2s, err = rd.instances(ctx); return })
	if t.TargetGroupARN != "" {
		read(PartTargets, func() (err error) { targets, err = rd.targets(ctx); return })
	}
	read(PartAlarms, func() (err error) { alarms, err = rd.alarms(ctx); return })
	read(PartHistory, func() (err error) { history, err = rd.history(ctx); return })
	read(PartActivities, func() (err error) { acts, err = rd.activities(ctx); return })
	read(PartRefreshes, func() (err error) { refrs, err = rd.refreshes(ctx); return })
	if t.LoadBalancerARN != "" && readLB {
		// The certificates and the record follow the load balancer's
		// schedule, and the certificates need its listeners.
		read(PartLB, func() error {
			var err error
			if lb, err = rd.loadBalancer(ctx); err != nil {
				return err
			}
			if !gaps.skip(PartCerts) {
				var cerr error
				certs, cerr = rd.certificates(ctx, lb)
				errsMu.Lock()
				errs[PartCerts] = cerr
				errsMu.Unlock()
			}
			if t.ZoneID != "" && t.RecordFQDN != "" && !gaps.skip(PartRecord) {
				var rerr error
				rec, rerr = rd.f.record(ctx, t.ZoneID, t.RecordFQDN, rd.call)
				errsMu.Lock()
				errs[PartRecord] = rerr
				errsMu.Unlock()
			}
			return nil
		})
	}
	wg.Wait()
	if groupErr != nil {
		return nil, groupErr
	}
	s.Group = group

	// status records how part p went; it reports whether the part's data
	// is to be carried from prev (asked and failed for a passing reason,
	// or not asked this time).
	status := func(p FleetPart) (carry bool) {
		err, asked := errs[p]
		st := FleetPartStatus{Part: p, State: PartOK}
		switch {
		case asked:
			st = fleetPartStatus(p, err, s.TakenAt)
		case prev != nil:
			st = prev.Part(p)
		}
		if st.State != PartOK {
			if s.Parts == nil {
				s.Parts = map[FleetPart]FleetPartStatus{}
			}
			s.Parts[p] = st
		}
		if asked && st.State == PartFailed {
			s.Problems = append(s.Problems, FleetProblem{Part: string(p), Err: err})
		}
		return prev != nil && (st.State == PartFailed || !asked && !st.Gap())
	}
	if status(PartTargets) {
		targets = prev.Targets
	}
	if status(PartAlarms) {
		alarms = prev.Alarms
	}
	if status(PartHistory) {
		history = prev.AlarmHistory
	}
	if status(PartActivities) {
		acts = prev.Activities
	}
	if status(PartRefreshes) {
		refrs = prev.Refreshes
	}
	if status(PartLB) {
		lb = prev.LB
	} else if lb != nil {
		var prevLB *FleetLB
		if prev != nil {
			prevLB = prev.LB
		}
		lb.Certificates, lb.Record = certs, rec
		if status(PartCerts) && prevLB != nil {
			lb.Certificates = prevLB.Certificates
		}
		if status(PartRecord) && prevLB != nil {
			lb.Record = prevLB.Record
		}
	}
	if _, asked := errs[PartLB]; !asked || errs[PartLB] != nil {
		// The load balancer was not read: its sub-parts keep their status.
		status(PartCerts)
		status(PartRecord)
	}
	s.Targets, s.Alarms, s.AlarmHistory, s.Activities, s.Refreshes, s.LB = targets, alarms, history, acts, refrs, lb
	for i := range s.Refreshes {
		if s.Refreshes[i].Active() {
			r := s.Refreshes[i]
			s.Group.Refresh = &r
			break
		}
	}

	// Join the instances: EC2's fields, target health, then CPU.
	prevByID := map[string]*FleetInstance{}
	if prev != nil {
		for i := range prev.Instances {
			prevByID[prev.Instances[i].ID] = &prev.Instances[i]
		}
	}
	ec2Carry := status(PartInstances)
	health := make(map[string]FleetHealth, len(targets))
	for _, th := range targets {
		health[th.ID] = th.FleetHealth
	}
	for i := range members {
		in := &members[i]
		if e, ok := ec2s[in.ID]; ok {
			in.State, in.PrivateIP, in.ImageID, in.LaunchTime = e.State, e.PrivateIP, e.ImageID, e.LaunchTime
			if in.InstanceType == "" {
				in.InstanceType = e.InstanceType
			}
		} else if p := prevByID[in.ID]; ec2Carry && p != nil {
			in.State, in.PrivateIP, in.ImageID, in.LaunchTime = p.State, p.PrivateIP, p.ImageID, p.LaunchTime
		}
		in.Target = health[in.ID]
	}
	s.Instances = members

	var cpu map[string][]float64
	if !gaps.skip(PartMetrics) {
		batch, next := fleetCPUBatch(members, prevByID, fleetCursor(prev))
		s.cpuNext = next
		if len(batch) > 0 {
			var err error
			cpu, err = rd.cpu(ctx, batch)
			errs[PartMetrics] = err
		}
	}
	cpuCarry := status(PartMetrics)
	if s.Part(PartMetrics).Gap() {
		cpuCarry = false
	} else if _, asked := errs[PartMetrics]; asked && errs[PartMetrics] == nil {
		cpuCarry = true // instances outside this batch keep their sparkline
	}
	for i := range s.Instances {
		in := &s.Instances[i]
		if v, ok := cpu[in.ID]; ok {
			in.CPU = v
		} else if p := prevByID[in.ID]; cpuCarry && p != nil {
			in.CPU = p.CPU
		}
	}
	s.Calls = int(rd.calls.Load())
	return s, nil
}

func lbPeriod(t FleetRef) int {
	if t.LBEvery > 0 {
		return t.LBEvery
	}
	return FleetLBEvery
}

func fleetCursor(prev *Snapshot) int {
	if prev == nil {
		return 0
	}
	return prev.cpuNext
}

// cpuBatch picks the instances whose sparklines this snapshot reads: all of
// them up to FleetMetricsPerCall; beyond that, first those without a
// sparkline yet, then the id-sorted list from the cursor on, wrapping, so
// every instance is read at least every ⌈n/500⌉ snapshots. It returns the
// ids and where the next batch starts.
func fleetCPUBatch(members []FleetInstance, prev map[string]*FleetInstance, cursor int) ([]string, int) {
	n := len(members)
	if n <= FleetMetricsPerCall {
		ids := make([]string, n)
		for i, in := range members {
			ids[i] = in.ID
		}
		return ids, 0
	}
	picked := make(map[string]bool, FleetMetricsPerCall)
	var ids []string
	for _, in := range members {
		if p := prev[in.ID]; (p == nil || p.CPU == nil) && len(ids) < FleetMetricsPerCall {
			ids = append(ids, in.ID)
			picked[in.ID] = true
		}
	}
	if cursor >= n {
		cursor = 0
	}
	i := cursor
	for steps := 0; steps < n && len(ids) < FleetMetricsPerCall; steps++ {
		if id := members[i].ID; !picked[id] {
			ids = append(ids, id)
			picked[id] = true
		}
		i = (i + 1) % n
	}
	return ids, i
}

// reader is one snapshot's reads: the target, its clock, and a count of
// the requests made.
type fleetReader struct {
	f     *Fleet
	t     FleetRef
	now   time.Time
	calls atomic.Int32
}

func (rd *fleetReader) call() { rd.calls.Add(1) }

// cpuWindow returns the sparkline grid: points periods ending with the
// period under way.
func (rd *fleetReader) cpuWindow() (start time.Time, period time.Duration, points int) {
	period, points = rd.t.CPUPeriod, rd.t.CPUPoints
	if period <= 0 {
		period = 5 * time.Minute
	}
	if points <= 0 {
		points = 12
	}
	end := rd.now.Truncate(period).Add(period)
	return end.Add(-time.Duration(points) * period), period, points
}

// fillSeries places (timestamp, value) pairs on the grid, NaN where a
// period has no data.
func fleetSeries(start time.Time, period time.Duration, points int, ts []time.Time, vals []float64) []float64 {
	out := make([]float64, points)
	for i := range out {
		out[i] = math.NaN()
	}
	for i, t := range ts {
		if i >= len(vals) {
			break
		}
		k := int(t.Sub(start) / period)
		if k >= 0 && k < points {
			out[k] = vals[i]
		}
	}
	return out
}

// sortInstances sorts members by id, as snapshots list them.
func sortFleetInstances(members []FleetInstance) {
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
}

// ttPrefix is the name prefix of the alarms target tracking creates for a
// group ("TargetTracking-<group>-AlarmHigh-<uuid>").
func fleetTTPrefix(group string) string { return "TargetTracking-" + group + "-" }

// ownAlarm reports whether an alarm name belongs to the target.
func (rd *fleetReader) ownAlarm(name string) bool {
	return rd.t.AlarmPrefix != "" && strings.HasPrefix(name, rd.t.AlarmPrefix) ||
		strings.HasPrefix(name, fleetTTPrefix(rd.t.ASGName))
}

// mergeAlarms combines alarm lists by name, sorted.
func mergeFleetAlarms(lists ...[]FleetAlarm) []FleetAlarm {
	seen := map[string]bool{}
	var out []FleetAlarm
	for _, l := range lists {
		for _, a := range l {
			if !seen[a.Name] {
				seen[a.Name] = true
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, func(a, b FleetAlarm) int { return strings.Compare(a.Name, b.Name) })
	return out
}
