package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// Activity status codes.
const (
	activityInProgress = "InProgress"
	activitySuccessful = "Successful"
	activityFailed     = "Failed"
	activityCancelled  = "Cancelled"
)

// maxActivities bounds a group's activity history; AWS keeps six weeks,
// the sandbox the most recent ones, so a launch failing on every tick
// cannot grow the world without bound.
const maxActivities = 2000

// ScalingActivity is one launch or termination, as DescribeScalingActivities shows it.
type ScalingActivity struct {
	ID            string    `json:"id"`
	Description   string    `json:"description"`
	Cause         string    `json:"cause"`
	Details       string    `json:"details"`
	StatusCode    string    `json:"status_code"`
	StatusMessage string    `json:"status_message,omitempty"`
	Progress      int       `json:"progress"`
	StartTime     time.Time `json:"start_time"`
	EndTime       time.Time `json:"end_time"`
}

// record adds an activity to a group's history.
func (g *AutoScalingGroup) record(w *World, a *ScalingActivity) *ScalingActivity {
	a.ID = w.newUUID()
	g.Activities = append(g.Activities, a)
	if n := len(g.Activities) - maxActivities; n > 0 {
		g.Activities = slices.Delete(g.Activities, 0, n)
	}
	return a
}

// activity returns the group's activity with id, or nil. Recent activities
// are the ones asked for, so it searches from the end.
func (g *AutoScalingGroup) activity(id string) *ScalingActivity {
	for i := len(g.Activities) - 1; i >= 0; i-- {
		if g.Activities[i].ID == id {
			return g.Activities[i]
		}
	}
	return nil
}

// finish completes an activity.
func (a *ScalingActivity) finish(now time.Time, status string) {
	if a == nil || a.StatusCode != activityInProgress {
		return
	}
	a.StatusCode, a.Progress, a.EndTime = status, 100, now
}

func placementDetails(subnetID, az string) string {
	return fmt.Sprintf(`{"Subnet ID":"%s","Availability Zone":"%s"}`, subnetID, az)
}

type xmlActivity struct {
	ActivityID            string `xml:"ActivityId"`
	AutoScalingGroupName  string `xml:"AutoScalingGroupName"`
	AutoScalingGroupARN   string `xml:"AutoScalingGroupARN"`
	AutoScalingGroupState string `xml:"AutoScalingGroupState,omitempty"`
	Description           string `xml:"Description"`
	Cause                 string `xml:"Cause"`
	StartTime             string `xml:"StartTime"`
	EndTime               string `xml:"EndTime,omitempty"`
	StatusCode            string `xml:"StatusCode"`
	StatusMessage         string `xml:"StatusMessage,omitempty"`
	Progress              int    `xml:"Progress"`
	Details               string `xml:"Details"`
}

func activityXML(g *AutoScalingGroup, a *ScalingActivity) xmlActivity {
	x := xmlActivity{
		ActivityID: a.ID, AutoScalingGroupName: g.Name, AutoScalingGroupARN: g.ARN,
		Description: a.Description, Cause: a.Cause, StartTime: xmlTime(a.StartTime), StatusCode: a.StatusCode,
		StatusMessage: a.StatusMessage, Progress: a.Progress, Details: a.Details,
	}
	if !a.EndTime.IsZero() {
		x.EndTime = xmlTime(a.EndTime)
	}
	return x
}

func describeScalingActivities(c *call) (any, error) {
	name := c.p.Get("AutoScalingGroupName")
	ids := c.p.List("ActivityIds.member")
	var groups []*AutoScalingGroup
	if name != "" {
		if g := c.r.ASG.Groups[name]; g != nil {
			groups = append(groups, g)
		}
	} else {
		groups = c.r.ASG.sortedGroups()
	}
	type row struct {
		g *AutoScalingGroup
		a *ScalingActivity
	}
	var rows []row
	for _, g := range groups {
		for i := len(g.Activities) - 1; i >= 0; i-- { // newest first, as AWS lists them
			if a := g.Activities[i]; len(ids) == 0 || slices.Contains(ids, a.ID) {
				rows = append(rows, row{g, a})
			}
		}
	}
	if len(groups) > 1 {
		slices.SortStableFunc(rows, func(x, y row) int { return y.a.StartTime.Compare(x.a.StartTime) })
	}
	from, to, next, err := asgPage(c.p, len(rows), 100, 100)
	if err != nil {
		return nil, err
	}
	out := struct {
		Activities []xmlActivity `xml:"Activities>member"`
		NextToken  string        `xml:"NextToken,omitempty"`
	}{NextToken: next}
	for _, r := range rows[from:to] {
		out.Activities = append(out.Activities, activityXML(r.g, r.a))
	}
	return out, nil
}
