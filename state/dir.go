package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// DefaultDir returns the state dir to use when --state-dir is not given:
// $STACKWIZ_STATE_DIR, else $XDG_STATE_HOME/stackwiz, else
// ~/.local/state/stackwiz (the XDG default).
func DefaultDir() (string, error) {
	if dir := os.Getenv("STACKWIZ_STATE_DIR"); dir != "" {
		return dir, nil
	}
	// The XDG spec says a relative path in these variables is invalid and
	// must be ignored.
	if xdg := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(xdg) {
		return filepath.Join(xdg, "stackwiz"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find state dir: %w (set STACKWIZ_STATE_DIR or --state-dir)", err)
	}
	return filepath.Join(home, ".local", "state", "stackwiz"), nil
}

var namePattern = regexp.MustCompile(`^[a-z0-9-]{1,20}$`)

// ValidateName checks a stack name: 1 to 20 of a-z, 0-9 and '-'. The name
// prefixes AWS resource names and names the files in the state dir.
func ValidateName(name string) error {
	if !namePattern.MatchString(name) {
		return fmt.Errorf("invalid stack name %q: use 1 to 20 lowercase letters, digits or '-'", name)
	}
	return nil
}

// List returns the names of the stacks recorded in dir, sorted. A dir that
// does not exist holds no stacks.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list stacks: %w", err)
	}
	var names []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), recordSuffix)
		if ok && e.Type().IsRegular() && ValidateName(name) == nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// ErrNoStack is returned by Resolve when no stack is named and the state
// dir holds none.
var ErrNoStack = errors.New("no stack recorded")

// ErrSeveralStacks is returned by Resolve when no stack is named and the
// state dir holds more than one.
var ErrSeveralStacks = errors.New("several stacks recorded")

// Resolve returns the stack a command means: the one named (by --stack),
// or else the only stack recorded in dir. It fails with ErrNoStack or
// ErrSeveralStacks, wrapped in a message that says what to do, when that
// is not one stack.
func Resolve(dir, named string) (string, error) {
	if named != "" {
		if err := ValidateName(named); err != nil {
			return "", err
		}
		return named, nil
	}
	names, err := List(dir)
	if err != nil {
		return "", err
	}
	switch len(names) {
	case 0:
		return "", fmt.Errorf("%w in %s: create one with `stackwiz apply -f stack.yaml` or the wizard, or pass --state-dir", ErrNoStack, dir)
	case 1:
		return names[0], nil
	default:
		return "", fmt.Errorf("%w in %s (%s): choose one with --stack NAME", ErrSeveralStacks, dir, strings.Join(names, ", "))
	}
}
