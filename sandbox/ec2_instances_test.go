package sandbox

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestRunInstancesInDefaultSubnetIsPendingThenRunningForTheWaiter(t *testing.T) {
	f := newComputeFixture(t, realistic)
	out := f.run(1, func(in *ec2.RunInstancesInput) {
		in.TagSpecifications = tagSpec(types.ResourceTypeInstance, "Name", "web-1")
		in.MetadataOptions = &types.InstanceMetadataOptionsRequest{HttpTokens: types.HttpTokensStateRequired}
	})
	if len(out.Instances) != 1 || aws.ToString(out.OwnerId) != AccountID || !validID(aws.ToString(out.ReservationId), "r") {
		t.Fatalf("reservation = %+v", out)
	}
	in := out.Instances[0]
	id := aws.ToString(in.InstanceId)
	if !validID(id, "i") || in.State.Name != types.InstanceStateNamePending || aws.ToInt32(in.State.Code) != 0 {
		t.Fatalf("launched %s in state %v, want a pending i- id", id, in.State.Name)
	}
	if tagValue(in.Tags, "Name") != "web-1" || in.MetadataOptions.HttpTokens != types.HttpTokensStateRequired || in.Architecture != types.ArchitectureValuesX8664 {
		t.Fatalf("instance = tags %v, http tokens %v, arch %v", in.Tags, in.MetadataOptions.HttpTokens, in.Architecture)
	}

	subnets := must[*ec2.DescribeSubnetsOutput](t)(f.ec2.DescribeSubnets(testCtx(t), &ec2.DescribeSubnetsInput{SubnetIds: []string{aws.ToString(in.SubnetId)}}))
	sn := subnets.Subnets[0]
	if !aws.ToBool(sn.DefaultForAz) || aws.ToString(sn.VpcId) != aws.ToString(in.VpcId) {
		t.Fatalf("launched into %s, want a default subnet of the default VPC", aws.ToString(in.SubnetId))
	}
	prefix := netip.MustParsePrefix(aws.ToString(sn.CidrBlock))
	if !prefix.Contains(netip.MustParseAddr(aws.ToString(in.PrivateIpAddress))) {
		t.Fatalf("private IP %s is outside %s", aws.ToString(in.PrivateIpAddress), prefix)
	}
	if aws.ToString(in.PublicIpAddress) == "" || !strings.HasSuffix(aws.ToString(in.PublicDnsName), ".compute-1.amazonaws.com") || !strings.HasSuffix(aws.ToString(in.PrivateDnsName), ".ec2.internal") {
		t.Fatalf("addresses = public %q (%q), private dns %q", aws.ToString(in.PublicIpAddress), aws.ToString(in.PublicDnsName), aws.ToString(in.PrivateDnsName))
	}
	if len(in.SecurityGroups) != 1 || aws.ToString(in.SecurityGroups[0].GroupName) != "default" {
		t.Fatalf("security groups = %+v, want the VPC's default group", in.SecurityGroups)
	}
	enis := must[*ec2.DescribeNetworkInterfacesOutput](t)(f.ec2.DescribeNetworkInterfaces(testCtx(t), &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{filter("attachment.instance-id", id)},
	}))
	if len(enis.NetworkInterfaces) != 1 || aws.ToString(enis.NetworkInterfaces[0].PrivateIpAddress) != aws.ToString(in.PrivateIpAddress) {
		t.Fatalf("the instance's ENI = %+v", enis.NetworkInterfaces)
	}

	waiter := ec2.NewInstanceRunningWaiter(f.ec2, func(o *ec2.InstanceRunningWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceEachPoll(f.testSandbox, 15*time.Second))
	})
	before := f.Stats().Count("ec2", "DescribeInstances")
	if err := waiter.Wait(testCtx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute); err != nil {
		t.Fatalf("InstanceRunning waiter: %v", err)
	}
	// 40 s pending at 1x, polled every 15 s: running on the third poll.
	if polls := f.Stats().Count("ec2", "DescribeInstances") - before; polls != 3 {
		t.Fatalf("waiter polled %d times, want 3 (pending for 40 s)", polls)
	}
	if st := f.instance(id).State; st.Name != types.InstanceStateNameRunning || aws.ToInt32(st.Code) != 16 {
		t.Fatalf("state = %+v, want running (16)", st)
	}
}

func TestRunInstancesWithTheSameClientTokenReturnsTheSameReservation(t *testing.T) {
	f := newComputeFixture(t)
	input := func() *ec2.RunInstancesInput {
		return &ec2.RunInstancesInput{ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2), ClientToken: aws.String("deploy-42")}
	}
	first := must[*ec2.RunInstancesOutput](t)(f.ec2.RunInstances(testCtx(t), input()))
	again := must[*ec2.RunInstancesOutput](t)(f.ec2.RunInstances(testCtx(t), input()))
	if aws.ToString(first.ReservationId) != aws.ToString(again.ReservationId) || len(again.Instances) != 2 ||
		aws.ToString(first.Instances[0].InstanceId) != aws.ToString(again.Instances[0].InstanceId) {
		t.Fatalf("retry answered reservation %s with %d instances, want %s again", aws.ToString(again.ReservationId), len(again.Instances), aws.ToString(first.ReservationId))
	}
	all := must[*ec2.DescribeInstancesOutput](t)(f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{}))
	if n := len(all.Reservations); n != 1 {
		t.Fatalf("%d reservations after a retried RunInstances, want 1", n)
	}
	if got := aws.ToString(all.Reservations[0].Instances[0].ClientToken); got != "deploy-42" {
		t.Fatalf("client token = %q", got)
	}

	changed := input()
	changed.InstanceType = types.InstanceTypeT3Small
	_, err := f.ec2.RunInstances(testCtx(t), changed)
	wantCode(t, err, "IdempotentParameterMismatch")
}

func TestRunInstancesValidatesLikeEC2(t *testing.T) {
	f := newComputeFixture(t)
	vpc := f.vpc("10.1.0.0/16")
	otherSG := must[*ec2.CreateSecurityGroupOutput](t)(f.ec2.CreateSecurityGroup(testCtx(t), &ec2.CreateSecurityGroupInput{
		GroupName: aws.String("other"), Description: aws.String("other vpc"), VpcId: aws.String(vpc),
	}))
	cases := []struct {
		name string
		mod  func(*ec2.RunInstancesInput)
		code string
	}{
		{"unknown image", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"malformed image", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String("al2023") }, "InvalidAMIID.Malformed"},
		{"unknown subnet", func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String("subnet-0123456789abcdef0") }, "InvalidSubnetID.NotFound"},
		{"security group of another VPC", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{aws.ToString(otherSG.GroupId)} }, "InvalidParameter"},
		{"unknown security group", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }, "InvalidGroup.NotFound"},
		{"unknown instance type", func(in *ec2.RunInstancesInput) { in.InstanceType = "t3.huge" }, "InvalidParameterValue"},
		{"arm image on an x86 type", func(in *ec2.RunInstancesInput) { in.ImageId = aws.String(al2023arm) }, "InvalidParameterValue"},
		{"unknown key pair", func(in *ec2.RunInstancesInput) { in.KeyName = aws.String("nobody") }, "InvalidKeyPair.NotFound"},
		{"unknown instance profile", func(in *ec2.RunInstancesInput) {
			in.IamInstanceProfile = &types.IamInstanceProfileSpecification{Name: aws.String("ghost")}
		}, "InvalidParameterValue"},
		{"user data not base64", func(in *ec2.RunInstancesInput) { in.UserData = aws.String("#!/bin/sh\necho hi") }, "InvalidParameterValue"},
		{"root volume smaller than the snapshot", func(in *ec2.RunInstancesInput) {
			in.BlockDeviceMappings = []types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &types.EbsBlockDevice{VolumeSize: aws.Int32(4)}}}
		}, "InvalidBlockDeviceMapping"},
		{"max below min", func(in *ec2.RunInstancesInput) { in.MinCount, in.MaxCount = aws.Int32(3), aws.Int32(2) }, "InvalidParameterValue"},
		{"tags for a resource type RunInstances does not create", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications = tagSpec(types.ResourceTypeVpc, "Name", "x")
		}, "InvalidParameterValue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := &ec2.RunInstancesInput{ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
			tc.mod(in)
			_, err := f.ec2.RunInstances(testCtx(t), in)
			wantCode(t, err, tc.code)
		})
	}
	all := must[*ec2.DescribeInstancesOutput](t)(f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{}))
	if len(all.Reservations) != 0 {
		t.Fatalf("refused launches left %d reservations", len(all.Reservations))
	}
	_, err := f.ec2.RunInstances(testCtx(t), &ec2.RunInstancesInput{ImageId: aws.String(al2023arm), InstanceType: types.InstanceTypeT4gMicro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatalf("arm image on t4g: %v", err)
	}
	must[*ec2.CreateKeyPairOutput](t)(f.ec2.CreateKeyPair(testCtx(t), &ec2.CreateKeyPairInput{KeyName: aws.String("ops")}))
	ok := f.run(1, func(in *ec2.RunInstancesInput) {
		in.KeyName = aws.String("ops")
		in.UserData = aws.String(userData)
	}).Instances[0]
	if aws.ToString(ok.KeyName) != "ops" || ok.MetadataOptions.HttpTokens != types.HttpTokensStateRequired {
		t.Fatalf("instance with a key pair = key %q, http tokens %v (AL2023 defaults to IMDSv2)", aws.ToString(ok.KeyName), ok.MetadataOptions.HttpTokens)
	}
}

func TestRunInstancesLaunchesWhatTheSubnetHoldsBetweenMinAndMaxCount(t *testing.T) {
	f := newComputeFixture(t)
	vpc := f.vpc("10.2.0.0/16")
	small := f.subnet(vpc, "10.2.0.0/28", "us-east-1a") // 16 addresses, 5 reserved
	out := f.run(1, func(in *ec2.RunInstancesInput) { in.SubnetId = aws.String(small); in.MaxCount = aws.Int32(20) })
	if len(out.Instances) != 11 {
		t.Fatalf("launched %d instances into a /28, want 11", len(out.Instances))
	}
	_, err := f.ec2.RunInstances(testCtx(t), &ec2.RunInstancesInput{ImageId: aws.String(al2023x86), InstanceType: types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: aws.String(small)})
	wantCode(t, err, "InsufficientFreeAddressesInSubnet")
	if out.Instances[0].PublicIpAddress != nil {
		t.Fatalf("a subnet that does not map public IPs gave %s", aws.ToString(out.Instances[0].PublicIpAddress))
	}
}

func TestTerminatedInstancesShutDownStayVisibleThenVanish(t *testing.T) {
	f := newComputeFixture(t, realistic)
	id := aws.ToString(f.run(1).Instances[0].InstanceId)
	f.Advance(time.Minute)
	eni := aws.ToString(f.instance(id).NetworkInterfaces[0].NetworkInterfaceId)

	out := must[*ec2.TerminateInstancesOutput](t)(f.ec2.TerminateInstances(testCtx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	ch := out.TerminatingInstances[0]
	if ch.PreviousState.Name != types.InstanceStateNameRunning || ch.CurrentState.Name != types.InstanceStateNameShuttingDown {
		t.Fatalf("state change %v → %v, want running → shutting-down", ch.PreviousState.Name, ch.CurrentState.Name)
	}
	waiter := ec2.NewInstanceTerminatedWaiter(f.ec2, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
		o.APIOptions = append(o.APIOptions, advanceEachPoll(f.testSandbox, 15*time.Second))
	})
	if err := waiter.Wait(testCtx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute); err != nil {
		t.Fatalf("InstanceTerminated waiter: %v", err)
	}
	gone := f.instance(id)
	if gone.PrivateIpAddress != nil || gone.StateReason == nil || aws.ToString(gone.StateReason.Code) != "Client.UserInitiatedShutdown" {
		t.Fatalf("terminated instance = private IP %v, reason %+v", gone.PrivateIpAddress, gone.StateReason)
	}
	_, err := f.ec2.DescribeNetworkInterfaces(testCtx(t), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	for _, it := range f.Inventory() {
		if it.ID == id {
			t.Fatalf("inventory still lists terminated %s", id)
		}
	}
	again := must[*ec2.TerminateInstancesOutput](t)(f.ec2.TerminateInstances(testCtx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}))
	if again.TerminatingInstances[0].CurrentState.Name != types.InstanceStateNameTerminated {
		t.Fatalf("terminating twice = %v", again.TerminatingInstances[0].CurrentState.Name)
	}

	f.Advance(time.Hour)
	_, err = f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = f.ec2.TerminateInstances(testCtx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{id, "i-0123456789abcdef0"}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
}

func TestDescribeInstancesFiltersAndPages(t *testing.T) {
	f := newComputeFixture(t)
	vpc := f.vpc("10.3.0.0/16")
	sn := f.subnet(vpc, "10.3.1.0/24", "us-east-1b")
	web := f.run(4, func(in *ec2.RunInstancesInput) {
		in.TagSpecifications = tagSpec(types.ResourceTypeInstance, "role", "web")
	})
	worker := f.run(3, func(in *ec2.RunInstancesInput) {
		in.SubnetId = aws.String(sn)
		in.TagSpecifications = tagSpec(types.ResourceTypeInstance, "role", "worker", "team", "data")
	})
	stopped := aws.ToString(web.Instances[0].InstanceId)
	must[*ec2.TerminateInstancesOutput](t)(f.ec2.TerminateInstances(testCtx(t), &ec2.TerminateInstancesInput{InstanceIds: []string{stopped}}))

	count := func(filters ...types.Filter) int {
		t.Helper()
		n := 0
		p := ec2.NewDescribeInstancesPaginator(f.ec2, &ec2.DescribeInstancesInput{Filters: filters})
		for p.HasMorePages() {
			for _, r := range must[*ec2.DescribeInstancesOutput](t)(p.NextPage(testCtx(t))).Reservations {
				n += len(r.Instances)
			}
		}
		return n
	}
	cases := []struct {
		name    string
		filters []types.Filter
		want    int
	}{
		{"none", nil, 7},
		{"tag value", []types.Filter{filter("tag:role", "web")}, 4},
		{"tag wildcard", []types.Filter{filter("tag:role", "w*r")}, 3},
		{"tag key", []types.Filter{filter("tag-key", "team")}, 3},
		{"state", []types.Filter{filter("instance-state-name", "pending", "running")}, 6},
		{"state and tag", []types.Filter{filter("instance-state-name", "shutting-down", "terminated"), filter("tag:role", "web")}, 1},
		{"subnet", []types.Filter{filter("subnet-id", sn)}, 3},
		{"vpc", []types.Filter{filter("vpc-id", vpc)}, 3},
		{"default vpc skips the terminated", []types.Filter{filter("vpc-id", aws.ToString(web.Instances[1].VpcId))}, 3},
		{"image", []types.Filter{filter("image-id", al2023x86)}, 7},
		{"other image", []types.Filter{filter("image-id", al2023arm)}, 0},
		{"instance id", []types.Filter{filter("instance-id", aws.ToString(worker.Instances[1].InstanceId))}, 1},
	}
	for _, tc := range cases {
		if got := count(tc.filters...); got != tc.want {
			t.Errorf("filter %s: %d instances, want %d", tc.name, got, tc.want)
		}
	}

	first := must[*ec2.DescribeInstancesOutput](t)(f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)}))
	n := 0
	for _, r := range first.Reservations {
		n += len(r.Instances)
	}
	if n != 5 || first.NextToken == nil {
		t.Fatalf("first page: %d instances, next token %v; want 5 and a token", n, first.NextToken)
	}
	_, err := f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{Filters: []types.Filter{filter("colour", "blue")}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = f.ec2.DescribeInstances(testCtx(t), &ec2.DescribeInstancesInput{InstanceIds: []string{stopped}, MaxResults: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterCombination")
}

func TestDescribeInstanceStatusReportsChecksOfRunningInstances(t *testing.T) {
	f := newComputeFixture(t, realistic)
	out := f.run(2)
	a, b := aws.ToString(out.Instances[0].InstanceId), aws.ToString(out.Instances[1].InstanceId)
	status := func(all bool) map[string]types.InstanceStatus {
		t.Helper()
		res := must[*ec2.DescribeInstanceStatusOutput](t)(f.ec2.DescribeInstanceStatus(testCtx(t), &ec2.DescribeInstanceStatusInput{IncludeAllInstances: aws.Bool(all)}))
		m := map[string]types.InstanceStatus{}
		for _, s := range res.InstanceStatuses {
			m[aws.ToString(s.InstanceId)] = s
		}
		return m
	}
	if got := status(false); len(got) != 0 {
		t.Fatalf("pending instances reported without IncludeAllInstances: %d", len(got))
	}
	if got := status(true); got[a].InstanceStatus.Status != types.SummaryStatusNotApplicable || got[a].InstanceState.Name != types.InstanceStateNamePending {
		t.Fatalf("pending instance status = %+v", got[a])
	}
	f.Advance(45 * time.Second) // running, still booting
	if got := status(false); len(got) != 2 || got[a].InstanceStatus.Status != types.SummaryStatusInitializing {
		t.Fatalf("booting instances = %+v", got)
	}
	f.Advance(40 * time.Second)
	if got := status(false); got[b].InstanceStatus.Status != types.SummaryStatusOk || got[b].SystemStatus.Status != types.SummaryStatusOk {
		t.Fatalf("booted instance = %+v", got[b])
	}
	waiter := ec2.NewInstanceStatusOkWaiter(f.ec2, func(o *ec2.InstanceStatusOkWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Millisecond, 2*time.Millisecond
	})
	if err := waiter.Wait(testCtx(t), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{a, b}}, 10*time.Second); err != nil {
		t.Fatalf("InstanceStatusOk waiter: %v", err)
	}
}

func TestStopAndStartInstanceReleasesAndRenewsItsPublicIP(t *testing.T) {
	f := newComputeFixture(t, realistic)
	id := aws.ToString(f.run(1).Instances[0].InstanceId)
	_, err := f.ec2.StopInstances(testCtx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState") // still pending
	f.Advance(time.Minute)
	before := aws.ToString(f.instance(id).PublicIpAddress)
	stop := must[*ec2.StopInstancesOutput](t)(f.ec2.StopInstances(testCtx(t), &ec2.StopInstancesInput{InstanceIds: []string{id}}))
	if stop.StoppingInstances[0].CurrentState.Name != types.InstanceStateNameStopping {
		t.Fatalf("stop = %v", stop.StoppingInstances[0].CurrentState.Name)
	}
	f.Advance(time.Minute)
	if in := f.instance(id); in.State.Name != types.InstanceStateNameStopped || in.PublicIpAddress != nil || in.PrivateIpAddress == nil {
		t.Fatalf("stopped instance: state %v, public %v, private %v", in.State.Name, in.PublicIpAddress, in.PrivateIpAddress)
	}
	start := must[*ec2.StartInstancesOutput](t)(f.ec2.StartInstances(testCtx(t), &ec2.StartInstancesInput{InstanceIds: []string{id}}))
	if start.StartingInstances[0].CurrentState.Name != types.InstanceStateNamePending {
		t.Fatalf("start = %v", start.StartingInstances[0].CurrentState.Name)
	}
	f.Advance(time.Minute)
	if in := f.instance(id); in.State.Name != types.InstanceStateNameRunning || aws.ToString(in.PublicIpAddress) == "" || aws.ToString(in.PublicIpAddress) == before {
		t.Fatalf("restarted instance: state %v, public %v (was %s)", in.State.Name, aws.ToString(in.PublicIpAddress), before)
	}
}

func TestCreateTagsWorksOnInstancesImagesAndLaunchTemplates(t *testing.T) {
	f := newComputeFixture(t)
	id := aws.ToString(f.run(1).Instances[0].InstanceId)
	f.Advance(time.Second)
	ami := aws.ToString(must[*ec2.CreateImageOutput](t)(f.ec2.CreateImage(testCtx(t), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("web-golden")})).ImageId)
	lt := aws.ToString(must[*ec2.CreateLaunchTemplateOutput](t)(f.ec2.CreateLaunchTemplate(testCtx(t), &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String("web"), LaunchTemplateData: &types.RequestLaunchTemplateData{ImageId: aws.String(ami)},
	})).LaunchTemplate.LaunchTemplateId)
	must[*ec2.CreateTagsOutput](t)(f.ec2.CreateTags(testCtx(t), &ec2.CreateTagsInput{
		Resources: []string{id, ami, lt}, Tags: []types.Tag{{Key: aws.String("stackwiz:stack"), Value: aws.String("demo")}},
	}))
	tags := must[*ec2.DescribeTagsOutput](t)(f.ec2.DescribeTags(testCtx(t), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("key", "stackwiz:stack")}}))
	got := map[string]types.ResourceType{}
	for _, d := range tags.Tags {
		got[aws.ToString(d.ResourceId)] = d.ResourceType
	}
	if got[id] != types.ResourceTypeInstance || got[ami] != types.ResourceTypeImage || got[lt] != types.ResourceTypeLaunchTemplate {
		t.Fatalf("tagged resources = %v", got)
	}
	if tagValue(f.instance(id).Tags, "stackwiz:stack") != "demo" {
		t.Fatal("DescribeInstances does not show the tag CreateTags set")
	}
	_, err := f.ec2.CreateTags(testCtx(t), &ec2.CreateTagsInput{Resources: []string{al2023x86}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	if err == nil {
		t.Fatal("tagging a public Amazon image succeeded")
	}

	types := map[string]string{}
	for _, it := range f.Inventory() {
		if it.Tags["stackwiz:stack"] == "demo" {
			types[it.ID] = it.Type
		}
	}
	if types[id] != "ec2:instance" || types[ami] != "ec2:image" || types[lt] != "ec2:launch-template" || len(types) != 3 {
		t.Fatalf("inventory = %v", types)
	}
}
