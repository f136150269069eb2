package sandbox

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// servingFixture is an active load balancer whose HTTP listener forwards to
// an empty target group, in the realistic profile at 1x.
type servingFixture struct {
	*elbFixture
	lbARN, tgARN string
}

func newServingFixture(t *testing.T) *servingFixture {
	t.Helper()
	f := newELBFixture(t, realistic)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app")
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	f.Advance(180 * time.Second) // provisioning
	return &servingFixture{elbFixture: f, lbARN: aws.ToString(lb.LoadBalancerArn), tgARN: aws.ToString(tg.TargetGroupArn)}
}

// bootedInstance launches an instance and lets it boot until its app answers.
func (f *servingFixture) bootedInstance(groups ...string) string {
	f.t.Helper()
	id := f.appInstance(groups...)
	f.Advance(80 * time.Second) // 40 s pending + 40 s until the app answers
	return id
}

func (f *servingFixture) register(id string) {
	f.t.Helper()
	must[*elb.RegisterTargetsOutput](f.t)(f.elb.RegisterTargets(testCtx(f.t), &elb.RegisterTargetsInput{
		TargetGroupArn: aws.String(f.tgARN), Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}))
}

func TestTargetGoesInitialToHealthyAfterHealthyThresholdIntervalsThenUnhealthyWhenTheAppFails(t *testing.T) {
	f := newServingFixture(t)
	id := f.bootedInstance(f.appSG)
	f.register(id)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumRegistrationInProgress, "Target registration is in progress")

	f.Advance(30 * time.Second) // first check passes
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "Initial health checks in progress")
	f.Advance(119 * time.Second) // four checks in 149 s
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "")
	f.Advance(1 * time.Second) // the fifth at 150 s: healthy threshold reached
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumHealthy, "", "")

	if err := f.SetAppHealth(id, false); err != nil {
		t.Fatal(err)
	}
	f.Advance(30 * time.Second) // one failure is below the unhealthy threshold of 2
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumHealthy, "", "")
	f.Advance(30 * time.Second)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumResponseCodeMismatch, "Health checks failed with these codes: [500]")

	if err := f.SetAppHealth(id, true); err != nil {
		t.Fatal(err)
	}
	f.Advance(150 * time.Second)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumHealthy, "", "")

	f.withRegion("us-east-1", func(r *Region) {
		if h, u := r.targetGroupHealthCounts(f.tgARN); h != 1 || u != 0 {
			t.Errorf("health counts = %d healthy, %d unhealthy; want 1, 0", h, u)
		}
		if got := r.loadBalancerOfTargetGroup(f.tgARN); got != f.lbARN {
			t.Errorf("load balancer of group = %q, want %q", got, f.lbARN)
		}
	})
}

func TestTargetWhoseGroupDoesNotAdmitTheLoadBalancerIsUnhealthyWithTimeout(t *testing.T) {
	f := newServingFixture(t)
	closed := f.group(f.vpcID, "closed")
	wrongPort := f.group(f.vpcID, "wrong-port")
	f.allowFromLB(wrongPort, 8080)
	for _, g := range []string{closed, wrongPort} {
		id := f.bootedInstance(g)
		f.register(id)
		f.Advance(60 * time.Second) // two failed checks
		f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumUnhealthy, elbtypes.TargetHealthReasonEnumTimeout, "Request timed out")
	}
	f.withRegion("us-east-1", func(r *Region) {
		if h, u := r.targetGroupHealthCounts(f.tgARN); h != 0 || u != 2 {
			t.Errorf("health counts = %d healthy, %d unhealthy; want 0, 2", h, u)
		}
	})
}

func TestTargetOfAnInstanceStillBootingFailsHealthChecks(t *testing.T) {
	f := newServingFixture(t)
	id := f.appInstance(f.appSG)
	f.Advance(40 * time.Second) // running, but the app needs another 40 s
	f.register(id)
	f.Advance(60 * time.Second) // checks at 30 s and 60 s after registration: the first one fails
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "")
	f.Advance(150 * time.Second)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumHealthy, "", "")
}

func TestTargetInServiceWaiterWaitsForHealthyTargets(t *testing.T) {
	f := newServingFixture(t)
	id := f.bootedInstance(f.appSG)
	f.register(id)
	polls := 0
	err := elb.NewTargetInServiceWaiter(f.elb, func(o *elb.TargetInServiceWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceEachPoll(f.testSandbox, 15*time.Second))
		o.APIOptions = append(o.APIOptions, countRequests(&polls))
	}).Wait(testCtx(t), &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN), Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if polls != 10 {
		t.Errorf("waiter polled %d times, want 10 (5 checks 30 s apart, polls 15 s apart)", polls)
	}
}

func TestTargetsOfAGroupNoListenerUsesAreUnusedNotInUse(t *testing.T) {
	f := newServingFixture(t)
	spare := f.targetGroup("spare")
	id := f.bootedInstance(f.appSG)
	must[*elb.RegisterTargetsOutput](t)(f.elb.RegisterTargets(testCtx(t), &elb.RegisterTargetsInput{
		TargetGroupArn: spare.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}))
	f.Advance(10 * time.Minute)
	f.wantHealth(aws.ToString(spare.TargetGroupArn), id, elbtypes.TargetHealthStateEnumUnused, elbtypes.TargetHealthReasonEnumNotInUse,
		"Target group is not configured to receive traffic from the load balancer")
}

func TestStoppedInstanceIsUnusedWithInvalidState(t *testing.T) {
	f := newServingFixture(t)
	id := f.bootedInstance(f.appSG)
	f.register(id)
	f.Advance(150 * time.Second)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumHealthy, "", "")
	must[*ec2.StopInstancesOutput](t)(f.ec2.StopInstances(testCtx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	f.Advance(5 * time.Minute)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumUnused, elbtypes.TargetHealthReasonEnumInvalidState, "Target is in the stopped state")
}

func TestDeregisteredTargetDrainsForTheDeregistrationDelay(t *testing.T) {
	f := newServingFixture(t)
	ctx := testCtx(t)
	id := f.bootedInstance(f.appSG)
	f.register(id)
	f.Advance(150 * time.Second)
	must[*elb.DeregisterTargetsOutput](t)(f.elb.DeregisterTargets(ctx, &elb.DeregisterTargetsInput{
		TargetGroupArn: aws.String(f.tgARN), Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}))
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumDraining, elbtypes.TargetHealthReasonEnumDeregistrationInProgress, "Target deregistration is in progress")
	f.Advance(299 * time.Second)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumDraining, elbtypes.TargetHealthReasonEnumDeregistrationInProgress, "")
	f.Advance(1 * time.Second)
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumUnused, elbtypes.TargetHealthReasonEnumNotRegistered, "Target is not registered to the target group")
	all := must[*elb.DescribeTargetHealthOutput](t)(f.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}))
	if len(all.TargetHealthDescriptions) != 0 {
		t.Errorf("group still lists %d targets after draining", len(all.TargetHealthDescriptions))
	}
}

func TestTerminatedInstanceLeavesItsTargetGroup(t *testing.T) {
	f := newServingFixture(t)
	id := f.bootedInstance(f.appSG)
	f.register(id)
	f.Advance(150 * time.Second)
	must[*ec2.TerminateInstancesOutput](t)(f.ec2.TerminateInstances(testCtx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	f.wantHealth(f.tgARN, id, elbtypes.TargetHealthStateEnumDraining, elbtypes.TargetHealthReasonEnumDeregistrationInProgress, "")
	f.Advance(301 * time.Second)
	f.withRegion("us-east-1", func(r *Region) {
		if state, _ := r.targetHealth(f.tgARN, id); state != "" {
			t.Errorf("terminated target still registered as %q", state)
		}
	})
}

func TestRegisterTargetsRejectsUnknownInstancesAndOtherVPCs(t *testing.T) {
	f := newServingFixture(t)
	ctx := testCtx(t)
	elsewhere := aws.ToString(f.run(1).Instances[0].InstanceId) // default VPC
	f.Advance(40 * time.Second)
	good := f.bootedInstance(f.appSG)
	for _, bad := range []string{"i-0123456789abcdef0", elsewhere} {
		_, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String(f.tgARN),
			Targets: []elbtypes.TargetDescription{{Id: aws.String(good)}, {Id: aws.String(bad)}}})
		wantCode(t, err, "InvalidTarget")
	}
	all := must[*elb.DescribeTargetHealthOutput](t)(f.elb.DescribeTargetHealth(ctx, &elb.DescribeTargetHealthInput{TargetGroupArn: aws.String(f.tgARN)}))
	if len(all.TargetHealthDescriptions) != 0 {
		t.Errorf("a failed RegisterTargets left %d targets registered", len(all.TargetHealthDescriptions))
	}
	_, err := f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: aws.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/x/0123456789abcdef"),
		Targets: []elbtypes.TargetDescription{{Id: aws.String(good)}}})
	wantCode(t, err, "TargetGroupNotFound")
}

func TestInstantProfileRunsOneHealthCheckPerRequest(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web")
	tg := f.targetGroup("app", func(in *elb.CreateTargetGroupInput) { in.HealthyThresholdCount = aws.Int32(3) })
	f.forwardListener(aws.ToString(lb.LoadBalancerArn), aws.ToString(tg.TargetGroupArn), 80)
	id := f.appInstance(f.appSG)
	must[*elb.RegisterTargetsOutput](t)(f.elb.RegisterTargets(ctx, &elb.RegisterTargetsInput{
		TargetGroupArn: tg.TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(id)}}}))
	arn := aws.ToString(tg.TargetGroupArn)
	f.wantHealth(arn, id, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "") // check 1
	f.wantHealth(arn, id, elbtypes.TargetHealthStateEnumInitial, elbtypes.TargetHealthReasonEnumInitialHealthChecking, "") // check 2
	f.wantHealth(arn, id, elbtypes.TargetHealthStateEnumHealthy, "", "")                                                   // check 3
}
