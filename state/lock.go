package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// Holder describes the process that holds a stack's lock.
type Holder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// Lock takes the stack's lock for this store, so that no other stackwiz
// process (and no other Store in this one) changes the stack until unlock
// is called. It does not wait: if the lock is held, it returns a
// *LockedError naming the holder. command says what this process is doing
// ("stackwiz apply"), for that message.
//
// After taking the lock, Lock reloads the record, since another process
// may have changed it since Open, and removes temp files of saves that
// crashed.
//
// The lock is flock(2) on a lock file. The kernel releases it when the
// holding process exits however it exits (SIGKILL, a crash), so a lock
// left by a dead process on this host is simply free: there is no stale
// lock to detect or break, and the holder file it left behind is
// overwritten by the next holder. (That is also why the lock file is never
// deleted: deleting it would let two processes lock two different files of
// the same name.)
func (s *Store) Lock(ctx context.Context, command string) (unlock func() error, err error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lock stack %q: %w", s.name, err)
	}
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lock != nil {
		return nil, fmt.Errorf("lock stack %q: this store already holds the lock", s.name)
	}
	if err := os.MkdirAll(s.dir, dirMode); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}

	fl := flock.New(lockPath(s.dir, s.name), flock.SetPermissions(fileMode))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock stack %q: %w", s.name, err)
	}
	if !ok {
		return nil, s.lockedError()
	}

	release := func() {
		_ = removeFile(holderPath(s.dir, s.name))
		_ = fl.Unlock()
	}
	if err := writeHolder(holderPath(s.dir, s.name), command, s.now()); err != nil {
		release()
		return nil, fmt.Errorf("lock stack %q: %w", s.name, err)
	}
	if err := removeLeftoverTemps(s.dir, s.name); err != nil {
		release()
		return nil, fmt.Errorf("lock stack %q: %w", s.name, err)
	}
	if !s.fresh {
		if err := s.reload(); err != nil {
			release()
			return nil, err
		}
	}
	s.lock = fl
	return s.unlockFunc(fl), nil
}

// unlockFunc returns the function that gives the lock back, once: it waits
// for a save in flight, clears the holder file, then releases the flock.
func (s *Store) unlockFunc(fl *flock.Flock) func() error {
	return func() error {
		s.saveMu.Lock()
		defer s.saveMu.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.lock != fl {
			return nil
		}
		s.lock = nil
		// The holder file goes first: removed after the flock, it could
		// delete the next holder's.
		herr := removeFile(holderPath(s.dir, s.name))
		if err := fl.Unlock(); err != nil {
			return fmt.Errorf("unlock stack %q: %w", s.name, err)
		}
		if herr != nil {
			return fmt.Errorf("unlock stack %q: remove holder file: %w", s.name, herr)
		}
		return nil
	}
}

// Locked reports whether this store holds the stack's lock.
func (s *Store) Locked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lock != nil
}

func writeHolder(path, command string, now time.Time) error {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	data, err := json.Marshal(Holder{PID: os.Getpid(), Host: host, Command: command, Since: now})
	if err != nil {
		return fmt.Errorf("encode lock holder: %w", err)
	}
	if err := writeAtomic(path, data); err != nil {
		return fmt.Errorf("write lock holder: %w", err)
	}
	return nil
}

func (s *Store) lockedError() *LockedError {
	e := &LockedError{Stack: s.name, LockFile: lockPath(s.dir, s.name)}
	data, err := os.ReadFile(holderPath(s.dir, s.name))
	if err == nil {
		var h Holder
		if json.Unmarshal(data, &h) == nil {
			e.Holder = &h
		}
	}
	return e
}

// ErrLocked matches a *LockedError with errors.Is.
var ErrLocked = errors.New("stack is locked by another process")

// LockedError reports that another process holds the stack's lock. Holder
// is nil when that process has not written who it is yet (it just took the
// lock) or the file is unreadable.
type LockedError struct {
	Stack    string
	LockFile string
	Holder   *Holder
}

func (e *LockedError) Error() string {
	if e.Holder == nil {
		return fmt.Sprintf("stack %q is being changed by another stackwiz process (lock %s); wait for it to finish",
			e.Stack, e.LockFile)
	}
	h := e.Holder
	return fmt.Sprintf("stack %q is being changed by pid %d (%s) on host %s since %s; "+
		"wait for it to finish, or stop that process: the lock is released the moment it exits",
		e.Stack, h.PID, h.Command, h.Host, h.Since.UTC().Format(time.DateTime+" UTC"))
}

// Is makes errors.Is(err, ErrLocked) true for a *LockedError.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }
