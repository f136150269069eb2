package aws

import (
	"slices"
	"strings"
)

// Purpose is what stackwiz needs an IAM action for. A set of purposes is
// a bit mask.
type Purpose uint8

// The purposes, as docs/iam-policy.json groups its statements.
const (
	// PurposeApply: plan and apply (reads, creates, updates).
	PurposeApply Purpose = 1 << iota
	// PurposeConsole: the day-to-day console (reads, fleet actions).
	PurposeConsole
	// PurposeDestroy: destroy (reads, deletes).
	PurposeDestroy
	// PurposeDoctor: `stackwiz doctor`'s own checks; optional, a denial
	// only makes a check unknown.
	PurposeDoctor
)

// Names lists the purposes in p: "apply", "console", "destroy", "doctor".
func (p Purpose) Names() []string {
	var out []string
	for _, x := range []struct {
		bit  Purpose
		name string
	}{{PurposeApply, "apply"}, {PurposeConsole, "console"}, {PurposeDestroy, "destroy"}, {PurposeDoctor, "doctor"}} {
		if p&x.bit != 0 {
			out = append(out, x.name)
		}
	}
	return out
}

func (p Purpose) String() string { return strings.Join(p.Names(), ", ") }

// RequiredAction is one IAM action stackwiz calls (or that AWS checks on
// its behalf) and what for.
type RequiredAction struct {
	Name     string // "ec2:RunInstances"
	Purposes Purpose
}

// RequiredActions lists every IAM action stackwiz needs, sorted by name.
// It is the operations the adapters of this package call (a test keeps
// the two in step) plus the actions AWS authorizes implicitly with them:
// tag-on-create (ec2:CreateTags, iam:TagRole, ...), iam:PassRole when an
// instance gets a role, and iam:CreateServiceLinkedRole, which the first
// load balancer and Auto Scaling group of an account trigger.
func RequiredActions() []RequiredAction {
	out := []RequiredAction{
		{"acm:AddTagsToCertificate", PurposeApply},
		{"acm:DeleteCertificate", PurposeDestroy},
		{"acm:DescribeCertificate", PurposeApply | PurposeConsole | PurposeDestroy},
		{"acm:ListCertificates", PurposeApply | PurposeConsole | PurposeDestroy},
		{"acm:ListTagsForCertificate", PurposeApply | PurposeConsole | PurposeDestroy},
		{"acm:RemoveTagsFromCertificate", PurposeApply},
		{"acm:RequestCertificate", PurposeApply},

		{"autoscaling:AttachLoadBalancerTargetGroups", PurposeApply},
		{"autoscaling:CancelInstanceRefresh", PurposeConsole | PurposeDestroy},
		{"autoscaling:CreateAutoScalingGroup", PurposeApply},
		{"autoscaling:CreateOrUpdateTags", PurposeApply},
		{"autoscaling:DeleteAutoScalingGroup", PurposeDestroy},
		{"autoscaling:DeletePolicy", PurposeApply | PurposeDestroy},
		{"autoscaling:DescribeAutoScalingGroups", PurposeApply | PurposeConsole | PurposeDestroy},
		{"autoscaling:DescribeInstanceRefreshes", PurposeApply | PurposeConsole | PurposeDestroy},
		{"autoscaling:DescribePolicies", PurposeApply | PurposeConsole | PurposeDestroy},
		{"autoscaling:DescribeScalingActivities", PurposeApply | PurposeConsole | PurposeDestroy},
		{"autoscaling:DescribeTags", PurposeApply | PurposeConsole | PurposeDestroy},
		{"autoscaling:DetachLoadBalancerTargetGroups", PurposeApply | PurposeDestroy},
		{"autoscaling:EnterStandby", PurposeConsole},
		{"autoscaling:ExitStandby", PurposeConsole},
		{"autoscaling:PutScalingPolicy", PurposeApply},
		{"autoscaling:StartInstanceRefresh", PurposeApply | PurposeConsole},
		{"autoscaling:TerminateInstanceInAutoScalingGroup", PurposeConsole},
		{"autoscaling:UpdateAutoScalingGroup", PurposeApply | PurposeConsole | PurposeDestroy},

		{"cloudwatch:DeleteAlarms", PurposeDestroy},
		{"cloudwatch:DescribeAlarmHistory", PurposeConsole},
		{"cloudwatch:DescribeAlarms", PurposeApply | PurposeConsole | PurposeDestroy},
		{"cloudwatch:GetMetricData", PurposeConsole},
		{"cloudwatch:ListTagsForResource", PurposeApply | PurposeConsole | PurposeDestroy},
		{"cloudwatch:PutMetricAlarm", PurposeApply},

		{"ec2:AllocateAddress", PurposeApply},
		{"ec2:AssociateRouteTable", PurposeApply},
		{"ec2:AssociateSubnetCidrBlock", PurposeApply},
		{"ec2:AssociateVpcCidrBlock", PurposeApply},
		{"ec2:AttachInternetGateway", PurposeApply},
		{"ec2:AuthorizeSecurityGroupEgress", PurposeApply},
		{"ec2:AuthorizeSecurityGroupIngress", PurposeApply},
		{"ec2:CreateFlowLogs", PurposeApply},
		{"ec2:CreateImage", PurposeApply},
		{"ec2:CreateInternetGateway", PurposeApply},
		{"ec2:CreateLaunchTemplate", PurposeApply},
		{"ec2:CreateLaunchTemplateVersion", PurposeApply},
		{"ec2:CreateNatGateway", PurposeApply},
		{"ec2:CreateRoute", PurposeApply},
		{"ec2:CreateRouteTable", PurposeApply},
		{"ec2:CreateSecurityGroup", PurposeApply},
		{"ec2:CreateSubnet", PurposeApply},
		{"ec2:CreateVpc", PurposeApply},
		{"ec2:DeleteFlowLogs", PurposeApply | PurposeDestroy},
		{"ec2:DeleteInternetGateway", PurposeDestroy},
		{"ec2:DeleteLaunchTemplate", PurposeDestroy},
		{"ec2:DeleteNatGateway", PurposeDestroy},
		{"ec2:DeleteRouteTable", PurposeDestroy},
		{"ec2:DeleteSecurityGroup", PurposeDestroy},
		{"ec2:DeleteSubnet", PurposeDestroy},
		{"ec2:DeleteVpc", PurposeDestroy},
		{"ec2:DeregisterImage", PurposeApply | PurposeDestroy},
		{"ec2:DescribeAddresses", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeAvailabilityZones", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeFlowLogs", PurposeApply | PurposeDestroy},
		{"ec2:DescribeImages", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeInstanceTypeOfferings", PurposeApply},
		{"ec2:DescribeInstanceStatus", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeInstances", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeInternetGateways", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeKeyPairs", PurposeApply},
		{"ec2:DescribeLaunchTemplateVersions", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeLaunchTemplates", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeNatGateways", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeRegions", PurposeApply | PurposeConsole},
		{"ec2:DescribeRouteTables", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeSecurityGroups", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeSubnets", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeVpcAttribute", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DescribeVpcs", PurposeApply | PurposeConsole | PurposeDestroy},
		{"ec2:DetachInternetGateway", PurposeDestroy},
		{"ec2:DisassociateRouteTable", PurposeApply | PurposeDestroy},
		{"ec2:ModifyLaunchTemplate", PurposeApply},
		{"ec2:ModifySubnetAttribute", PurposeApply},
		{"ec2:ModifyVpcAttribute", PurposeApply},
		{"ec2:ReleaseAddress", PurposeDestroy},
		{"ec2:ReplaceRoute", PurposeApply},
		{"ec2:RevokeSecurityGroupEgress", PurposeApply | PurposeDestroy},
		{"ec2:RevokeSecurityGroupIngress", PurposeApply | PurposeDestroy},
		{"ec2:RunInstances", PurposeApply},
		{"ec2:TerminateInstances", PurposeApply | PurposeDestroy},

		{"elasticloadbalancing:AddTags", PurposeApply},
		{"elasticloadbalancing:CreateListener", PurposeApply},
		{"elasticloadbalancing:CreateLoadBalancer", PurposeApply},
		{"elasticloadbalancing:CreateTargetGroup", PurposeApply},
		{"elasticloadbalancing:DeleteListener", PurposeApply | PurposeDestroy},
		{"elasticloadbalancing:DeleteLoadBalancer", PurposeDestroy},
		{"elasticloadbalancing:DeleteTargetGroup", PurposeDestroy},
		{"elasticloadbalancing:DescribeListeners", PurposeApply | PurposeConsole | PurposeDestroy},
		{"elasticloadbalancing:DescribeLoadBalancerAttributes", PurposeApply},
		{"elasticloadbalancing:DescribeLoadBalancers", PurposeApply | PurposeConsole | PurposeDestroy},
		{"elasticloadbalancing:DescribeRules", PurposeConsole},
		{"elasticloadbalancing:DescribeSSLPolicies", PurposeApply},
		{"elasticloadbalancing:DescribeTags", PurposeApply | PurposeConsole | PurposeDestroy},
		{"elasticloadbalancing:DescribeTargetGroupAttributes", PurposeApply | PurposeConsole | PurposeDestroy},
		{"elasticloadbalancing:DescribeTargetGroups", PurposeApply | PurposeConsole | PurposeDestroy},
		{"elasticloadbalancing:DescribeTargetHealth", PurposeApply | PurposeConsole | PurposeDestroy},
		{"elasticloadbalancing:ModifyListener", PurposeApply},
		{"elasticloadbalancing:ModifyLoadBalancerAttributes", PurposeApply},
		{"elasticloadbalancing:ModifyTargetGroup", PurposeApply},
		{"elasticloadbalancing:ModifyTargetGroupAttributes", PurposeApply},
		{"elasticloadbalancing:RemoveTags", PurposeApply},
		{"elasticloadbalancing:SetIpAddressType", PurposeApply},

		{"iam:AddRoleToInstanceProfile", PurposeApply},
		{"iam:AttachRolePolicy", PurposeApply},
		{"iam:CreateInstanceProfile", PurposeApply},
		{"iam:CreateRole", PurposeApply},
		{"iam:DeleteInstanceProfile", PurposeDestroy},
		{"iam:DeleteRole", PurposeDestroy},
		{"iam:DeleteRolePolicy", PurposeDestroy},
		{"iam:DetachRolePolicy", PurposeDestroy},
		{"iam:GetInstanceProfile", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:GetRole", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:ListAttachedRolePolicies", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:ListInstanceProfiles", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:ListInstanceProfilesForRole", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:ListRolePolicies", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:ListRoles", PurposeApply | PurposeConsole | PurposeDestroy},
		{"iam:RemoveRoleFromInstanceProfile", PurposeDestroy},

		{"kms:CreateKey", PurposeApply},
		{"kms:DescribeKey", PurposeApply | PurposeDestroy},
		{"kms:ListKeys", PurposeApply | PurposeDestroy},
		{"kms:ListResourceTags", PurposeApply | PurposeDestroy},
		{"kms:ScheduleKeyDeletion", PurposeDestroy},

		{"route53:ChangeResourceRecordSets", PurposeApply | PurposeConsole | PurposeDestroy},
		{"route53:ChangeTagsForResource", PurposeApply},
		{"route53:CreateHostedZone", PurposeApply},
		{"route53:DeleteHostedZone", PurposeDestroy},
		{"route53:GetChange", PurposeApply | PurposeConsole | PurposeDestroy},
		{"route53:GetHostedZone", PurposeApply | PurposeConsole | PurposeDestroy},
		{"route53:ListHostedZones", PurposeApply | PurposeConsole | PurposeDestroy},
		{"route53:ListHostedZonesByName", PurposeApply | PurposeConsole | PurposeDestroy},
		{"route53:ListResourceRecordSets", PurposeApply | PurposeConsole | PurposeDestroy},
		{"route53:ListTagsForResources", PurposeApply | PurposeConsole | PurposeDestroy},

		// S3: the log buckets (load_balancer.access_logs, network.flow_logs).
		// S3's action names differ from its operations' where noted.
		{"s3:CreateBucket", PurposeApply},
		{"s3:DeleteBucket", PurposeDestroy},
		{"s3:DeleteObject", PurposeDestroy}, // DeleteObjects
		{"s3:GetBucketPolicy", PurposeApply | PurposeDestroy},
		{"s3:GetBucketTagging", PurposeApply | PurposeDestroy},
		{"s3:GetLifecycleConfiguration", PurposeApply},         // GetBucketLifecycleConfiguration
		{"s3:ListAllMyBuckets", PurposeApply | PurposeDestroy}, // ListBuckets
		{"s3:ListBucket", PurposeApply | PurposeDestroy},       // HeadBucket, ListObjectsV2
		{"s3:PutBucketPolicy", PurposeApply},
		{"s3:PutBucketPublicAccessBlock", PurposeApply}, // PutPublicAccessBlock
		{"s3:PutBucketTagging", PurposeApply},
		{"s3:PutEncryptionConfiguration", PurposeApply}, // PutBucketEncryption
		{"s3:PutLifecycleConfiguration", PurposeApply},  // PutBucketLifecycleConfiguration

		{"sns:CreateTopic", PurposeApply},
		{"sns:DeleteTopic", PurposeDestroy},
		{"sns:GetTopicAttributes", PurposeApply | PurposeConsole | PurposeDestroy},
		{"sns:ListSubscriptionsByTopic", PurposeApply | PurposeConsole | PurposeDestroy},
		{"sns:ListTagsForResource", PurposeApply | PurposeConsole | PurposeDestroy},
		{"sns:ListTopics", PurposeApply | PurposeConsole | PurposeDestroy},
		{"sns:SetTopicAttributes", PurposeApply},
		{"sns:Subscribe", PurposeApply},
		{"sns:Unsubscribe", PurposeDestroy},

		{"ssm:DeleteParameter", PurposeApply | PurposeDestroy},
		{"ssm:GetParameter", PurposeApply | PurposeDestroy},
		{"ssm:PutParameter", PurposeApply | PurposeDestroy},

		{"sts:GetCallerIdentity", PurposeApply | PurposeConsole | PurposeDestroy},

		// Authorized implicitly by the calls above.
		{"ec2:CreateTags", PurposeApply},
		{"iam:PassRole", PurposeApply | PurposeConsole},
		{"iam:TagRole", PurposeApply},
		{"iam:TagInstanceProfile", PurposeApply},
		{"iam:CreateServiceLinkedRole", PurposeApply},
		{"sns:TagResource", PurposeApply},
		{"cloudwatch:TagResource", PurposeApply},
		{"kms:TagResource", PurposeApply}, // CreateKey with tags
		// A flow log to S3 is a CloudWatch Logs delivery underneath: EC2
		// checks these on the caller when it creates and deletes one.
		{"logs:CreateLogDelivery", PurposeApply},
		{"logs:DeleteLogDelivery", PurposeApply | PurposeDestroy},

		// stackwiz doctor's own reads.
		{"iam:SimulatePrincipalPolicy", PurposeDoctor},
		{"ec2:DescribeAccountAttributes", PurposeDoctor},
		{"cloudwatch:ListMetrics", PurposeDoctor},
	}
	slices.SortFunc(out, func(a, b RequiredAction) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// RequiredActionsFor lists the actions needed for any of the purposes in p.
func RequiredActionsFor(p Purpose) []string {
	var out []string
	for _, a := range RequiredActions() {
		if a.Purposes&p != 0 {
			out = append(out, a.Name)
		}
	}
	return out
}
