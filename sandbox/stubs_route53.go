package sandbox

import "time"

// STUB (owner: Route 53 + CloudWatch + SNS): replace with route53.go, cloudwatch.go, sns.go.

type CWState struct{}

func newCWState() *CWState                                    { return &CWState{} }
func (s *CWState) inventory() []InventoryItem                 { return nil }
func (s *CWState) tick(r *Region, now time.Time, d durations) {}
func cloudwatchHandlers() map[string]handler                  { return map[string]handler{} }
