// Package state owns the local record of a stack: which steps ran and every
// AWS resource they created, written before and after each mutating call so
// that an interrupted apply can resume and destroy can find everything.
//
// A record is one JSON file per stack in the state dir, replaced atomically
// on every save, readable only by its owner, versioned and migrated on load.
// Writing takes the stack's lock, so two stackwiz processes never change
// the same stack at once.
package state

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Store is one stack's record, loaded from the state dir. Reading works
// without the lock; every change needs Lock first and is saved before the
// method returns. A Store is safe for concurrent use by the goroutines of
// one process.
type Store struct {
	dir  string
	name string
	path string
	now  func() time.Time

	// mu guards everything below and the record.
	mu sync.Mutex
	st Stack
	// onDisk is whether a record file exists (or will, after a pending save).
	onDisk bool
	// fresh marks a store from OpenNew: Lock keeps the empty record instead
	// of reloading the file, which the first save then replaces.
	fresh bool
	lock  *flock.Flock // non-nil while this store holds the lock
	// changes counts changes to st; saved is the count the file reflects.
	changes uint64

	// saveMu serialises writes; see save.
	saveMu sync.Mutex
	saved  uint64
}

// Open loads the record of stack name from dir, or starts an empty one if
// there is none; nothing is written until the first change. An unreadable
// record is a *CorruptError (with a copy kept) and one from a newer
// stackwiz a *NewerVersionError: Open never silently starts afresh over a
// record it cannot read.
func Open(dir, name string) (*Store, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	s := newStore(dir, name)
	st, ok, err := readRecord(s.path, name)
	if err != nil {
		return nil, err
	}
	if ok {
		s.st, s.onDisk = st, true
	}
	return s, nil
}

// OpenNew opens stack name with an empty record whatever dir holds, for
// adopt, which rebuilds the record from AWS. The existing file, readable or
// not, stays in place until the first change is saved over it, and a copy
// is kept then as a "replaced" backup.
func OpenNew(dir, name string) (*Store, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	s := newStore(dir, name)
	s.fresh = true
	return s, nil
}

func newStore(dir, name string) *Store {
	return &Store{
		dir:  dir,
		name: name,
		path: recordPath(dir, name),
		now:  func() time.Time { return time.Now().UTC() },
		st:   emptyStack(name),
	}
}

func emptyStack(name string) Stack {
	return Stack{Version: CurrentVersion, Name: name, Steps: map[string]*StepRecord{}}
}

// Name returns the stack's name.
func (s *Store) Name() string { return s.name }

// Dir returns the state dir the record lives in: the other stacks
// recorded beside it are read from there (the blue/green switch's facts).
func (s *Store) Dir() string { return s.dir }

// Path returns the record file's path, for messages.
func (s *Store) Path() string { return s.path }

// Exists reports whether the stack has a record on disk, i.e. whether
// anything was ever saved for it.
func (s *Store) Exists() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.onDisk
}

// Snapshot returns a copy of the whole record.
func (s *Store) Snapshot() Stack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.clone()
}

// Resource returns a copy of the resource recorded under key.
func (s *Store) Resource(key string) (Resource, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.st.resource(key); r != nil {
		return r.clone(), true
	}
	return Resource{}, false
}

// ResourcesOf returns copies of the resources of step, in creation order,
// deleted ones included (see Resource.Live).
func (s *Store) ResourcesOf(step string) []Resource {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Resource
	for _, r := range s.st.Resources {
		if r.Step == step {
			out = append(out, r.clone())
		}
	}
	return out
}

// Step returns a copy of step's record.
func (s *Store) Step(id string) (StepRecord, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sr := s.st.Steps[id]; sr != nil {
		return *sr.clone(), true
	}
	return StepRecord{}, false
}

// ErrNotLocked is returned by a change made without holding the lock.
var ErrNotLocked = errors.New("state is not locked for writing (call Store.Lock first)")

// change applies fn to the record and saves it. fn must check everything
// before it modifies anything, so that an error leaves the record as it was.
// If the save fails, the change stays in memory and goes to disk with the
// next successful save; the caller gets the error and must not go on to
// the AWS call the change was recording.
func (s *Store) change(fn func(st *Stack, now time.Time) error) error {
	s.mu.Lock()
	if s.lock == nil {
		s.mu.Unlock()
		return fmt.Errorf("change stack %q: %w", s.name, ErrNotLocked)
	}
	if err := fn(&s.st, s.now()); err != nil {
		s.mu.Unlock()
		return err
	}
	s.changes++
	mine := s.changes
	s.mu.Unlock()
	return s.save(mine)
}

// save makes sure the file reflects at least change number upTo. Saves are
// serialised, and each writes the newest record rather than the one of the
// change that asked: goroutines that changed the record while a write was
// in flight are all covered by the next single write (group commit), so
// concurrent branches do not queue one fsync each.
func (s *Store) save(upTo uint64) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if s.saved >= upTo {
		return nil
	}

	s.mu.Lock()
	s.st.UpdatedAt = s.now()
	data, err := encode(&s.st)
	changes := s.changes
	replace := s.fresh
	s.mu.Unlock()
	if err != nil {
		return err
	}

	if replace {
		if err := keepCopy(s.path, "replaced", s.now()); err != nil {
			return fmt.Errorf("save state: %w", err)
		}
	}
	if err := writeAtomic(s.path, data); err != nil {
		return fmt.Errorf("save state of stack %q: %w", s.name, err)
	}
	s.saved = changes

	s.mu.Lock()
	s.onDisk = true
	s.fresh = false
	s.mu.Unlock()
	return nil
}

// Delete removes the stack's record, after destroy has removed its
// resources, keeping the final record as a "destroyed" backup beside it.
// The store is left with an empty record. It returns the backup's path.
func (s *Store) Delete() (string, error) {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock == nil {
		return "", fmt.Errorf("delete stack %q: %w", s.name, ErrNotLocked)
	}
	backup, err := keepAside(s.path, "destroyed", s.now())
	if err != nil {
		return "", fmt.Errorf("delete stack %q: %w", s.name, err)
	}
	s.st = emptyStack(s.name)
	s.onDisk = false
	s.fresh = false
	s.saved = s.changes
	return backup, nil
}

// reload re-reads the record from disk; Lock calls it so that a store
// opened before another process changed the stack starts from what that
// process left.
func (s *Store) reload() error {
	st, ok, err := readRecord(s.path, s.name)
	if err != nil {
		return err
	}
	if !ok {
		st = emptyStack(s.name)
	}
	s.st, s.onDisk = st, ok
	s.saved = s.changes
	return nil
}

// removeFile is os.Remove that treats a missing file as removed.
func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
