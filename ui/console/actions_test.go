package console

import (
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/route53"
	r53types "github.com/aws/aws-sdk-go-v2/service/route53/types"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/state"
)

// lastLog is the newest entry of the console's action log.
func lastLog(t *testing.T, m *Model) logEntry {
	t.Helper()
	if len(m.log) == 0 {
		t.Fatal("the action log is empty")
	}
	return m.log[0]
}

// selectInstance puts the Instances view's cursor on id.
func selectInstance(t *testing.T, d *driver, id string) {
	t.Helper()
	d.keys("1")
	tbl := d.m.tables[viewInstances]
	for pos, i := range tbl.view {
		if tbl.rows[i].id == id {
			tbl.cursor = pos
			return
		}
	}
	t.Fatalf("instance %s is not in the view", id)
}

func TestActionSetCapacity(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()

	// A refused value never reaches AWS.
	w.SB.ResetStats()
	d.keys("c", "tab", "backspace", "1", "enter")
	if d.m.dialog == nil || !strings.Contains(d.m.dialog.err, "desired 2 must lie between min 1 and max 1") {
		t.Fatalf("max 1 below desired: dialog open %v", d.m.dialog != nil)
	}
	if n := w.SB.Stats().Count("autoscaling", "UpdateAutoScalingGroup"); n != 0 {
		t.Fatalf("a refused capacity called UpdateAutoScalingGroup %d times", n)
	}
	d.keys("esc")

	// min 1, desired 3, max 6: typed, confirmed, done, logged.
	d.keys("c")
	if !d.m.Capturing() || d.m.dialog.focus != 1 {
		t.Fatal("the capacity dialog does not start on desired")
	}
	d.clear()
	d.typeText("3")
	d.keys("tab")
	d.clear()
	d.typeText("6")
	d.keys("tab")
	d.clear()
	d.typeText("1")
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "the group launches 1 instance") {
		t.Errorf("the dialog does not say what will happen:\n%s", v)
	}
	d.keys("enter")
	e := lastLog(t, d.m)
	if !e.ok || e.what != "set capacity of demo-asg: min 1→1, desired 2→3, max 4→6" {
		t.Errorf("log = %+v", e)
	}
	if d.m.acting != "" || !strings.HasPrefix(d.m.lastMsg.text, "done: set capacity") || d.m.lastMsg.tone != toneOK {
		t.Errorf("acting %q, footer %q", d.m.acting, d.m.lastMsg.text)
	}
	g := w.Settle()
	if *g.MinSize != 1 || *g.DesiredCapacity != 3 || *g.MaxSize != 6 || len(g.Instances) != 3 {
		t.Errorf("group = %d/%d/%d with %d instances, want 1/3/6 with 3", *g.MinSize, *g.DesiredCapacity, *g.MaxSize, len(g.Instances))
	}

	// Shrinking says which instances go, and they are the ones that go.
	d.send(d.ticks[len(d.ticks)-1])
	d.keys("c")
	d.clear()
	d.typeText("1")
	picks := scaleIn(d.m.snap, []string{"Default"}, 2)
	v := ansi.Strip(d.m.View(120, 40))
	if !strings.Contains(v, "scale-in terminates 2 instances") || !strings.Contains(v, picks[0].ID) {
		t.Errorf("shrink preview missing:\n%s", v)
	}
	d.keys("enter")
	g = w.Settle()
	if len(g.Instances) != 1 {
		t.Fatalf("%d instances left, want 1", len(g.Instances))
	}
	// Where the preview names one instance (no random tie), it is gone.
	left := *g.Instances[0].InstanceId
	for _, p := range picks {
		if !p.Random && p.ID == left {
			t.Errorf("%s is left; the preview said it goes: %v", left, p.Why)
		}
	}
}

func TestActionInstanceRefreshStartAndCancel(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	d.keys("C")
	if !strings.Contains(d.notices[len(d.notices)-1], "no instance refresh is running") {
		t.Errorf("C with none running: %q", d.notices[len(d.notices)-1])
	}
	w.NewTemplateVersion()
	d.keys("R")
	d.clear()
	d.typeText("50")
	d.keys("enter")
	if e := lastLog(t, d.m); !e.ok || !strings.Contains(e.what, "min healthy 50%") {
		t.Fatalf("log = %+v", e)
	}
	if r := d.m.snap.Group.Refresh; r == nil || r.MinHealthy != 50 || !r.Active() {
		t.Fatalf("the refresh after the action does not show it: %+v", r)
	}
	d.keys("R")
	if !strings.Contains(d.notices[len(d.notices)-1], "already running") {
		t.Errorf("R while one runs: %q", d.notices[len(d.notices)-1])
	}
	for range 60 {
		w.Advance(15 * time.Second)
		d.send(d.ticks[len(d.ticks)-1])
		if d.m.snap.Group.Refresh == nil {
			break
		}
	}
	if r := d.m.snap.Refreshes[0]; r.Status != "Successful" {
		t.Fatalf("refresh = %+v", r)
	}
	for _, in := range w.Settle().Instances {
		if sdk.ToString(in.LaunchTemplate.Version) != "2" {
			t.Errorf("%s still on version %s", *in.InstanceId, *in.LaunchTemplate.Version)
		}
	}

	w.NewTemplateVersion()
	d.keys("R", "enter")
	d.keys("C")
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "instances already replaced stay replaced") {
		t.Errorf("cancel dialog:\n%s", v)
	}
	d.keys("enter")
	if e := lastLog(t, d.m); !e.ok || !strings.HasPrefix(e.detail[0], "cancelled ") {
		t.Errorf("log = %+v", e)
	}
	out, err := w.AS.DescribeInstanceRefreshes(w.Ctx, &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: sdk.String("demo-asg")})
	w.Must(err, "DescribeInstanceRefreshes")
	if st := out.InstanceRefreshes[0].Status; st != astypes.InstanceRefreshStatusCancelled && st != astypes.InstanceRefreshStatusCancelling {
		t.Errorf("after cancel: %s", st)
	}
}

func TestActionTerminateWithAndWithoutDecrement(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 3})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	victim := d.m.snap.Instances[0].ID
	selectInstance(t, d, victim)
	d.keys("x")
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "Terminate "+victim) || !strings.Contains(v, "(•) replace it") {
		t.Errorf("terminate dialog:\n%s", v)
	}
	d.keys("enter")
	g := w.Settle()
	if *g.DesiredCapacity != 3 || len(g.Instances) != 3 || slices.Contains(ids(g), victim) {
		t.Errorf("replace: desired %d, instances %v", *g.DesiredCapacity, ids(g))
	}

	d.send(d.ticks[len(d.ticks)-1])
	victim = d.m.snap.Instances[1].ID
	selectInstance(t, d, victim)
	d.keys("x", "right", "enter")
	if e := lastLog(t, d.m); !e.ok || e.what != "terminate "+victim+" and decrement desired" {
		t.Errorf("log = %+v", e)
	}
	g = w.Settle()
	if *g.DesiredCapacity != 2 || len(g.Instances) != 2 || slices.Contains(ids(g), victim) {
		t.Errorf("decrement: desired %d, instances %v", *g.DesiredCapacity, ids(g))
	}

	// At min, only replacing is offered.
	d.send(d.ticks[len(d.ticks)-1])
	d.keys("c", "tab", "tab")
	d.clear()
	d.typeText("2")
	d.keys("enter")
	selectInstance(t, d, d.m.snap.Instances[0].ID)
	d.keys("x")
	if len(d.m.dialog.choices) != 1 {
		t.Errorf("at min the dialog offers %v", d.m.dialog.choices)
	}
}

func TestActionStandbyInAndOut(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	d.keys("c", "tab", "tab")
	d.clear()
	d.typeText("0")
	d.keys("enter")
	id := d.m.snap.Instances[0].ID
	selectInstance(t, d, id)
	d.keys("b", "right", "enter")
	if in := findInstance(d.m.snap, id); in == nil || in.Lifecycle != "Standby" || d.m.snap.Group.Desired != 1 {
		t.Fatalf("after standby: %+v, desired %d", in, d.m.snap.Group.Desired)
	}
	selectInstance(t, d, id)
	d.keys("b")
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "Return "+id+" to service") || !strings.Contains(v, "desired goes 1 → 2") {
		t.Errorf("exit standby dialog:\n%s", v)
	}
	d.keys("enter")
	w.Settle()
	d.send(d.ticks[len(d.ticks)-1])
	if in := findInstance(d.m.snap, id); in == nil || in.Lifecycle != "InService" || d.m.snap.Group.Desired != 2 || in.Target.State != "healthy" {
		t.Errorf("after exit: %+v, desired %d", in, d.m.snap.Group.Desired)
	}
	d.keys("2", "b")
	if !strings.Contains(d.notices[len(d.notices)-1], "Instances view") {
		t.Errorf("b outside the Instances view: %q", d.notices[len(d.notices)-1])
	}
}

func TestActionTerminationPoliciesWithPreview(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	d.keys("t")
	if got := d.m.dialog.chosenPolicies(); !slices.Equal(got, []string{"Default"}) {
		t.Fatalf("editor starts with %v", got)
	}
	// Turn on OldestInstance (third line), move it before Default, turn
	// Default off.
	d.keys("down", "down", "space", "K", "down", "space")
	want := []string{"OldestInstance"}
	if got := d.m.dialog.chosenPolicies(); !slices.Equal(got, want) {
		t.Fatalf("chosen = %v, want %v", got, want)
	}
	pick := scaleIn(d.m.snap, want, 1)[0]
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "next on scale-in: "+pickText(pick)) || !strings.Contains(v, "[x] OldestInstance") {
		t.Errorf("preview missing:\n%s", v)
	}
	d.keys("enter")
	if got := w.DescribeGroup().TerminationPolicies; !slices.Equal(got, want) {
		t.Errorf("group policies = %v, want %v", got, want)
	}
	if e := lastLog(t, d.m); !e.ok || e.what != "termination policies of demo-asg: Default → OldestInstance" {
		t.Errorf("log = %+v", e)
	}
	// None chosen is refused before AWS.
	d.keys("t", "space", "enter")
	if d.m.dialog == nil || d.m.dialog.err == "" {
		t.Error("an empty policy list was not refused")
	}
}

func TestActionSwitchAliasToTheOtherStack(t *testing.T) {
	blue := newStackWorld(t, worldOptions{size: 1})
	green := newStackWorld(t, worldOptions{name: "green", size: 1, sb: blue.SB, cfg: &blue.Cfg})
	dir := t.TempDir()
	blue.save(dir)
	green.save(dir)

	d := newDriver(t, newConsole(t, blue, time.Hour, dir))
	d.start()
	d.keys("w")
	v := ansi.Strip(d.m.View(120, 40))
	if !strings.Contains(v, "green") || !strings.Contains(v, green.LBDNS) || !strings.Contains(v, "(this stack)") {
		t.Fatalf("switch dialog:\n%s", v)
	}
	d.keys("enter")
	e := lastLog(t, d.m)
	if !e.ok || e.what != "switch api.example.com to stack green" || len(e.detail) < 3 ||
		!strings.Contains(e.detail[0], blue.LBDNS) || !strings.Contains(e.detail[1], green.LBDNS) {
		t.Fatalf("log = %+v", e)
	}
	out, err := blue.R53.ListResourceRecordSets(blue.Ctx, &route53.ListResourceRecordSetsInput{HostedZoneId: sdk.String(blue.Zone)})
	blue.Must(err, "ListResourceRecordSets")
	found := false
	for _, rs := range out.ResourceRecordSets {
		if rs.Type == r53types.RRTypeA && sdk.ToString(rs.Name) == "api.example.com." {
			found = true
			if !sameHost(sdk.ToString(rs.AliasTarget.DNSName), green.LBDNS) || sdk.ToString(rs.AliasTarget.HostedZoneId) != green.LBZone {
				t.Errorf("record points at %s (%s), want %s", *rs.AliasTarget.DNSName, *rs.AliasTarget.HostedZoneId, green.LBDNS)
			}
		}
	}
	if !found {
		t.Error("no A record left")
	}
	// The switch is recorded in the owner's record, for status, apply and
	// destroy of either stack.
	switched := func() map[string]string {
		st, err := state.Open(dir, "demo")
		blue.Must(err, "state.Open demo")
		rec, _ := st.Resource("dns/record/A")
		return rec.Attrs
	}
	if a := switched(); a["switched_to"] != "green" || !sameHost(a["switched_target"], green.LBDNS) || a["switched_at"] == "" {
		t.Errorf("demo's record after the switch: %v, want switched_to green", a)
	}
	if !strings.Contains(strings.Join(e.detail, " "), "recorded in stack demo's record") {
		t.Errorf("the log does not say the switch was recorded: %+v", e)
	}
	// The refresh after it read the load balancer part: the LB view says so.
	d.keys("3")
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "points at another load balancer") {
		t.Errorf("load balancer view after the switch:\n%s", v)
	}
	// The header no longer claims the traffic: it names where it goes.
	if first := strings.SplitN(ansi.Strip(d.m.View(120, 40)), "\n", 2)[0]; !strings.Contains(first, "api.example.com → stack green, not this one") {
		t.Errorf("the header after the switch: %q", first)
	}
	// Back from green's console, which owns no record: it offers blue's.
	gd := newDriver(t, newConsole(t, green, time.Hour, dir))
	gd.start()
	if first := strings.SplitN(ansi.Strip(gd.m.View(120, 40)), "\n", 2)[0]; !strings.Contains(first, "green · 123456789012 · us-east-1 · api.example.com → "+green.LBDNS[:20]) {
		t.Errorf("green's header does not show the record pointing at it: %q", first)
	}
	gd.keys("w")
	if v := ansi.Strip(gd.m.View(120, 40)); !strings.Contains(v, "Switch api.example.com (stack demo's record)") ||
		!strings.Contains(v, "> demo (its owner)") || !strings.Contains(v, "green (this stack)") {
		t.Fatalf("green's switch dialog:\n%s", v)
	}
	gd.keys("enter")
	if e := lastLog(t, gd.m); !e.ok || e.what != "switch api.example.com to stack demo" || !strings.Contains(e.detail[0], green.LBDNS) || !strings.Contains(e.detail[1], blue.LBDNS) {
		t.Fatalf("green's switch back: %+v", e)
	}
	if a := switched(); a["switched_to"] != "" || a["switched_target"] != "" {
		t.Errorf("switching back left the switch recorded: %v", a)
	}
	d.keys("r")
	if first := strings.SplitN(ansi.Strip(d.m.View(120, 40)), "\n", 2)[0]; !strings.Contains(first, "api.example.com → "+blue.LBDNS[:20]) {
		t.Errorf("blue's header after the switch back: %q", first)
	}
	gd.keys("r")
	if first := strings.SplitN(ansi.Strip(gd.m.View(120, 40)), "\n", 2)[0]; !strings.Contains(first, "api.example.com → stack demo, not this one") {
		t.Errorf("green's header after the switch back: %q", first)
	}
}

func ids(g astypes.AutoScalingGroup) []string {
	var out []string
	for _, in := range g.Instances {
		out = append(out, *in.InstanceId)
	}
	return out
}

func TestActionFailureIsLoggedAndShownWithAWSWords(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	w.Must(w.SB.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"autoscaling:UpdateAutoScalingGroup": {ThrottleRate: 1}}}), "SetFaults")
	d.keys("t", "down", "space", "enter")
	e := lastLog(t, d.m)
	if e.ok || len(e.detail) == 0 || !strings.Contains(strings.Join(e.detail, " "), "Throttling") {
		t.Fatalf("log = %+v", e)
	}
	if d.m.lastMsg.tone != toneBad || !strings.HasPrefix(d.m.lastMsg.text, "failed: termination policies") {
		t.Errorf("footer = %+v", d.m.lastMsg)
	}
	d.keys(tabKey(viewLog))
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "failed") || !strings.Contains(v, "1 Log") && !strings.Contains(v, tabKey(viewLog)+" Log 1") {
		t.Errorf("log view:\n%s", v)
	}
	if got := w.DescribeGroup().TerminationPolicies; !slices.Equal(got, []string{"Default"}) {
		t.Errorf("a failed change moved the policies to %v", got)
	}
}
