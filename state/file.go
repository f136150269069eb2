package state

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The files of a stack named N in the state dir:
//
//	N.stack.json                  the record
//	N.lock                        the flock(2) target; never removed
//	N.lock-holder.json            who holds the lock, for the message the next process shows
//	.N.stack.json.tmp-*           a save in progress; a leftover one is a crashed save
//	N.stack.json.corrupt-<hash>   a copy of a record that could not be read
//	N.stack.json.destroyed-<time> the final record, kept when the stack is deleted
//	N.stack.json.replaced-<time>  the record OpenNew replaced
const (
	recordSuffix = ".stack.json"
	lockSuffix   = ".lock"
	holderSuffix = ".lock-holder.json"
	tempInfix    = ".tmp-"

	fileMode = 0o600
	dirMode  = 0o700
)

func recordPath(dir, name string) string { return filepath.Join(dir, name+recordSuffix) }
func lockPath(dir, name string) string   { return filepath.Join(dir, name+lockSuffix) }
func holderPath(dir, name string) string { return filepath.Join(dir, name+holderSuffix) }

// backupStamp is the time format in backup names: sortable, no colons.
const backupStamp = "20060102T150405Z"

// writeAtomic replaces path with data so that a crash at any moment leaves
// either the old file or the new one, never a mix: the data goes to a temp
// file in the same directory (rename is only atomic within a filesystem),
// is synced, renamed over path, and the directory is synced so the rename
// itself survives a power loss.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	tmp, err := os.CreateTemp(dir, "."+base+tempInfix+"*")
	if err != nil {
		return fmt.Errorf("create temp file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp makes the file 0600 already; say so explicitly in case
	// that ever changes, since the record names account resources.
	if err := tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("chmod temp file: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("write temp file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync temp file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close temp file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename temp file: %w", err)
	}
	done = true
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open dir: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir: %w", err)
	}
	return nil
}

// removeLeftoverTemps deletes temp files of saves that never finished. Only
// the lock holder saves, so it alone may call this: any temp file it finds
// belongs to a process that died mid-save.
func removeLeftoverTemps(dir, name string) error {
	leftovers, err := filepath.Glob(filepath.Join(dir, "."+name+recordSuffix+tempInfix+"*"))
	if err != nil {
		return fmt.Errorf("list temp files: %w", err)
	}
	for _, p := range leftovers {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove leftover temp file: %w", err)
		}
	}
	return nil
}

// encode renders the record as indented JSON: people read and diff this
// file, and the indentation costs little next to the fsync.
func encode(st *Stack) ([]byte, error) {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append(data, '\n'), nil
}

// readRecord loads the record of stack name from path. ok is false when
// there is no record yet. A record that cannot be read is copied aside and
// reported as a *CorruptError; it is never replaced by an empty one.
func readRecord(path, name string) (st Stack, ok bool, err error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Stack{}, false, nil
	}
	if err != nil {
		return Stack{}, false, fmt.Errorf("read state: %w", err)
	}
	st, err = decode(data, name)
	var newer *NewerVersionError
	if errors.As(err, &newer) {
		newer.Path = path
		return Stack{}, false, newer
	}
	if err != nil {
		backup, berr := backupCorrupt(path, data)
		if berr != nil {
			return Stack{}, false, fmt.Errorf("state file %s cannot be read (%w), and keeping a copy failed: %w", path, err, berr)
		}
		return Stack{}, false, &CorruptError{Stack: name, Path: path, Backup: backup, Err: err}
	}
	return st, true, nil
}

// decode parses and upgrades a record and checks it belongs to name.
func decode(data []byte, name string) (Stack, error) {
	data, err := upgrade(data, migrations())
	if err != nil {
		return Stack{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	// An unknown field means a hand edit or a damaged file; dropping it
	// silently on the next save would lose whatever it was.
	dec.DisallowUnknownFields()
	var st Stack
	if err := dec.Decode(&st); err != nil {
		return Stack{}, fmt.Errorf("decode state: %w", err)
	}
	if dec.More() {
		return Stack{}, errors.New("decode state: trailing data after the record")
	}
	if st.Name != name {
		return Stack{}, fmt.Errorf("the record is of stack %q, not %q", st.Name, name)
	}
	seen := make(map[string]bool, len(st.Resources))
	for i, r := range st.Resources {
		if r == nil || r.Key == "" {
			return Stack{}, fmt.Errorf("resource %d has no key", i)
		}
		if seen[r.Key] {
			return Stack{}, fmt.Errorf("resource %q is recorded twice", r.Key)
		}
		seen[r.Key] = true
	}
	if st.Steps == nil {
		st.Steps = map[string]*StepRecord{}
	}
	for id, sr := range st.Steps {
		if sr == nil {
			return Stack{}, fmt.Errorf("step %q has an empty record", id)
		}
	}
	return st, nil
}

// backupCorrupt copies an unreadable record aside. The name carries a hash
// of the content, so opening the same broken file again reuses the copy
// instead of piling up new ones.
func backupCorrupt(path string, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	backup := path + ".corrupt-" + hex.EncodeToString(sum[:4])
	if _, err := os.Stat(backup); err == nil {
		return backup, nil
	}
	if err := writeAtomic(backup, data); err != nil {
		return "", fmt.Errorf("copy corrupt state: %w", err)
	}
	return backup, nil
}

// keepAside renames the record to a backup named for why and when, and
// returns the backup's path ("" when there was no record).
func keepAside(path, why string, now time.Time) (string, error) {
	backup := path + "." + why + "-" + now.UTC().Format(backupStamp)
	if err := os.Rename(path, backup); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("keep %s record: %w", why, err)
	}
	return backup, syncDir(filepath.Dir(path))
}

// keepCopy copies the record to a backup named for why and when, leaving
// the record in place; a missing record needs no copy.
func keepCopy(path, why string, now time.Time) error {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("keep %s record: %w", why, err)
	}
	if err := writeAtomic(path+"."+why+"-"+now.UTC().Format(backupStamp), data); err != nil {
		return fmt.Errorf("keep %s record: %w", why, err)
	}
	return nil
}

// CorruptError reports a record that cannot be read. The file is left where
// it is, so no later run mistakes the stack for a new one, and a copy is
// kept at Backup.
type CorruptError struct {
	Stack  string
	Path   string
	Backup string
	Err    error
}

func (e *CorruptError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "state of stack %q at %s cannot be read: %v. ", e.Stack, e.Path, e.Err)
	fmt.Fprintf(&b, "The file was left in place and a copy kept at %s. ", e.Backup)
	// adopt searches one region: the advice names it, or adopt would
	// search the shell's default region and find only the global part.
	fmt.Fprintf(&b, "To recover, rebuild the record from the resources' tags in AWS with `stackwiz adopt -f stack.yaml` (its region: is searched) "+
		"or `stackwiz adopt --stack %s --region REGION` (the region the stack was built in), ", e.Stack)
	b.WriteString("or repair the file by hand (or copy an older backup over it)")
	return b.String()
}

func (e *CorruptError) Unwrap() error { return e.Err }
