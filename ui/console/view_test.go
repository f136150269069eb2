package console

import (
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws/fleet"
	"github.com/stackwiz/stackwiz/ui/theme"
)

func TestCertificateExpiryIsWarnedBeforeItBites(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		notAfter time.Time
		tone     tone
		says     string
	}{
		{now.AddDate(0, 13, 0), toneOK, "(in 396 days)"},
		{now.AddDate(0, 0, 20), toneWarn, "(in 20 days)"},
		{now.AddDate(0, 0, -1), toneBad, "EXPIRED 2026-03-01"},
	}
	for _, c := range cases {
		s := &fleet.Snapshot{TakenAt: now, LB: &fleet.LB{Name: "demo-alb", State: "active", ReadAt: now,
			Certificates: []fleet.Cert{{Domain: "api.example.com", Status: "ISSUED", NotAfter: c.notAfter, RenewalEligibility: "ELIGIBLE"}}}}
		var got *line
		for _, l := range lbLines(s, stackInfo{}) {
			if strings.Contains(l.text, "api.example.com") {
				got = &l
			}
		}
		if got == nil || got.tone != c.tone || !strings.Contains(got.text, c.says) {
			t.Errorf("expiry %s: line %+v, want tone %d saying %q", c.notAfter.Format("2006-01-02"), got, c.tone, c.says)
		}
	}
}

func TestVerdictNamesWhatIsWrong(t *testing.T) {
	group := fleet.Group{Name: "demo-asg", Desired: 2, TargetGroupARNs: []string{"tg"}}
	in := func(id, life string) fleet.Instance { return fleet.Instance{ID: id, Lifecycle: life} }
	tg := func(id, state, reason string) fleet.Target {
		return fleet.Target{ID: id, Health: fleet.Health{State: state, Reason: reason}}
	}
	cases := []struct {
		name string
		s    *fleet.Snapshot
		word string
		fact string
	}{
		{"all well", &fleet.Snapshot{Group: group, Instances: []fleet.Instance{in("i-1", "InService"), in("i-2", "InService")},
			Targets: []fleet.Target{tg("i-1", "healthy", ""), tg("i-2", "healthy", "")}}, "healthy", "2/2 targets healthy"},
		{"one unhealthy", &fleet.Snapshot{Group: group, Instances: []fleet.Instance{in("i-1", "InService"), in("i-2", "InService")},
			Targets: []fleet.Target{tg("i-1", "healthy", ""), tg("i-2", "unhealthy", "Target.ResponseCodeMismatch")}}, "degraded", "1 unhealthy target (i-2: ResponseCodeMismatch)"},
		{"none healthy", &fleet.Snapshot{Group: group, Instances: []fleet.Instance{in("i-1", "InService"), in("i-2", "InService")},
			Targets: []fleet.Target{tg("i-1", "unhealthy", "Target.Timeout"), tg("i-2", "unhealthy", "Target.Timeout")}}, wordOutage, "no healthy target"},
		{"booting", &fleet.Snapshot{Group: group, Instances: []fleet.Instance{in("i-1", "Pending"), in("i-2", "InService")},
			Targets: []fleet.Target{tg("i-2", "initial", "Elb.InitialHealthChecking")}}, wordOutage, "no healthy target behind the load balancer: nothing is served (1 target in initial health checks, 1 instance pending)"},
		{"alarm", &fleet.Snapshot{Group: group, Instances: []fleet.Instance{in("i-1", "InService"), in("i-2", "InService")},
			Targets: []fleet.Target{tg("i-1", "healthy", ""), tg("i-2", "healthy", "")},
			Alarms:  []fleet.Alarm{{Name: "demo-5xx", State: "ALARM"}, {Name: "TargetTracking-demo-asg-AlarmHigh-1", State: "ALARM"}}}, "degraded", "ALARM demo-5xx"},
		{"rolling", &fleet.Snapshot{Group: func() fleet.Group {
			g := group
			g.Refresh = &fleet.Refresh{Percent: 50, Status: "InProgress"}
			return g
		}(),
			Instances: []fleet.Instance{in("i-1", "InService"), in("i-3", "Pending")},
			Targets:   []fleet.Target{tg("i-1", "healthy", ""), tg("i-2", "draining", "")}}, "rolling", "1/1 targets healthy"},
	}
	for _, c := range cases {
		v := judge(c.s)
		if v.word != c.word || !strings.Contains(v.String(), c.fact) {
			t.Errorf("%s: %s, want %s with %q", c.name, v, c.word, c.fact)
		}
		if c.name == "alarm" && strings.Contains(v.String(), "TargetTracking") {
			t.Errorf("target tracking's alarm counted as a problem: %s", v)
		}
	}
}

func TestPaintFollowsTheBackground(t *testing.T) {
	var p paint
	st := theme.New(true)
	dark := p.of(st).around[toneOK][0]
	*st = *theme.New(false) // what the root does on tea.BackgroundColorMsg
	if light := p.of(st).around[toneOK][0]; light == dark || light == "" {
		t.Errorf("paint kept the dark palette after the switch to light: %q", light)
	}
}
