package steps

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
)

// asgFixture is what the autoscaling and alarms steps stand on, made
// through the SDK the way the earlier steps make it: a VPC with a subnet
// in each of two AZs, the load balancer's and the app's security groups,
// an instance profile, a launch template from the SSM-resolved AMI, and an
// ALB with its target group and an HTTP listener.
type asgFixture struct {
	t                 testing.TB
	env               *testEnv
	ec2               *ec2.Client
	elb               *elbv2.Client
	as                *autoscaling.Client
	vpc               string
	azs               []string
	subnets           []string
	albSG, appSG      string
	profile           string
	profiles          []string // every profile made, for deleteFixture
	igw               string
	template, version string
	lb, tg, listener  string
	lbDim, tgDim      string
	publicOnly        bool
}

// appUserData is the launch template's user data: what examples/start.sh
// does, in short (the sandbox only asks that it run something).
var appUserData = base64.StdEncoding.EncodeToString([]byte("#!/bin/bash\nsystemctl enable --now app.service\n"))

// asgSpec is the spec the autoscaling tests start from.
const asgSpec = `name: web
region: us-east-1
autoscaling:
  min: 2
  desired: 2
  max: 4
  termination_policies: [OldestLaunchTemplate, OldestInstance]
  health_check_grace_seconds: 60
  cpu_target_percent: 50
`

// fixtureOptions change what the fixture builds.
type fixtureOptions struct {
	// noAdmit leaves out the app group's rule that admits the load
	// balancer on the app port: every health check times out.
	noAdmit bool
	// noUserData launches the plain image with no user data: nothing
	// listens on the app port, every health check is refused.
	noUserData bool
}

// realistic makes AWS processes take AWS-like time, a thousand times
// faster: instances boot, grace periods pass and health checks run in
// milliseconds, in the order AWS runs them.
func realistic(o *sandbox.Options) {
	o.Latency, o.Speed = sandbox.LatencyRealistic, 1000
}

func newASGFixture(t testing.TB, env *testEnv, opts fixtureOptions) *asgFixture {
	t.Helper()
	ctx := testContext(t)
	f := &asgFixture{t: t, env: env, ec2: ec2.NewFromConfig(env.Cfg), elb: elbv2.NewFromConfig(env.Cfg), as: autoscaling.NewFromConfig(env.Cfg)}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fixture: %s: %v", what, err)
		}
	}
	azs, err := f.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	must("describe AZs", err)
	for _, az := range azs.AvailabilityZones[:2] {
		f.azs = append(f.azs, *az.ZoneName)
	}
	vpc, err := f.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdkaws.String("10.0.0.0/16")})
	must("create VPC", err)
	f.vpc = *vpc.Vpc.VpcId
	igw, err := f.ec2.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})
	must("create IGW", err)
	_, err = f.ec2.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: &f.vpc})
	must("attach IGW", err)
	f.igw = *igw.InternetGateway.InternetGatewayId
	for i, az := range f.azs {
		sn, err := f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &f.vpc, AvailabilityZone: sdkaws.String(az),
			CidrBlock: sdkaws.String("10.0." + strconv.Itoa(i+1) + ".0/24")})
		must("create subnet", err)
		f.subnets = append(f.subnets, *sn.Subnet.SubnetId)
	}
	sg := func(name string) string {
		out, err := f.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: sdkaws.String(name), Description: sdkaws.String(name), VpcId: &f.vpc})
		must("create security group "+name, err)
		return *out.GroupId
	}
	f.albSG, f.appSG = sg("web-alb"), sg("web-app")
	_, err = f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &f.albSG, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(80), ToPort: sdkaws.Int32(80), IpRanges: []ec2types.IpRange{{CidrIp: sdkaws.String("0.0.0.0/0")}}}}})
	must("open the ALB on 80", err)
	if !opts.noAdmit {
		_, err = f.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &f.appSG, IpPermissions: []ec2types.IpPermission{{
			IpProtocol: sdkaws.String("tcp"), FromPort: sdkaws.Int32(3000), ToPort: sdkaws.Int32(3000),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: &f.albSG}}}}})
		must("admit the ALB on 3000", err)
	}
	f.profile = f.createProfile(ctx, "web-app")
	img, err := ssm.NewFromConfig(env.Cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: sdkaws.String("/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")})
	must("resolve the AMI", err)
	userData := sdkaws.String(appUserData) // starts the app: a bare image serves nothing
	if opts.noUserData {
		userData = nil
	}
	lt, err := f.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: sdkaws.String("web-lt"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId: img.Parameter.Value, InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{f.appSG},
			UserData:           userData,
			IamInstanceProfile: &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: &f.profile},
			MetadataOptions:    &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired},
		}})
	must("create launch template", err)
	f.template, f.version = *lt.LaunchTemplate.LaunchTemplateId, strconv.FormatInt(*lt.LaunchTemplate.LatestVersionNumber, 10)
	lb, err := f.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: sdkaws.String("web-alb"), Subnets: f.subnets, SecurityGroups: []string{f.albSG}})
	must("create load balancer", err)
	f.lb = *lb.LoadBalancers[0].LoadBalancerArn
	// The load_balancer step returns once its load balancer is active.
	must("wait for the load balancer", elbv2.NewLoadBalancerAvailableWaiter(f.elb, func(o *elbv2.LoadBalancerAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 10*time.Millisecond, 20*time.Millisecond
	}).Wait(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{f.lb}}, time.Minute))
	hc := spec.Defaults().LoadBalancer.HealthCheck
	tg, err := f.elb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: sdkaws.String("web-tg"), Protocol: elbtypes.ProtocolEnumHttp,
		Port: sdkaws.Int32(3000), VpcId: &f.vpc, HealthCheckPath: sdkaws.String(hc.Path),
		HealthCheckIntervalSeconds: sdkaws.Int32(int32(hc.IntervalSeconds)), HealthCheckTimeoutSeconds: sdkaws.Int32(int32(hc.TimeoutSeconds)),
		HealthyThresholdCount: sdkaws.Int32(int32(hc.HealthyThreshold)), UnhealthyThresholdCount: sdkaws.Int32(int32(hc.UnhealthyThreshold))})
	must("create target group", err)
	f.tg = *tg.TargetGroups[0].TargetGroupArn
	ls, err := f.elb.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: &f.lb, Protocol: elbtypes.ProtocolEnumHttp, Port: sdkaws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: &f.tg}}})
	must("create listener", err)
	f.listener = *ls.Listeners[0].ListenerArn
	f.lbDim = f.lb[strings.Index(f.lb, ":loadbalancer/")+len(":loadbalancer/"):]
	f.tgDim = f.tg[strings.LastIndex(f.tg, ":")+1:]
	f.seed(env)
	return f
}

// createProfile creates a role for EC2 and an instance profile holding it.
func (f *asgFixture) createProfile(ctx context.Context, name string) string {
	f.t.Helper()
	c := iam.NewFromConfig(f.env.Cfg)
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust}); err != nil {
		f.t.Fatalf("fixture: create role: %v", err)
	}
	if _, err := c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: &name}); err != nil {
		f.t.Fatalf("fixture: create instance profile: %v", err)
	}
	if _, err := c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: &name, RoleName: &name}); err != nil {
		f.t.Fatalf("fixture: add role to profile: %v", err)
	}
	f.profiles = append(f.profiles, name)
	return name
}

// seed records the earlier steps' outputs in env's store, as those steps
// would.
func (f *asgFixture) seed(env *testEnv) {
	f.t.Helper()
	private := strings.Join(f.subnets, ",")
	if f.publicOnly {
		private = ""
	}
	for step, kv := range map[string]map[string]string{
		"network": {"vpc_id": f.vpc, "vpc_cidr": "10.0.0.0/16", "azs": strings.Join(f.azs, ","),
			"public_subnets": strings.Join(f.subnets, ","), "private_subnets": private},
		"security":        {"alb_sg": f.albSG, "app_sg": f.appSG},
		"iam":             {"instance_profile_name": f.profile},
		"launch_template": {"launch_template_id": f.template, "launch_template_name": "web-lt", "launch_template_version": f.version},
		"load_balancer": {"lb_arn": f.lb, "tg_arn": f.tg, "lb_dimension": f.lbDim, "tg_dimension": f.tgDim,
			"http_listener_arn": f.listener},
	} {
		if err := env.Store.SetOutputs(step, kv); err != nil {
			f.t.Fatalf("seed %s outputs: %v", step, err)
		}
	}
}

// newTemplateVersion adds a launch template version (a bigger type), makes
// it the launch_template step's output, and returns its number.
func (f *asgFixture) newTemplateVersion() string {
	f.t.Helper()
	out, err := f.ec2.CreateLaunchTemplateVersion(testContext(f.t), &ec2.CreateLaunchTemplateVersionInput{
		LaunchTemplateId: &f.template, SourceVersion: &f.version,
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{InstanceType: ec2types.InstanceTypeT3Small}})
	if err != nil {
		f.t.Fatalf("create launch template version: %v", err)
	}
	f.version = strconv.FormatInt(*out.LaunchTemplateVersion.VersionNumber, 10)
	f.seed(f.env)
	return f.version
}

// group describes the stack's group through the SDK.
func (f *asgFixture) group(name string) (astypes.AutoScalingGroup, bool) {
	f.t.Helper()
	out, err := f.as.DescribeAutoScalingGroups(testContext(f.t), &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{name}})
	if err != nil {
		f.t.Fatalf("DescribeAutoScalingGroups: %v", err)
	}
	if len(out.AutoScalingGroups) == 0 {
		return astypes.AutoScalingGroup{}, false
	}
	return out.AutoScalingGroups[0], true
}

// targetHealth returns the target group's targets by state.
func (f *asgFixture) targetHealth() map[string][]string {
	f.t.Helper()
	out, err := f.elb.DescribeTargetHealth(testContext(f.t), &elbv2.DescribeTargetHealthInput{TargetGroupArn: &f.tg})
	if err != nil {
		f.t.Fatalf("DescribeTargetHealth: %v", err)
	}
	m := map[string][]string{}
	for _, d := range out.TargetHealthDescriptions {
		m[string(d.TargetHealth.State)] = append(m[string(d.TargetHealth.State)], *d.Target.Id)
	}
	return m
}

// mutations counts the mutating requests a service served ("autoscaling",
// "monitoring", "sns").
func mutations(env *testEnv, service string) map[string]int {
	out := map[string]int{}
	for op, n := range env.SB.Stats().ByService[service] {
		if n > 0 && !readOnlyOp(op) {
			out[op] = n
		}
	}
	return out
}

func readOnlyOp(op string) bool {
	for _, p := range []string{"Describe", "List", "Get"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// cutAfter returns clients whose next call to op reaches AWS but whose
// answer is lost, cancel stopping the run (see testEnv.loseAnswer).
func cutAfter(env *testEnv, op string, cancel context.CancelFunc) *aws.Clients {
	env.loseAnswer(op, 1, cancel)
	return env.AWS
}

// deleteFixture deletes what newASGFixture made, in dependency order, so a
// test can assert that destroy left nothing of its own behind.
func deleteFixture(t testing.TB, f *asgFixture) {
	t.Helper()
	ctx := testContext(t)
	retry := func(what string, call func() error) {
		t.Helper()
		var err error
		for range 200 {
			if err = call(); err == nil || aws.IsNotFound(err) {
				return
			}
			if !aws.IsDependency(err) {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("fixture: %s: %v", what, err)
	}
	retry("delete listener", func() error {
		_, err := f.elb.DeleteListener(ctx, &elbv2.DeleteListenerInput{ListenerArn: &f.listener})
		return err
	})
	retry("delete load balancer", func() error {
		_, err := f.elb.DeleteLoadBalancer(ctx, &elbv2.DeleteLoadBalancerInput{LoadBalancerArn: &f.lb})
		return err
	})
	retry("delete target group", func() error {
		_, err := f.elb.DeleteTargetGroup(ctx, &elbv2.DeleteTargetGroupInput{TargetGroupArn: &f.tg})
		return err
	})
	retry("delete launch template", func() error {
		_, err := f.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: &f.template})
		return err
	})
	c := iam.NewFromConfig(f.env.Cfg)
	for _, name := range f.profiles {
		retry("remove role from profile", func() error {
			_, err := c.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: &name, RoleName: &name})
			return err
		})
		retry("delete profile", func() error {
			_, err := c.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: &name})
			return err
		})
		retry("delete role", func() error {
			_, err := c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: &name})
			return err
		})
	}
	for _, sg := range []string{f.appSG, f.albSG} {
		retry("delete security group", func() error {
			_, err := f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: &sg})
			return err
		})
	}
	for _, sn := range f.subnets {
		retry("delete subnet", func() error {
			_, err := f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: &sn})
			return err
		})
	}
	retry("detach IGW", func() error {
		_, err := f.ec2.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: &f.igw, VpcId: &f.vpc})
		return err
	})
	retry("delete IGW", func() error {
		_, err := f.ec2.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: &f.igw})
		return err
	})
	retry("delete VPC", func() error {
		_, err := f.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: &f.vpc})
		return err
	})
}
