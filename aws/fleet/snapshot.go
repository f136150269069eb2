package fleet

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
// Each part is read when it is due (see Cadence), and the number of
// requests does not grow with the group's size. Every snapshot makes:
//
//	autoscaling DescribeAutoScalingGroups   1  the group, instances included
//	elbv2 DescribeTargetHealth              1  every target of the group (no paging)
//	monitoring DescribeAlarms               1  the stack's alarms by name (100 a call);
//	                                           every AlarmScan instead 2, by prefix: the
//	                                           stack's and target tracking's
//
// and, when due:
//
//	ec2 DescribeInstances                   ⌈n/1000⌉: MaxResults 1000, filtered by the
//	                                           group's tag
//	autoscaling DescribeScalingActivities   1  the 20 newest
//	autoscaling DescribeInstanceRefreshes   1  the 5 newest
//	monitoring GetMetricData                ⌈n/500⌉: 500 CPU sparklines a call
//	monitoring DescribeAlarmHistory         1  state changes of the last 24 h (100 items)
//	the load balancer part                  DescribeLoadBalancers, DescribeTargetGroups,
//	                                           DescribeListeners (1 each), DescribeRules
//	                                           (1 per listener), DescribeCertificate (1 per
//	                                           certificate), ListResourceRecordSets (1)
//
// With the default cadences and a refresh every 5 s, a steady group of up
// to 500 instances costs 49 requests a minute (4.1 a refresh) with an HTTP
// listener and an alias record. A part found denied or unsupported costs
// nothing until GapRetry has passed.
//
// Snapshot fails only when the group itself cannot be read. Any other part
// answers for itself (Parts): one that failed for a passing reason is
// listed in Problems and carried from opts.Prev; one denied or unsupported
// is left empty.
func (f *Fleet) Snapshot(ctx context.Context, t Ref, opts SnapshotOptions) (*Snapshot, error) {
	if t.ASGName == "" {
		return nil, errors.New("read fleet: no Auto Scaling group name (the stack's autoscaling output asg_name is empty: has the autoscaling step run?)")
	}
	prev := opts.Prev
	s := &Snapshot{TakenAt: f.now(), readAt: map[Part]time.Time{}}
	if prev != nil {
		s.Seq = prev.Seq + 1
		s.alarmScan, s.historyMark = prev.alarmScan, prev.historyMark
	}
	rd := &reader{f: f, t: t, now: s.TakenAt}
	gaps := gapSkips{prev: prev, now: s.TakenAt, recheck: opts.Recheck}
	cad := t.Cadence.withDefaults()
	due := schedule{prev: prev, now: s.TakenAt, opts: opts, cad: cad, gaps: gaps}
	var known []string // the alarms' names, read by name between scans
	if prev != nil {
		for _, a := range prev.Alarms {
			known = append(known, a.Name)
		}
	}

	var (
		wg       sync.WaitGroup
		group    Group
		members  []Instance
		groupErr error
		changing string
		ec2s     map[string]ec2Instance
		cpu      map[string][]float64
		targets  []Target
		alarms   []Alarm
		scanned  bool
		history  []AlarmEvent
		acts     []Activity
		refrs    []Refresh
		lb       *LB
		certs    []Cert
		rec      *Record
		// errs holds the error of each part read this time (nil when it
		// was read): a part absent from it was not asked.
		errs   = map[Part]error{}
		errsMu sync.Mutex
	)
	record := func(p Part, err error) {
		errsMu.Lock()
		errs[p] = err
		errsMu.Unlock()
	}
	read := func(p Part, fn func() error) { wg.Go(func() { record(p, fn()) }) }
	// The alarm history follows the alarms: read when a state moved, and
	// every Metrics period while the alarms cannot be read.
	readHistory := func(alarmsRead bool) {
		signal, every := false, cad.Metrics
		if alarmsRead {
			signal, every = newestAlarm(alarms).After(s.historyMark), never
		}
		if due.due(PartHistory, signal, every) {
			read(PartHistory, func() (err error) { history, err = rd.history(ctx); return })
		}
	}

	wg.Go(func() {
		group, members, groupErr = rd.group(ctx)
		if groupErr != nil {
			return
		}
		// The parts that follow what the group is doing are read as soon
		// as it is known, beside the rest.
		changing = whatChanges(group, members, prev)
		if due.due(PartInstances, opts.Changed || membersMoved(members, prev), cad.Quiet) {
			read(PartInstances, func() (err error) { ec2s, err = rd.instances(ctx); return })
		}
		if due.due(PartActivities, opts.Changed || changing != "", cad.Quiet) {
			read(PartActivities, func() (err error) { acts, err = rd.activities(ctx); return })
		}
		if due.due(PartRefreshes, opts.Changed || refreshSignal(prev), cad.Quiet) {
			read(PartRefreshes, func() (err error) { refrs, err = rd.refreshes(ctx); return })
		}
		if len(members) > 0 && due.due(PartMetrics, false, cad.Metrics) {
			ids := make([]string, len(members))
			for i, in := range members {
				ids[i] = in.ID
			}
			read(PartMetrics, func() (err error) { cpu, err = rd.cpuAll(ctx, ids); return })
		}
	})
	if t.TargetGroupARN != "" && due.due(PartTargets, true, 0) {
		read(PartTargets, func() (err error) { targets, err = rd.targets(ctx); return })
	}
	scan := due.alarmScan()
	switch {
	case !due.due(PartAlarms, true, 0):
		readHistory(false)
	case scan || len(known) > 0:
		read(PartAlarms, func() error {
			var err error
			if alarms, err = rd.alarms(ctx, scan, known); err != nil {
				readHistory(false)
				return err
			}
			scanned = scan
			readHistory(true)
			return nil
		})
	default:
		// The last scan found no alarm: nothing to read by name until the
		// next one, and no state to change.
	}
	if t.LoadBalancerARN != "" && due.due(PartLB, opts.LoadBalancer || prev == nil || prev.LB == nil, cad.LB) {
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
				record(PartCerts, cerr)
			}
			if t.ZoneID != "" && t.RecordFQDN != "" && !gaps.skip(PartRecord) {
				var rerr error
				rec, rerr = rd.f.record(ctx, t.ZoneID, t.RecordFQDN, rd.call)
				record(PartRecord, rerr)
			}
			return nil
		})
	}
	wg.Wait()
	if groupErr != nil {
		return nil, groupErr
	}
	s.Group, s.Changing = group, changing

	// status records how part p went, and when its data was read; it
	// reports whether the data is to be carried from prev (asked and
	// failed for a passing reason, or not asked this time).
	status := func(p Part) (carry bool) {
		err, asked := errs[p]
		st := PartStatus{Part: p, State: PartOK}
		switch {
		case asked:
			st = partStatus(p, err, s.TakenAt)
		case prev != nil:
			st = prev.Part(p)
		}
		if st.State != PartOK {
			if s.Parts == nil {
				s.Parts = map[Part]PartStatus{}
			}
			s.Parts[p] = st
		}
		if asked && st.State == PartFailed {
			s.Problems = append(s.Problems, Problem{Part: string(p), Err: err})
		}
		switch {
		case asked && st.State == PartOK:
			s.readAt[p] = s.TakenAt
		case !st.Gap() && prev != nil && !prev.ReadAt(p).IsZero():
			s.readAt[p] = prev.ReadAt(p)
		}
		return prev != nil && (st.State == PartFailed || !asked && !st.Gap())
	}
	if status(PartTargets) {
		targets = prev.Targets
	}
	if status(PartAlarms) {
		alarms = prev.Alarms
	} else if scanned {
		s.alarmScan = s.TakenAt
	}
	if status(PartHistory) {
		// Carried: the events that have left the window go.
		for _, h := range prev.AlarmHistory {
			if s.TakenAt.Sub(h.Time) < historyWindow {
				history = append(history, h)
			}
		}
	} else if err, asked := errs[PartHistory]; asked && err == nil {
		var prevAlarms []Alarm
		if prev != nil {
			prevAlarms = prev.Alarms
		}
		s.historyMark = historyMarkAt(alarms, prevAlarms, history, s.TakenAt)
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
		var prevLB *LB
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
	prevByID := map[string]*Instance{}
	if prev != nil {
		for i := range prev.Instances {
			prevByID[prev.Instances[i].ID] = &prev.Instances[i]
		}
	}
	ec2Carry := status(PartInstances)
	cpuCarry := status(PartMetrics)
	health := make(map[string]Health, len(targets))
	for _, th := range targets {
		health[th.ID] = th.Health
	}
	for i := range members {
		in := &members[i]
		p := prevByID[in.ID]
		if e, ok := ec2s[in.ID]; ok {
			in.State, in.PrivateIP, in.ImageID, in.LaunchTime = e.State, e.PrivateIP, e.ImageID, e.LaunchTime
			if in.InstanceType == "" {
				in.InstanceType = e.InstanceType
			}
		} else if ec2Carry && p != nil {
			in.State, in.PrivateIP, in.ImageID, in.LaunchTime = p.State, p.PrivateIP, p.ImageID, p.LaunchTime
		}
		in.Target = health[in.ID]
		if v, ok := cpu[in.ID]; ok {
			in.CPU = v
		} else if cpuCarry && p != nil {
			// An instance that joined since the last metrics read has no
			// sparkline until the next one: it has no CPU data yet either.
			in.CPU = p.CPU
		}
	}
	s.Instances = members
	s.Calls = int(rd.calls.Load())
	return s, nil
}

// cpuAll reads the CPU sparklines of ids, MetricsPerCall per
// GetMetricData, the calls side by side.
func (rd *reader) cpuAll(ctx context.Context, ids []string) (map[string][]float64, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		out  = make(map[string][]float64, len(ids))
		errs []error
	)
	for batch := range slices.Chunk(ids, MetricsPerCall) {
		wg.Go(func() {
			cpu, err := rd.cpu(ctx, batch)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for id, v := range cpu {
				out[id] = v
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return out, nil
}

// reader is one snapshot's reads: the target, its clock, and a count of
// the requests made.
type reader struct {
	f     *Fleet
	t     Ref
	now   time.Time
	calls atomic.Int32
}

func (rd *reader) call() { rd.calls.Add(1) }

// cpuWindow returns the sparkline grid: points periods ending with the
// period under way.
func (rd *reader) cpuWindow() (start time.Time, period time.Duration, points int) {
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
func series(start time.Time, period time.Duration, points int, ts []time.Time, vals []float64) []float64 {
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
func sortInstances(members []Instance) {
	sort.Slice(members, func(i, j int) bool { return members[i].ID < members[j].ID })
}

// ttPrefix is the name prefix of the alarms target tracking creates for a
// group ("TargetTracking-<group>-AlarmHigh-<uuid>").
func ttPrefix(group string) string { return "TargetTracking-" + group + "-" }

// ownAlarm reports whether an alarm name belongs to the target.
func (rd *reader) ownAlarm(name string) bool {
	return rd.t.AlarmPrefix != "" && strings.HasPrefix(name, rd.t.AlarmPrefix) ||
		strings.HasPrefix(name, ttPrefix(rd.t.ASGName))
}

// mergeAlarms combines alarm lists by name, sorted.
func mergeFleetAlarms(lists ...[]Alarm) []Alarm {
	seen := map[string]bool{}
	var out []Alarm
	for _, l := range lists {
		for _, a := range l {
			if !seen[a.Name] {
				seen[a.Name] = true
				out = append(out, a)
			}
		}
	}
	slices.SortFunc(out, func(a, b Alarm) int { return strings.Compare(a.Name, b.Name) })
	return out
}
