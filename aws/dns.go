package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/route53"
)

// DNS wraps the route53 calls stackwiz makes.
type DNS struct{ api dnsAPI }

// dnsAPI lists only the SDK methods DNS calls.
type dnsAPI interface {
	ListHostedZones(context.Context, *route53.ListHostedZonesInput, ...func(*route53.Options)) (*route53.ListHostedZonesOutput, error)
}
