package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// Instance refresh statuses.
const (
	refreshPending    = "Pending"
	refreshInProgress = "InProgress"
	refreshSuccessful = "Successful"
	refreshCancelling = "Cancelling"
	refreshCancelled  = "Cancelled"
)

// InstanceRefresh replaces a group's instances in batches.
type InstanceRefresh struct {
	ID                   string    `json:"id"`
	Status               string    `json:"status"`
	StatusReason         string    `json:"status_reason,omitempty"`
	StartTime            time.Time `json:"start_time"`
	EndTime              time.Time `json:"end_time"`
	MinHealthyPercentage int       `json:"min_healthy_percentage"`
	MaxHealthyPercentage int       `json:"max_healthy_percentage"`
	InstanceWarmup       *int      `json:"instance_warmup,omitempty"`
	SkipMatching         bool      `json:"skip_matching"`
	// The desired configuration's launch template, when one was given;
	// the group adopts it when the refresh succeeds.
	DesiredTemplateID      string `json:"desired_template_id,omitempty"`
	DesiredTemplateName    string `json:"desired_template_name,omitempty"`
	DesiredTemplateVersion string `json:"desired_template_version,omitempty"`
	// Total is how many instances the refresh set out to replace;
	// ToReplace those not yet taken out of service.
	Total     int      `json:"total"`
	ToReplace []string `json:"to_replace"`
	// Done counts replacements in service past their warmup; it only grows.
	Done int `json:"done"`
}

func (rf *InstanceRefresh) active() bool {
	return rf.Status == refreshPending || rf.Status == refreshInProgress || rf.Status == refreshCancelling
}

// activeRefresh returns the group's refresh that has not ended, or nil.
func (g *AutoScalingGroup) activeRefresh() *InstanceRefresh {
	if n := len(g.Refreshes); n > 0 && g.Refreshes[n-1].active() {
		return g.Refreshes[n-1]
	}
	return nil
}

func startInstanceRefresh(c *call) (any, error) {
	g, err := c.liveGroup(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	if g.activeRefresh() != nil {
		return nil, errBadRequest("InstanceRefreshInProgress", "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.")
	}
	if s := c.p.Get("Strategy"); s != "" && s != "Rolling" {
		return nil, errBadRequest("ValidationError", "The sandbox supports the Rolling strategy only, not %s.", s)
	}
	pref := c.p.Struct("Preferences")
	rf := &InstanceRefresh{ID: c.w.newUUID(), Status: refreshPending, StartTime: c.now, SkipMatching: pref.Bool("SkipMatching", false)}
	if rf.MinHealthyPercentage, err = pref.Int("MinHealthyPercentage", 90); err != nil {
		return nil, err
	}
	if rf.MaxHealthyPercentage, err = pref.Int("MaxHealthyPercentage", 100); err != nil {
		return nil, err
	}
	if rf.MinHealthyPercentage < 0 || rf.MinHealthyPercentage > 100 {
		return nil, errBadRequest("ValidationError", "1 validation error detected: Value '%d' at 'preferences.minHealthyPercentage' failed to satisfy constraint: Member must have value between 0 and 100", rf.MinHealthyPercentage)
	}
	if rf.MaxHealthyPercentage != 100 {
		return nil, errBadRequest("ValidationError", "The sandbox supports MaxHealthyPercentage 100 only (terminate before launch).")
	}
	if pref.Has("InstanceWarmup") {
		w, err := pref.Int("InstanceWarmup", 0)
		if err != nil {
			return nil, err
		}
		rf.InstanceWarmup = &w
	}
	if lt := c.p.Struct("DesiredConfiguration").Struct("LaunchTemplate"); c.p.HasStruct("DesiredConfiguration.LaunchTemplate") {
		rf.DesiredTemplateID, rf.DesiredTemplateName, rf.DesiredTemplateVersion = lt.Get("LaunchTemplateId"), lt.Get("LaunchTemplateName"), lt.Get("Version")
		if _, _, aerr := c.r.resolveTemplate(rf.DesiredTemplateID, rf.DesiredTemplateName, rf.DesiredTemplateVersion); aerr != nil {
			return nil, aerr
		}
	}
	g.Refreshes = append(g.Refreshes, rf)
	return struct {
		InstanceRefreshID string `xml:"InstanceRefreshId"`
	}{rf.ID}, nil
}

func cancelInstanceRefresh(c *call) (any, error) {
	g, err := c.group(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	rf := g.activeRefresh()
	if rf == nil || rf.Status == refreshCancelling {
		return nil, errBadRequest("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group %s", g.Name)
	}
	rf.Status, rf.StatusReason = refreshCancelling, "Cancellation requested by the user."
	return struct {
		InstanceRefreshID string `xml:"InstanceRefreshId"`
	}{rf.ID}, nil
}

// warmup is how long a replacement must be in service before the refresh
// counts it healthy: the refresh's preference, else the group's default
// instance warmup, else its health check grace period.
func (rf *InstanceRefresh) warmup(g *AutoScalingGroup) time.Duration {
	switch {
	case rf.InstanceWarmup != nil:
		return time.Duration(*rf.InstanceWarmup) * time.Second
	case g.DefaultInstanceWarmup > 0:
		return time.Duration(g.DefaultInstanceWarmup) * time.Second
	}
	return time.Duration(g.HealthCheckGracePeriod) * time.Second
}

// advanceRefresh takes the next batch out of service when the healthy,
// warmed-up capacity allows: it never lets in-service healthy instances
// drop below MinHealthyPercentage of the desired capacity, except that it
// always replaces at least one instance at a time, as AWS does. Scale out
// launches the replacements from the new configuration.
func (r *Region) advanceRefresh(g *AutoScalingGroup, now time.Time, d durations) {
	rf := g.activeRefresh()
	if rf == nil {
		return
	}
	switch rf.Status {
	case refreshCancelling:
		rf.Status, rf.EndTime = refreshCancelled, now
		return
	case refreshPending:
		rf.Status = refreshInProgress
		r.planRefresh(g, rf)
	}
	warmup := userPeriod(d, rf.warmup(g))
	ready, waiting, done := 0, 0, 0
	for _, in := range g.Instances {
		switch {
		case in.RefreshID == rf.ID && (in.Lifecycle == lifecyclePending || in.Lifecycle == lifecycleInService && now.Before(in.InServiceAt.Add(warmup))):
			waiting++
		case in.Lifecycle == lifecycleInService && in.Health == healthHealthy:
			ready++
			if in.RefreshID == rf.ID {
				done++
			}
		}
	}
	rf.Done = min(max(rf.Done, done), rf.Total)
	rf.ToReplace = slices.DeleteFunc(rf.ToReplace, func(id string) bool {
		in := g.instance(id)
		return in == nil || in.Lifecycle == lifecycleTerminating || in.Lifecycle == lifecycleStandby
	})
	capacity := g.capacity()
	if len(rf.ToReplace) == 0 {
		if waiting == 0 && capacity >= g.DesiredCapacity {
			rf.Status, rf.EndTime, rf.Done = refreshSuccessful, now, rf.Total
			if rf.DesiredTemplateID != "" || rf.DesiredTemplateName != "" {
				g.LaunchTemplateID, g.LaunchTemplateName, g.LaunchTemplateVersion = rf.DesiredTemplateID, rf.DesiredTemplateName, rf.DesiredTemplateVersion
			}
		}
		return
	}
	if capacity < g.DesiredCapacity {
		return // replacements of the last batch are not launched yet
	}
	floor := g.DesiredCapacity * rf.MinHealthyPercentage / 100
	batch := ready - floor
	if batch <= 0 {
		if waiting > 0 {
			return
		}
		batch = 1
	}
	tg, cands := r.terminationCandidates(g)
	cands = slices.DeleteFunc(cands, func(c termCandidate) bool { return !slices.Contains(rf.ToReplace, c.ID) })
	for i := range cands {
		cands[i].Protected = false // the refresh chose them; scale-in protection is honoured in planRefresh
	}
	why := fmt.Sprintf("At %s an instance was taken out of service in response to an instance refresh.", awsTime(now))
	for _, id := range chooseTermination(tg, cands, batch, now) {
		r.retire(now, d, g, g.instance(id), fmt.Sprintf("%s  At %s instance %s was selected for termination.", why, awsTime(now), id))
		rf.ToReplace = slices.DeleteFunc(rf.ToReplace, func(x string) bool { return x == id })
	}
}

// planRefresh lists the instances a refresh replaces: every instance that
// holds capacity, except those protected from scale in and those on
// standby (AWS's default "Ignore" for both) and, with SkipMatching, those
// already on the desired launch template version.
func (r *Region) planRefresh(g *AutoScalingGroup, rf *InstanceRefresh) {
	id, name, version := r.launchSpec(g)
	lt, number, err := r.resolveTemplate(id, name, version)
	for _, in := range g.Instances {
		if in.Lifecycle != lifecyclePending && in.Lifecycle != lifecycleInService || in.Protected {
			continue
		}
		if rf.SkipMatching && err == nil && in.LaunchTemplateID == lt.ID && in.LaunchTemplateVersion == number {
			continue
		}
		rf.ToReplace = append(rf.ToReplace, in.ID)
	}
	rf.Total = len(rf.ToReplace)
}

func describeInstanceRefreshes(c *call) (any, error) {
	g, err := c.group(c.p.Get("AutoScalingGroupName"))
	if err != nil {
		return nil, err
	}
	ids := c.p.List("InstanceRefreshIds.member")
	var list []*InstanceRefresh
	for i := len(g.Refreshes) - 1; i >= 0; i-- {
		if rf := g.Refreshes[i]; len(ids) == 0 || slices.Contains(ids, rf.ID) {
			list = append(list, rf)
		}
	}
	from, to, next, err := asgPage(c.p, len(list), 50, 100)
	if err != nil {
		return nil, err
	}
	type progress struct {
		PercentageComplete int `xml:"PercentageComplete"`
		InstancesToUpdate  int `xml:"InstancesToUpdate"`
	}
	type refresh struct {
		InstanceRefreshID    string `xml:"InstanceRefreshId"`
		AutoScalingGroupName string `xml:"AutoScalingGroupName"`
		Status               string `xml:"Status"`
		StatusReason         string `xml:"StatusReason,omitempty"`
		StartTime            string `xml:"StartTime"`
		EndTime              string `xml:"EndTime,omitempty"`
		PercentageComplete   int    `xml:"PercentageComplete"`
		InstancesToUpdate    int    `xml:"InstancesToUpdate"`
		Progress             struct {
			LivePoolProgress progress `xml:"LivePoolProgress"`
		} `xml:"ProgressDetails"`
		Preferences struct {
			MinHealthyPercentage      int    `xml:"MinHealthyPercentage"`
			MaxHealthyPercentage      int    `xml:"MaxHealthyPercentage"`
			InstanceWarmup            *int   `xml:"InstanceWarmup,omitempty"`
			SkipMatching              bool   `xml:"SkipMatching"`
			ScaleInProtectedInstances string `xml:"ScaleInProtectedInstances"`
			StandbyInstances          string `xml:"StandbyInstances"`
		} `xml:"Preferences"`
		DesiredConfiguration *struct {
			LaunchTemplate xmlLaunchTemplateSpec `xml:"LaunchTemplate"`
		} `xml:"DesiredConfiguration,omitempty"`
		Strategy string `xml:"Strategy"`
	}
	out := struct {
		InstanceRefreshes []refresh `xml:"InstanceRefreshes>member"`
		NextToken         string    `xml:"NextToken,omitempty"`
	}{NextToken: next}
	for _, rf := range list[from:to] {
		x := refresh{InstanceRefreshID: rf.ID, AutoScalingGroupName: g.Name, Status: rf.Status, StatusReason: rf.StatusReason,
			StartTime: xmlTime(rf.StartTime), Strategy: "Rolling"}
		if !rf.EndTime.IsZero() {
			x.EndTime = xmlTime(rf.EndTime)
		}
		x.InstancesToUpdate, x.PercentageComplete = rf.Total-rf.Done, 100
		if rf.Status == refreshPending {
			x.PercentageComplete = 0
		} else if rf.Total > 0 {
			x.PercentageComplete = rf.Done * 100 / rf.Total
		}
		x.Progress.LivePoolProgress = progress{x.PercentageComplete, x.InstancesToUpdate}
		x.Preferences.MinHealthyPercentage, x.Preferences.MaxHealthyPercentage = rf.MinHealthyPercentage, rf.MaxHealthyPercentage
		x.Preferences.InstanceWarmup, x.Preferences.SkipMatching = rf.InstanceWarmup, rf.SkipMatching
		x.Preferences.ScaleInProtectedInstances, x.Preferences.StandbyInstances = "Ignore", "Ignore"
		if rf.DesiredTemplateID != "" || rf.DesiredTemplateName != "" {
			x.DesiredConfiguration = &struct {
				LaunchTemplate xmlLaunchTemplateSpec `xml:"LaunchTemplate"`
			}{xmlLaunchTemplateSpec{rf.DesiredTemplateID, rf.DesiredTemplateName, rf.DesiredTemplateVersion}}
		}
		out.InstanceRefreshes = append(out.InstanceRefreshes, x)
	}
	return out, nil
}
