package console

import (
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"github.com/charmbracelet/x/ansi"

	"github.com/stackwiz/stackwiz/sandbox"
)

func mutatingIn(sb *sandbox.Sandbox) map[string]int { return mutating(sb.Stats()) }

// TestReadOnlyConsoleRefusesEveryActionKeyAndItsFleetRefusesBelow opens
// the console on a read-only Fleet: the header says READ-ONLY, each
// action key opens nothing and says it is disabled and why, the help
// marks the actions off; and a dialog confirmed anyway (as if a key had
// slipped through) fails in the aws layer with nothing sent.
func TestReadOnlyConsoleRefusesEveryActionKeyAndItsFleetRefusesBelow(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	m, err := New(newShared(t), Deps{Fleet: w.Fleet.WithReadOnly(ReadOnlyFlag), Stack: w.Stack, StateDir: t.TempDir(), Interval: time.Hour, Now: w.Now})
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m)
	d.start()
	w.SB.ResetStats()
	if v := ansi.Strip(m.View(120, 40)); !strings.HasPrefix(strings.TrimSpace(v), "READ-ONLY") {
		t.Errorf("the header does not start with READ-ONLY:\n%s", v)
	}
	for _, k := range []string{"c", "R", "C", "x", "b", "t", "w"} {
		selectInstance(t, d, m.snap.Instances[0].ID)
		d.keys(k)
		if m.dialog != nil {
			t.Fatalf("%s opened a dialog in a read-only console", k)
		}
		if !strings.Contains(m.lastMsg.text, ": disabled, read-only (--read-only) — start the console without --read-only") || !strings.HasPrefix(m.lastMsg.text, k+" ") {
			t.Errorf("%s: the footer says %q, want that it is disabled, why and how to change it", k, m.lastMsg.text)
		}
		d.keys("enter", "esc")
	}
	for _, b := range m.KeyMap().ShortHelp() {
		if b.Help().Key == "c" || b.Help().Key == "x" {
			t.Errorf("the footer offers %s %s in a read-only console", b.Help().Key, b.Help().Desc)
		}
	}
	var off int
	for _, col := range m.KeyMap().FullHelp() {
		for _, b := range col {
			if strings.HasSuffix(b.Help().Desc, "(off: read-only)") {
				off++
			}
		}
	}
	if off != 7 {
		t.Errorf("the help marks %d actions off, want all 7", off)
	}
	// Below the UI: a capacity dialog confirmed anyway.
	m.dialog = &dialog{kind: dialogCapacity, title: "Set the group's capacity", labels: []string{"min", "desired", "max"},
		inputs: []textinput.Model{newInput("1"), newInput("1"), newInput("4")}}
	d.keys("enter", "enter")
	if e := lastLog(t, m); e.ok || !strings.Contains(strings.Join(e.detail, " "), "refused, the console is read-only (--read-only): nothing was sent to AWS") {
		t.Errorf("the action confirmed anyway: %+v", e)
	}
	if got := mutatingIn(w.SB); len(got) != 0 {
		t.Errorf("a read-only console sent mutating requests: %v", got)
	}
	if g := w.DescribeGroup(); *g.DesiredCapacity != 2 {
		t.Errorf("desired is %d after a refused change, want 2", *g.DesiredCapacity)
	}
}

// TestPreflightWarnsBeforeTerminatingTheOnlyHealthyTarget: with one of
// two apps failing, terminate on the healthy instance says it is the only
// healthy target, the first enter only asks again, and esc leaves the
// group untouched; the second enter terminates.
func TestPreflightWarnsBeforeTerminatingTheOnlyHealthyTarget(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	ins := w.DescribeGroup().Instances
	sick, well := *ins[0].InstanceId, *ins[1].InstanceId
	if err := w.SB.SetAppHealth(sick, false); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if w.HealthyTargets() == 1 {
			break
		}
		w.Advance(30 * time.Second)
	}
	d := newDriver(t, newConsole(t, w, time.Hour, ""))
	d.start()
	m := d.m
	selectInstance(t, d, well)
	d.keys("x")
	v := ansi.Strip(m.View(120, 40))
	for _, want := range []string{"▲ check before you start:", "1 target is not healthy yet: " + sick + " unhealthy",
		well + " is the only healthy target: terminating leaves none"} {
		if !strings.Contains(v, want) {
			t.Errorf("the terminate dialog does not say %q:\n%s", want, v)
		}
	}
	if ks := m.dialog.keys(m); ks[0].Help().Desc != "start anyway (asks once more)" {
		t.Errorf("the dialog's enter says %q, want start anyway", ks[0].Help().Desc)
	}
	w.SB.ResetStats()
	d.keys("enter")
	if m.dialog == nil || !strings.Contains(m.dialog.err, "enter again starts anyway") {
		t.Fatalf("the first enter did not ask again: dialog %+v", m.dialog)
	}
	d.keys("esc")
	if got := mutatingIn(w.SB); len(got) != 0 {
		t.Fatalf("the pre-flight sent %v before the second enter", got)
	}
	d.keys("x", "enter", "enter")
	if e := lastLog(t, m); !e.ok || !strings.HasPrefix(e.what, "terminate "+well) {
		t.Errorf("start anyway: %+v", e)
	}
}

// TestSwitchWithoutAnotherStackOffersNoEnter: the blue/green dialog with
// no other stack says how to make one and offers only esc.
func TestSwitchWithoutAnotherStackOffersNoEnter(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 1})
	dir := t.TempDir()
	w.save(dir)
	d := newDriver(t, newConsole(t, w, time.Hour, dir))
	d.start()
	d.keys("w")
	if d.m.dialog == nil {
		t.Fatal("w opened no dialog")
	}
	ks := d.m.dialog.keys(d.m)
	if len(ks) != 1 || !key.Matches(keyPress("esc"), ks[0]) {
		t.Errorf("the dialog offers %d keys, want esc alone", len(ks))
	}
	if v := ansi.Strip(d.m.View(120, 40)); !strings.Contains(v, "blue/green needs a second stack with its own load balancer") {
		t.Errorf("the dialog does not say how to make a second stack:\n%s", v)
	}
}

// TestActionLogSurvivesARestart: an action taken in one console is in the
// Log view of the next console opened on the stack, with its outcome.
func TestActionLogSurvivesARestart(t *testing.T) {
	w := newStackWorld(t, worldOptions{size: 2})
	dir := t.TempDir()
	d := newDriver(t, newConsole(t, w, time.Hour, dir))
	d.start()
	d.keys("c", "backspace", "3", "enter")
	if e := lastLog(t, d.m); !e.ok {
		t.Fatalf("the action failed: %+v", e)
	}
	again := newDriver(t, newConsole(t, w, time.Hour, dir))
	again.start()
	if len(again.m.log) != 1 || again.m.log[0].what != "set capacity of demo-asg: min 1→1, desired 2→3, max 4→4" || !again.m.log[0].ok {
		t.Fatalf("the restarted console's log: %+v", again.m.log)
	}
	again.keys(tabKey(viewLog))
	if v := ansi.Strip(again.m.View(120, 40)); !strings.Contains(v, "ok     set capacity of demo-asg: min 1→1, desired 2→3") {
		t.Errorf("the Log view after a restart:\n%s", v)
	}
}
