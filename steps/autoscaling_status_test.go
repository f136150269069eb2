package steps

import (
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
)

// A group whose target group was detached outside stackwiz has all its
// instances InService and none of them takes traffic: counting health
// against the empty list of target groups it now has must not call that
// healthy.
func TestAutoscalingStatusSaysAGroupWithoutItsTargetGroupTakesNoTraffic(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)
	if rep, err := env.engine(s).Status(testContext(t)); err != nil || !rep.Healthy {
		t.Fatalf("status after apply: %v\n%s", err, describeReport(rep))
	}
	if _, err := f.as.DetachLoadBalancerTargetGroups(testContext(t), &autoscaling.DetachLoadBalancerTargetGroupsInput{
		AutoScalingGroupName: sdkaws.String("web-asg"), TargetGroupARNs: []string{f.tg}}); err != nil {
		t.Fatal(err)
	}
	rep, err := env.engine(s).Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	group := report(rep, asgKeyGroup)
	if group.Healthy || rep.Healthy {
		t.Errorf("status with the target group detached: group healthy %v, stack healthy %v; want both false", group.Healthy, rep.Healthy)
	}
	if group.Problem != "no target group attached: the load balancer sends it no traffic" {
		t.Errorf("group problem = %q", group.Problem)
	}
	if strings.Contains(group.State, "healthy in target group") || !strings.Contains(group.State, "2/2 InService, no target group") {
		t.Errorf("group state = %q, want the in-service count and no target group", group.State)
	}
	if len(group.Drift) != 1 || !strings.Contains(group.Drift[0], "target_groups") {
		t.Errorf("group drift = %v, want the target groups", group.Drift)
	}
}

// The plain image with no user data serves nothing: on AWS its instances
// never pass the health check, and on the sandbox apply fails the same
// way, saying nothing listens and pointing at instance.user_data.
func TestAutoscalingInstancesWithoutUserDataFailTheHealthCheckSayingNothingListens(t *testing.T) {
	env, _, s := asgEnv(t, strings.Replace(asgSpec, "grace_seconds: 60", "grace_seconds: 120", 1), fixtureOptions{noUserData: true})
	err := env.engine(s).Apply(testContext(t))
	if err == nil {
		t.Fatal("apply succeeded although nothing listens on the instances")
	}
	for _, want := range []string{"Target.FailedHealthChecks (Health checks failed)", "nothing listens there", "instance.user_data", "0/2 healthy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
}
