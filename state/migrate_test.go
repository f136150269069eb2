package state

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// A synthetic history for the mechanism: version 1 called the region
// "home", version 2 nested it under "where", version 3 flattened it again
// as "region" and counted resources.
func syntheticChain() []migration {
	return []migration{
		{From: 1, Apply: func(doc map[string]any) error {
			doc["where"] = map[string]any{"region": doc["home"]}
			delete(doc, "home")
			return nil
		}},
		{From: 2, Apply: func(doc map[string]any) error {
			where, ok := doc["where"].(map[string]any)
			if !ok {
				return errors.New("where is missing")
			}
			doc["region"] = where["region"]
			delete(doc, "where")
			doc["count"] = len(doc["resources"].([]any))
			return nil
		}},
	}
}

func TestUpgradeRunsEachMigrationFromTheRecordsVersion(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"from version 1", `{"version":1,"home":"eu-west-1","resources":[{"size":12345678901234567890}]}`},
		{"from version 2", `{"version":2,"where":{"region":"eu-west-1"},"resources":[{"size":12345678901234567890}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := upgrade([]byte(tc.in), syntheticChain())
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			if doc["version"] != 3.0 || doc["region"] != "eu-west-1" || doc["count"] != 1.0 || doc["home"] != nil || doc["where"] != nil {
				t.Errorf("upgraded = %s", out)
			}
			// Numbers pass through untouched, not rounded through float64.
			if !strings.Contains(string(out), "12345678901234567890") {
				t.Errorf("a number changed in migration: %s", out)
			}
		})
	}
}

func TestUpgradeOfTheCurrentVersionChangesNothing(t *testing.T) {
	in := `{"version":3,"region":"x"}`
	out, err := upgrade([]byte(in), syntheticChain())
	if err != nil || string(out) != in {
		t.Fatalf("upgrade = %s, %v; want the input unchanged", out, err)
	}
}

func TestUpgradeFailsOnAGapInTheChainOrAFailedStep(t *testing.T) {
	gap := []migration{{From: 2, Apply: func(map[string]any) error { return nil }}}
	if _, err := upgrade([]byte(`{"version":1}`), gap); err == nil || !strings.Contains(err.Error(), "no migration from version 1") {
		t.Errorf("gap: err = %v", err)
	}
	if _, err := upgrade([]byte(`{"version":2}`), syntheticChain()); err == nil || !strings.Contains(err.Error(), "where is missing") {
		t.Errorf("failed step: err = %v", err)
	}
}

func TestRecordFromANewerStackwizIsRefusedWithAnUpgradeHint(t *testing.T) {
	dir := t.TempDir()
	path := recordPath(dir, "demo")
	if err := os.WriteFile(path, []byte(`{"version":99,"name":"demo","flux":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir, "demo")
	var ne *NewerVersionError
	if !errors.As(err, &ne) {
		t.Fatalf("Open = %v, want a *NewerVersionError", err)
	}
	msg := err.Error()
	for _, want := range []string{path, "newer stackwiz", "version 99", "upgrade"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the newer record was moved: %v", err)
	}
}

func TestRecordsAreWrittenWithTheCurrentVersion(t *testing.T) {
	s, dir := lockedStore(t)
	if err := s.SetSpec("name: demo\n"); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(recordPath(dir, "demo"))
	if err != nil {
		t.Fatal(err)
	}
	var head struct{ Version int }
	if err := json.Unmarshal(data, &head); err != nil || head.Version != CurrentVersion {
		t.Fatalf("version on disk = %d, %v; want %d", head.Version, err, CurrentVersion)
	}
}
