package aws

import (
	"slices"
	"testing"
)

// TestTerminationPoliciesAreOneListOfSeven keeps the one list of
// termination policies whole: the seven names Auto Scaling accepts, each
// once, each with what it does, Default last since it always decides.
func TestTerminationPoliciesAreOneListOfSeven(t *testing.T) {
	names := TerminationPolicyNames()
	want := []string{"AllocationStrategy", "ClosestToNextInstanceHour", "Default", "NewestInstance",
		"OldestInstance", "OldestLaunchConfiguration", "OldestLaunchTemplate"}
	if got := slices.Sorted(slices.Values(names)); !slices.Equal(got, want) {
		t.Errorf("the list names %v, Auto Scaling accepts %v", got, want)
	}
	if names[len(names)-1] != "Default" {
		t.Errorf("the list ends with %s, want Default", names[len(names)-1])
	}
	for _, n := range names {
		if TerminationPolicyDoes(n) == "" {
			t.Errorf("%s has no plain-words text", n)
		}
	}
	if TerminationPolicyDoes("Cheapest") != "" {
		t.Error("a name Auto Scaling does not accept has a text")
	}
}
