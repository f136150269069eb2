package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// Firewall wraps the ec2 calls stackwiz makes.
type Firewall struct{ api firewallAPI }

// firewallAPI lists only the SDK methods Firewall calls.
type firewallAPI interface {
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}
