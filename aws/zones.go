package aws

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

type zonesAPI interface {
	DescribeAvailabilityZones(context.Context, *ec2.DescribeAvailabilityZonesInput, ...func(*ec2.Options)) (*ec2.DescribeAvailabilityZonesOutput, error)
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
