package main

import (
	"strings"
	"testing"
)

// With no record at all (a lost state dir, a teammate's machine), destroy
// --stack NAME finds the stack by its tags — and refuses, deleting nothing,
// when the region it searched holds only the stack's global part (the IAM
// role, the zone, the billing alarm), as adopt does.
func TestDestroyWithoutARecordFindsTheStackByItsTagsInItsRegion(t *testing.T) {
	w := newWorld(t)
	spec := haSpec(t, t.TempDir()) // region: ap-northeast-2
	if r := w.runIn(t, t.TempDir(), "us-east-1", "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exit %d:\n%s", r.code, r.stderr)
	}
	built := len(w.sb.Inventory())

	empty := t.TempDir()
	r := w.runIn(t, empty, "us-east-1", "--stack", "qvic", "destroy", "--yes")
	if r.code != 1 || !strings.Contains(r.stderr, "nothing was deleted") || !strings.Contains(r.stderr, "--region REGION --stack qvic destroy") {
		t.Errorf("destroy from another region: exit %d, want 1 with the fix\n%s", r.code, r.stderr)
	}
	if n := len(w.sb.Inventory()); n != built {
		t.Fatalf("destroy from the wrong region changed the world: %d resources, was %d", n, built)
	}

	r = w.runIn(t, empty, "us-east-1", "--region", "ap-northeast-2", "--stack", "qvic", "destroy", "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "No record of stack \"qvic\"") {
		t.Errorf("destroy --region ap-northeast-2 without a record: exit %d\n%s", r.code, r.stderr)
	}
	if left := w.sb.Inventory(); len(left) > 0 {
		var names []string
		for _, it := range left {
			names = append(names, it.Type+" "+it.ID)
		}
		t.Errorf("after destroy without a record the world still holds %d resources: %s", len(left), strings.Join(names, ", "))
	}
}
