package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// TestHAStackPassesTheSecurityHubControlsThatApply applies the HA example
// with the built binary, then reads the stack back with plain SDK calls —
// not through stackwiz's record — and checks the AWS Security Hub controls
// that apply to what it builds (docs/security.md lists each):
//
//	EC2.8   instances use IMDSv2 only (the launch template and the bastion)
//	EC2.3   attached EBS volumes are encrypted (every volume of the stack)
//	EC2.2   the VPC's default security group has no rules, and nothing uses it
//	EC2.9   the app instances have no public IPv4 address
//	EC2.13, EC2.14, EC2.19, EC2.53, EC2.54
//	        no group admits SSH, RDP or another high-risk port from anywhere
//	ELB.1   HTTP redirects to HTTPS
//	ELB.4   the load balancer drops invalid header fields
//	SNS.1   the alarm topics are encrypted with KMS, with a key CloudWatch may use
//	ELB.5   the load balancer writes access logs (load_balancer.access_logs on)
//	EC2.6   the VPC has a flow log that delivers (network.flow_logs on)
//	S3.1/8  the log buckets block public access; S3.5: they refuse plain HTTP
//
// and the stack's own rule beyond them: no security group lets all traffic out.
// The two log options are off by default (billed by volume) and turned on
// here.
func TestHAStackPassesTheSecurityHubControlsThatApply(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	spec := withLogs(t, haSpec(t, dir))
	if r := w.runIn(t, dir, "", "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exited %d:\n%s", r.code, tail(r.stderr, 30))
	}
	ctx := context.Background()
	const region = "ap-northeast-2" // the example's
	cfg := sdk.Config{Region: region, BaseEndpoint: sdk.String(w.url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")}
	e := ec2.NewFromConfig(cfg)
	tagged := []ec2types.Filter{{Name: sdk.String("tag:stackwiz:stack"), Values: []string{"qvic"}}}
	check := func(control string, ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			t.Errorf("%s fails: %s", control, fmt.Sprintf(format, args...))
		}
	}

	// EC2.8: the launch template's instances and the bastion ask for tokens.
	lts, err := e.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: tagged})
	if err != nil || len(lts.LaunchTemplates) != 1 {
		t.Fatalf("launch templates of the stack: %v, %v", lts, err)
	}
	vers, err := e.DescribeLaunchTemplateVersions(ctx, &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: lts.LaunchTemplates[0].LaunchTemplateId, Versions: []string{"$Default"}})
	if err != nil || len(vers.LaunchTemplateVersions) != 1 {
		t.Fatalf("the launch template's default version: %v", err)
	}
	data := vers.LaunchTemplateVersions[0].LaunchTemplateData
	check("EC2.8", data.MetadataOptions != nil && data.MetadataOptions.HttpTokens == ec2types.LaunchTemplateHttpTokensStateRequired,
		"launch template metadata options %+v", data.MetadataOptions)
	check("EC2.9", len(data.NetworkInterfaces) == 0 || !sdk.ToBool(data.NetworkInterfaces[0].AssociatePublicIpAddress),
		"the launch template gives the app instances a public IPv4 address")
	for _, bd := range data.BlockDeviceMappings {
		check("EC2.3", bd.Ebs != nil && sdk.ToBool(bd.Ebs.Encrypted), "launch template volume %s is not encrypted", sdk.ToString(bd.DeviceName))
	}

	insts, err := e.DescribeInstances(ctx, &ec2.DescribeInstancesInput{Filters: append(tagged,
		ec2types.Filter{Name: sdk.String("instance-state-name"), Values: []string{"pending", "running"}})})
	if err != nil {
		t.Fatal(err)
	}
	var instances []ec2types.Instance
	for _, r := range insts.Reservations {
		instances = append(instances, r.Instances...)
	}
	if len(instances) < 3 {
		t.Fatalf("%d running instances, want the group's and the bastion", len(instances))
	}
	var used []string // security groups the instances use
	for _, in := range instances {
		id, name := sdk.ToString(in.InstanceId), tagValue(in.Tags, "Name")
		check("EC2.8", in.MetadataOptions != nil && in.MetadataOptions.HttpTokens == ec2types.HttpTokensStateRequired, "%s (%s) allows IMDSv1", id, name)
		if !strings.HasSuffix(name, "-bastion") {
			check("EC2.9", sdk.ToString(in.PublicIpAddress) == "", "app instance %s has the public address %s", id, sdk.ToString(in.PublicIpAddress))
		}
		for _, g := range in.SecurityGroups {
			used = append(used, sdk.ToString(g.GroupId))
		}
	}

	// EC2.3: every volume attached to the stack's instances is encrypted.
	var ids []string
	for _, in := range instances {
		ids = append(ids, sdk.ToString(in.InstanceId))
	}
	vols, err := e.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{{Name: sdk.String("attachment.instance-id"), Values: ids}}})
	if err != nil || len(vols.Volumes) < len(ids) {
		t.Fatalf("volumes of the stack's instances: %d for %d instances, %v", len(vols.Volumes), len(ids), err)
	}
	for _, v := range vols.Volumes {
		check("EC2.3", sdk.ToBool(v.Encrypted), "volume %s is not encrypted", sdk.ToString(v.VolumeId))
	}

	// EC2.2: the VPC's default group has no rules and nothing uses it.
	vpcs, err := e.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: tagged})
	if err != nil || len(vpcs.Vpcs) != 1 {
		t.Fatalf("the stack's VPC: %v", err)
	}
	def, err := e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
		{Name: sdk.String("vpc-id"), Values: []string{sdk.ToString(vpcs.Vpcs[0].VpcId)}}, {Name: sdk.String("group-name"), Values: []string{"default"}}}})
	if err != nil || len(def.SecurityGroups) != 1 {
		t.Fatalf("the VPC's default group: %v", err)
	}
	dg := def.SecurityGroups[0]
	check("EC2.2", len(dg.IpPermissions) == 0 && len(dg.IpPermissionsEgress) == 0, "the default group %s has %d ingress and %d egress rules",
		sdk.ToString(dg.GroupId), len(dg.IpPermissions), len(dg.IpPermissionsEgress))
	check("EC2.2", !slices.Contains(used, sdk.ToString(dg.GroupId)), "an instance uses the default group %s", sdk.ToString(dg.GroupId))

	// EC2.13/14/19/53/54: no high-risk port from anywhere; no group lets
	// everything out.
	sgs, err := e.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: tagged})
	if err != nil || len(sgs.SecurityGroups) != 3 {
		t.Fatalf("the stack's groups: %d, %v", len(sgs.SecurityGroups), err)
	}
	highRisk := []int32{20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300}
	for _, g := range sgs.SecurityGroups {
		name := sdk.ToString(g.GroupName)
		for _, p := range g.IpPermissions {
			if !openToWorld(p) {
				continue
			}
			for _, port := range highRisk {
				if sdk.ToString(p.IpProtocol) == "-1" || sdk.ToInt32(p.FromPort) <= port && port <= sdk.ToInt32(p.ToPort) {
					t.Errorf("EC2.19 fails: %s admits port %d from anywhere", name, port)
				}
			}
		}
		for _, p := range g.IpPermissionsEgress {
			if sdk.ToString(p.IpProtocol) == "-1" && openToWorld(p) {
				t.Errorf("%s lets all traffic out to anywhere", name)
			}
		}
	}

	// ELB.1 and ELB.4.
	lb := elb.NewFromConfig(cfg)
	lbs, err := lb.DescribeLoadBalancers(ctx, &elb.DescribeLoadBalancersInput{Names: []string{"qvic-alb"}})
	if err != nil || len(lbs.LoadBalancers) != 1 {
		t.Fatalf("the load balancer: %v", err)
	}
	arn := lbs.LoadBalancers[0].LoadBalancerArn
	attrs, err := lb.DescribeLoadBalancerAttributes(ctx, &elb.DescribeLoadBalancerAttributesInput{LoadBalancerArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	drops := false
	for _, a := range attrs.Attributes {
		drops = drops || sdk.ToString(a.Key) == "routing.http.drop_invalid_header_fields.enabled" && sdk.ToString(a.Value) == "true"
	}
	check("ELB.4", drops, "the load balancer keeps invalid header fields")
	lbAttrs := map[string]string{}
	for _, a := range attrs.Attributes {
		lbAttrs[sdk.ToString(a.Key)] = sdk.ToString(a.Value)
	}
	checkLogs(ctx, t, cfg, lbAttrs, sdk.ToString(vpcs.Vpcs[0].VpcId), check)
	ls, err := lb.DescribeListeners(ctx, &elb.DescribeListenersInput{LoadBalancerArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls.Listeners {
		if l.Protocol != "HTTP" {
			continue
		}
		a := l.DefaultActions
		check("ELB.1", len(a) == 1 && a[0].RedirectConfig != nil && sdk.ToString(a[0].RedirectConfig.Protocol) == "HTTPS",
			"the HTTP listener on %d does not redirect to HTTPS", sdk.ToInt32(l.Port))
	}

	// SNS.1: both alarm topics are encrypted, each with a key of the
	// stack's whose policy lets CloudWatch use it.
	for _, tc := range []struct{ region, topic string }{{region, "qvic-alarms"}, {"us-east-1", "qvic-billing-alarms"}} {
		c := cfg.Copy()
		c.Region = tc.region
		topicARN := "arn:aws:sns:" + tc.region + ":123456789012:" + tc.topic
		got, err := sns.NewFromConfig(c).GetTopicAttributes(ctx, &sns.GetTopicAttributesInput{TopicArn: &topicARN})
		if err != nil {
			t.Fatalf("topic %s: %v", tc.topic, err)
		}
		key := got.Attributes["KmsMasterKeyId"]
		if check("SNS.1", key != "", "topic %s is not encrypted", tc.topic); key == "" {
			continue
		}
		k := kms.NewFromConfig(c)
		pol, err := k.GetKeyPolicy(ctx, &kms.GetKeyPolicyInput{KeyId: &key, PolicyName: sdk.String("default")})
		if err != nil {
			t.Fatalf("the policy of %s's key %s: %v", tc.topic, key, err)
		}
		check("SNS.1", strings.Contains(sdk.ToString(pol.Policy), "cloudwatch.amazonaws.com"),
			"the key of %s does not let CloudWatch publish: the alarms would notify nobody", tc.topic)
	}
}

// withLogs turns both log options on in the spec file at path.
func withLogs(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "\nnetwork:\n", "\nnetwork:\n  flow_logs:\n    enabled: true\n", 1)
	text = strings.Replace(text, "\nload_balancer:\n", "\nload_balancer:\n  access_logs:\n    enabled: true\n", 1)
	if !strings.Contains(text, "flow_logs:") || !strings.Contains(text, "access_logs:") {
		t.Fatal("the HA example has no network or load_balancer section to turn the logs on in")
	}
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkLogs reads the load balancer's access logs and the VPC's flow logs
// back, and the buckets they go to.
func checkLogs(ctx context.Context, t *testing.T, cfg sdk.Config, attrs map[string]string, vpcID string,
	check func(control string, ok bool, format string, args ...any)) {
	t.Helper()
	albBucket := attrs["access_logs.s3.bucket"]
	check("ELB.5", attrs["access_logs.s3.enabled"] == "true" && albBucket != "", "the load balancer writes no access logs: %v", attrs)
	fls, err := ec2.NewFromConfig(cfg).DescribeFlowLogs(ctx, &ec2.DescribeFlowLogsInput{
		Filter: []ec2types.Filter{{Name: sdk.String("resource-id"), Values: []string{vpcID}}}})
	if err != nil {
		t.Fatal(err)
	}
	check("EC2.6", len(fls.FlowLogs) == 1, "the VPC %s has %d flow logs", vpcID, len(fls.FlowLogs))
	buckets := []string{albBucket}
	for _, f := range fls.FlowLogs {
		check("EC2.6", sdk.ToString(f.DeliverLogsStatus) == "SUCCESS" && f.TrafficType == ec2types.TrafficTypeAll,
			"flow log %s: %s traffic, delivery %s %s", sdk.ToString(f.FlowLogId), f.TrafficType, sdk.ToString(f.DeliverLogsStatus), sdk.ToString(f.DeliverLogsErrorMessage))
		buckets = append(buckets, strings.TrimPrefix(sdk.ToString(f.LogDestination), "arn:aws:s3:::"))
	}
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	for _, b := range buckets {
		pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: sdk.String(b)})
		if err != nil {
			t.Fatalf("the policy of bucket %s: %v", b, err)
		}
		check("S3.5", strings.Contains(sdk.ToString(pol.Policy), `"aws:SecureTransport":"false"`), "bucket %s takes plain HTTP", b)
		pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: sdk.String(b)})
		if err != nil {
			t.Fatalf("the public access block of bucket %s: %v", b, err)
		}
		p := pab.PublicAccessBlockConfiguration
		check("S3.8", sdk.ToBool(p.BlockPublicAcls) && sdk.ToBool(p.IgnorePublicAcls) && sdk.ToBool(p.BlockPublicPolicy) && sdk.ToBool(p.RestrictPublicBuckets),
			"bucket %s does not block public access: %+v", b, p)
	}
}

func openToWorld(p ec2types.IpPermission) bool {
	for _, r := range p.IpRanges {
		if sdk.ToString(r.CidrIp) == "0.0.0.0/0" {
			return true
		}
	}
	for _, r := range p.Ipv6Ranges {
		if sdk.ToString(r.CidrIpv6) == "::/0" {
			return true
		}
	}
	return false
}

func tagValue(tags []ec2types.Tag, key string) string {
	for _, t := range tags {
		if sdk.ToString(t.Key) == key {
			return sdk.ToString(t.Value)
		}
	}
	return ""
}
