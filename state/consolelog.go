package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// consoleLogSuffix names the log of the actions taken from a stack's
// console, beside its record: N.console-log.jsonl, one JSON object a line.
// Lines are appended (O_APPEND), so two consoles on one stack do not lose
// each other's entries; the file is cut back to the newest entries when it
// grows past twice what is kept.
const consoleLogSuffix = ".console-log.jsonl"

// ConsoleLogKeep is how many entries the console log keeps.
const ConsoleLogKeep = 200

// ConsoleEntry is one action taken from the console and its outcome.
type ConsoleEntry struct {
	At     time.Time `json:"at"`
	What   string    `json:"what"`
	OK     bool      `json:"ok"`
	Detail []string  `json:"detail,omitempty"`
}

// ConsoleLogPath is the file of stack name's console log in dir.
func ConsoleLogPath(dir, name string) string { return filepath.Join(dir, name+consoleLogSuffix) }

// ReadConsoleLog returns stack name's console log, oldest first, at most
// ConsoleLogKeep entries; none when there is no log. A line that does not
// read (a write cut by a crash) is skipped.
func ReadConsoleLog(dir, name string) ([]ConsoleEntry, error) {
	if err := ValidateName(name); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(ConsoleLogPath(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the console log of stack %s: %w", name, err)
	}
	var out []ConsoleEntry
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var e ConsoleEntry
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.What != "" {
			out = append(out, e)
		}
	}
	if len(out) > ConsoleLogKeep {
		out = out[len(out)-ConsoleLogKeep:]
	}
	return out, nil
}

// AppendConsoleLog adds e to stack name's console log (0600).
func AppendConsoleLog(dir, name string, e ConsoleEntry) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	line, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("write the console log of stack %s: %w", name, err)
	}
	path := ConsoleLogPath(dir, name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("write the console log of stack %s: %w", name, err)
	}
	// A line a crash cut short must not swallow this one.
	out := append(line, '\n')
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, fi.Size()-1); err == nil && last[0] != '\n' {
			out = append([]byte{'\n'}, out...)
		}
	}
	_, werr := f.Write(out)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		return fmt.Errorf("write the console log of stack %s: %w", name, err)
	}
	// Cut it back now and then, atomically, to the newest entries.
	if fi, err := os.Stat(path); err == nil && fi.Size() > int64(2*ConsoleLogKeep*len(line)) {
		entries, err := ReadConsoleLog(dir, name)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		for _, e := range entries {
			if err := enc.Encode(e); err != nil {
				return fmt.Errorf("write the console log of stack %s: %w", name, err)
			}
		}
		if err := writeAtomic(path, b.Bytes()); err != nil {
			return fmt.Errorf("write the console log of stack %s: %w", name, err)
		}
	}
	return nil
}
