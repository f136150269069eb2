package sandbox

import (
	"hash/fnv"
	"slices"
	"sort"
	"time"
)

// Termination policies, as Auto Scaling names them.
const (
	policyDefault                   = "Default"
	policyAllocationStrategy        = "AllocationStrategy"
	policyOldestLaunchTemplate      = "OldestLaunchTemplate"
	policyOldestLaunchConfiguration = "OldestLaunchConfiguration"
	policyClosestToNextInstanceHour = "ClosestToNextInstanceHour"
	policyNewestInstance            = "NewestInstance"
	policyOldestInstance            = "OldestInstance"
)

// terminationPolicyTypes is what DescribeTerminationPolicyTypes answers, in AWS's order.
var terminationPolicyTypes = []string{
	policyAllocationStrategy, policyClosestToNextInstanceHour, policyDefault, policyNewestInstance,
	policyOldestInstance, policyOldestLaunchConfiguration, policyOldestLaunchTemplate,
}

// termCandidate is an instance as the termination policies see it. The
// caller passes only instances that count toward capacity (Pending and
// InService; never Standby or Terminating).
type termCandidate struct {
	ID         string
	AZ         string
	LaunchTime time.Time
	// Exactly one of a launch template (id + version number) or a launch
	// configuration (name + its creation time) describes how it was launched.
	LaunchTemplateID        string
	LaunchTemplateVersion   int
	LaunchConfigurationName string
	LaunchConfigCreated     time.Time
	Protected               bool // protected from scale in
}

// termGroup is what the policies need to know about the group: its
// current launch template or configuration and its policies, in order.
type termGroup struct {
	LaunchTemplateID        string
	LaunchTemplateVersion   int // the version the group launches now
	LaunchConfigurationName string
	Policies                []string
}

// chooseTermination returns, in order, up to n instances to terminate on
// scale in, as AWS documents it ("Configure termination policies for
// Amazon EC2 Auto Scaling"): each pick first takes the Availability Zone
// with the most instances that has an unprotected one (when zones tie, the
// policies run across all tied zones), then narrows the unprotected
// instances there with each policy in order, falling back to Default and,
// among exact ties, a random choice (deterministic for a given now).
// Protected instances are never chosen, but they count toward their zone.
func chooseTermination(g termGroup, instances []termCandidate, n int, now time.Time) []string {
	left := slices.Clone(instances)
	var out []string
	for len(out) < n {
		pick := chooseOne(g, left, now)
		if pick < 0 {
			break
		}
		out = append(out, left[pick].ID)
		left = slices.Delete(left, pick, pick+1)
	}
	return out
}

// chooseOne returns the index in instances of the next instance to
// terminate, or -1 when every instance is protected.
func chooseOne(g termGroup, instances []termCandidate, now time.Time) int {
	perAZ := map[string]int{}
	eligibleAZ := map[string]bool{}
	for _, in := range instances {
		perAZ[in.AZ]++
		if !in.Protected {
			eligibleAZ[in.AZ] = true
		}
	}
	most := 0
	for az, n := range perAZ {
		if eligibleAZ[az] && n > most {
			most = n
		}
	}
	if most == 0 {
		return -1
	}
	var idx []int
	for i, in := range instances {
		if !in.Protected && perAZ[in.AZ] == most {
			idx = append(idx, i)
		}
	}
	policies := g.Policies
	if len(policies) == 0 {
		policies = []string{policyDefault}
	}
	for _, p := range policies {
		if len(idx) == 1 {
			break
		}
		idx = applyPolicy(p, g, instances, idx, now)
	}
	if len(idx) > 1 {
		// The listed policies left a tie: AWS settles it with the default policy.
		idx = applyPolicy(policyDefault, g, instances, idx, now)
	}
	return idx[0]
}

// applyPolicy narrows idx (indexes into instances) to the instances one
// policy prefers to terminate. Default always narrows to one.
func applyPolicy(policy string, g termGroup, instances []termCandidate, idx []int, now time.Time) []int {
	switch policy {
	case policyDefault:
		idx = applyPolicy(policyAllocationStrategy, g, instances, idx, now)
		idx = keepMin(idx, func(i int) int64 { return outdatedRank(g, instances[i], true) })
		idx = applyPolicy(policyClosestToNextInstanceHour, g, instances, idx, now)
		return []int{randomPick(instances, idx, now)}
	case policyAllocationStrategy:
		// The allocation strategies choose between On-Demand and Spot and
		// between instance types of a mixed instances policy. Sandbox groups
		// launch one launch template on demand, so every instance is equally
		// aligned with the strategy and the policy keeps them all.
		return idx
	case policyOldestLaunchTemplate:
		return keepMin(idx, func(i int) int64 { return outdatedRank(g, instances[i], false) })
	case policyOldestLaunchConfiguration:
		return keepMin(idx, func(i int) int64 { return configRank(g, instances[i]) })
	case policyClosestToNextInstanceHour:
		return keepMin(idx, func(i int) int64 {
			used := now.Sub(instances[i].LaunchTime) % time.Hour
			return int64((time.Hour - used) / time.Second)
		})
	case policyNewestInstance:
		return keepMin(idx, func(i int) int64 { return -instances[i].LaunchTime.UnixMilli() })
	case policyOldestInstance:
		return keepMin(idx, func(i int) int64 { return instances[i].LaunchTime.UnixMilli() })
	}
	return idx
}

// Ranks: lower terminates first. The rank classes are wide apart so a
// version or a timestamp can be added within a class.
const (
	rankLaunchConfiguration = 0
	rankOtherTemplate       = 1 << 50
	rankCurrentTemplate     = 2 << 50
	rankCurrentConfig       = 3 << 50
)

// outdatedRank orders instances by how outdated their configuration is, as
// the default policy and OldestLaunchTemplate define it for a group that
// uses a launch template: launch configurations first, then other launch
// templates, then the current template's versions, oldest first. For a
// group that uses a launch configuration (withConfigs), the oldest launch
// configuration goes first and the current one last.
func outdatedRank(g termGroup, in termCandidate, withConfigs bool) int64 {
	if g.LaunchTemplateID == "" && withConfigs {
		return configRank(g, in)
	}
	switch {
	case in.LaunchConfigurationName != "":
		return rankLaunchConfiguration + in.LaunchConfigCreated.Unix()
	case in.LaunchTemplateID != g.LaunchTemplateID:
		return rankOtherTemplate
	default:
		return rankCurrentTemplate + int64(in.LaunchTemplateVersion)
	}
}

// configRank orders instances for OldestLaunchConfiguration: instances of a
// launch configuration other than the current one first (oldest first),
// then everything else, which the policy does not tell apart.
func configRank(g termGroup, in termCandidate) int64 {
	if in.LaunchConfigurationName != "" && in.LaunchConfigurationName != g.LaunchConfigurationName {
		return rankLaunchConfiguration + in.LaunchConfigCreated.Unix()
	}
	return rankCurrentConfig
}

// keepMin keeps the indexes whose key is smallest.
func keepMin(idx []int, key func(int) int64) []int {
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

// randomPick chooses among exact ties as AWS does, at random; the choice
// is a hash of the candidates and the time, so a replayed world chooses
// the same instance.
func randomPick(instances []termCandidate, idx []int, now time.Time) int {
	if len(idx) == 1 {
		return idx[0]
	}
	sorted := slices.Clone(idx)
	sort.Slice(sorted, func(a, b int) bool { return instances[sorted[a]].ID < instances[sorted[b]].ID })
	h := fnv.New64a()
	for _, i := range sorted {
		h.Write([]byte(instances[i].ID))
	}
	h.Write([]byte(now.UTC().Format(time.RFC3339Nano)))
	return sorted[h.Sum64()%uint64(len(sorted))]
}
