package sandbox

import (
	"slices"
	"testing"
	"time"
)

// The cases follow AWS's "Configure termination policies for Amazon EC2 Auto
// Scaling": zonal balance before any policy; within the chosen zone the
// default policy prefers launch configurations, then other launch templates,
// then the oldest version of the current template, then the instance closest
// to its next billing hour, then a random one; each named policy as the
// page describes it; protected instances never terminate.
func TestChooseTerminationFollowsAWSDocumentedPolicies(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	// at returns the launch time of an instance that has run for hours and
	// minutes; the minutes decide ClosestToNextInstanceHour.
	at := func(hours, minutes int) time.Time {
		return now.Add(-time.Duration(hours)*time.Hour - time.Duration(minutes)*time.Minute)
	}
	lt := func(id, az string, version int, launched time.Time) termCandidate {
		return termCandidate{ID: id, AZ: az, LaunchTemplateID: "lt-current", LaunchTemplateVersion: version, LaunchTime: launched}
	}
	other := func(c termCandidate) termCandidate { c.LaunchTemplateID = "lt-other"; return c }
	config := func(c termCandidate, name string, created time.Time) termCandidate {
		c.LaunchTemplateID, c.LaunchTemplateVersion = "", 0
		c.LaunchConfigurationName, c.LaunchConfigCreated = name, created
		return c
	}
	protect := func(c termCandidate) termCandidate { c.Protected = true; return c }
	group := func(policies ...string) termGroup {
		return termGroup{LaunchTemplateID: "lt-current", LaunchTemplateVersion: 3, Policies: policies}
	}
	old := now.Add(-48 * time.Hour)

	tests := []struct {
		name      string
		group     termGroup
		instances []termCandidate
		n         int
		want      []string   // exact order
		oneOf     [][]string // when AWS chooses at random: each pick is one of these
	}{
		{
			name:  "zone with the most instances goes first, even when another zone holds an older version",
			group: group(),
			instances: []termCandidate{
				lt("i-a1", "us-east-1a", 3, at(1, 10)), lt("i-a2", "us-east-1a", 3, at(1, 20)),
				lt("i-b1", "us-east-1b", 1, at(1, 30)),
			},
			n: 1, want: []string{"i-a2"}, // 1h20m run: closer to its next hour than i-a1 (1h10m)
		},
		{
			name:  "default: instances launched from a launch configuration before launch template ones",
			group: group(),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 1, at(0, 55)), config(lt("i-2", "us-east-1a", 0, at(0, 5)), "lc-old", old),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "default: a different launch template before the current one",
			group: group(),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 1, at(0, 55)), other(lt("i-2", "us-east-1a", 7, at(0, 5))),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "default: the oldest version of the current launch template",
			group: group(),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 3, at(0, 55)), lt("i-2", "us-east-1a", 2, at(0, 5)), lt("i-3", "us-east-1a", 3, at(0, 50)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "default: same configuration, the instance closest to the next billing hour",
			group: group(),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 3, at(2, 15)), lt("i-2", "us-east-1a", 3, at(0, 45)), lt("i-3", "us-east-1a", 3, at(5, 30)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "default: exact ties end in a random choice among them",
			group: group(),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 3, at(1, 30)), lt("i-2", "us-east-1a", 3, at(1, 30)), lt("i-3", "us-east-1a", 3, at(0, 10)),
			},
			n: 1, oneOf: [][]string{{"i-1", "i-2"}},
		},
		{
			name:  "balanced zones: the policy runs across all zones",
			group: group(),
			instances: []termCandidate{
				lt("i-a", "us-east-1a", 3, at(0, 50)), lt("i-b", "us-east-1b", 2, at(0, 10)), lt("i-c", "us-east-1c", 3, at(0, 40)),
			},
			n: 1, want: []string{"i-b"},
		},
		{
			name:  "protected instances are never chosen",
			group: group(policyOldestInstance),
			instances: []termCandidate{
				protect(lt("i-old", "us-east-1a", 1, old)), lt("i-new", "us-east-1a", 3, at(0, 10)),
			},
			n: 1, want: []string{"i-new"},
		},
		{
			name:  "protected instances count toward their zone's size",
			group: group(policyOldestInstance),
			instances: []termCandidate{
				protect(lt("i-a1", "us-east-1a", 3, at(3, 0))), lt("i-a2", "us-east-1a", 3, at(0, 10)),
				lt("i-b1", "us-east-1b", 3, old),
			},
			n: 1, want: []string{"i-a2"},
		},
		{
			name:  "a zone whose instances are all protected is passed over",
			group: group(),
			instances: []termCandidate{
				protect(lt("i-a1", "us-east-1a", 3, at(0, 10))), protect(lt("i-a2", "us-east-1a", 3, at(0, 20))),
				lt("i-b1", "us-east-1b", 3, at(0, 30)),
			},
			n: 1, want: []string{"i-b1"},
		},
		{
			name:  "every instance protected: nothing to terminate",
			group: group(),
			instances: []termCandidate{
				protect(lt("i-1", "us-east-1a", 3, at(0, 10))), protect(lt("i-2", "us-east-1b", 3, at(0, 20))),
			},
			n: 1, want: nil,
		},
		{
			name:  "OldestInstance: the instance launched first",
			group: group(policyOldestInstance),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 1, at(1, 0)), lt("i-2", "us-east-1a", 3, at(9, 0)), lt("i-3", "us-east-1a", 2, at(4, 0)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "NewestInstance: the instance launched last, whatever its template version",
			group: group(policyNewestInstance),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 1, at(1, 0)), lt("i-2", "us-east-1a", 3, at(0, 50)), lt("i-3", "us-east-1a", 2, at(4, 0)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "ClosestToNextInstanceHour: least time left in the current hour",
			group: group(policyClosestToNextInstanceHour),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 1, at(0, 20)), lt("i-2", "us-east-1a", 3, at(7, 58)), lt("i-3", "us-east-1a", 2, at(2, 40)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "OldestLaunchTemplate: a noncurrent template before the oldest current version",
			group: group(policyOldestLaunchTemplate),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 1, at(0, 5)), other(lt("i-2", "us-east-1a", 9, at(0, 55))), lt("i-3", "us-east-1a", 3, at(0, 50)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "OldestLaunchTemplate: then the oldest version of the current template",
			group: group(policyOldestLaunchTemplate),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 3, at(0, 58)), lt("i-2", "us-east-1a", 1, at(0, 5)), lt("i-3", "us-east-1a", 2, at(0, 50)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "OldestLaunchConfiguration: instances of a noncurrent launch configuration first",
			group: termGroup{LaunchConfigurationName: "lc-new", Policies: []string{policyOldestLaunchConfiguration}},
			instances: []termCandidate{
				config(lt("i-1", "us-east-1a", 0, at(0, 58)), "lc-new", now.Add(-time.Hour)),
				config(lt("i-2", "us-east-1a", 0, at(0, 5)), "lc-older", old),
				config(lt("i-3", "us-east-1a", 0, at(0, 50)), "lc-old", now.Add(-24*time.Hour)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "AllocationStrategy: one purchase option and template, so the default policy decides",
			group: group(policyAllocationStrategy),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 3, at(0, 58)), lt("i-2", "us-east-1a", 2, at(0, 5)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "policies apply in order: the first one narrows, the next one decides",
			group: group(policyOldestLaunchTemplate, policyNewestInstance),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 2, at(3, 0)), lt("i-2", "us-east-1a", 2, at(1, 0)), lt("i-3", "us-east-1a", 3, at(0, 10)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "a listed policy that leaves a tie falls back to the default policy",
			group: group(policyOldestLaunchTemplate),
			instances: []termCandidate{
				lt("i-1", "us-east-1a", 2, at(3, 10)), lt("i-2", "us-east-1a", 2, at(1, 50)), lt("i-3", "us-east-1a", 3, at(0, 59)),
			},
			n: 1, want: []string{"i-2"},
		},
		{
			name:  "scaling in by several rebalances after each pick (ties: the policy across zones)",
			group: group(policyOldestInstance),
			instances: []termCandidate{
				lt("i-a1", "us-east-1a", 3, at(9, 0)), lt("i-a2", "us-east-1a", 3, at(8, 0)), lt("i-a3", "us-east-1a", 3, at(7, 0)),
				lt("i-b1", "us-east-1b", 3, at(2, 0)), lt("i-b2", "us-east-1b", 3, at(1, 0)),
			},
			n: 3, want: []string{"i-a1", "i-a2", "i-b1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := chooseTermination(tt.group, tt.instances, tt.n, now)
			if tt.oneOf != nil {
				if len(got) != len(tt.oneOf) {
					t.Fatalf("chose %v, want %d instances", got, len(tt.oneOf))
				}
				for i, id := range got {
					if !slices.Contains(tt.oneOf[i], id) {
						t.Fatalf("pick %d = %s, want one of %v", i, id, tt.oneOf[i])
					}
				}
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("chose %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChooseTerminationRandomTieIsStableForTheSameMoment(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	launched := now.Add(-30 * time.Minute)
	var ins []termCandidate
	for _, id := range []string{"i-1", "i-2", "i-3", "i-4"} {
		ins = append(ins, termCandidate{ID: id, AZ: "us-east-1a", LaunchTemplateID: "lt", LaunchTemplateVersion: 1, LaunchTime: launched})
	}
	g := termGroup{LaunchTemplateID: "lt", LaunchTemplateVersion: 1}
	first := chooseTermination(g, ins, 1, now)
	slices.Reverse(ins)
	if again := chooseTermination(g, ins, 1, now); !slices.Equal(first, again) {
		t.Fatalf("same tie, same moment: chose %v then %v", first, again)
	}
	seen := map[string]bool{}
	for s := range 40 {
		seen[chooseTermination(g, ins, 1, now.Add(time.Duration(s)*time.Second))[0]] = true
	}
	if len(seen) < 2 {
		t.Fatalf("random choice among ties always chose %v", seen)
	}
}
