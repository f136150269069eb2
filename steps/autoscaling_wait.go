package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// The waits of the autoscaling step: the group's instances taking traffic,
// and an instance refresh rolling a new template version through.

// groupLaunchTimeout is how long a group may take to launch and boot its
// instances before the health checks can start: EC2 launches in about a
// minute, and an AMI without the app baked in installs it at boot.
const groupLaunchTimeout = 10 * time.Minute

// failedLaunchesTolerated is how many failed launch activities the wait
// lets the group retry before it reports the failure: AWS retries launches
// with a backoff, and one failure can be a passing capacity shortage.
const failedLaunchesTolerated = 3

// groupReadyTimeout bounds the wait for a group to take traffic: launch,
// the grace period, and the checks a target needs to turn healthy (and
// those it may fail while the app starts).
func groupReadyTimeout(s *spec.Spec) time.Duration {
	hc := s.LoadBalancer.HealthCheck
	checks := time.Duration(hc.IntervalSeconds*(hc.HealthyThreshold+hc.UnhealthyThreshold)) * time.Second
	return groupLaunchTimeout + time.Duration(s.Autoscaling.HealthCheckGraceSeconds)*time.Second + checks
}

// groupProgress is one look at a group: how many of its instances are in
// service and how many its target groups find healthy.
type groupProgress struct {
	desired, inService, healthy int
	// unhealthy holds, per instance, the latest reason a target group gave
	// for not sending it traffic.
	unhealthy map[string]aws.TargetState
}

func (p groupProgress) done() bool { return p.inService >= p.desired && p.healthy >= p.desired }

func (p groupProgress) String() string {
	s := fmt.Sprintf("%d/%d InService, %d/%d healthy in target group", p.inService, p.desired, p.healthy, p.desired)
	for _, id := range slices.Sorted(maps.Keys(p.unhealthy)) {
		if t := p.unhealthy[id]; t.State == "unhealthy" {
			s += fmt.Sprintf("; %s unhealthy (%s)", id, t.Reason)
		}
	}
	return s
}

// lookAtGroup describes the group and the health of its in-service
// instances in the target groups tgs.
func lookAtGroup(ctx context.Context, c *aws.Clients, name string, tgs []string) (groupProgress, aws.Group, error) {
	g, ok, err := c.ASG.Group(ctx, name)
	if err != nil {
		return groupProgress{}, g, err
	}
	if !ok || g.Deleting() {
		return groupProgress{}, g, fmt.Errorf("group %s is gone or being deleted; run apply again to create it", name)
	}
	p, err := groupProgressOf(ctx, c, g, tgs)
	return p, g, err
}

// groupProgressOf counts the group's in-service instances and those every
// target group in tgs finds healthy.
func groupProgressOf(ctx context.Context, c *aws.Clients, g aws.Group, tgs []string) (groupProgress, error) {
	p := groupProgress{desired: g.Desired, unhealthy: map[string]aws.TargetState{}}
	health := make([]map[string]aws.TargetState, 0, len(tgs))
	for _, tg := range tgs {
		h, err := c.ASG.TargetHealth(ctx, tg)
		if err != nil {
			return p, err
		}
		health = append(health, h)
	}
	for _, in := range g.Instances {
		if !in.InService() {
			continue
		}
		p.inService++
		healthy := true
		for _, h := range health {
			t, ok := h[in.ID]
			if !ok {
				t = aws.TargetState{ID: in.ID, State: "unregistered", Reason: "Target.NotRegistered"}
			}
			if !t.Healthy() {
				healthy = false
				p.unhealthy[in.ID] = t
			}
		}
		if healthy {
			p.healthy++
		}
	}
	return p, nil
}

// waitGroupReady waits until the group's desired instances are InService
// and healthy in its target groups, reporting progress as it changes. It
// fails early, with what the target health reason means, when the group
// replaces an instance because the load balancer found it unhealthy after
// the grace period, or when launches keep failing.
func waitGroupReady(ctx context.Context, r *Run, name string, tgs []string) error {
	var (
		last     groupProgress
		said     string
		baseline map[string]bool
		reasons  = map[string]aws.TargetState{} // every unhealthy reason seen, by instance
		// replacedSeen are the activities replacing an instance for failing
		// ELB health checks; rounds counts the polls that found new ones.
		replacedSeen = map[string]bool{}
		rounds       int
		lastReplaced aws.ScalingActivity
	)
	what := "instances of " + name + " to be InService and healthy in the target group"
	err := r.Wait(ctx, asgKeyGroup, what, groupReadyTimeout(r.Spec), func(ctx context.Context) (bool, error) {
		p, _, err := lookAtGroup(ctx, r.AWS, name, tgs)
		if err != nil {
			return false, err
		}
		last = p
		maps.Copy(reasons, p.unhealthy)
		if p.done() {
			return true, nil
		}
		if msg := p.String(); msg != said {
			said = msg
			r.e.emit(Event{Kind: ResourceWaiting, Step: r.Step, Key: asgKeyGroup, Type: typeASGGroup, ID: name, Message: msg})
		}
		acts, err := r.AWS.ASG.Activities(ctx, name, 50)
		if err != nil {
			return false, err
		}
		if baseline == nil {
			baseline = map[string]bool{}
			for _, a := range acts {
				baseline[a.ID] = true
			}
			return false, nil
		}
		failed := 0
		var lastFailure aws.ScalingActivity
		round := false
		for _, a := range acts {
			if baseline[a.ID] {
				continue
			}
			if strings.Contains(a.Cause, "ELB system health check failure") && !replacedSeen[a.ID] {
				replacedSeen[a.ID], round, lastReplaced = true, true, a
			}
			if a.Status == "Failed" {
				if failed++; failed == 1 {
					lastFailure = a
				}
			}
		}
		// The group gave up on an instance the load balancer still found
		// unhealthy after the grace period. Say why, once a look at the
		// targets has caught the reason (the replacement can follow the
		// verdict before a poll sees it); give up without one after a
		// second round of replacements.
		if round {
			rounds++
		}
		if rounds > 0 && (hasUnhealthy(reasons) || rounds >= 2) {
			return false, unhealthyTargetsError(r.Spec, name, p, reasons, lastReplaced)
		}
		if failed >= failedLaunchesTolerated {
			return false, fmt.Errorf("group %s cannot launch instances (%d failed attempts): %s", name, failed,
				firstOf(lastFailure.StatusMessage, lastFailure.Description))
		}
		return false, nil
	})
	if errors.Is(err, errWaitTimeout) {
		if len(reasons) > 0 {
			return fmt.Errorf("%w (%s)", unhealthyTargetsError(r.Spec, name, last, reasons, aws.ScalingActivity{}), err)
		}
		return fmt.Errorf("group %s: %s after %s; check its activity history (aws autoscaling describe-scaling-activities --auto-scaling-group-name %s): %w",
			name, last, groupReadyTimeout(r.Spec).Round(time.Second), name, err)
	}
	return err
}

func hasUnhealthy(reasons map[string]aws.TargetState) bool {
	for _, t := range reasons {
		if t.State == "unhealthy" {
			return true
		}
	}
	return false
}

// unhealthyTargetsError says which targets the load balancer will not send
// traffic to, why, and what that usually means.
func unhealthyTargetsError(s *spec.Spec, group string, p groupProgress, reasons map[string]aws.TargetState, replaced aws.ScalingActivity) error {
	var b strings.Builder
	fmt.Fprintf(&b, "group %s: the load balancer finds its instances unhealthy (%d/%d InService, %d/%d healthy)", group,
		p.inService, p.desired, p.healthy, p.desired)
	if replaced.ID != "" {
		fmt.Fprintf(&b, " and the group is replacing them after the %d s grace period (%s)", s.Autoscaling.HealthCheckGraceSeconds, replaced.Description)
	}
	byReason := map[string][]string{}
	desc := map[string]string{}
	for id, t := range reasons {
		if t.State != "unhealthy" && t.State != "unregistered" && t.State != "unused" {
			continue
		}
		byReason[t.Reason] = append(byReason[t.Reason], id)
		desc[t.Reason] = t.Description
	}
	if len(byReason) == 0 {
		b.WriteString(". No look at the targets caught the reason; the usual ones are")
		for _, r := range []string{"Target.Timeout", "Target.FailedHealthChecks", "Target.ResponseCodeMismatch"} {
			fmt.Fprintf(&b, " %s: %s;", r, targetReasonHint(s, r))
		}
	}
	for _, reason := range slices.Sorted(maps.Keys(byReason)) {
		ids := byReason[reason]
		slices.Sort(ids)
		fmt.Fprintf(&b, ". %s: %s", strings.Join(ids, ", "), reason)
		if desc[reason] != "" {
			fmt.Fprintf(&b, " (%s)", desc[reason])
		}
		if hint := targetReasonHint(s, reason); hint != "" {
			b.WriteString(": " + hint)
		}
	}
	return errors.New(b.String())
}

// targetReasonHint says what an ELB target health reason code usually
// means for this stack and what to do about it.
func targetReasonHint(s *spec.Spec, reason string) string {
	port, hc := s.Instance.Port, s.LoadBalancer.HealthCheck
	switch reason {
	case "Target.Timeout":
		return fmt.Sprintf("the health check to port %d got no answer in time — the app's security group does not admit the load balancer's "+
			"security group on port %d (check the -app group's inbound rule), or the app hangs on %s", port, port, hc.Path)
	case "Target.FailedHealthChecks":
		return fmt.Sprintf("the connection to port %d failed — nothing listens there: the app did not start (check instance.user_data and the "+
			"instance's console output), it listens on another port than instance.port %d, or it starts slower than "+
			"autoscaling.health_check_grace_seconds (%d) allows", port, port, s.Autoscaling.HealthCheckGraceSeconds)
	case "Target.ResponseCodeMismatch":
		return fmt.Sprintf("the app answers load_balancer.health_check.path %s with a status other than %s: make that path return it, "+
			"or set health_check.success_codes", hc.Path, hc.SuccessCodes)
	case "Target.NotInUse":
		return "no listener of the load balancer forwards to the target group"
	case "Target.NotRegistered":
		return "the instance is not registered in the target group: the group is not attached to it"
	case "Target.InvalidState":
		return "the instance is stopped"
	case "Elb.InitialHealthChecking", "Elb.RegistrationInProgress":
		return fmt.Sprintf("the first checks had not passed yet: a target needs %d passing checks %d s apart; if the app takes longer than "+
			"autoscaling.health_check_grace_seconds (%d) to start, raise it", hc.HealthyThreshold, hc.IntervalSeconds, s.Autoscaling.HealthCheckGraceSeconds)
	}
	return ""
}

// waitRefresh follows an instance refresh (id, or the group's latest when
// id is empty) until it ends, reporting its progress, and fails unless it
// succeeded.
func waitRefresh(ctx context.Context, r *Run, group, id string) error {
	var (
		said string
		last aws.InstanceRefresh
	)
	look := func(ctx context.Context) (aws.InstanceRefresh, bool, error) {
		if id == "" {
			return r.AWS.ASG.LatestRefresh(ctx, group)
		}
		return r.AWS.ASG.Refresh(ctx, group, id)
	}
	rf, ok, err := look(ctx)
	if err != nil || !ok || !rf.Active() {
		return err
	}
	id = rf.ID
	// A refresh replaces instances one batch at a time, each after the
	// warmup: give every instance the group's ready time.
	timeout := time.Duration(max(1, r.Spec.Autoscaling.Max)) * groupReadyTimeout(r.Spec)
	err = r.Wait(ctx, asgKeyGroup, "instance refresh of "+group, timeout, func(ctx context.Context) (bool, error) {
		rf, ok, err := look(ctx)
		if err != nil || !ok {
			return false, err
		}
		last = rf
		if msg := fmt.Sprintf("instance refresh %s: %d%% complete, %d instance(s) to replace", rf.Status, rf.Percent, rf.Remaining); msg != said {
			said = msg
			r.e.emit(Event{Kind: ResourceWaiting, Step: r.Step, Key: asgKeyGroup, Type: typeASGGroup, ID: group, Message: msg})
		}
		return !rf.Active(), nil
	})
	if err != nil {
		return fmt.Errorf("instance refresh %s of %s (%d%% complete): %w", id, group, last.Percent, err)
	}
	if last.Status != "Successful" {
		return fmt.Errorf("instance refresh %s of %s ended %s: %s; the group keeps the instances it has — fix the cause and run apply again",
			id, group, last.Status, firstOf(last.Reason, "no reason given"))
	}
	r.Info("instance refresh of %s complete", group)
	return nil
}
