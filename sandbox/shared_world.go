package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// A world kept in a DataDir may be served by several processes at once:
// every `stackwiz --sandbox` on one state dir runs its own Sandbox on the
// same directory, and `stackwiz sandbox serve --data` may too. None of
// them owns the world. Each request locks DataDir/world.lock (flock(2),
// exclusive), reloads world.json when another process has written it
// since this one last read or wrote it, runs, and writes world.json back
// when the world changed — by the request or by time passing — before the
// lock is released and the answer is sent. So every answer, whichever
// process gives it, comes from the one world, and a process killed at any
// moment (SIGKILL included) leaves the others working and loses nothing it
// answered: the kernel drops its lock, and world.json is the version
// before or after its last change, never half of one.

// worldLockWait is how long a request waits for the world while another
// process holds it. Each holds it for one request, milliseconds; a
// longer wait means that process is stopped (Ctrl-Z) or hung, and an
// error naming the world says so better than a request that never ends.
const worldLockWait = 30 * time.Second

// worldFile is one process's handle on a shared world.json.
type worldFile struct {
	dir  string
	lock *flock.Flock
	wait time.Duration // worldLockWait; tests shorten it
	// seen is world.json as this process last read or wrote it; the world
	// in memory is that file's, so an equal file needs no reload. nil
	// means the next lock reads the file whatever it holds.
	seen []byte
}

func openWorldFile(dir string) (*worldFile, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create sandbox data dir: %w", err)
	}
	// The lock file is never removed: a process that removed it could let
	// two others lock two different files of the same name.
	return &worldFile{dir: dir, lock: flock.New(filepath.Join(dir, "world.lock"), flock.SetPermissions(0o600)), wait: worldLockWait}, nil
}

// lockWorld locks the world, for this process and, with a DataDir, for
// every process sharing the directory, and brings s.world up to date with
// world.json. The returned unlock writes the world back if it changed and
// releases the locks; an error from it means the change was not kept.
func (s *Sandbox) lockWorld() (unlock func() error, err error) {
	s.mu.Lock()
	if s.file == nil {
		return func() error { s.mu.Unlock(); return nil }, nil
	}
	if err := s.file.take(); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	if err := s.reloadLocked(); err != nil {
		_ = s.file.lock.Unlock()
		s.mu.Unlock()
		return nil, err
	}
	// The world's time is where whoever moved it last left it, and never
	// goes back: what this process answered was on its own time.
	s.clock.offset = max(s.clock.offset, s.world.ClockOffset)
	s.world.ClockOffset = s.clock.offset
	return func() error {
		defer s.mu.Unlock()
		errSave := s.saveLocked()
		if err := s.file.lock.Unlock(); err != nil && errSave == nil {
			errSave = fmt.Errorf("unlock sandbox world in %s: %w", s.file.dir, err)
		}
		return errSave
	}, nil
}

// take locks world.lock, waiting at most f.wait.
func (f *worldFile) take() error {
	ok, err := f.lock.TryLock()
	if err == nil && !ok {
		ctx, cancel := context.WithTimeout(context.Background(), f.wait)
		defer cancel()
		ok, err = f.lock.TryLockContext(ctx, time.Millisecond)
	}
	switch {
	case ok:
		return nil
	case err == nil || errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the sandbox world in %s has been held by another process for %s: a stackwiz stopped with Ctrl-Z? resume it (fg) or end it", f.dir, f.wait)
	default:
		return fmt.Errorf("lock sandbox world in %s: %w", f.dir, err)
	}
}

// reloadLocked replaces s.world with world.json's unless the file is the
// one this process last read or wrote. A missing file is a new world; a
// file of another format version is set aside as world.json.bad-<time>
// and a new world starts.
func (s *Sandbox) reloadLocked() error {
	path := filepath.Join(s.file.dir, "world.json")
	b, err := os.ReadFile(path)
	switch {
	case os.IsNotExist(err):
		s.world, s.file.seen = newWorld(), nil
		return nil
	case err != nil:
		return fmt.Errorf("read sandbox world: %w", err)
	case s.world != nil && bytes.Equal(b, s.file.seen):
		return nil
	}
	w, ok := decodeWorld(b)
	if !ok {
		_ = os.Rename(path, fmt.Sprintf("%s.bad-%d", path, time.Now().Unix()))
		s.world, s.file.seen = newWorld(), nil
		return nil
	}
	s.world, s.file.seen = w, b
	return nil
}

// saveLocked writes the world to world.json if it differs from what the
// file holds. JSON encodes maps in key order, so an unchanged world
// encodes to the same bytes.
func (s *Sandbox) saveLocked() error {
	b, err := json.Marshal(s.world)
	if err != nil {
		return fmt.Errorf("encode sandbox world: %w", err)
	}
	if s.file.seen != nil && bytes.Equal(b, s.file.seen) {
		return nil
	}
	if err := writeWorld(s.file.dir, b); err != nil {
		// What the file holds is no longer known: the next lock reads it,
		// dropping the change this process could not keep.
		s.file.seen = nil
		return err
	}
	s.file.seen = b
	return nil
}

// decodeWorld reads a world.json; ok is false for a file that is not a
// world of this format version.
func decodeWorld(b []byte) (w *World, ok bool) {
	w = &World{}
	if err := json.Unmarshal(b, w); err != nil || w.Version != worldVersion {
		return nil, false
	}
	w.ensure()
	return w, true
}

// writeWorld writes b to dir/world.json atomically: a temp file, fsync,
// rename, so a crash leaves the previous or the new file, never half of
// one, and a reader in another process never sees a partial file.
func writeWorld(dir string, b []byte) error {
	f, err := os.CreateTemp(dir, "world-*.tmp")
	if err != nil {
		return fmt.Errorf("save sandbox world: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("save sandbox world: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("save sandbox world: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save sandbox world: %w", err)
	}
	if err := os.Chmod(f.Name(), 0o600); err != nil {
		return fmt.Errorf("save sandbox world: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, "world.json")); err != nil {
		return fmt.Errorf("save sandbox world: %w", err)
	}
	return nil
}
