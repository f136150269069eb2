package sandbox

import "time"

// STUB (owner: EC2 compute + IAM + SSM): replace this file with iam.go and ssm.go.

type IAMState struct{}

func newIAMState() *IAMState                                  { return &IAMState{} }
func (s *IAMState) inventory() []InventoryItem                { return nil }
func (s *IAMState) tick(w *World, now time.Time, d durations) {}
func iamHandlers() map[string]handler                         { return map[string]handler{} }
func ssmHandlers() map[string]handler                         { return map[string]handler{} }

// profileUsable reports whether an instance profile (name or ARN) can be
// used by EC2 at now: ok is false while it is missing or still inside the
// propagation window. arn is its ARN when it exists.
func (s *IAMState) profileUsable(ref string, now time.Time, d durations) (arn string, exists, ok bool) {
	return "", false, false
}
