package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The console remembers, per user, which stack was last chosen in its
// stack switcher, as k9s remembers its last context: opened without
// --stack on a state dir that records several stacks, it reopens that one
// instead of stopping with "several stacks recorded". The choice is the
// user's, not the stack's, so it lives under the user's config dir (not in
// the state dir, which a team may share), keyed by state dir.

// lastStackFile is the file's name under <user config dir>/stackwiz.
const lastStackFile = "console.json"

// LastStackPath is the file that remembers the console's last stack:
// $STACKWIZ_CONFIG_DIR/console.json, else <os.UserConfigDir>/stackwiz/
// console.json ($XDG_CONFIG_HOME or ~/.config on Linux).
func LastStackPath() (string, error) {
	if dir := os.Getenv("STACKWIZ_CONFIG_DIR"); dir != "" {
		return filepath.Join(dir, lastStackFile), nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the config dir for the console's last stack: %w (set STACKWIZ_CONFIG_DIR)", err)
	}
	return filepath.Join(dir, "stackwiz", lastStackFile), nil
}

// lastStacks is the file's content: the last stack chosen, by state dir.
type lastStacks struct {
	Stacks map[string]string `json:"last_stack_by_state_dir"`
}

func readLastStacks(path string) (lastStacks, error) {
	var l lastStacks
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return l, fmt.Errorf("read the console's last stack: %w", err)
	}
	if err := json.Unmarshal(data, &l); err != nil {
		return lastStacks{}, fmt.Errorf("read the console's last stack: %s is not valid JSON (%v): delete it, the console writes it again", path, err)
	}
	return l, nil
}

// stateKey is a state dir as the file keys it: absolute and clean.
func stateKey(stateDir string) string {
	if abs, err := filepath.Abs(stateDir); err == nil {
		return abs
	}
	return filepath.Clean(stateDir)
}

// ReadLastStack returns the stack last chosen in the console for stateDir
// from the file at path, "" when none was.
func ReadLastStack(path, stateDir string) (string, error) {
	l, err := readLastStacks(path)
	if err != nil {
		return "", err
	}
	return l.Stacks[stateKey(stateDir)], nil
}

// WriteLastStack remembers name as the console's last stack for stateDir
// in the file at path: atomically, readable by the user only (0600), in a
// directory only the user may enter (0700).
func WriteLastStack(path, stateDir, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	l, err := readLastStacks(path)
	if err != nil {
		l = lastStacks{} // a broken file is replaced, not kept
	}
	if l.Stacks == nil {
		l.Stacks = map[string]string{}
	}
	l.Stacks[stateKey(stateDir)] = name
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return fmt.Errorf("remember the console's last stack: %w", err)
	}
	data, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("remember the console's last stack: %w", err)
	}
	if err := writeAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("remember the console's last stack in %s: %w", path, err)
	}
	return nil
}
