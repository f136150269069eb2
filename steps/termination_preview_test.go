package steps

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// The cases are sandbox/termination_test.go's table, the source of truth
// for AWS's documented algorithm, ported to the preview's types: the
// wizard's preview and the sandbox's Auto Scaling must agree on every one.
func TestPreviewTerminationFollowsAWSDocumentedPolicies(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	at := func(hours, minutes int) time.Time {
		return now.Add(-time.Duration(hours)*time.Hour - time.Duration(minutes)*time.Minute)
	}
	lt := func(id, az string, version int, launched time.Time) PreviewInstance {
		return PreviewInstance{ID: id, AZ: az, LaunchTemplate: "lt-current", TemplateVersion: version, LaunchTime: launched}
	}
	other := func(c PreviewInstance) PreviewInstance { c.LaunchTemplate = "lt-other"; return c }
	config := func(c PreviewInstance, name string, created time.Time) PreviewInstance {
		c.LaunchTemplate, c.TemplateVersion = "", 0
		c.LaunchConfiguration, c.LaunchConfigCreated = name, created
		return c
	}
	protect := func(c PreviewInstance) PreviewInstance { c.Protected = true; return c }
	group := func(policies ...string) PreviewGroup {
		return PreviewGroup{LaunchTemplate: "lt-current", TemplateVersion: 3, Policies: policies}
	}
	old := now.Add(-48 * time.Hour)

	tests := []struct {
		name      string
		group     PreviewGroup
		instances []PreviewInstance
		n         int
		want      []string
		oneOf     []string // a random choice among these
	}{
		{"zone with the most instances goes first, even when another zone holds an older version", group(),
			[]PreviewInstance{lt("i-a1", "us-east-1a", 3, at(1, 10)), lt("i-a2", "us-east-1a", 3, at(1, 20)), lt("i-b1", "us-east-1b", 1, at(1, 30))},
			1, []string{"i-a2"}, nil},
		{"default: instances launched from a launch configuration before launch template ones", group(),
			[]PreviewInstance{lt("i-1", "us-east-1a", 1, at(0, 55)), config(lt("i-2", "us-east-1a", 0, at(0, 5)), "lc-old", old)},
			1, []string{"i-2"}, nil},
		{"default: a different launch template before the current one", group(),
			[]PreviewInstance{lt("i-1", "us-east-1a", 1, at(0, 55)), other(lt("i-2", "us-east-1a", 7, at(0, 5)))},
			1, []string{"i-2"}, nil},
		{"default: the oldest version of the current launch template", group(),
			[]PreviewInstance{lt("i-1", "us-east-1a", 3, at(0, 55)), lt("i-2", "us-east-1a", 2, at(0, 5)), lt("i-3", "us-east-1a", 3, at(0, 50))},
			1, []string{"i-2"}, nil},
		{"default: same configuration, the instance closest to the next billing hour", group(),
			[]PreviewInstance{lt("i-1", "us-east-1a", 3, at(2, 15)), lt("i-2", "us-east-1a", 3, at(0, 45)), lt("i-3", "us-east-1a", 3, at(5, 30))},
			1, []string{"i-2"}, nil},
		{"default: exact ties end in a random choice among them", group(),
			[]PreviewInstance{lt("i-1", "us-east-1a", 3, at(1, 30)), lt("i-2", "us-east-1a", 3, at(1, 30)), lt("i-3", "us-east-1a", 3, at(0, 10))},
			1, nil, []string{"i-1", "i-2"}},
		{"balanced zones: the policy runs across all zones", group(),
			[]PreviewInstance{lt("i-a", "us-east-1a", 3, at(0, 50)), lt("i-b", "us-east-1b", 2, at(0, 10)), lt("i-c", "us-east-1c", 3, at(0, 40))},
			1, []string{"i-b"}, nil},
		{"protected instances are never chosen", group("OldestInstance"),
			[]PreviewInstance{protect(lt("i-old", "us-east-1a", 1, old)), lt("i-new", "us-east-1a", 3, at(0, 10))},
			1, []string{"i-new"}, nil},
		{"protected instances count toward their zone's size", group("OldestInstance"),
			[]PreviewInstance{protect(lt("i-a1", "us-east-1a", 3, at(3, 0))), lt("i-a2", "us-east-1a", 3, at(0, 10)), lt("i-b1", "us-east-1b", 3, old)},
			1, []string{"i-a2"}, nil},
		{"a zone whose instances are all protected is passed over", group(),
			[]PreviewInstance{protect(lt("i-a1", "us-east-1a", 3, at(0, 10))), protect(lt("i-a2", "us-east-1a", 3, at(0, 20))), lt("i-b1", "us-east-1b", 3, at(0, 30))},
			1, []string{"i-b1"}, nil},
		{"every instance protected: nothing to terminate", group(),
			[]PreviewInstance{protect(lt("i-1", "us-east-1a", 3, at(0, 10))), protect(lt("i-2", "us-east-1b", 3, at(0, 20)))},
			1, nil, nil},
		{"OldestInstance: the instance launched first", group("OldestInstance"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 1, at(1, 0)), lt("i-2", "us-east-1a", 3, at(9, 0)), lt("i-3", "us-east-1a", 2, at(4, 0))},
			1, []string{"i-2"}, nil},
		{"NewestInstance: the instance launched last, whatever its template version", group("NewestInstance"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 1, at(1, 0)), lt("i-2", "us-east-1a", 3, at(0, 50)), lt("i-3", "us-east-1a", 2, at(4, 0))},
			1, []string{"i-2"}, nil},
		{"ClosestToNextInstanceHour: least time left in the current hour", group("ClosestToNextInstanceHour"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 1, at(0, 20)), lt("i-2", "us-east-1a", 3, at(7, 58)), lt("i-3", "us-east-1a", 2, at(2, 40))},
			1, []string{"i-2"}, nil},
		{"OldestLaunchTemplate: a noncurrent template before the oldest current version", group("OldestLaunchTemplate"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 1, at(0, 5)), other(lt("i-2", "us-east-1a", 9, at(0, 55))), lt("i-3", "us-east-1a", 3, at(0, 50))},
			1, []string{"i-2"}, nil},
		{"OldestLaunchTemplate: then the oldest version of the current template", group("OldestLaunchTemplate"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 3, at(0, 58)), lt("i-2", "us-east-1a", 1, at(0, 5)), lt("i-3", "us-east-1a", 2, at(0, 50))},
			1, []string{"i-2"}, nil},
		{"OldestLaunchConfiguration: instances of a noncurrent launch configuration first",
			PreviewGroup{LaunchConfiguration: "lc-new", Policies: []string{"OldestLaunchConfiguration"}},
			[]PreviewInstance{
				config(lt("i-1", "us-east-1a", 0, at(0, 58)), "lc-new", now.Add(-time.Hour)),
				config(lt("i-2", "us-east-1a", 0, at(0, 5)), "lc-older", old),
				config(lt("i-3", "us-east-1a", 0, at(0, 50)), "lc-old", now.Add(-24*time.Hour)),
			},
			1, []string{"i-2"}, nil},
		{"AllocationStrategy: one purchase option and template, so the default policy decides", group("AllocationStrategy"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 3, at(0, 58)), lt("i-2", "us-east-1a", 2, at(0, 5))},
			1, []string{"i-2"}, nil},
		{"policies apply in order: the first one narrows, the next one decides", group("OldestLaunchTemplate", "NewestInstance"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 2, at(3, 0)), lt("i-2", "us-east-1a", 2, at(1, 0)), lt("i-3", "us-east-1a", 3, at(0, 10))},
			1, []string{"i-2"}, nil},
		{"a listed policy that leaves a tie falls back to the default policy", group("OldestLaunchTemplate"),
			[]PreviewInstance{lt("i-1", "us-east-1a", 2, at(3, 10)), lt("i-2", "us-east-1a", 2, at(1, 50)), lt("i-3", "us-east-1a", 3, at(0, 59))},
			1, []string{"i-2"}, nil},
		{"scaling in by several rebalances after each pick (ties: the policy across zones)", group("OldestInstance"),
			[]PreviewInstance{
				lt("i-a1", "us-east-1a", 3, at(9, 0)), lt("i-a2", "us-east-1a", 3, at(8, 0)), lt("i-a3", "us-east-1a", 3, at(7, 0)),
				lt("i-b1", "us-east-1b", 3, at(2, 0)), lt("i-b2", "us-east-1b", 3, at(1, 0)),
			},
			3, []string{"i-a1", "i-a2", "i-b1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			picks := PreviewTermination(tt.group, tt.instances, tt.n, now)
			if tt.oneOf != nil {
				if len(picks) != 1 || !picks[0].Random || !slices.Equal(picks[0].Candidates, tt.oneOf) {
					t.Fatalf("picks %+v, want a random choice among %v", picks, tt.oneOf)
				}
				return
			}
			var got []string
			for _, p := range picks {
				got = append(got, p.ID)
				if p.Random {
					t.Errorf("pick %s reported random (%v); the case has no tie", p.ID, p.Candidates)
				}
				if len(p.Why) == 0 {
					t.Errorf("pick %s has no explanation", p.ID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("chose %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPreviewScenarioShowsWhatEachPolicyRemoves pins the wizard's scenario:
// the oldest-version instance for Default, the scale-out instance for
// NewestInstance — the difference the wizard shows before the group exists.
func TestPreviewScenarioShowsWhatEachPolicyRemoves(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	want := map[string]string{
		"Default":                   "i-1",
		"OldestLaunchTemplate":      "i-1",
		"OldestInstance":            "i-1",
		"NewestInstance":            "i-3",
		"ClosestToNextInstanceHour": "i-3",
		"AllocationStrategy":        "i-1",
	}
	for policy, id := range want {
		g, ins := TerminationScenario([]string{"us-east-1a", "us-east-1b"}, 2, []string{policy}, now)
		if len(ins) != 3 {
			t.Fatalf("scenario has %d instances, want desired+1 = 3", len(ins))
		}
		picks := PreviewTermination(g, ins, 1, now)
		if len(picks) != 1 || picks[0].ID != id {
			t.Errorf("%s removes %+v, want %s", policy, picks, id)
		}
		if !strings.Contains(picks[0].Why[0], "us-east-1a has the most instances (2)") {
			t.Errorf("%s: first reason %q does not name the zone balance", policy, picks[0].Why[0])
		}
	}
	for _, p := range aws.TerminationPolicyNames() {
		if err := spec.ValidateTerminationPolicies([]string{p}); err != nil && spec.ValidateBlocking(err) != nil {
			t.Errorf("offered policy %s does not validate: %v", p, err)
		}
	}
}
