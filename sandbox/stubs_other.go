package sandbox

import "time"

type IAMState struct{}

func newIAMState() *IAMState                                  { return &IAMState{} }
func (s *IAMState) inventory() []InventoryItem                { return nil }
func (s *IAMState) tick(w *World, now time.Time, d durations) {}
func iamHandlers() map[string]handler                         { return map[string]handler{} }
func ssmHandlers() map[string]handler                         { return map[string]handler{} }

type Route53State struct{}

func newRoute53State() *Route53State                               { return &Route53State{} }
func (s *Route53State) inventory() []InventoryItem                 { return nil }
func (s *Route53State) tick(w *World, now time.Time, d durations)  {}
func route53Handlers() map[string]handler                          { return map[string]handler{} }
func route53Route(method, path string) (string, map[string]string) { return "", nil }

type ELBState struct{}

func newELBState() *ELBState                                   { return &ELBState{} }
func (s *ELBState) inventory() []InventoryItem                 { return nil }
func (s *ELBState) tick(r *Region, now time.Time, d durations) {}
func elbHandlers() map[string]handler                          { return map[string]handler{} }

type ASGState struct{}

func newASGState() *ASGState                                   { return &ASGState{} }
func (s *ASGState) inventory() []InventoryItem                 { return nil }
func (s *ASGState) tick(r *Region, now time.Time, d durations) {}
func asgHandlers() map[string]handler                          { return map[string]handler{} }

type ACMState struct{}

func newACMState() *ACMState                                   { return &ACMState{} }
func (s *ACMState) inventory() []InventoryItem                 { return nil }
func (s *ACMState) tick(r *Region, now time.Time, d durations) {}
func acmHandlers() map[string]handler                          { return map[string]handler{} }

type CWState struct{}

func newCWState() *CWState                                    { return &CWState{} }
func (s *CWState) inventory() []InventoryItem                 { return nil }
func (s *CWState) tick(r *Region, now time.Time, d durations) {}
func cloudwatchHandlers() map[string]handler                  { return map[string]handler{} }

type SNSState struct{}

func newSNSState() *SNSState                   { return &SNSState{} }
func (s *SNSState) inventory() []InventoryItem { return nil }
func snsHandlers() map[string]handler          { return map[string]handler{} }

// profileUsable reports whether an instance profile (name or ARN) can be
// used by EC2 at now: ok is false while it is missing or still inside the
// propagation window. arn is its ARN when it exists.
func (s *IAMState) profileUsable(ref string, now time.Time, d durations) (arn string, exists, ok bool) {
	return "", false, false
}

// hasRecord reports whether a hosted zone holds a record set name/type
// whose values include value (ACM validation looks for its CNAME).
func (s *Route53State) hasRecord(name, rtype, value string) bool { return false }
