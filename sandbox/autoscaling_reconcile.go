package sandbox

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// tick moves every group toward its desired capacity. It runs on every
// request, so one pass over a group's instances does the bookkeeping and
// the expensive parts (choosing instances to terminate) run only when the
// group actually has to scale in.
func (s *ASGState) tick(r *Region, now time.Time, d durations) {
	s.ensure()
	if len(s.Groups) == 0 {
		return
	}
	for _, g := range s.sortedGroups() {
		r.reconcile(g, now, d)
	}
}

func (r *Region) reconcile(g *AutoScalingGroup, now time.Time, d durations) {
	r.settleInstances(g, now, d)
	if g.Status == statusDeleting {
		if len(g.Instances) == 0 {
			r.ASG.forget(g)
		}
		return
	}
	r.advanceRefresh(g, now, d)
	switch capacity := g.capacity(); {
	case capacity > g.DesiredCapacity:
		r.scaleIn(g, capacity, now, d)
	case capacity < g.DesiredCapacity:
		r.scaleOut(g, capacity, now, d)
	default:
		r.rebalance(g, now, d)
	}
}

// settleInstances follows each instance's EC2 state: pending ones come
// into service once running, terminating ones leave the group once gone,
// and in-service ones are health-checked.
func (r *Region) settleInstances(g *AutoScalingGroup, now time.Time, d durations) {
	gone := 0
	grace := time.Duration(g.HealthCheckGracePeriod) * time.Second
	var unhealthy map[string]bool // built on first need, once per tick
	for _, in := range g.Instances {
		ec2 := r.instance(in.ID)
		state := ""
		if ec2 != nil {
			state = ec2.State
		}
		switch in.Lifecycle {
		case lifecyclePending:
			switch state {
			case "running":
				in.Lifecycle, in.InServiceAt = lifecycleInService, now
				for _, tg := range g.TargetGroupARNs {
					_ = r.registerTarget(now, tg, in.ID, 0)
				}
				if a := g.activity(in.ActivityID); a != nil {
					a.finish(now, activitySuccessful)
				}
				in.ActivityID = ""
			case "pending":
			default:
				r.replaceUnhealthy(g, in, now, d, "an EC2 health check indicating it has been terminated or stopped")
			}
		case lifecycleInService:
			switch {
			case state != "running":
				r.replaceUnhealthy(g, in, now, d, "an EC2 health check indicating it has been terminated or stopped")
			case g.HealthCheckType == "ELB" && !now.Before(in.InServiceAt.Add(userPeriod(d, grace))):
				// Never inside the grace period, which AWS counts from the
				// moment the instance came into service: with a grace of 0
				// an instance that is still booting fails its first checks
				// and is replaced, as on AWS.
				if unhealthy == nil {
					unhealthy = r.unhealthyTargets(g.TargetGroupARNs)
				}
				if unhealthy[in.ID] {
					r.replaceUnhealthy(g, in, now, d, "an ELB system health check failure")
				}
			}
		case lifecycleStandby:
			if state != "running" && state != "pending" && state != "stopping" && state != "stopped" {
				in.Lifecycle = "" // terminated from outside while on standby: it leaves the group
				gone++
			}
		case lifecycleTerminating:
			if state == "" || state == "terminated" {
				if a := g.activity(in.ActivityID); a != nil {
					a.finish(now, activitySuccessful)
				}
				in.Lifecycle = ""
				gone++
			}
		}
	}
	if gone > 0 {
		g.Instances = slices.DeleteFunc(g.Instances, func(in *GroupInstance) bool {
			if in.Lifecycle == "" {
				delete(r.ASG.Members, in.ID)
				return true
			}
			return false
		})
	}
}

// unhealthyTargets returns the instances that any of the target groups
// reports unhealthy. It walks each group's targets once: asking
// targetHealth per instance scans the group per instance, a million steps
// a tick for 1,000 instances. It reads the ELB's targets directly and lets
// targetView (the ELB's own rule) confirm the few stored as unhealthy.
func (r *Region) unhealthyTargets(arns []string) map[string]bool {
	out := map[string]bool{}
	for _, arn := range arns {
		tg := r.ELB.TargetGroups[arn]
		if tg == nil {
			continue
		}
		looked, inUse := false, false
		for _, t := range tg.Targets {
			if t.State != stateUnhealthy {
				continue
			}
			if !looked {
				looked, inUse = true, r.ELB.loadBalancerOf(arn) != ""
			}
			if st, _, _ := r.targetView(tg, t, inUse); st == stateUnhealthy {
				out[t.ID] = true
			}
		}
	}
	return out
}

// userPeriod is how long a period the user configured (grace, warmup,
// cooldown) lasts in the sandbox: divided by the speed factor when
// realistic, and whole when instant, because these are waits the user
// chose, not AWS processes, and collapsing the grace period would kill
// instances AWS spares.
func userPeriod(d durations, v time.Duration) time.Duration {
	if d.Speed <= 0 {
		return v
	}
	return d.scale(v)
}

// replaceUnhealthy marks an instance unhealthy and terminates it; the group
// launches its replacement on the next scale out.
func (r *Region) replaceUnhealthy(g *AutoScalingGroup, in *GroupInstance, now time.Time, d durations, why string) {
	in.Health = healthUnhealthy
	r.retire(now, d, g, in, fmt.Sprintf("At %s an instance was taken out of service in response to %s.", awsTime(now), why))
}

// retire starts terminating a group instance: out of its target groups,
// EC2 terminate, and a termination activity that completes when it is gone.
func (r *Region) retire(now time.Time, d durations, g *AutoScalingGroup, in *GroupInstance, cause string) {
	if in.Lifecycle == lifecycleInService {
		for _, tg := range g.TargetGroupARNs {
			r.deregisterTarget(now, tg, in.ID)
		}
	}
	if a := g.activity(in.ActivityID); a != nil {
		a.StatusMessage = "Instance was terminated before it came into service."
		a.finish(now, activityCancelled)
	}
	in.Lifecycle = lifecycleTerminating
	in.Rebalance = false
	a := g.record(r.w, &ScalingActivity{
		Description: "Terminating EC2 instance: " + in.ID, Cause: cause, Details: placementDetails(in.SubnetID, in.AZ),
		StatusCode: activityInProgress, Progress: 50, StartTime: now,
	})
	in.ActivityID = a.ID
	r.terminateInstance(now, d, in.ID)
}

// launchSpec is the launch template a group launches from now: its own,
// or an instance refresh's desired configuration.
func (r *Region) launchSpec(g *AutoScalingGroup) (id, name, version string) {
	if rf := g.activeRefresh(); rf != nil && (rf.DesiredTemplateID != "" || rf.DesiredTemplateName != "") {
		return rf.DesiredTemplateID, rf.DesiredTemplateName, rf.DesiredTemplateVersion
	}
	return g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion
}

// launch starts one instance in subnetID. A failure is recorded as a failed
// activity with AWS's message and retried after a backoff.
func (r *Region) launch(g *AutoScalingGroup, subnetID string, now time.Time, d durations, cause string) (*GroupInstance, bool) {
	id, name, version := r.launchSpec(g)
	az := ""
	if sn := r.subnet(subnetID); sn != nil {
		az = sn.AZ
	}
	lt, number, aerr := r.resolveTemplate(id, name, version)
	var inst *Instance
	if aerr == nil {
		inst, aerr = r.launchFromTemplate(now, d, lt.ID, "", strconv.Itoa(number), subnetID, g.propagatedTags())
	}
	if aerr != nil {
		// The activity carries EC2's reason, without the preamble the
		// Create/Update API errors put before it.
		reason := strings.TrimPrefix(aerr.Message, "You must use a valid fully-formed launch template. ")
		if !strings.HasSuffix(reason, ".") {
			reason += "."
		}
		g.record(r.w, &ScalingActivity{
			Description: fmt.Sprintf("Launching a new EC2 instance.  Status Reason: %s Launching EC2 instance failed.", reason),
			Cause:       cause, Details: placementDetails(subnetID, az),
			StatusCode: activityFailed, StatusMessage: reason, Progress: 100, StartTime: now, EndTime: now,
		})
		g.LaunchFailures++
		// AWS retries a failing launch about every 10 s, backing off.
		backoff := d.scale(10 * time.Second << min(g.LaunchFailures-1, 4))
		if d.Speed <= 0 {
			backoff = time.Second // instant: retry on a later request, not in a tight loop
		}
		g.NextLaunchAt = now.Add(backoff)
		return nil, false
	}
	g.LaunchFailures, g.NextLaunchAt = 0, time.Time{}
	in := &GroupInstance{
		ID: inst.ID, AZ: inst.AZ, SubnetID: inst.SubnetID, InstanceType: inst.InstanceType, ImageID: inst.ImageID,
		LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, LaunchTemplateVersion: number,
		Lifecycle: lifecyclePending, Health: healthHealthy, Protected: g.NewInstancesProtectedFromScaleIn,
		LaunchTime: inst.LaunchTime,
	}
	if in.LaunchTime.IsZero() {
		in.LaunchTime = now
	}
	a := g.record(r.w, &ScalingActivity{
		Description: "Launching a new EC2 instance: " + inst.ID, Cause: cause, Details: placementDetails(inst.SubnetID, inst.AZ),
		StatusCode: activityInProgress, Progress: 30, StartTime: now,
	})
	in.ActivityID = a.ID
	g.Instances = append(g.Instances, in)
	r.ASG.Members[in.ID] = g.Name
	return in, true
}

// zoneTally counts the instances that hold capacity per subnet of the
// group (in the group's subnet order) and per zone. Instances outside the
// group's subnets are not counted. It runs on every tick, so it counts
// into a slice rather than a map.
type zoneTally struct {
	subnets   []string
	zones     []string // zone of each subnet ("" when the subnet is gone)
	perSubnet []int
	perAZ     map[string]int
}

func (r *Region) tally(g *AutoScalingGroup) *zoneTally {
	t := &zoneTally{subnets: g.Subnets, zones: make([]string, len(g.Subnets)), perSubnet: make([]int, len(g.Subnets)), perAZ: map[string]int{}}
	for i, id := range g.Subnets {
		if sn := r.subnet(id); sn != nil {
			t.zones[i] = sn.AZ
		}
	}
	for _, in := range g.Instances {
		if in.Lifecycle == lifecyclePending || in.Lifecycle == lifecycleInService {
			if i := slices.Index(g.Subnets, in.SubnetID); i >= 0 {
				t.perSubnet[i]++
			}
		}
	}
	for i, az := range t.zones {
		t.perAZ[az] += t.perSubnet[i]
	}
	return t
}

func (t *zoneTally) add(subnetID string) {
	if i := slices.Index(t.subnets, subnetID); i >= 0 {
		t.perSubnet[i]++
		t.perAZ[t.zones[i]]++
	}
}

// next returns the subnet of the zone with the fewest instances (and within
// it the emptiest subnet), as AWS balances launches; ties go to the
// subnet listed first.
func (t *zoneTally) next() string {
	best := -1
	for i, az := range t.zones {
		if az == "" {
			continue
		}
		if best < 0 || t.perAZ[az] < t.perAZ[t.zones[best]] || (t.perAZ[az] == t.perAZ[t.zones[best]] && t.perSubnet[i] < t.perSubnet[best]) {
			best = i
		}
	}
	if best < 0 {
		return ""
	}
	return t.subnets[best]
}

func (r *Region) scaleOut(g *AutoScalingGroup, capacity int, now time.Time, d durations) {
	if now.Before(g.NextLaunchAt) {
		return
	}
	cause := fmt.Sprintf("%s  At %s an instance was started in response to a difference between desired and actual capacity, increasing the capacity from %d to %d.",
		g.Cause, awsTime(now), capacity, g.DesiredCapacity)
	zones := r.tally(g)
	for n := capacity; n < g.DesiredCapacity; n++ {
		in, ok := r.launch(g, zones.next(), now, d, cause)
		if !ok {
			return
		}
		if rf := g.activeRefresh(); rf != nil {
			in.RefreshID = rf.ID
		}
		zones.add(in.SubnetID)
	}
	g.CooldownUntil = now.Add(userPeriod(d, time.Duration(g.DefaultCooldown)*time.Second))
}

// terminationCandidates returns the instances that count toward capacity,
// as the termination policies see them, and the group's current template.
func (r *Region) terminationCandidates(g *AutoScalingGroup) (termGroup, []termCandidate) {
	tg := termGroup{Policies: g.TerminationPolicies}
	if lt, v, err := r.resolveTemplate(g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion); err == nil {
		tg.LaunchTemplateID, tg.LaunchTemplateVersion = lt.ID, v
	}
	var cands []termCandidate
	for _, in := range g.Instances {
		if in.Lifecycle == lifecyclePending || in.Lifecycle == lifecycleInService {
			cands = append(cands, termCandidate{ID: in.ID, AZ: in.AZ, LaunchTime: in.LaunchTime,
				LaunchTemplateID: in.LaunchTemplateID, LaunchTemplateVersion: in.LaunchTemplateVersion, Protected: in.Protected})
		}
	}
	return tg, cands
}

func (r *Region) scaleIn(g *AutoScalingGroup, capacity int, now time.Time, d durations) {
	rebalancing := false
	for _, in := range g.Instances {
		if in.Rebalance {
			if in.Lifecycle == lifecyclePending {
				return // launch before terminate: wait for the new instance
			}
			rebalancing = true
		}
	}
	surplus := capacity - g.DesiredCapacity
	var chosen []string
	// Instances left outside the group's subnets (after an update) go first.
	for _, in := range g.Instances {
		if len(chosen) < surplus && (in.Lifecycle == lifecyclePending || in.Lifecycle == lifecycleInService) && !in.Protected && !slices.Contains(g.Subnets, in.SubnetID) {
			chosen = append(chosen, in.ID)
		}
	}
	if len(chosen) < surplus {
		tg, cands := r.terminationCandidates(g)
		cands = slices.DeleteFunc(cands, func(c termCandidate) bool { return slices.Contains(chosen, c.ID) })
		chosen = append(chosen, chooseTermination(tg, cands, surplus-len(chosen), now)...)
	}
	why := fmt.Sprintf("%s  At %s an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from %d to %d.",
		g.Cause, awsTime(now), capacity, g.DesiredCapacity)
	if rebalancing {
		why = fmt.Sprintf("At %s an instance was taken out of service in response to an Availability Zone rebalancing.", awsTime(now))
	}
	for _, id := range chosen {
		r.retire(now, d, g, g.instance(id), fmt.Sprintf("%s  At %s instance %s was selected for termination.", why, awsTime(now), id))
	}
	for _, in := range g.Instances {
		in.Rebalance = false
	}
	if len(chosen) > 0 {
		g.CooldownUntil = now.Add(userPeriod(d, time.Duration(g.DefaultCooldown)*time.Second))
	}
}

// rebalance evens out a group whose zones drifted apart (instances
// terminated in one zone, subnets changed): it launches in the emptiest
// zone first and, once that instance is in service, scale in terminates
// one in the fullest zone, as AWS documents ("launch before terminate").
func (r *Region) rebalance(g *AutoScalingGroup, now time.Time, d durations) {
	if now.Before(g.NextLaunchAt) || g.activeRefresh() != nil {
		return
	}
	orphans := false
	for _, in := range g.Instances {
		switch {
		case in.Lifecycle == lifecyclePending, in.Lifecycle == lifecycleTerminating:
			return // let the group settle first
		case in.Lifecycle == lifecycleInService && !slices.Contains(g.Subnets, in.SubnetID) && !in.Protected:
			orphans = true
		}
	}
	zones := r.tally(g)
	perAZ := zones.perAZ
	fewest, most := -1, 0
	for _, az := range g.AvailabilityZones {
		n := perAZ[az]
		if fewest < 0 || n < fewest {
			fewest = n
		}
		most = max(most, n)
	}
	if !orphans && most-fewest <= 1 {
		return
	}
	// The fullest zone must have an instance the policies may terminate,
	// or the new one would only make the group larger.
	if !orphans {
		tg, cands := r.terminationCandidates(g)
		if pick := chooseTermination(tg, cands, 1, now); len(pick) == 0 || perAZ[g.instance(pick[0]).AZ] != most {
			return
		}
	}
	subnet := zones.next()
	cause := fmt.Sprintf("At %s an instance was started in response to an Availability Zone rebalancing: the zones held between %d and %d instances.", awsTime(now), fewest, most)
	if in, ok := r.launch(g, subnet, now, d, cause); ok {
		in.Rebalance = true
	}
}
