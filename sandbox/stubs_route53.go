package sandbox

import "time"

// STUB (owner: Route 53 + CloudWatch + SNS): replace with route53.go, cloudwatch.go, sns.go.

type Route53State struct{}

func newRoute53State() *Route53State                               { return &Route53State{} }
func (s *Route53State) inventory() []InventoryItem                 { return nil }
func (s *Route53State) tick(w *World, now time.Time, d durations)  {}
func route53Handlers() map[string]handler                          { return map[string]handler{} }
func route53Route(method, path string) (string, map[string]string) { return "", nil }

// hasRecord reports whether a hosted zone holds a record set name/type
// whose values include value (ACM validation looks for its CNAME).
func (s *Route53State) hasRecord(name, rtype, value string) bool { return false }

type CWState struct{}

func newCWState() *CWState                                    { return &CWState{} }
func (s *CWState) inventory() []InventoryItem                 { return nil }
func (s *CWState) tick(r *Region, now time.Time, d durations) {}
func cloudwatchHandlers() map[string]handler                  { return map[string]handler{} }

type SNSState struct{}

func newSNSState() *SNSState                   { return &SNSState{} }
func (s *SNSState) inventory() []InventoryItem { return nil }
func snsHandlers() map[string]handler          { return map[string]handler{} }
