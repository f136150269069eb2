package sandbox

import "time"

// STUB (owner: ELBv2 + ACM): replace with elbv2*.go and acm.go.

type ELBState struct{}

func newELBState() *ELBState                                   { return &ELBState{} }
func (s *ELBState) inventory() []InventoryItem                 { return nil }
func (s *ELBState) tick(r *Region, now time.Time, d durations) {}
func elbHandlers() map[string]handler                          { return map[string]handler{} }

// registerTarget adds instanceID:port to a target group (Auto Scaling calls it).
func (r *Region) registerTarget(now time.Time, tgArn, instanceID string, port int) *APIError {
	return nil
}

// deregisterTarget starts draining instanceID from a target group.
func (r *Region) deregisterTarget(now time.Time, tgArn, instanceID string) {}

// targetHealth returns a target's state (initial, healthy, unhealthy,
// unused, draining, unavailable) and reason code, or "" when not registered.
func (r *Region) targetHealth(tgArn, instanceID string) (state, reason string) { return "", "" }

// targetGroupExists reports whether tgArn names a target group.
func (r *Region) targetGroupExists(tgArn string) bool { return false }

type ACMState struct{}

func newACMState() *ACMState                                   { return &ACMState{} }
func (s *ACMState) inventory() []InventoryItem                 { return nil }
func (s *ACMState) tick(r *Region, now time.Time, d durations) {}
func acmHandlers() map[string]handler                          { return map[string]handler{} }
