package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ensureStateDir makes sure dir is a directory stackwiz can keep records
// in, creating it when missing. Otherwise every command would fail later
// with a bare "not a directory" about a file inside it, or worse, report
// "no stack recorded" for a dir it could not read. The state dir comes from
// --state-dir or STACKWIZ_STATE_DIR, so a wrong one is bad usage.
func ensureStateDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case err == nil && !info.IsDir():
		return usageError{fmt.Errorf("state dir %s is a file, not a directory: pass --state-dir DIR (or set STACKWIZ_STATE_DIR) to a directory", dir)}
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return usageError{fmt.Errorf("state dir %s cannot be used: %w; pass --state-dir DIR (or set STACKWIZ_STATE_DIR) to a directory you can write", dir, err)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return usageError{fmt.Errorf("state dir %s cannot be created: %w; pass --state-dir DIR (or set STACKWIZ_STATE_DIR) to a directory you can write", dir, err)}
	}
	return nil
}
