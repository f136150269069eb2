package steps

import (
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// asgEnv is a test env with the autoscaling step's prerequisites built and
// an engine that runs identity and autoscaling.
func asgEnv(t *testing.T, spec string, fo fixtureOptions, opts ...func(*sandbox.Options)) (*testEnv, *asgFixture, *spec.Spec) {
	t.Helper()
	env := newTestEnv(t, "web", append([]func(*sandbox.Options){realistic}, opts...)...)
	f := newASGFixture(t, env, fo)
	env.Options.Steps = []Step{identityStep{}, autoscalingStep{}}
	return env, f, env.spec(spec)
}

func mustApply(t *testing.T, env *testEnv, s *spec.Spec) {
	t.Helper()
	if err := env.engine(s).Apply(testContext(t)); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

func TestAutoscalingCreatesGroupThatTakesTraffic(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)

	g, ok := f.group("web-asg")
	if !ok {
		t.Fatal("no group web-asg after apply")
	}
	if got := g.TerminationPolicies; !slices.Equal(got, []string{"OldestLaunchTemplate", "OldestInstance"}) {
		t.Errorf("termination policies = %v, want the spec's [OldestLaunchTemplate OldestInstance] set explicitly", got)
	}
	if *g.HealthCheckType != "ELB" || *g.HealthCheckGracePeriod != 60 {
		t.Errorf("health check = %s grace %d, want ELB with the spec's 60 s", *g.HealthCheckType, *g.HealthCheckGracePeriod)
	}
	if g.DefaultInstanceWarmup == nil || *g.DefaultInstanceWarmup != 60 {
		t.Errorf("default instance warmup = %v, want 60 (the grace period)", g.DefaultInstanceWarmup)
	}
	if *g.LaunchTemplate.LaunchTemplateId != f.template || *g.LaunchTemplate.Version != "1" {
		t.Errorf("launch template = %s v%s, want %s pinned at version 1", *g.LaunchTemplate.LaunchTemplateId, *g.LaunchTemplate.Version, f.template)
	}
	if !slices.Equal(g.TargetGroupARNs, []string{f.tg}) {
		t.Errorf("target groups = %v, want [%s]", g.TargetGroupARNs, f.tg)
	}
	if subnets := strings.Split(*g.VPCZoneIdentifier, ","); !sameSet(subnets, f.subnets) {
		t.Errorf("subnets = %v, want the private subnets %v", subnets, f.subnets)
	}
	if *g.MinSize != 2 || *g.MaxSize != 4 || *g.DesiredCapacity != 2 {
		t.Errorf("capacity = %d/%d/%d, want 2/2/4", *g.MinSize, *g.DesiredCapacity, *g.MaxSize)
	}
	tags := map[string]bool{}
	for _, tag := range g.Tags {
		tags[*tag.Key] = *tag.PropagateAtLaunch
	}
	for key, propagate := range map[string]bool{TagStack: true, TagStep: true, "Name": true, TagKey: false} {
		if p, ok := tags[key]; !ok || p != propagate {
			t.Errorf("group tag %s: present %v, propagate %v; want present, propagate %v", key, ok, p, propagate)
		}
	}

	// Every instance is in service and healthy in the target group.
	var ids []string
	for _, in := range g.Instances {
		if in.LifecycleState != "InService" {
			t.Errorf("instance %s is %s", *in.InstanceId, in.LifecycleState)
		}
		ids = append(ids, *in.InstanceId)
	}
	if healthy := f.targetHealth()["healthy"]; len(ids) != 2 || !sameSet(healthy, ids) {
		t.Errorf("healthy targets = %v, want the group's instances %v", healthy, ids)
	}
	// Instances carry the stack's tags but not the group's key.
	out, err := f.ec2.DescribeInstances(testContext(t), &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range out.Reservations {
		for _, in := range res.Instances {
			it := map[string]string{}
			for _, tag := range in.Tags {
				it[*tag.Key] = *tag.Value
			}
			if it[TagStack] != "web" || it[TagStep] != "autoscaling" || it["Name"] != "web-asg" || it["aws:autoscaling:groupName"] != "web-asg" {
				t.Errorf("instance %s tags = %v, want the stack's, the step's, Name and the group's", *in.InstanceId, it)
			}
			if _, ok := it[TagKey]; ok {
				t.Errorf("instance %s carries %s=%s: an instance is not the group", *in.InstanceId, TagKey, it[TagKey])
			}
		}
	}
	// Target tracking on average CPU at the spec's target.
	pols, err := f.as.DescribePolicies(testContext(t), &autoscaling.DescribePoliciesInput{AutoScalingGroupName: sdkaws.String("web-asg")})
	if err != nil {
		t.Fatal(err)
	}
	if len(pols.ScalingPolicies) != 1 || *pols.ScalingPolicies[0].PolicyName != "web-cpu" ||
		pols.ScalingPolicies[0].TargetTrackingConfiguration.PredefinedMetricSpecification.PredefinedMetricType != "ASGAverageCPUUtilization" ||
		*pols.ScalingPolicies[0].TargetTrackingConfiguration.TargetValue != 50 {
		t.Errorf("scaling policies = %+v, want web-cpu tracking ASGAverageCPUUtilization at 50", pols.ScalingPolicies)
	}
	if got := env.Store.Snapshot().Steps["autoscaling"].Outputs["asg_name"]; got != "web-asg" {
		t.Errorf("output asg_name = %q, want web-asg", got)
	}
	if !hasEvent(env, ResourceWaiting, "2/2 InService, 2/2 healthy") && !hasEvent(env, ResourceWaiting, "InService") {
		t.Errorf("no progress event while the instances came up")
	}

	// Apply again: nothing changes, nothing mutating is called.
	env.SB.ResetStats()
	mustApply(t, env, s)
	if m := mutations(env, "autoscaling"); len(m) > 0 {
		t.Errorf("second apply made mutating calls: %v", m)
	}
}

func TestAutoscalingCapacityChangeUpdatesInPlace(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)

	// Target tracking scales the group out between applies; a spec change
	// that leaves desired alone must not undo that.
	if _, err := f.as.SetDesiredCapacity(testContext(t), &autoscaling.SetDesiredCapacityInput{
		AutoScalingGroupName: sdkaws.String("web-asg"), DesiredCapacity: sdkaws.Int32(3)}); err != nil {
		t.Fatal(err)
	}
	s2 := env.spec(strings.Replace(asgSpec, "max: 4", "max: 5", 1))
	plan, err := env.engine(s2).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := planChange(plan, asgKeyGroup); c.Action != ActionUpdate || !strings.Contains(c.Why, "max") {
		t.Errorf("plan for the group = %s (%s), want update of max", c.Action, c.Why)
	}
	env.SB.ResetStats()
	mustApply(t, env, s2)
	if m := mutations(env, "autoscaling"); m["UpdateAutoScalingGroup"] != 1 || m["CreateAutoScalingGroup"] != 0 {
		t.Errorf("mutations = %v, want one UpdateAutoScalingGroup and no create", m)
	}
	g, _ := f.group("web-asg")
	if *g.MaxSize != 5 || *g.DesiredCapacity != 3 {
		t.Errorf("max %d desired %d, want max 5 and the scaled-out desired 3 kept", *g.MaxSize, *g.DesiredCapacity)
	}

	// A change of desired itself is applied, and the apply waits for it.
	s3 := env.spec(strings.NewReplacer("max: 4", "max: 5", "desired: 2", "desired: 4", "health_check_grace_seconds: 60", "health_check_grace_seconds: 90").Replace(asgSpec))
	mustApply(t, env, s3)
	g, _ = f.group("web-asg")
	if *g.DesiredCapacity != 4 || *g.HealthCheckGracePeriod != 90 || *g.DefaultInstanceWarmup != 90 {
		t.Errorf("desired %d grace %d warmup %d, want 4, 90, 90", *g.DesiredCapacity, *g.HealthCheckGracePeriod, *g.DefaultInstanceWarmup)
	}
	if healthy := f.targetHealth()["healthy"]; len(healthy) != 4 {
		t.Errorf("healthy targets after apply = %v, want 4: apply waits for the new capacity", healthy)
	}
}

func TestAutoscalingTemplateVersionStartsInstanceRefresh(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)
	g, _ := f.group("web-asg")
	old := instanceIDsOf(g)

	v := f.newTemplateVersion()
	env.SB.ResetStats()
	mustApply(t, env, s)
	if m := mutations(env, "autoscaling"); m["StartInstanceRefresh"] != 1 || m["UpdateAutoScalingGroup"] != 1 {
		t.Errorf("mutations = %v, want one update and one instance refresh", m)
	}
	g, _ = f.group("web-asg")
	if *g.LaunchTemplate.Version != v {
		t.Errorf("group template version = %s, want %s", *g.LaunchTemplate.Version, v)
	}
	for _, in := range g.Instances {
		if *in.LaunchTemplate.Version != v || slices.Contains(old, *in.InstanceId) {
			t.Errorf("instance %s on version %s after the refresh, want a new instance on %s", *in.InstanceId, *in.LaunchTemplate.Version, v)
		}
	}
	refreshes, err := f.as.DescribeInstanceRefreshes(testContext(t), &autoscaling.DescribeInstanceRefreshesInput{AutoScalingGroupName: sdkaws.String("web-asg")})
	if err != nil {
		t.Fatal(err)
	}
	if rf := refreshes.InstanceRefreshes[0]; rf.Status != "Successful" || *rf.Preferences.MinHealthyPercentage != 90 {
		t.Errorf("refresh %s with min healthy %d, want Successful at 90", rf.Status, *rf.Preferences.MinHealthyPercentage)
	}
	if !hasEvent(env, ResourceWaiting, "% complete") {
		t.Error("no refresh progress event (percent complete)")
	}
	if healthy := f.targetHealth()["healthy"]; len(healthy) != 2 {
		t.Errorf("healthy targets after the refresh = %v, want 2", healthy)
	}
}

func TestAutoscalingCPUTargetZeroRemovesPolicy(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)
	s0 := env.spec(strings.Replace(asgSpec, "cpu_target_percent: 50", "cpu_target_percent: 0", 1))
	plan, err := env.engine(s0).Plan(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if c := planChange(plan, asgKeyPolicy); c.Action != ActionDelete {
		t.Errorf("plan for the policy = %s, want delete", c.Action)
	}
	env.SB.ResetStats()
	mustApply(t, env, s0)
	if m := mutations(env, "autoscaling"); m["DeletePolicy"] != 1 || len(m) != 1 {
		t.Errorf("mutations = %v, want exactly one DeletePolicy", m)
	}
	pols, err := f.as.DescribePolicies(testContext(t), &autoscaling.DescribePoliciesInput{AutoScalingGroupName: sdkaws.String("web-asg")})
	if err != nil {
		t.Fatal(err)
	}
	if len(pols.ScalingPolicies) != 0 {
		t.Errorf("policies left: %d", len(pols.ScalingPolicies))
	}
	// And back: 60 creates it again.
	mustApply(t, env, env.spec(strings.Replace(asgSpec, "cpu_target_percent: 50", "cpu_target_percent: 60", 1)))
	pols, _ = f.as.DescribePolicies(testContext(t), &autoscaling.DescribePoliciesInput{AutoScalingGroupName: sdkaws.String("web-asg")})
	if len(pols.ScalingPolicies) != 1 || *pols.ScalingPolicies[0].TargetTrackingConfiguration.TargetValue != 60 {
		t.Errorf("policies = %+v, want one at 60", pols.ScalingPolicies)
	}
}

func TestAutoscalingSurvivesIAMPropagation(t *testing.T) {
	env := newTestEnv(t, "web", func(o *sandbox.Options) { o.IAMPropagation = 2 * time.Second })
	f := newASGFixture(t, env, fixtureOptions{})
	env.Options.Steps = []Step{identityStep{}, autoscalingStep{}}
	// A profile made a moment ago, as the iam step makes it on a first apply.
	f.profile = f.createProfile(testContext(t), "web-fresh")
	if _, err := f.ec2.CreateLaunchTemplateVersion(testContext(t), &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: &f.template, SourceVersion: &f.version,
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{IamInstanceProfile: &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: &f.profile}},
	}); err != nil {
		t.Fatal(err)
	}
	f.version = "2"
	f.publicOnly = true // and a network without private subnets
	f.seed(env)
	mustApply(t, env, env.spec(asgSpec))
	if n := env.SB.Stats().Count("autoscaling", "CreateAutoScalingGroup"); n < 2 {
		t.Errorf("CreateAutoScalingGroup called %d times, want the first refused while IAM propagated and a retry", n)
	}
	if g, ok := f.group("web-asg"); !ok || len(g.Instances) != 2 {
		t.Fatalf("group after the propagation window: %v %+v", ok, g.Instances)
	}
	if !hasEvent(env, Warning, "public IP") {
		t.Error("no warning that instances in public subnets get public IPs")
	}
	if !hasEvent(env, ResourceWaiting, "IAM") {
		t.Error("no event saying apply waits for IAM to propagate")
	}
}

func TestAutoscalingUnhealthyTargetsFailWithTheReason(t *testing.T) {
	// A grace period longer than the checks that find a target unhealthy,
	// as it should be: the wait sees the verdict before the group acts.
	env, f, s := asgEnv(t, strings.Replace(asgSpec, "grace_seconds: 60", "grace_seconds: 120", 1), fixtureOptions{noAdmit: true})
	err := env.engine(s).Apply(testContext(t))
	if err == nil {
		t.Fatal("apply succeeded although the app's security group does not admit the load balancer")
	}
	for _, want := range []string{"Target.Timeout (Request timed out)", "security group", "port 3000", "/2 healthy"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q: %v", want, err)
		}
	}
	if _, ok := f.group("web-asg"); !ok {
		t.Error("the group should stay for the next apply to resume")
	}
	if rec, _ := env.Store.Resource(asgKeyGroup); rec.Status != state.ResourceCreated {
		t.Errorf("group record %s, want created (the group exists; only its targets are unhealthy)", rec.Status)
	}
}

func TestAutoscalingResumesAfterLostCreate(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	ctx, cancel := context.WithCancel(testContext(t))
	e := New(s, cutAfter(env, "CreateAutoScalingGroup", cancel), env.Store, env.record, env.Options)
	if err := e.Apply(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("apply with the create's answer lost: %v, want canceled", err)
	}
	if rec, ok := env.Store.Resource(asgKeyGroup); !ok || rec.Status != state.ResourceIntent {
		t.Fatalf("record after the lost answer = %+v, want an intent", rec)
	}
	if _, ok := f.group("web-asg"); !ok {
		t.Fatal("the create should have reached the sandbox")
	}
	mustApply(t, env, s)
	if n := env.SB.Stats().Count("autoscaling", "CreateAutoScalingGroup"); n != 1 {
		t.Errorf("CreateAutoScalingGroup called %d times in all, want 1: the resumed apply finds the group", n)
	}
	if rec, _ := env.Store.Resource(asgKeyGroup); rec.Status != state.ResourceCreated || rec.ID != "web-asg" || rec.ARN == "" {
		t.Errorf("record after resume = %+v", rec)
	}
}

func TestAutoscalingDestroyTerminatesTheGroupsInstances(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)
	g, _ := f.group("web-asg")
	ids := instanceIDsOf(g)
	if err := env.engine(s).Destroy(testContext(t)); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if _, ok := f.group("web-asg"); ok {
		t.Error("group still there after destroy")
	}
	out, err := f.ec2.DescribeInstances(testContext(t), &ec2.DescribeInstancesInput{InstanceIds: ids})
	if err != nil {
		t.Fatal(err)
	}
	for _, res := range out.Reservations {
		for _, in := range res.Instances {
			if in.State.Name != ec2types.InstanceStateNameTerminated {
				t.Errorf("instance %s is %s after destroy, want terminated", *in.InstanceId, in.State.Name)
			}
		}
	}
	for typ := range env.inventoryTypes() {
		if strings.HasPrefix(typ, "autoscaling:") || typ == "ec2:instance" {
			t.Errorf("inventory still holds %s", typ)
		}
	}
	deleteFixture(t, f)
	env.mustEmpty()
}

func TestAutoscalingStatusReportsDriftAndApplyRepairsIt(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)
	rep, err := env.engine(s).Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Healthy {
		t.Fatalf("status after apply is not healthy: %+v", rep.Resources)
	}
	// Someone sets the termination policy in the console: a change stackwiz did not make, which status must report.
	if _, err := f.as.UpdateAutoScalingGroup(testContext(t), &autoscaling.UpdateAutoScalingGroupInput{
		AutoScalingGroupName: sdkaws.String("web-asg"), TerminationPolicies: []string{"NewestInstance"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.as.DeletePolicy(testContext(t), &autoscaling.DeletePolicyInput{AutoScalingGroupName: sdkaws.String("web-asg"), PolicyName: sdkaws.String("web-cpu")}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(s).Status(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Healthy {
		t.Error("status is healthy after out-of-band changes")
	}
	group, policy := report(rep, asgKeyGroup), report(rep, asgKeyPolicy)
	if len(group.Drift) != 1 || !strings.Contains(group.Drift[0], "termination_policies") || !strings.Contains(group.Drift[0], "NewestInstance") {
		t.Errorf("group drift = %v, want the termination policy", group.Drift)
	}
	if policy.Exists {
		t.Errorf("policy report = %+v, want missing", policy)
	}
	mustApply(t, env, s)
	if g, _ := f.group("web-asg"); !slices.Equal(g.TerminationPolicies, []string{"OldestLaunchTemplate", "OldestInstance"}) {
		t.Errorf("termination policies after apply = %v, want the spec's restored", g.TerminationPolicies)
	}
	if !hasEvent(env, Warning, "changed outside stackwiz") {
		t.Error("no warning that the group had been changed outside stackwiz")
	}
	if rep, _ = env.engine(s).Status(testContext(t)); !rep.Healthy {
		t.Errorf("status after repair: %+v", rep.Resources)
	}
}

func TestAutoscalingAdoptFindsGroupAndPolicy(t *testing.T) {
	env, f, s := asgEnv(t, asgSpec, fixtureOptions{})
	mustApply(t, env, s)

	store, err := state.OpenNew(t.TempDir(), "web")
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := store.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	env.Store = store
	f.seed(env)
	n, err := env.engine(s).Adopt(testContext(t))
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("adopted %d resources, want the group and its policy", n)
	}
	for _, key := range []string{asgKeyGroup, asgKeyPolicy} {
		if rec, ok := store.Resource(key); !ok || rec.Status != state.ResourceCreated || rec.ID == "" {
			t.Errorf("adopted %s = %+v", key, rec)
		}
	}
	env.SB.ResetStats()
	mustApply(t, env, s)
	if m := mutations(env, "autoscaling"); len(m) > 0 {
		t.Errorf("apply after adopt made mutating calls: %v", m)
	}
	if got := store.Snapshot().Steps["autoscaling"].Outputs["asg_name"]; got != "web-asg" {
		t.Errorf("asg_name after adopt + apply = %q", got)
	}
}

func TestAutoscalingScriptIsValidBash(t *testing.T) {
	s := mustParse(t, asgSpec)
	script := ExportCLI(s, []Step{autoscalingStep{}})
	for _, want := range []string{
		"aws autoscaling create-auto-scaling-group",
		"--termination-policies OldestLaunchTemplate OldestInstance",
		"--health-check-type ELB --health-check-grace-period 60",
		"--default-instance-warmup 60",
		"Identifier=\"$TG_ARN\",Type=elbv2",
		"Key=stackwiz:key,Value=autoscaling/group,PropagateAtLaunch=false",
		"PredefinedMetricType\":\"ASGAverageCPUUtilization",
		"${PRIVATE_SUBNET_IDS",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	bashSyntax(t, script)
	pub := ExportCLI(mustParse(t, "name: web\nnetwork:\n  vpc: default\n"), []Step{autoscalingStep{}})
	if !strings.Contains(pub, "${PUBLIC_SUBNET_IDS") {
		t.Errorf("default-VPC script does not launch into the public subnets:\n%s", pub)
	}
}

// bashSyntax fails unless bash parses script (bash -n).
func bashSyntax(t *testing.T, script string) {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash not found: %v", err)
	}
	cmd := exec.Command(bash, "-n")
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v\n%s\n%s", err, out, script)
	}
}

func mustParse(t *testing.T, yaml string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse([]byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func instanceIDsOf(g astypes.AutoScalingGroup) []string {
	var ids []string
	for _, in := range g.Instances {
		ids = append(ids, *in.InstanceId)
	}
	return ids
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func hasEvent(env *testEnv, kind EventKind, substr string) bool {
	for _, ev := range env.Events() {
		if ev.Kind == kind && strings.Contains(ev.Message, substr) {
			return true
		}
	}
	return false
}

func planChange(p *PlanResult, key string) Change {
	for _, c := range p.Changes {
		if c.Key == key {
			return c
		}
	}
	return Change{}
}

func report(r *StatusReport, key string) ResourceReport {
	for _, rr := range r.Resources {
		if rr.Key == key {
			return rr
		}
	}
	return ResourceReport{}
}
