package steps

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestDestroyChecksByTagThatNothingIsLeft makes a kind's delete answer
// success while the resource stays (as a delete AWS acknowledged but did not
// carry out would): destroy must not say "destroyed" — it lists the stack by
// its tags at the end, exits with a DestroyError naming what is still
// there, and a second destroy, with deletes that work, finishes.
func TestDestroyChecksByTagThatNothingIsLeft(t *testing.T) {
	env := newTestEnv(t, "verify")
	spec := env.spec("name: verify\nnetwork:\n  vpc: default\n")
	netApply(t, env, spec, networkStep{}, securityStep{})

	var kinds []Kind
	for _, k := range allKinds() {
		if k.Type == securityTypeGroup {
			k.Delete = func(context.Context, Target) error { return nil } // "deleted", still there
		}
		kinds = append(kinds, k)
	}
	env.Options.Kinds = kinds
	err := env.engine(spec).Destroy(testContext(t))
	var de *DestroyError
	if !errors.As(err, &de) {
		t.Fatalf("destroy = %v, want a DestroyError naming the groups left", err)
	}
	var groups []string
	for _, r := range de.Remaining {
		if r.Type != securityTypeGroup || !strings.Contains(r.Reason, "still there after destroy") || !strings.Contains(r.Command, "delete-security-group") {
			t.Errorf("remaining %+v", r)
		}
		groups = append(groups, r.ID)
	}
	if len(groups) != 2 {
		t.Errorf("destroy reported %d groups left (%v), want the load balancer's and the app's", len(groups), groups)
	}

	env.Options.Kinds = nil
	if err := env.engine(spec).Destroy(testContext(t)); err != nil {
		t.Fatalf("second destroy: %v", err)
	}
	env.mustEmpty()
}
