package state

import (
	"crypto/rand"
	"fmt"
	"maps"
	"time"
)

// Intent describes a resource about to be created.
type Intent struct {
	Key  string // unique in the stack, e.g. "network/vpc"
	Step string // the owning step's id
	Type string // e.g. "ec2:vpc"
	// Region is where the resource lives when it is not the stack's
	// region (the billing alarm lives in us-east-1).
	Region string
	// Token is the client token for the create call; empty asks for a
	// random one.
	Token string
	Attrs map[string]string
}

// RecordIntent records that a resource is about to be created and returns
// the record to create it from. Recording an intent again for a key still
// in intent (a resumed apply) keeps the first token, so the resumed create
// is the same request to AWS; a key whose resource was deleted starts over
// with a new token at the end of the creation order. A key whose resource
// exists (created or deleting) is refused: creating it again would build
// it twice.
func (s *Store) RecordIntent(in Intent) (Resource, error) {
	if in.Key == "" || in.Step == "" || in.Type == "" {
		return Resource{}, fmt.Errorf("record intent: key, step and type are required (got %q, %q, %q)", in.Key, in.Step, in.Type)
	}
	if err := checkNoCredentials(in.Attrs); err != nil {
		return Resource{}, fmt.Errorf("record intent %s: %w", in.Key, err)
	}
	var out Resource
	err := s.change(func(st *Stack, now time.Time) error {
		r := st.resource(in.Key)
		if r != nil && r.Status != ResourceIntent && r.Status != ResourceDeleted {
			return fmt.Errorf("record intent %s: already %s as %s", in.Key, r.Status, r.ID)
		}
		if r != nil && r.Status == ResourceIntent {
			if r.Step != in.Step || r.Type != in.Type {
				return fmt.Errorf("record intent %s: recorded as %s of step %s, not %s of step %s",
					in.Key, r.Type, r.Step, in.Type, in.Step)
			}
			r.Attrs = mergeAttrs(r.Attrs, in.Attrs)
			out = r.clone()
			return nil
		}
		if r != nil { // deleted: a new life, at the end of the creation order
			st.Resources = removeResource(st.Resources, r)
		}
		token := in.Token
		if token == "" {
			token = rand.Text()
		}
		nr := &Resource{
			Key: in.Key, Step: in.Step, Type: in.Type, Region: in.Region,
			Status: ResourceIntent, Attrs: maps.Clone(in.Attrs), Token: token, Intent: now,
		}
		st.Resources = append(st.Resources, nr)
		st.log(Entry{Time: now, Action: "intent", Step: in.Step, Key: in.Key, Detail: in.Type})
		out = nr.clone()
		return nil
	})
	return out, err
}

// RecordCreated records that AWS returned the resource under key (recorded
// by RecordIntent). attrs are merged into the recorded ones. Recording a
// created resource again updates its id, ARN and attributes (a launch
// template's new version, say).
func (s *Store) RecordCreated(key, id, arn string, attrs map[string]string) error {
	if id == "" && arn == "" {
		return fmt.Errorf("record created %s: an id or an ARN is required", key)
	}
	if err := checkNoCredentials(attrs); err != nil {
		return fmt.Errorf("record created %s: %w", key, err)
	}
	return s.change(func(st *Stack, now time.Time) error {
		r := st.resource(key)
		if r == nil {
			return fmt.Errorf("record created %s: no intent recorded", key)
		}
		switch r.Status {
		case ResourceIntent:
			r.Created = now
		case ResourceCreated:
		default:
			return fmt.Errorf("record created %s: the resource is %s", key, r.Status)
		}
		r.Status, r.ID, r.ARN = ResourceCreated, id, arn
		r.Attrs = mergeAttrs(r.Attrs, attrs)
		st.log(Entry{Time: now, Action: "created", Step: r.Step, Key: key, Detail: firstNonEmpty(id, arn)})
		return nil
	})
}

// RecordDeleting records that the resource under key is about to be
// deleted, so a crash mid-delete is finished by the next destroy.
func (s *Store) RecordDeleting(key string) error {
	return s.change(func(st *Stack, now time.Time) error {
		r := st.resource(key)
		if r == nil {
			return fmt.Errorf("record deleting %s: not recorded", key)
		}
		if r.Status == ResourceDeleted {
			return fmt.Errorf("record deleting %s: already deleted", key)
		}
		if r.Status != ResourceDeleting {
			r.Status = ResourceDeleting
			st.log(Entry{Time: now, Action: "deleting", Step: r.Step, Key: key, Detail: r.ID})
		}
		return nil
	})
}

// RecordDeleted records that the resource under key is gone. It stays in
// the record, marked deleted, until the stack itself is deleted.
func (s *Store) RecordDeleted(key string) error {
	return s.change(func(st *Stack, now time.Time) error {
		r := st.resource(key)
		if r == nil {
			return fmt.Errorf("record deleted %s: not recorded", key)
		}
		if r.Status != ResourceDeleted {
			r.Status, r.Deleted = ResourceDeleted, now
			st.log(Entry{Time: now, Action: "deleted", Step: r.Step, Key: key, Detail: r.ID})
		}
		return nil
	})
}

// SetStep records a step's status. Moving to in_progress stamps StartedAt;
// done, failed and destroyed stamp FinishedAt. cause is recorded as the
// step's error when the status is failed, and the error is cleared
// otherwise.
func (s *Store) SetStep(id string, status StepStatus, cause error) error {
	switch status {
	case StepPending, StepInProgress, StepDone, StepFailed, StepDestroyed:
	default:
		return fmt.Errorf("set step %s: unknown status %q", id, status)
	}
	return s.change(func(st *Stack, now time.Time) error {
		sr := st.Steps[id]
		if sr == nil {
			sr = &StepRecord{}
			st.Steps[id] = sr
		}
		sr.Status, sr.Error = status, ""
		switch status {
		case StepInProgress:
			sr.StartedAt, sr.FinishedAt = now, time.Time{}
		case StepDone, StepFailed, StepDestroyed:
			sr.FinishedAt = now
		}
		detail := ""
		if status == StepFailed && cause != nil {
			sr.Error = cause.Error()
			detail = sr.Error
		}
		st.log(Entry{Time: now, Action: "step " + string(status), Step: id, Detail: detail})
		return nil
	})
}

// SetOutputs adds outputs to a step's record, overwriting those of the same
// name: the values later steps need, such as the VPC id.
func (s *Store) SetOutputs(step string, outputs map[string]string) error {
	if err := checkNoCredentials(outputs); err != nil {
		return fmt.Errorf("set outputs of %s: %w", step, err)
	}
	return s.change(func(st *Stack, _ time.Time) error {
		sr := st.Steps[step]
		if sr == nil {
			sr = &StepRecord{Status: StepPending}
			st.Steps[step] = sr
		}
		sr.Outputs = mergeAttrs(sr.Outputs, outputs)
		return nil
	})
}

// SetSpec records the stack spec being applied, as text.
func (s *Store) SetSpec(spec string) error {
	return s.change(func(st *Stack, _ time.Time) error {
		st.Spec = spec
		return nil
	})
}

// SetIdentity records the stack's region and account; an empty value
// leaves the recorded one. Once an account is
// recorded, another one is refused: the record describes resources in that
// account, and applying it elsewhere would orphan them.
func (s *Store) SetIdentity(region, accountID string) error {
	return s.change(func(st *Stack, _ time.Time) error {
		if st.AccountID != "" && accountID != "" && st.AccountID != accountID {
			return fmt.Errorf("set identity: stack %q lives in account %s, not %s; use the profile of that account",
				st.Name, st.AccountID, accountID)
		}
		if region != "" {
			st.Region = region
		}
		if accountID != "" {
			st.AccountID = accountID
		}
		return nil
	})
}

func mergeAttrs(dst, src map[string]string) map[string]string {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]string, len(src))
	}
	maps.Copy(dst, src)
	return dst
}

func removeResource(rs []*Resource, r *Resource) []*Resource {
	out := rs[:0]
	for _, x := range rs {
		if x != r {
			out = append(out, x)
		}
	}
	return out
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}
