package state

import (
	"fmt"
	"regexp"
)

// The record has no field for a credential, but attributes and outputs are
// free-form, so they are checked: a key named like a secret, or a value
// shaped like an AWS access key id, is refused rather than written to disk.
var (
	secretKeyPattern = regexp.MustCompile(`(?i)secret|password|passwd|credential|private[_-]?key|session[_-]?token|access[_-]?key`)
	accessKeyPattern = regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`)
)

func checkNoCredentials(attrs map[string]string) error {
	for k, v := range attrs {
		if secretKeyPattern.MatchString(k) {
			return fmt.Errorf("attribute %q looks like a credential; the state file never holds credentials", k)
		}
		if accessKeyPattern.MatchString(v) {
			return fmt.Errorf("attribute %q holds what looks like an AWS access key id; the state file never holds credentials", k)
		}
	}
	return nil
}
