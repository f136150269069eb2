package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// waitForResources polls the file of stack name until it records at least
// n resources.
func waitForResources(t *testing.T, dir, name string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if s, err := Open(dir, name); err == nil && len(s.Snapshot().Resources) >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("stack %s never reached %d resources", name, n)
}

// recordWithOneVPC writes a valid record of stack demo to dir.
func recordWithOneVPC(t *testing.T, dir string) {
	t.Helper()
	s := mustOpen(t, dir, "demo")
	unlock := mustLock(t, s, "stackwiz apply")
	if _, err := s.RecordIntent(Intent{Key: "network/vpc", Step: "network", Type: "ec2:vpc"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCreated("network/vpc", "vpc-1", "", nil); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
}

func TestLeftoverTempFileIsIgnoredAndCleanedByTheNextLock(t *testing.T) {
	dir := t.TempDir()
	recordWithOneVPC(t, dir)
	// A save that crashed after writing half its temp file.
	leftover := filepath.Join(dir, ".demo.stack.json.tmp-123456")
	if err := os.WriteFile(leftover, []byte(`{"version":1,"name":"demo","resou`), 0o600); err != nil {
		t.Fatal(err)
	}

	s := mustOpen(t, dir, "demo")
	if r, ok := s.Resource("network/vpc"); !ok || r.ID != "vpc-1" {
		t.Fatalf("record after crashed save = %+v, %v; want the last complete save", r, ok)
	}
	if names, err := List(dir); err != nil || len(names) != 1 || names[0] != "demo" {
		t.Fatalf("List = %v, %v; want [demo]", names, err)
	}
	mustLock(t, s, "stackwiz apply")
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Fatalf("leftover temp file still there after Lock: %v", err)
	}
}

func TestProcessKilledMidSaveLeavesTheLastCompleteRecord(t *testing.T) {
	dir := t.TempDir()
	for round := range 3 {
		h := startHelper(t, "churn", dir, "demo")
		waitForResources(t, dir, "demo", 20*(round+1))
		h.kill(t)

		s, err := Open(dir, "demo")
		if err != nil {
			t.Fatalf("round %d: record unreadable after SIGKILL mid-save: %v", round, err)
		}
		rs := s.Snapshot().Resources
		for i, r := range rs {
			if r.Status == ResourceCreated && r.ID == "" {
				t.Fatalf("round %d: resource %s created without an id", round, r.Key)
			}
			if r.Status == ResourceIntent && i != len(rs)-1 {
				t.Fatalf("round %d: intent %s is not the last resource; a save was lost", round, r.Key)
			}
		}
		unlock := mustLock(t, s, "stackwiz apply")
		temps, _ := filepath.Glob(filepath.Join(dir, ".demo*tmp-*"))
		if len(temps) != 0 {
			t.Fatalf("round %d: temp files after Lock: %v", round, temps)
		}
		// The churn helper restarts numbering; clear the record for it.
		if _, err := s.Delete(); err != nil {
			t.Fatal(err)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStateFileIsOwnerOnlyAndDirIsCreatedOwnerOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "state")
	recordWithOneVPC(t, dir)
	for path, want := range map[string]os.FileMode{
		dir:                     0o700,
		recordPath(dir, "demo"): 0o600,
		lockPath(dir, "demo"):   0o600,
		filepath.Dir(dir):       0o700,
	} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s mode = %o, want %o", path, got, want)
		}
	}
}

func TestSaveTightensAFileLeftWithLooseMode(t *testing.T) {
	dir := t.TempDir()
	recordWithOneVPC(t, dir)
	path := recordPath(dir, "demo")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustOpen(t, dir, "demo")
	mustLock(t, s, "stackwiz apply")
	if err := s.SetSpec("name: demo\n"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after save = %o, want 600", fi.Mode().Perm())
	}
}

func TestCorruptRecordIsAnErrorNamingAKeptBackup(t *testing.T) {
	valid := func(edit func(doc map[string]any)) string {
		doc := map[string]any{"version": 1, "name": "demo", "steps": map[string]any{}, "resources": []any{}}
		edit(doc)
		b, _ := json.Marshal(doc)
		return string(b)
	}
	for _, tc := range []struct {
		name    string
		content string
		reason  string
	}{
		{"truncated", `{"version":1,"name":"demo","resources":[{"key":"net`, "decode state"},
		{"not json", "\x00\x00\x00garbage", "decode state"},
		{"empty", "", "decode state"},
		{"no version", `{"name":"demo"}`, "no version"},
		{"another stack", valid(func(d map[string]any) { d["name"] = "other" }), `stack "other"`},
		{"unknown field", valid(func(d map[string]any) { d["aws_secret_access_key"] = "x" }), "unknown field"},
		{"duplicate key", valid(func(d map[string]any) {
			d["resources"] = []any{map[string]any{"key": "a", "status": "created"}, map[string]any{"key": "a", "status": "created"}}
		}), "recorded twice"},
		{"trailing data", valid(func(map[string]any) {}) + "{}", "trailing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := recordPath(dir, "demo")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir, "demo")
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Open = %v, want a *CorruptError", err)
			}
			msg := err.Error()
			for _, want := range []string{path, ce.Backup, "stackwiz adopt --stack demo", tc.reason} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			backup, err := os.ReadFile(ce.Backup)
			if err != nil || !bytes.Equal(backup, []byte(tc.content)) {
				t.Fatalf("backup %s = %q, %v; want the corrupt content", ce.Backup, backup, err)
			}
			// The corrupt file stays, so the next run does not start afresh.
			if kept, err := os.ReadFile(path); err != nil || !bytes.Equal(kept, []byte(tc.content)) {
				t.Fatalf("corrupt file was changed or removed: %q, %v", kept, err)
			}
			_, err = Open(dir, "demo")
			if !errors.As(err, &ce) {
				t.Fatalf("second Open = %v, want a *CorruptError again", err)
			}
			backups, _ := filepath.Glob(path + ".corrupt-*")
			if len(backups) != 1 {
				t.Errorf("backups after two opens = %v, want one", backups)
			}
		})
	}
}

func TestOpenNewReplacesAnUnreadableRecordKeepingIt(t *testing.T) {
	dir := t.TempDir()
	path := recordPath(dir, "demo")
	if err := os.WriteFile(path, []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := OpenNew(dir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	mustLock(t, s, "stackwiz adopt")
	if _, err := s.RecordIntent(Intent{Key: "network/vpc", Step: "network", Type: "ec2:vpc"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordCreated("network/vpc", "vpc-9", "", nil); err != nil {
		t.Fatal(err)
	}
	replaced, _ := filepath.Glob(path + ".replaced-*")
	if len(replaced) != 1 {
		t.Fatalf("replaced backups = %v, want one", replaced)
	}
	if old, _ := os.ReadFile(replaced[0]); string(old) != "{broken" {
		t.Errorf("replaced backup = %q, want the old content", old)
	}
	if r, ok := mustOpen(t, dir, "demo").Resource("network/vpc"); !ok || r.ID != "vpc-9" {
		t.Errorf("reopened record = %+v, %v; want the adopted vpc", r, ok)
	}
}

func TestDeleteRemovesTheRecordKeepingADestroyedBackup(t *testing.T) {
	dir := t.TempDir()
	recordWithOneVPC(t, dir)
	s := mustOpen(t, dir, "demo")
	if _, err := s.Delete(); !errors.Is(err, ErrNotLocked) {
		t.Fatalf("Delete without the lock = %v, want ErrNotLocked", err)
	}
	mustLock(t, s, "stackwiz destroy")
	backup, err := s.Delete()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(backup), "demo.stack.json.destroyed-") {
		t.Errorf("backup name %q does not say it is the destroyed record", backup)
	}
	if data, err := os.ReadFile(backup); err != nil || !strings.Contains(string(data), "vpc-1") {
		t.Errorf("backup = %q, %v; want the final record", data, err)
	}
	if names, _ := List(dir); len(names) != 0 {
		t.Errorf("List after Delete = %v, want none", names)
	}
	if s.Exists() || len(s.Snapshot().Resources) != 0 {
		t.Error("store still has the deleted record")
	}
}
