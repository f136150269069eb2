package steps

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// This file answers, before a group exists, the question first-time users
// learn the hard way: on scale-in, which instance does Auto Scaling terminate?
// It follows AWS's documented algorithm ("Configure termination policies
// for Amazon EC2 Auto Scaling", Auto Scaling User Guide): each pick first
// takes the Availability Zone with the most instances that has one not
// protected from scale-in (when zones tie, the policies run across all the
// tied zones), then narrows that zone's unprotected instances with each
// policy in order; whatever tie is left is settled by the Default policy,
// which ends in a random choice.

// PreviewInstance is an instance of a group as the termination policies
// see it.
type PreviewInstance struct {
	ID         string
	AZ         string
	LaunchTime time.Time
	// LaunchTemplate and TemplateVersion say what launched it; an empty
	// LaunchTemplate with no LaunchConfiguration is an instance attached
	// by hand (the original hand-built server).
	LaunchTemplate      string
	TemplateVersion     int
	LaunchConfiguration string
	LaunchConfigCreated time.Time
	// Protected instances are exempt from scale-in but count toward their zone.
	Protected bool
}

// PreviewGroup is what the policies need to know about the group.
type PreviewGroup struct {
	// LaunchTemplate and TemplateVersion are what the group launches now.
	LaunchTemplate      string
	TemplateVersion     int
	LaunchConfiguration string
	Policies            []string
}

// TerminationPick is one instance scale-in would terminate, and why.
type TerminationPick struct {
	// ID is the instance terminated. When AWS would choose at random among
	// exact ties, Random is true, Candidates lists the ties, and ID is the
	// one the preview continues with.
	ID         string
	Random     bool
	Candidates []string
	// Why says, step by step, how the pick was made.
	Why []string
}

// PreviewTermination returns the first n instances scale-in would
// terminate from instances, in order, now.
func PreviewTermination(g PreviewGroup, instances []PreviewInstance, n int, now time.Time) []TerminationPick {
	left := slices.Clone(instances)
	var out []TerminationPick
	for len(out) < n {
		i, pick := previewOne(g, left, now)
		if i < 0 {
			break
		}
		out = append(out, pick)
		left = slices.Delete(left, i, i+1)
	}
	return out
}

// previewOne returns the index of the next instance to terminate and the
// pick, or -1 when every instance is protected.
func previewOne(g PreviewGroup, ins []PreviewInstance, now time.Time) (int, TerminationPick) {
	var pick TerminationPick
	perAZ := map[string]int{}
	eligible := map[string]bool{}
	for _, in := range ins {
		perAZ[in.AZ]++
		if !in.Protected {
			eligible[in.AZ] = true
		}
	}
	most := 0
	for az, n := range perAZ {
		if eligible[az] && n > most {
			most = n
		}
	}
	if most == 0 {
		return -1, pick
	}
	var idx []int
	var zones []string
	for i, in := range ins {
		if !in.Protected && perAZ[in.AZ] == most {
			idx = append(idx, i)
			if !slices.Contains(zones, in.AZ) {
				zones = append(zones, in.AZ)
			}
		}
	}
	slices.Sort(zones)
	if len(zones) == 1 && len(perAZ) > 1 {
		pick.Why = append(pick.Why, fmt.Sprintf("%s has the most instances (%d): the group rebalances the zones first", zones[0], most))
	} else if len(perAZ) > 1 {
		pick.Why = append(pick.Why, fmt.Sprintf("the zones are balanced (%d each): the policies choose across %s", most, strings.Join(zones, ", ")))
	}
	if len(idx) == 1 {
		why := ins[idx[0]].ID + " is the only instance there"
		if len(idx) < perAZ[ins[idx[0]].AZ] {
			why = ins[idx[0]].ID + " is the only one there not protected from scale-in"
		}
		pick.Why = append(pick.Why, why)
	}
	policies := g.Policies
	if len(policies) == 0 {
		policies = []string{"Default"}
	}
	for _, p := range policies {
		if len(idx) == 1 {
			break
		}
		idx = previewPolicy(p, g, ins, idx, now, &pick.Why)
	}
	if len(idx) > 1 {
		pick.Why = append(pick.Why, "still a tie: AWS falls back to the Default policy")
		idx = previewPolicy("Default", g, ins, idx, now, &pick.Why)
	}
	if len(idx) > 1 {
		// Default ends in a random choice; the preview continues with the
		// first by id so a longer preview stays readable.
		slices.SortFunc(idx, func(a, b int) int { return strings.Compare(ins[a].ID, ins[b].ID) })
		pick.Random = true
		for _, i := range idx {
			pick.Candidates = append(pick.Candidates, ins[i].ID)
		}
		pick.Why = append(pick.Why, "exact tie between "+strings.Join(pick.Candidates, ", ")+": AWS picks one at random")
	}
	pick.ID = ins[idx[0]].ID
	return idx[0], pick
}

// previewPolicy narrows idx with one policy and says what it did.
func previewPolicy(policy string, g PreviewGroup, ins []PreviewInstance, idx []int, now time.Time, why *[]string) []int {
	narrow := func(name string, key func(int) int64, say func(i int) string) []int {
		out := previewKeepMin(idx, key)
		if len(out) < len(idx) {
			*why = append(*why, name+": "+previewIDs(ins, out)+" "+say(out[0]))
		}
		return out
	}
	switch policy {
	case "Default":
		idx = previewPolicy("AllocationStrategy", g, ins, idx, now, why)
		idx = narrow("Default", func(i int) int64 { return previewOutdated(g, ins[i], true) },
			func(i int) string { return previewSource(g, ins[i]) })
		if len(idx) > 1 {
			idx = narrow("Default", func(i int) int64 { return previewToNextHour(ins[i], now) },
				func(i int) string { return previewNextHourText(ins[i], now) })
		}
		return idx
	case "AllocationStrategy":
		// One instance type, on demand: every instance fits the strategy
		// equally, so the policy keeps them all.
		return idx
	case "OldestLaunchTemplate":
		return narrow(policy, func(i int) int64 { return previewOutdated(g, ins[i], false) },
			func(i int) string { return previewSource(g, ins[i]) })
	case "OldestLaunchConfiguration":
		return narrow(policy, func(i int) int64 { return previewConfigRank(g, ins[i]) },
			func(i int) string { return "runs launch configuration " + ins[i].LaunchConfiguration + ", the oldest" })
	case "ClosestToNextInstanceHour":
		return narrow(policy, func(i int) int64 { return previewToNextHour(ins[i], now) },
			func(i int) string { return previewNextHourText(ins[i], now) })
	case "NewestInstance":
		return narrow(policy, func(i int) int64 { return -ins[i].LaunchTime.UnixMilli() },
			func(i int) string { return "launched last (" + previewAgo(now.Sub(ins[i].LaunchTime)) + " ago)" })
	case "OldestInstance":
		return narrow(policy, func(i int) int64 { return ins[i].LaunchTime.UnixMilli() },
			func(i int) string { return "launched first (" + previewAgo(now.Sub(ins[i].LaunchTime)) + " ago)" })
	}
	return idx
}

// Ranks: lower terminates first; classes are far apart so a version or a
// time fits inside one.
const (
	previewRankConfig          = 0
	previewRankOtherTemplate   = 1 << 50
	previewRankCurrentTemplate = 2 << 50
	previewRankCurrentConfig   = 3 << 50
)

// previewOutdated orders instances by how outdated their configuration is:
// launch configurations, then other templates (or none: attached by hand),
// then the group's template by version, oldest first.
func previewOutdated(g PreviewGroup, in PreviewInstance, withConfigs bool) int64 {
	if g.LaunchTemplate == "" && withConfigs {
		return previewConfigRank(g, in)
	}
	switch {
	case in.LaunchConfiguration != "":
		return previewRankConfig + in.LaunchConfigCreated.Unix()
	case in.LaunchTemplate != g.LaunchTemplate:
		return previewRankOtherTemplate
	default:
		return previewRankCurrentTemplate + int64(in.TemplateVersion)
	}
}

func previewConfigRank(g PreviewGroup, in PreviewInstance) int64 {
	if in.LaunchConfiguration != "" && in.LaunchConfiguration != g.LaunchConfiguration {
		return previewRankConfig + in.LaunchConfigCreated.Unix()
	}
	return previewRankCurrentConfig
}

func previewToNextHour(in PreviewInstance, now time.Time) int64 {
	used := now.Sub(in.LaunchTime) % time.Hour
	return int64((time.Hour - used) / time.Second)
}

func previewSource(g PreviewGroup, in PreviewInstance) string {
	switch {
	case in.LaunchConfiguration != "":
		return "runs launch configuration " + in.LaunchConfiguration + ", before any template"
	case in.LaunchTemplate == "":
		return "was attached by hand, outside the launch template"
	case in.LaunchTemplate != g.LaunchTemplate:
		return "runs another launch template (" + in.LaunchTemplate + ")"
	case in.TemplateVersion < g.TemplateVersion:
		return fmt.Sprintf("runs template version %d, older than the current %d", in.TemplateVersion, g.TemplateVersion)
	}
	return fmt.Sprintf("runs template version %d, the oldest here", in.TemplateVersion)
}

func previewNextHourText(in PreviewInstance, now time.Time) string {
	left := time.Duration(previewToNextHour(in, now)) * time.Second
	return "is " + previewAgo(left) + " from its next billing hour"
}

func previewAgo(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd%dh", int(d.Hours())/24, int(d.Hours())%24)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

func previewIDs(ins []PreviewInstance, idx []int) string {
	ids := make([]string, len(idx))
	for k, i := range idx {
		ids[k] = ins[i].ID
	}
	slices.Sort(ids)
	return strings.Join(ids, ", ")
}

func previewKeepMin(idx []int, key func(int) int64) []int {
	var out []int
	var best int64
	for _, i := range idx {
		k := key(i)
		switch {
		case len(out) == 0 || k < best:
			best, out = k, []int{i}
		case k == best:
			out = append(out, i)
		}
	}
	return out
}

// TerminationScenario builds the group the wizard previews: desired
// instances spread over azs as Auto Scaling spreads them, launched three
// days ago from version 1 of the launch template; a deploy made version 2
// current yesterday and one instance was replaced since; and the group
// scaled out by one an hour ago (version 2). Scaling back in to desired
// is the moment the policies decide. It returns the group (with policies)
// and its instances.
func TerminationScenario(azs []string, desired int, policies []string, now time.Time) (PreviewGroup, []PreviewInstance) {
	g := PreviewGroup{LaunchTemplate: "lt", TemplateVersion: 2, Policies: policies}
	if len(azs) == 0 {
		azs = []string{"a", "b"}
	}
	desired = max(desired, 1)
	launch := now.Add(-3*24*time.Hour - 2*time.Hour - 10*time.Minute)
	var ins []PreviewInstance
	for i := range desired {
		ins = append(ins, PreviewInstance{
			ID: fmt.Sprintf("i-%d", i+1), AZ: azs[i%len(azs)],
			LaunchTime:     launch.Add(time.Duration(i) * 3 * time.Minute),
			LaunchTemplate: "lt", TemplateVersion: 1,
		})
	}
	// After yesterday's deploy the last instance failed a health check and
	// was replaced from the new version.
	last := &ins[desired-1]
	last.TemplateVersion, last.LaunchTime = 2, now.Add(-26*time.Hour-18*time.Minute)
	ins = append(ins, PreviewInstance{
		ID: fmt.Sprintf("i-%d", desired+1), AZ: azs[desired%len(azs)],
		LaunchTime: now.Add(-52 * time.Minute), LaunchTemplate: "lt", TemplateVersion: 2,
	})
	return g, ins
}
