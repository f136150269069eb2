package sandbox

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestCreateSubnetValidatesRangeAndOverlap(t *testing.T) {
	f := newNetFixture(t)
	vpcID := f.vpc("10.0.0.0/16")
	f.subnet(vpcID, "10.0.1.0/24", "us-east-1a")
	cases := []struct {
		name, cidr, code string
	}{
		{"inside, free", "10.0.2.0/24", ""},
		{"smallest", "10.0.3.0/28", ""},
		{"too small", "10.0.4.0/29", "InvalidSubnet.Range"},
		{"outside the VPC", "10.1.0.0/24", "InvalidSubnet.Range"},
		{"larger than the VPC", "10.0.0.0/15", "InvalidSubnet.Range"},
		{"same as another", "10.0.1.0/24", "InvalidSubnet.Conflict"},
		{"contains another", "10.0.0.0/22", "InvalidSubnet.Conflict"},
		{"inside another", "10.0.1.128/25", "InvalidSubnet.Conflict"},
		{"host bits set", "10.0.9.1/24", "InvalidParameterValue"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.ec2.CreateSubnet(testCtx(t), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(c.cidr), AvailabilityZone: aws.String("us-east-1b")})
			wantCode(t, err, c.code)
		})
	}
	// The same block in another VPC is no conflict.
	other := f.vpc("10.0.0.0/16")
	f.subnet(other, "10.0.1.0/24", "us-east-1a")

	_, err := f.ec2.CreateSubnet(testCtx(t), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.0.200.0/24"), AvailabilityZone: aws.String("us-west-2a")})
	wantCode(t, err, "InvalidParameterValue")
}

func TestSubnetDescribeFiltersAndAttributes(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	a := f.subnet(vpcID, "10.0.0.0/24", "us-east-1a", "tier", "public")
	b := f.subnet(vpcID, "10.0.1.0/24", "us-east-1b", "tier", "public")
	c := f.subnet(vpcID, "10.0.2.0/24", "us-east-1a", "tier", "private")
	created := must[*ec2.CreateSubnetOutput](t)(f.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String("10.0.3.0/24"), AvailabilityZoneId: aws.String("use1-az3")}))
	if aws.ToString(created.Subnet.AvailabilityZone) != "us-east-1c" || aws.ToString(created.Subnet.SubnetArn) != "arn:aws:ec2:us-east-1:"+AccountID+":subnet/"+aws.ToString(created.Subnet.SubnetId) {
		t.Fatalf("subnet by zone id = %+v", created.Subnet)
	}
	cases := []struct {
		name    string
		filters []types.Filter
		want    []string
	}{
		{"vpc and zone", []types.Filter{filter("vpc-id", vpcID), filter("availability-zone", "us-east-1a")}, []string{a, c}},
		{"tag", []types.Filter{filter("tag:tier", "public")}, []string{a, b}},
		{"cidr", []types.Filter{filter("cidr-block", "10.0.1.0/24"), filter("vpc-id", vpcID)}, []string{b}},
		{"zone id", []types.Filter{filter("availability-zone-id", "use1-az2"), filter("vpc-id", vpcID)}, []string{b}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := must[*ec2.DescribeSubnetsOutput](t)(f.ec2.DescribeSubnets(testCtx(t), &ec2.DescribeSubnetsInput{Filters: tc.filters}))
			var got []string
			for _, s := range out.Subnets {
				got = append(got, aws.ToString(s.SubnetId))
			}
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.want))) {
				t.Fatalf("subnets = %v, want %v", got, tc.want)
			}
		})
	}

	if out := must[*ec2.DescribeSubnetsOutput](t)(f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{a}})); aws.ToBool(out.Subnets[0].MapPublicIpOnLaunch) {
		t.Fatal("a new subnet must not map public IPs")
	}
	must[*ec2.ModifySubnetAttributeOutput](t)(f.ec2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(a), MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))
	out := must[*ec2.DescribeSubnetsOutput](t)(f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("map-public-ip-on-launch", "true"), filter("vpc-id", vpcID)}}))
	if len(out.Subnets) != 1 || aws.ToString(out.Subnets[0].SubnetId) != a || aws.ToInt32(out.Subnets[0].AvailableIpAddressCount) != 251 {
		t.Fatalf("after ModifySubnetAttribute = %+v", out.Subnets)
	}

	_, err := f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	_, err = f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String("subnet-0123456789abcdef0")})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	must[*ec2.DeleteSubnetOutput](t)(f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(c)}))
	_, err = f.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{c}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
}

// TestCreateENIAllocatesAddressesSkippingReservedOnes fills a /28: AWS
// reserves the first four addresses and the last, leaving eleven.
func TestCreateENIAllocatesAddressesSkippingReservedOnes(t *testing.T) {
	f := newNetFixture(t)
	vpcID := f.vpc("10.0.0.0/16")
	subnetID := f.subnet(vpcID, "10.0.5.0/28", "us-east-1a")
	sg := f.group(vpcID, "app")
	var ips []string
	f.withRegion("us-east-1", func(r *Region) {
		for i := range 11 {
			e, err := r.createENI(subnetID, []string{sg}, fmt.Sprintf("i-0%016x", i), "", "")
			if err != nil {
				t.Fatalf("ENI %d: %v", i, err)
			}
			ips = append(ips, e.PrivateIP)
		}
		_, err := r.createENI(subnetID, []string{sg}, "i-0ffffffffffffffff", "", "")
		if err == nil || err.Code != "InsufficientFreeAddressesInSubnet" {
			t.Fatalf("12th ENI in a /28: err = %v, want InsufficientFreeAddressesInSubnet", err)
		}
		// A freed address is handed out again.
		r.deleteENIsOf("i-00000000000000003")
		e, err := r.createENI(subnetID, nil, "i-0eeeeeeeeeeeeeeee", "", "")
		if err != nil || e.PrivateIP != "10.0.5.7" {
			t.Fatalf("reused address = %v, %v; want 10.0.5.7", e, err)
		}
		if _, err := r.createENI(subnetID, []string{"sg-0123456789abcdef0"}, "x", "", ""); err == nil || err.Code != "InvalidSubnetID.NotFound" && err.Code != "InvalidGroup.NotFound" {
			t.Fatalf("ENI with unknown group: %v", err)
		}
	})
	if ips[0] != "10.0.5.4" || ips[10] != "10.0.5.14" {
		t.Fatalf("addresses = %v, want 10.0.5.4 … 10.0.5.14", ips)
	}
	out := must[*ec2.DescribeSubnetsOutput](t)(f.ec2.DescribeSubnets(testCtx(t), &ec2.DescribeSubnetsInput{SubnetIds: []string{subnetID}}))
	if n := aws.ToInt32(out.Subnets[0].AvailableIpAddressCount); n != 0 {
		t.Fatalf("AvailableIpAddressCount = %d, want 0", n)
	}
}

func TestDescribeNetworkInterfacesFiltersByOwnerGroupAndSubnet(t *testing.T) {
	f := newNetFixture(t)
	ctx := testCtx(t)
	vpcID := f.vpc("10.0.0.0/16")
	s1 := f.subnet(vpcID, "10.0.1.0/24", "us-east-1a")
	s2 := f.subnet(vpcID, "10.0.2.0/24", "us-east-1b")
	web, lb := f.group(vpcID, "web"), f.group(vpcID, "lb")
	const instance = "i-0aaaaaaaaaaaaaaaa"
	var lbENI string
	f.withRegion("us-east-1", func(r *Region) {
		if _, err := r.createENI(s1, []string{web}, instance, "interface", ""); err != nil {
			t.Fatal(err)
		}
		e, err := r.createENI(s2, []string{lb}, "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/web/0123456789abcdef", "interface", "ELB app/web/0123456789abcdef")
		if err != nil {
			t.Fatal(err)
		}
		lbENI = e.ID
	})
	cases := []struct {
		name    string
		filters []types.Filter
		want    int
	}{
		{"vpc", []types.Filter{filter("vpc-id", vpcID)}, 2},
		{"subnet", []types.Filter{filter("subnet-id", s1)}, 1},
		{"group", []types.Filter{filter("group-id", lb)}, 1},
		{"instance", []types.Filter{filter("attachment.instance-id", instance)}, 1},
		{"description wildcard", []types.Filter{filter("description", "ELB app/web/*")}, 1},
		{"requester managed", []types.Filter{filter("requester-managed", "true"), filter("vpc-id", vpcID)}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := must[*ec2.DescribeNetworkInterfacesOutput](t)(f.ec2.DescribeNetworkInterfaces(testCtx(t), &ec2.DescribeNetworkInterfacesInput{Filters: c.filters}))
			if len(out.NetworkInterfaces) != c.want {
				t.Fatalf("interfaces = %d, want %d", len(out.NetworkInterfaces), c.want)
			}
		})
	}
	out := must[*ec2.DescribeNetworkInterfacesOutput](t)(f.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{Filters: []types.Filter{filter("attachment.instance-id", instance)}}))
	e := out.NetworkInterfaces[0]
	if aws.ToString(e.PrivateIpAddress) != "10.0.1.4" || aws.ToString(e.Attachment.InstanceId) != instance || e.Status != types.NetworkInterfaceStatusInUse ||
		len(e.Groups) != 1 || aws.ToString(e.Groups[0].GroupName) != "web" || aws.ToString(e.PrivateDnsName) != "ip-10-0-1-4.ec2.internal" {
		t.Fatalf("instance interface = %+v", e)
	}
	_, err := f.ec2.DescribeNetworkInterfaces(ctx, &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{"eni-0123456789abcdef0"}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")

	// A subnet with an interface in it cannot go; once the owner releases it, it can.
	_, err = f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(s2)})
	wantCode(t, err, "DependencyViolation")
	_, err = f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lb)})
	wantCode(t, err, "DependencyViolation")
	f.withRegion("us-east-1", func(r *Region) {
		r.deleteENIsOf(r.EC2.Network.ENIs[lbENI].OwnerID)
	})
	must[*ec2.DeleteSecurityGroupOutput](t)(f.ec2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(lb)}))
	must[*ec2.DeleteSubnetOutput](t)(f.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(s2)}))
}

func TestAllocatePublicIPNeverRepeats(t *testing.T) {
	f := newNetFixture(t)
	seen := map[string]bool{}
	f.withRegion("us-east-1", func(r *Region) {
		for range 1000 {
			ip := r.allocatePublicIP()
			if seen[ip] {
				t.Fatalf("public IP %s handed out twice", ip)
			}
			seen[ip] = true
		}
	})
	_, ip := f.eip()
	if seen[ip] {
		t.Fatalf("Elastic IP %s was already given to an instance", ip)
	}
}
