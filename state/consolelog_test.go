package state

import (
	"fmt"
	"os"
	"testing"
	"time"
)

func TestConsoleLogAppendsKeepsTheNewestAndIsPrivate(t *testing.T) {
	dir := t.TempDir()
	if got, err := ReadConsoleLog(dir, "demo"); err != nil || len(got) != 0 {
		t.Fatalf("no log yet: %v, %v", got, err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range ConsoleLogKeep + 50 {
		if err := AppendConsoleLog(dir, "demo", ConsoleEntry{At: at.Add(time.Duration(i) * time.Second), What: fmt.Sprintf("action %d", i), OK: i%2 == 0, Detail: []string{"d"}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadConsoleLog(dir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != ConsoleLogKeep || got[0].What != "action 50" || got[len(got)-1].What != fmt.Sprintf("action %d", ConsoleLogKeep+49) || !got[len(got)-1].At.Equal(at.Add(time.Duration(ConsoleLogKeep+49)*time.Second)) {
		t.Errorf("kept %d entries from %q to %q", len(got), got[0].What, got[len(got)-1].What)
	}
	fi, err := os.Stat(ConsoleLogPath(dir, "demo"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("log file: %v, %v; want mode 0600", fi, err)
	}
	// A line cut by a crash is skipped, not fatal.
	f, _ := os.OpenFile(ConsoleLogPath(dir, "demo"), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"at": "2026-03-02T09:`)
	f.Close()
	if err := AppendConsoleLog(dir, "demo", ConsoleEntry{At: at, What: "after the crash", OK: true}); err != nil {
		t.Fatal(err)
	}
	got, err = ReadConsoleLog(dir, "demo")
	if err != nil || got[len(got)-1].What != "after the crash" {
		t.Errorf("after a cut line: %v, last %+v", err, got[len(got)-1])
	}
	if names, _ := List(dir); len(names) != 0 {
		t.Errorf("the log reads as a stack: %v", names)
	}
}
