package sandbox

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

// BenchmarkTickWith1000HealthCheckedTargets measures one world tick with a
// thousand registered targets behind an active load balancer, in the
// instant profile, where every tick runs a health check on every target.
func BenchmarkTickWith1000HealthCheckedTargets(b *testing.B) {
	ts := newTestSandbox(b)
	ctx := testCtx(b)
	ec2c, elbc := ec2.NewFromConfig(ts.Cfg), elb.NewFromConfig(ts.Cfg)
	fail := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	vpc, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	fail(err)
	vpcID := vpc.Vpc.VpcId
	var subnets []string
	for i, cidr := range []string{"10.0.0.0/20", "10.0.16.0/20"} {
		sn, err := ec2c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpcID, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(AZs("us-east-1")[i])})
		fail(err)
		subnets = append(subnets, aws.ToString(sn.Subnet.SubnetId))
	}
	lbSG, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpcID, GroupName: aws.String("lb"), Description: aws.String("lb")})
	fail(err)
	appSG, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpcID, GroupName: aws.String("app"), Description: aws.String("app")})
	fail(err)
	_, err = ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: appSG.GroupId,
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(appPort), ToPort: aws.Int32(appPort),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: lbSG.GroupId}}}}})
	fail(err)
	lb, err := elbc.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("bench"), Subnets: subnets, SecurityGroups: []string{aws.ToString(lbSG.GroupId)}})
	fail(err)
	tg, err := elbc.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("bench"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(appPort), VpcId: vpcID})
	fail(err)
	tgARN := tg.TargetGroups[0].TargetGroupArn
	_, err = elbc.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tgARN}}})
	fail(err)
	var targets []elbtypes.TargetDescription
	for _, sn := range subnets {
		run, err := ec2c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String(publicImageID("us-east-1", "al2023-ami-2023.9.20261103.0-kernel-6.1-x86_64")),
			InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(500), MaxCount: aws.Int32(500), SubnetId: aws.String(sn), SecurityGroupIds: []string{aws.ToString(appSG.GroupId)},
			UserData: aws.String(appUserData)})
		fail(err)
		for _, in := range run.Instances {
			targets = append(targets, elbtypes.TargetDescription{Id: in.InstanceId})
		}
	}
	_, err = elbc.RegisterTargets(ctx, &elb.RegisterTargetsInput{TargetGroupArn: tgARN, Targets: targets})
	fail(err)
	ts.Advance(0)
	ts.Advance(0)
	b.ResetTimer()
	for b.Loop() {
		ts.Advance(0)
	}
	b.StopTimer()
	ts.withWorld(func(w *World) {
		if h, _ := w.Regions["us-east-1"].targetGroupHealthCounts(aws.ToString(tgARN)); h != 1000 {
			b.Fatalf("%d healthy targets after the benchmark, want 1000", h)
		}
	})
}

// withWorld runs fn with the sandbox's world locked.
func (ts *testSandbox) withWorld(fn func(w *World)) {
	ts.Sandbox.mu.Lock()
	defer ts.Sandbox.mu.Unlock()
	fn(ts.Sandbox.world)
}
