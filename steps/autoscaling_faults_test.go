package steps

import (
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/stackwiz/stackwiz/sandbox"
)

// The group and its alarms together, as the engine runs them: the alarms
// watch the group the autoscaling step made.
func TestAutoscalingAndAlarmsApplyAndDestroyUnderFaults(t *testing.T) {
	env := newTestEnv(t, "web", realistic)
	f := newASGFixture(t, env, fixtureOptions{})
	env.Options.Steps = []Step{identityStep{}, autoscalingStep{}, alarmsStep{}}
	s := env.spec(asgSpec + "alarms:\n  email: ops@example.com\n  billing_threshold_usd: 20\n")

	env.SB.SetFaults(sandbox.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.05, Seed: 7})
	mustApply(t, env, s)
	if st := env.SB.Stats(); st.FaultsInjected == 0 {
		t.Fatal("no fault was injected: the test proves nothing")
	}
	als := (&alarmsTest{}).alarms(t, cloudwatch.NewFromConfig(env.Cfg))
	if cpu, ok := als["web-cpu-high"]; !ok || dims(cpu)["AutoScalingGroupName"] != "web-asg" {
		t.Errorf("cpu alarm = %+v, want it on the group web-asg", cpu)
	}
	if n := env.inventoryTypes(); n["autoscaling:auto-scaling-group"] != 1 || n["cloudwatch:alarm"] != 5 || n["sns:topic"] != 2 {
		t.Errorf("inventory = %v, want one group, 5 alarms, 2 topics", n)
	}
	if err := env.engine(s).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy under faults: %v", err)
	}
	env.SB.SetFaults(sandbox.Faults{})
	deleteFixture(t, f)
	env.mustEmpty()
}

// A group deleted in the console is created again; apply waits for the
// old one to let go of its name.
func TestAutoscalingRecreatesAGroupDeletedOutOfBand(t *testing.T) {
	// Ten times slower than the other tests: the old group's instances take
	// 300 ms to terminate, longer than apply takes to get to the group.
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{}, func(o *sandbox.Options) { o.Speed = 100 })
	mustApply(t, env, s)
	if _, err := f.as.DeleteAutoScalingGroup(testContext(t), &autoscaling.DeleteAutoScalingGroupInput{
		AutoScalingGroupName: sdkaws.String("web-asg"), ForceDelete: sdkaws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	mustApply(t, env, s)
	g, ok := f.group("web-asg")
	if !ok || g.Status != nil || len(g.Instances) != 2 {
		t.Fatalf("group after apply: found %v, status %v, %d instances", ok, g.Status, len(g.Instances))
	}
	if n := env.SB.Stats().Count("autoscaling", "CreateAutoScalingGroup"); n != 2 {
		t.Errorf("CreateAutoScalingGroup called %d times, want 2 (the original and the re-creation)", n)
	}
	if !hasEvent(env, ResourceWaiting, "to finish deleting") {
		t.Error("apply did not wait for the deleted group to let go of its name")
	}
	if !hasEvent(env, Warning, "gone from AWS") {
		t.Error("no warning that the group had been deleted outside stackwiz")
	}
}
