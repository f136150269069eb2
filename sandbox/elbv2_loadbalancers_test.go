package sandbox

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
)

func TestCreateLoadBalancerHasAWSFormatsAnENIPerSubnetAndBecomesActive(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	lb := f.loadBalancer("web-alb")
	arn := aws.ToString(lb.LoadBalancerArn)
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web-alb/[0-9a-f]{16}$`).MatchString(arn) {
		t.Errorf("ARN = %s", arn)
	}
	if !regexp.MustCompile(`^web-alb-\d{10}\.us-east-1\.elb\.amazonaws\.com$`).MatchString(aws.ToString(lb.DNSName)) {
		t.Errorf("DNSName = %s", aws.ToString(lb.DNSName))
	}
	if got := aws.ToString(lb.CanonicalHostedZoneId); got != "Z35SXDOTRQ7X7K" {
		t.Errorf("CanonicalHostedZoneId = %s, want us-east-1's ALB zone Z35SXDOTRQ7X7K", got)
	}
	if lb.State.Code != elbtypes.LoadBalancerStateEnumProvisioning || lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternetFacing ||
		lb.Type != elbtypes.LoadBalancerTypeEnumApplication || lb.IpAddressType != elbtypes.IpAddressTypeIpv4 || aws.ToString(lb.VpcId) != f.vpcID {
		t.Errorf("new load balancer = %+v", lb)
	}
	if len(lb.AvailabilityZones) != 2 || aws.ToString(lb.AvailabilityZones[0].ZoneName) != "us-east-1a" || aws.ToString(lb.AvailabilityZones[1].SubnetId) != f.subnets[1] {
		t.Errorf("AvailabilityZones = %+v", lb.AvailabilityZones)
	}

	// Instant profile: the next request finds it active.
	out := must[*elb.DescribeLoadBalancersOutput](t)(f.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"web-alb"}}))
	if got := out.LoadBalancers[0].State.Code; got != elbtypes.LoadBalancerStateEnumActive {
		t.Errorf("state after provisioning = %s, want active", got)
	}

	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(f.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{}))
	id := arn[strings.LastIndex(arn, "/")+1:]
	var found []string
	for _, e := range enis.NetworkInterfaces {
		if aws.ToString(e.Description) == "ELB app/web-alb/"+id {
			found = append(found, aws.ToString(e.SubnetId))
			if len(e.Groups) != 1 || aws.ToString(e.Groups[0].GroupId) != f.lbSG {
				t.Errorf("ENI groups = %+v, want the load balancer's group", e.Groups)
			}
		}
	}
	if !sameSet(found, f.subnets[:2]) {
		t.Errorf("load balancer ENIs in subnets %v, want one in each of %v", found, f.subnets[:2])
	}
}

func TestInternalDualstackLoadBalancerInAnotherRegionUsesThatRegionsZoneAndDefaultGroup(t *testing.T) {
	f := newELBFixture(t)
	cfg := f.Cfg.Copy()
	cfg.Region = "ap-northeast-2"
	seoul := elb.NewFromConfig(cfg)
	seoulEC2 := ec2.NewFromConfig(cfg)
	ctx := testCtx(t)
	subnets := must[*ec2.DescribeSubnetsOutput](t)(seoulEC2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{filter("default-for-az", "true")}}))
	var ids []string
	for _, s := range subnets.Subnets {
		ids = append(ids, aws.ToString(s.SubnetId))
	}
	giveIPv6(t, seoulEC2, aws.ToString(subnets.Subnets[0].VpcId), ids) // dualstack needs it on every subnet
	out, err := seoul.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: aws.String("inner"), Subnets: ids,
		Scheme: elbtypes.LoadBalancerSchemeEnumInternal, IpAddressType: elbtypes.IpAddressTypeDualstack})
	if err != nil {
		t.Fatal(err)
	}
	lb := out.LoadBalancers[0]
	if got := aws.ToString(lb.CanonicalHostedZoneId); got != "ZWKZPGTI48KDX" {
		t.Errorf("CanonicalHostedZoneId = %s, want ap-northeast-2's ALB zone ZWKZPGTI48KDX", got)
	}
	if !regexp.MustCompile(`^internal-inner-\d{10}\.ap-northeast-2\.elb\.amazonaws\.com$`).MatchString(aws.ToString(lb.DNSName)) {
		t.Errorf("DNSName = %s", aws.ToString(lb.DNSName))
	}
	groups := must[*ec2.DescribeSecurityGroupsOutput](t)(seoulEC2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: lb.SecurityGroups}))
	if len(groups.SecurityGroups) != 1 || aws.ToString(groups.SecurityGroups[0].GroupName) != "default" || aws.ToString(groups.SecurityGroups[0].VpcId) != aws.ToString(lb.VpcId) {
		t.Errorf("security groups without SecurityGroups = %+v, want the VPC's default group", groups.SecurityGroups)
	}
	if lb.IpAddressType != elbtypes.IpAddressTypeDualstack || lb.Scheme != elbtypes.LoadBalancerSchemeEnumInternal || len(lb.AvailabilityZones) != 3 {
		t.Errorf("load balancer = %+v", lb)
	}
}

func TestCreateLoadBalancerValidation(t *testing.T) {
	f := newELBFixture(t)
	otherVpc := f.vpc("10.9.0.0/16")
	otherSubnet := f.subnet(otherVpc, "10.9.1.0/24", "us-east-1b")
	otherGroup := f.group(otherVpc, "elsewhere")
	sameAZ := f.subnet(f.vpcID, "10.0.9.0/24", "us-east-1a")
	f.loadBalancer("taken")
	cases := []struct {
		name    string
		in      elb.CreateLoadBalancerInput
		code    string
		message string
	}{
		{"one subnet", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: f.subnets[:1]}, "ValidationError", "At least two subnets in two different Availability Zones must be specified"},
		{"no subnets", elb.CreateLoadBalancerInput{Name: aws.String("a")}, "ValidationError", "At least two subnets in two different Availability Zones must be specified"},
		{"two subnets in one AZ", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{f.subnets[0], sameAZ}}, "InvalidConfigurationRequest", "multiple subnets in the same Availability Zone"},
		{"subnets in two VPCs", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{f.subnets[0], otherSubnet}}, "InvalidConfigurationRequest", "same VPC"},
		{"unknown subnet", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: []string{f.subnets[0], "subnet-0123456789abcdef0"}}, "SubnetNotFound", ""},
		{"group of another VPC", elb.CreateLoadBalancerInput{Name: aws.String("a"), Subnets: f.subnets[:2], SecurityGroups: []string{otherGroup}}, "InvalidSecurityGroup", ""},
		{"name of 33 characters", elb.CreateLoadBalancerInput{Name: aws.String(strings.Repeat("a", 33)), Subnets: f.subnets[:2]}, "ValidationError", "longer than '32'"},
		{"leading hyphen", elb.CreateLoadBalancerInput{Name: aws.String("-web"), Subnets: f.subnets[:2]}, "ValidationError", "cannot begin or end with '-'"},
		{"trailing hyphen", elb.CreateLoadBalancerInput{Name: aws.String("web-"), Subnets: f.subnets[:2]}, "ValidationError", "cannot begin or end with '-'"},
		{"underscore", elb.CreateLoadBalancerInput{Name: aws.String("web_alb"), Subnets: f.subnets[:2]}, "ValidationError", "alphanumeric"},
		{"internal- prefix", elb.CreateLoadBalancerInput{Name: aws.String("internal-web"), Subnets: f.subnets[:2]}, "ValidationError", "cannot begin with 'internal-'"},
		{"taken name, other settings", elb.CreateLoadBalancerInput{Name: aws.String("taken"), Subnets: f.subnets[1:3], SecurityGroups: []string{f.lbSG}}, "DuplicateLoadBalancerName", ""},
		{"network load balancer", elb.CreateLoadBalancerInput{Name: aws.String("nlb"), Subnets: f.subnets[:2], Type: elbtypes.LoadBalancerTypeEnumNetwork}, "ValidationError", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.elb.CreateLoadBalancer(testCtx(t), &tc.in)
			wantCode(t, err, tc.code)
			if !strings.Contains(err.Error(), tc.message) {
				t.Errorf("message %q does not say %q", err, tc.message)
			}
		})
	}
	// Nothing but "taken" was created.
	out := must[*elb.DescribeLoadBalancersOutput](t)(f.elb.DescribeLoadBalancers(testCtx(t), &elb.DescribeLoadBalancersInput{}))
	if len(out.LoadBalancers) != 1 {
		t.Errorf("%d load balancers after failed creates, want 1", len(out.LoadBalancers))
	}
}

func TestCreateLoadBalancerWithTheSameSettingsReturnsTheSameOne(t *testing.T) {
	f := newELBFixture(t)
	a := f.loadBalancer("web")
	b := f.loadBalancer("web", func(in *elb.CreateLoadBalancerInput) {
		in.SubnetMappings, in.Subnets = []elbtypes.SubnetMapping{{SubnetId: aws.String(f.subnets[1])}, {SubnetId: aws.String(f.subnets[0])}}, nil
	})
	if aws.ToString(a.LoadBalancerArn) != aws.ToString(b.LoadBalancerArn) {
		t.Fatalf("second create gave %s, want the existing %s", aws.ToString(b.LoadBalancerArn), aws.ToString(a.LoadBalancerArn))
	}
}

func TestDescribeLoadBalancersPagesAndReportsUnknownOnes(t *testing.T) {
	f := newELBFixture(t)
	for _, n := range []string{"a1", "a2", "a3", "a4", "a5"} {
		f.loadBalancer(n)
	}
	ctx := testCtx(t)
	p := elb.NewDescribeLoadBalancersPaginator(f.elb, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(2)})
	var names []string
	pages := 0
	for p.HasMorePages() {
		out := must[*elb.DescribeLoadBalancersOutput](t)(p.NextPage(ctx))
		pages++
		for _, lb := range out.LoadBalancers {
			names = append(names, aws.ToString(lb.LoadBalancerName))
		}
	}
	if pages != 3 || !sameSet(names, []string{"a1", "a2", "a3", "a4", "a5"}) {
		t.Errorf("%d pages with %v, want 3 pages with all five", pages, names)
	}
	_, err := f.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"nope"}})
	wantCode(t, err, "LoadBalancerNotFound")
	_, err = f.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/0123456789abcdef"}})
	wantCode(t, err, "LoadBalancerNotFound")
	_, err = f.elb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(401)})
	wantCode(t, err, "ValidationError")
}

func TestLoadBalancerAvailableWaiterWaitsOutProvisioning(t *testing.T) {
	f := newELBFixture(t, realistic)
	lb := f.loadBalancer("slow")
	polls := 0
	err := elb.NewLoadBalancerAvailableWaiter(f.elb, func(o *elb.LoadBalancerAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceEachPoll(f.testSandbox, 15*time.Second), countRequests(&polls))
	}).Wait(testCtx(t), &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{aws.ToString(lb.LoadBalancerArn)}}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// 180 s of provisioning at 15 s per poll: the 12th poll finds it active.
	if polls != 12 {
		t.Errorf("waiter polled %d times, want 12 (180 s of provisioning, 15 s apart)", polls)
	}
}

func TestDeletionProtectionBlocksDeleteAndTheDeletedWaiterSeesItGo(t *testing.T) {
	f := newELBFixture(t)
	ctx := testCtx(t)
	arn := aws.ToString(f.loadBalancer("kept").LoadBalancerArn)
	attrs := must[*elb.DescribeLoadBalancerAttributesOutput](t)(f.elb.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn)}))
	got := map[string]string{}
	for _, a := range attrs.Attributes {
		got[aws.ToString(a.Key)] = aws.ToString(a.Value)
	}
	if got["deletion_protection.enabled"] != "false" || got["idle_timeout.timeout_seconds"] != "60" || got["routing.http2.enabled"] != "true" {
		t.Errorf("default attributes = %v", got)
	}
	set := func(k, v string) error {
		_, err := f.elb.ModifyLoadBalancerAttributes(ctx, &elb.ModifyLoadBalancerAttributesInput{LoadBalancerArn: aws.String(arn),
			Attributes: []elbtypes.LoadBalancerAttribute{{Key: aws.String(k), Value: aws.String(v)}}})
		return err
	}
	wantCode(t, set("idle_timeout.timeout_seconds", "4001"), "ValidationError")
	wantCode(t, set("no.such.attribute", "1"), "ValidationError")
	wantCode(t, set("deletion_protection.enabled", "yes"), "ValidationError")
	if err := set("deletion_protection.enabled", "true"); err != nil {
		t.Fatal(err)
	}
	_, err := f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)})
	wantCode(t, err, "OperationNotPermitted")
	if err := set("deletion_protection.enabled", "false"); err != nil {
		t.Fatal(err)
	}
	must[*elb.DeleteLoadBalancerOutput](t)(f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}))
	err = elb.NewLoadBalancersDeletedWaiter(f.elb, func(o *elb.LoadBalancersDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 5*time.Millisecond
	}).Wait(ctx, &elb.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}}, 10*time.Second)
	if err != nil {
		t.Fatalf("LoadBalancersDeleted waiter: %v", err)
	}
	// Deleting it again succeeds, as on AWS.
	must[*elb.DeleteLoadBalancerOutput](t)(f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}))
}

func TestDeletedLoadBalancerKeepsItsSecurityGroupInUseUntilItsENIsAreReleased(t *testing.T) {
	f := newELBFixture(t, realistic)
	ctx := testCtx(t)
	arn := aws.ToString(f.loadBalancer("going").LoadBalancerArn)
	must[*elb.DeleteLoadBalancerOutput](t)(f.elb.DeleteLoadBalancer(ctx, &elb.DeleteLoadBalancerInput{LoadBalancerArn: aws.String(arn)}))
	// The app group references the LB group; drop that rule so only the ENIs hold it.
	must[*ec2.DeleteSecurityGroupOutput](t)(f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.appSG)}))
	_, err := f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.lbSG)})
	wantCode(t, err, "DependencyViolation")
	f.Advance(30 * time.Second)
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.lbSG)})
	wantCode(t, err, "DependencyViolation")
	f.Advance(31 * time.Second)
	if _, err := f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(f.lbSG)}); err != nil {
		t.Fatalf("DeleteSecurityGroup a minute after the load balancer went: %v", err)
	}
}
