package state

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// CurrentVersion is the schema version this stackwiz writes. Bump it when
// the shape of Stack changes in a way an older file does not already fit,
// and add the migration from the previous version to migrations.
const CurrentVersion = 1

// migration upgrades a decoded record from version From to From+1, working
// on the generic JSON form so it does not depend on today's Go types.
type migration struct {
	From  int
	Apply func(doc map[string]any) error
}

// migrations returns the chain that brings any older record to
// CurrentVersion, one version at a time. Version 1 is the first schema, so
// the chain is empty; the mechanism is exercised by the tests with a
// synthetic chain.
func migrations() []migration { return nil }

// upgrade brings a record up to the newest version the chain reaches. A
// record newer than that is refused: it was written by a newer stackwiz
// and an older one would drop what it does not know.
func upgrade(data []byte, chain []migration) ([]byte, error) {
	target := CurrentVersion
	if n := len(chain); n > 0 {
		target = chain[n-1].From + 1
	}
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if head.Version == nil {
		return nil, errors.New("decode state: no version field")
	}
	version := *head.Version
	switch {
	case version > target:
		return nil, &NewerVersionError{Version: version, Supported: target}
	case version < 1:
		return nil, fmt.Errorf("decode state: invalid version %d", version)
	case version == target:
		return data, nil
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep numbers exactly as written
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	for _, m := range chain {
		if m.From < version {
			continue
		}
		if m.From != version {
			return nil, fmt.Errorf("migrate state: no migration from version %d", version)
		}
		if err := m.Apply(doc); err != nil {
			return nil, fmt.Errorf("migrate state from version %d: %w", version, err)
		}
		version++
		doc["version"] = version
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode migrated state: %w", err)
	}
	return out, nil
}

// NewerVersionError reports a record written by a newer stackwiz.
type NewerVersionError struct {
	Path      string
	Version   int
	Supported int
}

func (e *NewerVersionError) Error() string {
	return fmt.Sprintf("state file %s was written by a newer stackwiz (state version %d; this one reads up to %d): upgrade stackwiz to use this stack",
		e.Path, e.Version, e.Supported)
}
