package state

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

func mustOpen(t *testing.T, dir, name string) *Store {
	t.Helper()
	s, err := Open(dir, name)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func mustLock(t *testing.T, s *Store, command string) func() error {
	t.Helper()
	unlock, err := s.Lock(context.Background(), command)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	t.Cleanup(func() { _ = unlock() })
	return unlock
}

// lockedBy asserts err is a *LockedError naming the holder pid and command.
func lockedBy(t *testing.T, err error, pid int, command string) {
	t.Helper()
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("want a *LockedError, got %v", err)
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("errors.Is(err, ErrLocked) = false")
	}
	if le.Holder == nil {
		t.Fatalf("LockedError has no holder: %v", err)
	}
	host, _ := os.Hostname()
	if le.Holder.PID != pid || le.Holder.Command != command || le.Holder.Host != host || le.Holder.Since.IsZero() {
		t.Errorf("holder = %+v, want pid %d, command %q, host %q, a time", le.Holder, pid, command, host)
	}
	msg := err.Error()
	for _, want := range []string{"pid " + strconv.Itoa(pid), "(" + command + ")", "on host " + host, "since "} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
}

func TestSecondLockInSameProcessFailsNamingHolder(t *testing.T) {
	dir := t.TempDir()
	first := mustOpen(t, dir, "demo")
	unlock := mustLock(t, first, "stackwiz apply")

	second := mustOpen(t, dir, "demo")
	_, err := second.Lock(context.Background(), "stackwiz destroy")
	lockedBy(t, err, os.Getpid(), "stackwiz apply")

	if _, err := first.Lock(context.Background(), "stackwiz apply"); err == nil {
		t.Error("locking the same store twice succeeded")
	}

	if err := unlock(); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	if first.Locked() {
		t.Error("store still reports the lock after unlock")
	}
	mustLock(t, second, "stackwiz destroy")
}

func TestLockOfOneStackDoesNotBlockAnother(t *testing.T) {
	dir := t.TempDir()
	mustLock(t, mustOpen(t, dir, "one"), "stackwiz apply")
	mustLock(t, mustOpen(t, dir, "two"), "stackwiz apply")
}

func TestLockHeldByOtherProcessNamesHolderAndIsFreeAfterItExits(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, "hold", dir, "demo")

	s := mustOpen(t, dir, "demo")
	_, err := s.Lock(context.Background(), "stackwiz destroy")
	lockedBy(t, err, h.cmd.Process.Pid, "stackwiz apply")

	h.finish(t)
	if _, err := os.Stat(holderPath(dir, "demo")); !os.IsNotExist(err) {
		t.Errorf("holder file left after a clean unlock: %v", err)
	}
	mustLock(t, s, "stackwiz destroy")
}

func TestLockOfKilledProcessIsTakenOver(t *testing.T) {
	dir := t.TempDir()
	h := startHelper(t, "hold", dir, "demo")
	s := mustOpen(t, dir, "demo")
	if _, err := s.Lock(context.Background(), "stackwiz apply"); err == nil {
		t.Fatal("lock taken while the helper holds it")
	}

	h.kill(t)

	// The dead holder's file is still there, but the kernel has released
	// its flock, so the lock is simply free.
	if _, err := os.Stat(holderPath(dir, "demo")); err != nil {
		t.Fatalf("expected the killed holder's file to remain: %v", err)
	}
	mustLock(t, s, "stackwiz apply --resume")

	// The holder file now names this process.
	other := mustOpen(t, dir, "demo")
	_, err := other.Lock(context.Background(), "stackwiz status")
	lockedBy(t, err, os.Getpid(), "stackwiz apply --resume")
}

func TestLockReloadsWhatAnotherProcessSaved(t *testing.T) {
	dir := t.TempDir()
	early := mustOpen(t, dir, "demo") // opened before the other process wrote

	h := startHelper(t, "churn", dir, "demo")
	waitForResources(t, dir, "demo", 3)
	h.kill(t)

	mustLock(t, early, "stackwiz apply")
	if n := len(early.Snapshot().Resources); n < 3 {
		t.Fatalf("after Lock the store has %d resources, want the other process's (>= 3)", n)
	}
	if _, err := early.RecordIntent(Intent{Key: "churn/0", Step: "churn", Type: "ec2:vpc"}); err == nil {
		t.Error("re-intending a resource another process created succeeded")
	}
}

func TestLockWithCancelledContextFails(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := mustOpen(t, t.TempDir(), "demo").Lock(ctx, "stackwiz apply")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
