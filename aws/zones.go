package aws

import (
	"context"
	"fmt"
	"slices"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

type zonesAPI interface {
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
	DescribeInstanceTypeOfferings(context.Context, *ec2.DescribeInstanceTypeOfferingsInput, ...func(*ec2.Options)) (*ec2.DescribeInstanceTypeOfferingsOutput, error)
}

// Zones answers which Availability Zones the region offers.
type Zones struct{ api zonesAPI }

// Available returns the names of the region's available Availability
// Zones (not Local or Wavelength Zones), in AWS's order.
func (z *Zones) Available(ctx context.Context) ([]string, error) {
	out, err := z.api.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
		Filters: []ec2types.Filter{
			{Name: sdk.String("state"), Values: []string{"available"}},
			{Name: sdk.String("zone-type"), Values: []string{"availability-zone"}},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("describe availability zones: %w", err)
	}
	names := make([]string, 0, len(out.AvailabilityZones))
	for _, az := range out.AvailabilityZones {
		names = append(names, deref(az.ZoneName))
	}
	return names, nil
}

// Offering returns the Availability Zones of the region where
// instanceType can be launched, sorted. A type is not offered in every
// zone (t3 is not in us-east-1e; new families reach zones one by one),
// and an Auto Scaling group spread over a zone without it cannot launch
// there.
func (z *Zones) Offering(ctx context.Context, instanceType string) ([]string, error) {
	p := ec2.NewDescribeInstanceTypeOfferingsPaginator(z.api, &ec2.DescribeInstanceTypeOfferingsInput{
		LocationType: ec2types.LocationTypeAvailabilityZone,
		Filters:      []ec2types.Filter{{Name: sdk.String("instance-type"), Values: []string{instanceType}}},
	})
	var out []string
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe where %s is offered: %w", instanceType, err)
		}
		for _, o := range page.InstanceTypeOfferings {
			out = append(out, deref(o.Location))
		}
	}
	slices.Sort(out)
	return out, nil
}
