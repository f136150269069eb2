package state

import (
	"maps"
	"time"
)

// StepStatus is where a step of the stack stands.
type StepStatus string

// The statuses of a step. A step that was never started has no record.
const (
	StepPending    StepStatus = "pending"
	StepInProgress StepStatus = "in_progress"
	StepDone       StepStatus = "done"
	StepFailed     StepStatus = "failed"
	StepDestroyed  StepStatus = "destroyed"
)

// ResourceStatus is where a resource stands in its life: a resource is
// recorded as an intent before the call that creates it, so a crash between
// the call and its result leaves a trace that resume and destroy follow up.
type ResourceStatus string

// The statuses of a resource, in the order a resource passes through them.
const (
	// ResourceIntent: the create call is about to be made, or was made and
	// its result is unknown. The resource may or may not exist in AWS; its
	// Token (or its tags) finds it.
	ResourceIntent ResourceStatus = "intent"
	// ResourceCreated: AWS returned the resource; ID (and ARN) are known.
	ResourceCreated ResourceStatus = "created"
	// ResourceDeleting: the delete call is about to be made or is under way.
	ResourceDeleting ResourceStatus = "deleting"
	// ResourceDeleted: AWS confirmed the resource is gone.
	ResourceDeleted ResourceStatus = "deleted"
)

// Stack is the local record of one stack: what was asked for, which steps
// ran, and every resource created, in creation order. It has no place for
// credentials, by design: nothing here is secret.
type Stack struct {
	// Version is the schema version the record was written with.
	Version int `json:"version"`
	// Name is the stack's name, the spec's `name`.
	Name string `json:"name"`
	// Region is the stack's home region.
	Region string `json:"region,omitempty"`
	// AccountID is the AWS account the stack lives in, so a later run
	// against another account is caught before it touches anything.
	AccountID string `json:"account_id,omitempty"`
	// Spec is the stack spec as last applied, in the text it was read in
	// (stack.yaml). The state package does not interpret it.
	Spec string `json:"spec,omitempty"`
	// UpdatedAt is when the record was last saved.
	UpdatedAt time.Time `json:"updated_at"`
	// Steps holds each started step's record, by step id.
	Steps map[string]*StepRecord `json:"steps"`
	// Resources holds every resource in the order it was first intended,
	// which is the order destroy reverses.
	Resources []*Resource `json:"resources"`
	// Journal is the most recent changes to the record, oldest first,
	// bounded to JournalLimit entries.
	Journal []Entry `json:"journal,omitempty"`
}

// StepRecord is one step's progress and what it produced.
type StepRecord struct {
	Status     StepStatus `json:"status"`
	StartedAt  time.Time  `json:"started_at,omitzero"`
	FinishedAt time.Time  `json:"finished_at,omitzero"`
	// Error is the text of the last failure, empty unless Status is failed.
	Error string `json:"error,omitempty"`
	// Outputs are the values later steps need (vpc id, subnet ids, ...).
	Outputs map[string]string `json:"outputs,omitempty"`
}

// Resource is one AWS resource the stack created or is creating.
type Resource struct {
	// Key names the resource within the stack, e.g. "network/vpc" or
	// "network/subnet/public/a"; it is unique among the stack's resources.
	Key string `json:"key"`
	// Step is the id of the step that owns the resource.
	Step string `json:"step"`
	// Type is the service and kind, e.g. "ec2:vpc".
	Type   string         `json:"type"`
	ID     string         `json:"id,omitempty"`
	ARN    string         `json:"arn,omitempty"`
	Region string         `json:"region,omitempty"`
	Status ResourceStatus `json:"status"`
	// Attrs are what the step needs to find, compare or delete the
	// resource later (cidr, az, version, ...).
	Attrs map[string]string `json:"attrs,omitempty"`
	// Token is the client token of the create call, kept so a retried or
	// resumed create is the same request to AWS and cannot build twice.
	Token   string    `json:"token,omitempty"`
	Intent  time.Time `json:"intent_at"`
	Created time.Time `json:"created_at,omitzero"`
	Deleted time.Time `json:"deleted_at,omitzero"`
}

// Live reports whether the resource may exist in AWS: anything not
// confirmed deleted, including an intent whose create may have gone through.
func (r *Resource) Live() bool { return r.Status != ResourceDeleted }

// Entry is one change in the journal.
type Entry struct {
	Time   time.Time `json:"time"`
	Action string    `json:"action"` // e.g. "intent", "created", "step failed"
	Step   string    `json:"step,omitempty"`
	Key    string    `json:"key,omitempty"`
	Detail string    `json:"detail,omitempty"`
}

// JournalLimit bounds the journal so the record stays small and quick to
// save however long the stack lives.
const JournalLimit = 200

// clone returns a deep copy, so callers can read it while the store
// changes.
func (st *Stack) clone() Stack {
	c := *st
	c.Steps = make(map[string]*StepRecord, len(st.Steps))
	for id, sr := range st.Steps {
		c.Steps[id] = sr.clone()
	}
	c.Resources = make([]*Resource, len(st.Resources))
	for i, r := range st.Resources {
		rc := r.clone()
		c.Resources[i] = &rc
	}
	c.Journal = append([]Entry(nil), st.Journal...)
	return c
}

func (sr *StepRecord) clone() *StepRecord {
	c := *sr
	c.Outputs = maps.Clone(sr.Outputs)
	return &c
}

func (r *Resource) clone() Resource {
	c := *r
	c.Attrs = maps.Clone(r.Attrs)
	return c
}

// resource returns the resource recorded under key, or nil.
func (st *Stack) resource(key string) *Resource {
	for _, r := range st.Resources {
		if r.Key == key {
			return r
		}
	}
	return nil
}

// log appends a journal entry, dropping the oldest beyond JournalLimit.
func (st *Stack) log(e Entry) {
	st.Journal = append(st.Journal, e)
	if over := len(st.Journal) - JournalLimit; over > 0 {
		st.Journal = append(st.Journal[:0:0], st.Journal[over:]...)
	}
}
