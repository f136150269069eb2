package sandbox

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Target is an instance registered in a target group, with its health as
// the load balancer's checks have found it.
type Target struct {
	ID           string    `json:"id"`
	Port         int       `json:"port"`
	RegisteredAt time.Time `json:"registered_at"`
	// State is initial, healthy or unhealthy as the checks decided; what
	// DescribeTargetHealth shows also depends on the instance, the group's
	// use and draining (see targetView).
	State     string    `json:"state"`
	Reason    string    `json:"reason,omitempty"`
	NextCheck time.Time `json:"next_check"` // zero: checks not started
	Passes    int       `json:"passes"`     // consecutive
	Fails     int       `json:"fails"`      // consecutive
	LastCode  int       `json:"last_code,omitempty"`
	// DrainingSince is when deregistration began; zero while registered.
	DrainingSince time.Time `json:"draining_since"`
}

// Health states and reason codes exactly as ELBv2 reports them.
const (
	stateInitial   = "initial"
	stateHealthy   = "healthy"
	stateUnhealthy = "unhealthy"
	stateUnused    = "unused"
	stateDraining  = "draining"

	reasonRegistering     = "Elb.RegistrationInProgress"
	reasonInitialChecking = "Elb.InitialHealthChecking"
	reasonCodeMismatch    = "Target.ResponseCodeMismatch"
	reasonTimeout         = "Target.Timeout"
	reasonFailedChecks    = "Target.FailedHealthChecks"
	reasonNotRegistered   = "Target.NotRegistered"
	reasonNotInUse        = "Target.NotInUse"
	reasonInvalidState    = "Target.InvalidState"
	reasonDeregistering   = "Target.DeregistrationInProgress"
)

// reasonDescription returns AWS's description of a reason code.
func reasonDescription(reason string, t *Target, instanceState string) string {
	switch reason {
	case reasonRegistering:
		return "Target registration is in progress"
	case reasonInitialChecking:
		return "Initial health checks in progress"
	case reasonCodeMismatch:
		return fmt.Sprintf("Health checks failed with these codes: [%d]", t.LastCode)
	case reasonTimeout:
		return "Request timed out"
	case reasonFailedChecks:
		return "Health checks failed"
	case reasonNotRegistered:
		return "Target is not registered to the target group"
	case reasonNotInUse:
		return "Target group is not configured to receive traffic from the load balancer"
	case reasonInvalidState:
		return "Target is in the " + instanceState + " state"
	case reasonDeregistering:
		return "Target deregistration is in progress"
	}
	return ""
}

// targetView is what DescribeTargetHealth reports for a registered target.
func (r *Region) targetView(tg *TargetGroup, t *Target, inUse bool) (state, reason, description string) {
	in := r.instance(t.ID)
	instState := "terminated"
	if in != nil {
		instState = in.State
	}
	switch {
	case !t.DrainingSince.IsZero():
		state, reason = stateDraining, reasonDeregistering
	case instState == "stopped" || instState == "stopping":
		state, reason = stateUnused, reasonInvalidState
	case !inUse:
		state, reason = stateUnused, reasonNotInUse
	default:
		state, reason = t.State, t.Reason
	}
	return state, reason, reasonDescription(reason, t, instState)
}

// registerTarget adds instanceID:port to a target group (RegisterTargets
// and Auto Scaling). Port 0 means the group's port. Registering a target
// again is a no-op; registering a draining one makes it new again.
func (r *Region) registerTarget(now time.Time, tgArn, instanceID string, port int) *APIError {
	tg, err := r.ELB.targetGroup(tgArn)
	if err != nil {
		return err
	}
	if port, err = r.checkTarget(tg, instanceID, port); err != nil {
		return err
	}
	for _, t := range tg.Targets {
		if t.ID == instanceID && t.Port == port {
			if !t.DrainingSince.IsZero() {
				*t = Target{ID: instanceID, Port: port, RegisteredAt: now, State: stateInitial, Reason: reasonRegistering}
			}
			return nil
		}
	}
	if len(tg.Targets) >= 1000 {
		return errBadRequest("TooManyTargets", "You've reached the limit on the number of targets per target group (1000)")
	}
	tg.Targets = append(tg.Targets, &Target{ID: instanceID, Port: port, RegisteredAt: now, State: stateInitial, Reason: reasonRegistering})
	return nil
}

// checkTarget validates an instance target for a group as RegisterTargets
// does, and returns the port it will be registered on.
func (r *Region) checkTarget(tg *TargetGroup, instanceID string, port int) (int, *APIError) {
	if port == 0 {
		port = tg.Port
	}
	if port < 1 || port > 65535 {
		return 0, errBadRequest("ValidationError", "Target port '%d' must be from 1 to 65535", port)
	}
	in := r.instance(instanceID)
	switch {
	case in == nil || in.State == "terminated":
		return 0, errBadRequest("InvalidTarget", "The following targets are not valid instances: '%s'", instanceID)
	case in.State != "pending" && in.State != "running":
		return 0, errBadRequest("InvalidTarget", "The following targets are not in a running state and cannot be registered: '%s'", instanceID)
	case in.VpcID != tg.VpcID:
		return 0, errBadRequest("InvalidTarget", "The following targets are not in the target group VPC '%s': '%s'", tg.VpcID, instanceID)
	}
	return port, nil
}

// deregisterTarget starts draining instanceID from a target group; the
// target leaves once the group's deregistration delay has passed (tick).
func (r *Region) deregisterTarget(now time.Time, tgArn, instanceID string) {
	tg := r.ELB.TargetGroups[tgArn]
	if tg == nil {
		return
	}
	for _, t := range tg.Targets {
		if t.ID == instanceID && t.DrainingSince.IsZero() {
			t.DrainingSince = now
		}
	}
}

// targetHealth returns a target's state (initial, healthy, unhealthy,
// unused, draining) and reason code, or "" when not registered.
func (r *Region) targetHealth(tgArn, instanceID string) (state, reason string) {
	tg := r.ELB.TargetGroups[tgArn]
	if tg == nil {
		return "", ""
	}
	inUse := r.ELB.loadBalancerOf(tgArn) != ""
	for _, t := range tg.Targets {
		if t.ID == instanceID {
			state, reason, _ = r.targetView(tg, t, inUse)
			return state, reason
		}
	}
	return "", ""
}

// targetGroupExists reports whether tgArn names a target group.
func (r *Region) targetGroupExists(tgArn string) bool { return r.ELB.TargetGroups[tgArn] != nil }

// targetGroupHealthCounts returns how many of a group's targets are healthy
// and unhealthy, as CloudWatch's HealthyHostCount and UnHealthyHostCount
// count them (targets that are initial, unused or draining count in neither).
func (r *Region) targetGroupHealthCounts(tgArn string) (healthy, unhealthy int) {
	tg := r.ELB.TargetGroups[tgArn]
	if tg == nil {
		return 0, 0
	}
	inUse := r.ELB.loadBalancerOf(tgArn) != ""
	for _, t := range tg.Targets {
		switch state, _, _ := r.targetView(tg, t, inUse); state {
		case stateHealthy:
			healthy++
		case stateUnhealthy:
			unhealthy++
		}
	}
	return healthy, unhealthy
}

// loadBalancerOfTargetGroup returns the ARN of the load balancer that
// routes to the group, or "" (CloudWatch's LoadBalancer dimension).
func (r *Region) loadBalancerOfTargetGroup(tgArn string) string { return r.ELB.loadBalancerOf(tgArn) }

// maxChecksPerTick bounds the checks replayed for one target when much time
// has passed; thresholds are at most 10, so the last 20 checks decide.
const maxChecksPerTick = 20

// tickHealth removes drained targets and runs the health checks that are
// due. It is O(targets): one map lookup per target and one security group
// evaluation per distinct (groups, port) pair.
func (s *ELBState) tickHealth(r *Region, now time.Time, d durations) {
	// Which load balancer routes to each group, and since when.
	tgLB := map[string]*LoadBalancer{}
	tgSince := map[string]time.Time{}
	for _, l := range s.Listeners {
		for _, tg := range l.targetGroups() {
			tgLB[tg] = s.LoadBalancers[l.LoadBalancerARN]
			if since, ok := tgSince[tg]; !ok || l.CreatedTime.Before(since) {
				tgSince[tg] = l.CreatedTime
			}
		}
	}
	admitted := map[admissionKey]bool{}
	for _, tg := range s.TargetGroups {
		lb := tgLB[tg.ARN]
		delay := time.Duration(atoiDefault(tg.Attributes["deregistration_delay.timeout_seconds"], 300)) * time.Second
		interval := d.scale(time.Duration(tg.HealthCheck.IntervalSeconds) * time.Second)
		kept := tg.Targets[:0]
		for _, t := range tg.Targets {
			in := r.instance(t.ID)
			gone := in == nil || in.State == "shutting-down" || in.State == "terminated"
			if gone && t.DrainingSince.IsZero() {
				// AWS deregisters terminated instances itself.
				t.DrainingSince = now
			}
			if !t.DrainingSince.IsZero() {
				// Unused groups drain at once: no connection can be in flight.
				if lb == nil || !now.Before(t.DrainingSince.Add(d.scale(delay))) {
					continue
				}
				kept = append(kept, t)
				continue
			}
			kept = append(kept, t)
			if lb == nil || lb.State != "active" || in.State != "running" {
				// Checks (re)start from scratch once the target can be checked.
				t.State, t.Reason, t.NextCheck, t.Passes, t.Fails = stateInitial, reasonRegistering, time.Time{}, 0, 0
				continue
			}
			if t.NextCheck.IsZero() {
				// The first check comes one interval after the target could
				// first be checked, however late this tick runs.
				start := latest(t.RegisteredAt, lb.ActiveAt, in.RunningAt, tgSince[tg.ARN])
				t.NextCheck = start.Add(interval)
			}
			if interval == 0 {
				// Instant profile: one check per tick.
				s.check(r, tg, lb, t, in, now, admitted)
				continue
			}
			if n := int(now.Sub(t.NextCheck)/interval) + 1; n > maxChecksPerTick {
				t.NextCheck = t.NextCheck.Add(time.Duration(n-maxChecksPerTick) * interval)
			}
			for !t.NextCheck.After(now) {
				s.check(r, tg, lb, t, in, t.NextCheck, admitted)
				t.NextCheck = t.NextCheck.Add(interval)
			}
		}
		clear(tg.Targets[len(kept):])
		tg.Targets = kept
	}
}

// latest returns the latest of some times.
func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// admissionKey identifies one security group evaluation within a tick:
// targets that share groups, port and load balancer share the answer.
type admissionKey struct {
	groups string
	port   int
	lb     *LoadBalancer
}

// check runs one health check at time at and moves the target's state.
func (s *ELBState) check(r *Region, tg *TargetGroup, lb *LoadBalancer, t *Target, in *Instance, at time.Time, admitted map[admissionKey]bool) {
	port := t.Port
	if tg.HealthCheck.Port != "traffic-port" {
		port = atoiDefault(tg.HealthCheck.Port, port)
	}
	key := admissionKey{port: port, lb: lb}
	if len(in.SecurityGroups) == 1 {
		key.groups = in.SecurityGroups[0] // the common case, without allocating
	} else {
		key.groups = strings.Join(in.SecurityGroups, ",")
	}
	ok, seen := admitted[key]
	if !seen {
		ok = r.admits(in.SecurityGroups, port, lb.SecurityGroups, "")
		admitted[key] = ok
	}
	reason := ""
	switch {
	case !ok:
		// The load balancer's packets are dropped: the check times out.
		reason = reasonTimeout
	case at.Before(in.ReadyAt):
		// Nothing listens yet: the connection is refused.
		reason = reasonFailedChecks
	case !in.AppFailing && !in.AppHealthy && !in.ServesApp && !r.EC2.Compute.startsApp(in):
		// Nothing was started (a stock image without user data): the
		// connection is refused for as long as the instance runs. (startsApp
		// again for instances booted by a sandbox that did not record it.)
		reason = reasonFailedChecks
	default:
		code := 200
		if in.AppFailing {
			code = 500
		}
		if !matches(tg.HealthCheck.Matcher, code) {
			reason = reasonCodeMismatch
			t.LastCode = code
		}
	}
	if reason == "" {
		t.Passes++
		t.Fails = 0
		if t.State != stateHealthy && t.Passes >= tg.HealthCheck.HealthyThreshold {
			t.State, t.Reason = stateHealthy, ""
		}
	} else {
		t.Fails++
		t.Passes = 0
		if t.State == stateUnhealthy || t.Fails >= tg.HealthCheck.UnhealthyThreshold {
			t.State, t.Reason = stateUnhealthy, reason
		}
	}
	if t.State == stateInitial {
		t.Reason = reasonInitialChecking
	}
}

func elbRegisterTargets(c *call) (any, error) {
	arn := c.p.Get("TargetGroupArn")
	if _, err := c.r.ELB.targetGroup(arn); err != nil {
		return nil, err
	}
	targets := c.p.Structs("Targets.member")
	if len(targets) == 0 {
		return nil, errBadRequest("ValidationError", "Targets must not be empty")
	}
	// Validate every target before registering any, so a bad one changes nothing.
	tg := c.r.ELB.TargetGroups[arn]
	ports := make([]int, len(targets))
	for i, t := range targets {
		port, err := t.Int("Port", 0)
		if err != nil {
			return nil, err
		}
		checked, aerr := c.r.checkTarget(tg, t.Get("Id"), port)
		if aerr != nil {
			return nil, aerr
		}
		ports[i] = checked
	}
	for i, t := range targets {
		if err := c.r.registerTarget(c.now, arn, t.Get("Id"), ports[i]); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

func elbDeregisterTargets(c *call) (any, error) {
	arn := c.p.Get("TargetGroupArn")
	tg, err := c.r.ELB.targetGroup(arn)
	if err != nil {
		return nil, err
	}
	targets := c.p.Structs("Targets.member")
	if len(targets) == 0 {
		return nil, errBadRequest("ValidationError", "Targets must not be empty")
	}
	for _, t := range targets {
		id := t.Get("Id")
		registered := false
		for _, x := range tg.Targets {
			registered = registered || x.ID == id
		}
		if !registered {
			return nil, errBadRequest("InvalidTarget", "The following targets are not registered in target group '%s': '%s'", arn, id)
		}
	}
	for _, t := range targets {
		c.r.deregisterTarget(c.now, arn, t.Get("Id"))
	}
	return nil, nil
}

type xmlTargetHealth struct {
	TargetID        string `xml:"Target>Id"`
	TargetPort      int    `xml:"Target>Port"`
	HealthCheckPort string `xml:"HealthCheckPort"`
	State           string `xml:"TargetHealth>State"`
	Reason          string `xml:"TargetHealth>Reason,omitempty"`
	Description     string `xml:"TargetHealth>Description,omitempty"`
}

func elbDescribeTargetHealth(c *call) (any, error) {
	arn := c.p.Get("TargetGroupArn")
	tg, err := c.r.ELB.targetGroup(arn)
	if err != nil {
		return nil, err
	}
	inUse := c.r.ELB.loadBalancerOf(arn) != ""
	hcPort := func(port int) string {
		if tg.HealthCheck.Port == "traffic-port" {
			return strconv.Itoa(port)
		}
		return tg.HealthCheck.Port
	}
	describe := func(t *Target) xmlTargetHealth {
		state, reason, desc := c.r.targetView(tg, t, inUse)
		return xmlTargetHealth{TargetID: t.ID, TargetPort: t.Port, HealthCheckPort: hcPort(t.Port), State: state, Reason: reason, Description: desc}
	}
	out := struct {
		TargetHealthDescriptions []xmlTargetHealth `xml:"TargetHealthDescriptions>member"`
	}{TargetHealthDescriptions: []xmlTargetHealth{}}
	asked := c.p.Structs("Targets.member")
	if len(asked) == 0 {
		for _, t := range tg.Targets {
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, describe(t))
		}
		return out, nil
	}
	for _, a := range asked {
		id := a.Get("Id")
		port, perr := a.Int("Port", 0)
		if perr != nil {
			return nil, perr
		}
		if c.r.instance(id) == nil {
			return nil, errBadRequest("InvalidTarget", "The following targets are not valid instances: '%s'", id)
		}
		found := false
		for _, t := range tg.Targets {
			if t.ID == id && (port == 0 || port == t.Port) {
				out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, describe(t))
				found = true
			}
		}
		if !found {
			if port == 0 {
				port = tg.Port
			}
			out.TargetHealthDescriptions = append(out.TargetHealthDescriptions, xmlTargetHealth{
				TargetID: id, TargetPort: port, HealthCheckPort: hcPort(port), State: stateUnused,
				Reason: reasonNotRegistered, Description: reasonDescription(reasonNotRegistered, nil, ""),
			})
		}
	}
	return out, nil
}
