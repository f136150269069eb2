package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// settingsSuffix names a stack's settings file beside its record:
// N.settings.json. The settings are the user's choices about how stackwiz
// treats the stack (not what AWS holds), so they live apart from the
// record, which only apply and destroy write, under their lock.
const settingsSuffix = ".settings.json"

// Settings are a stack's local settings.
type Settings struct {
	// ReadOnly makes the console of this stack read-only for everyone who
	// opens it from this state dir: it shows, it never changes.
	ReadOnly bool `json:"read_only,omitempty"`
}

// SettingsPath is the file that holds the settings of stack name in dir.
func SettingsPath(dir, name string) string { return filepath.Join(dir, name+settingsSuffix) }

// ReadSettings reads the settings of stack name in dir; a stack without a
// settings file has the zero Settings.
func ReadSettings(dir, name string) (Settings, error) {
	if err := ValidateName(name); err != nil {
		return Settings{}, err
	}
	var s Settings
	path := SettingsPath(dir, name)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read the settings of stack %s: %w", name, err)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return Settings{}, fmt.Errorf("read the settings of stack %s: %s is not valid JSON (%v): fix or delete it", name, path, err)
	}
	return s, nil
}

// WriteSettings saves the settings of stack name in dir, atomically and
// readable by the user only (0600).
func WriteSettings(dir, name string, s Settings) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("save the settings of stack %s: %w", name, err)
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save the settings of stack %s: %w", name, err)
	}
	if err := writeAtomic(SettingsPath(dir, name), append(data, '\n')); err != nil {
		return fmt.Errorf("save the settings of stack %s: %w", name, err)
	}
	return nil
}
