package sandbox

import "time"

// STUB (owner: Auto Scaling): replace with autoscaling*.go and termination.go.

type ASGState struct{}

func newASGState() *ASGState                                   { return &ASGState{} }
func (s *ASGState) inventory() []InventoryItem                 { return nil }
func (s *ASGState) tick(r *Region, now time.Time, d durations) {}
func asgHandlers() map[string]handler                          { return map[string]handler{} }

// groupInstances returns the ids of a group's instances that are in service
// or pending (CloudWatch averages CPU over them), or nil.
func (r *Region) groupInstances(name string) []string { return nil }
