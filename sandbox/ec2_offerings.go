package sandbox

import (
	"slices"
	"strings"
)

// lateFamilies are the families the sandbox offers only in a region's "b"
// and "c" zones. On AWS a new family reaches a region's zones one at a
// time and some zones never get some families (t3 is not offered in
// us-east-1e): a rehearsal must be able to meet a type that is not
// everywhere.
var lateFamilies = []string{"c7i", "m7i"}

// offeredIn reports whether the sandbox offers type name in zone.
func offeredIn(name, zone string) bool {
	family, _, _ := strings.Cut(name, ".")
	return !slices.Contains(lateFamilies, family) || !strings.HasSuffix(zone, "a")
}

type xmlOffering struct {
	InstanceType string `xml:"instanceType"`
	LocationType string `xml:"locationType"`
	Location     string `xml:"location"`
}

// describeInstanceTypeOfferings answers where each type is offered: by
// region (the default), availability-zone or availability-zone-id, with
// the instance-type and location filters.
func describeInstanceTypeOfferings(c *call) (any, error) {
	locType := c.p.Get("LocationType")
	if locType == "" {
		locType = "region"
	}
	if locType != "region" && locType != "availability-zone" && locType != "availability-zone-id" {
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter locationType is invalid", locType)
	}
	fs := filterSet(c.p.Filters())
	var out []xmlOffering
	for _, t := range allInstanceTypes() {
		var locations []string
		switch locType {
		case "region":
			locations = []string{c.region}
		default:
			for _, z := range AZs(c.region) {
				if !offeredIn(t.Name, z) {
					continue
				}
				if locType == "availability-zone-id" {
					z = azID(c.region, z)
				}
				locations = append(locations, z)
			}
		}
		for _, loc := range locations {
			o := xmlOffering{InstanceType: t.Name, LocationType: locType, Location: loc}
			ok, err := fs.match(nil, func(name string) ([]string, bool) {
				switch name {
				case "instance-type":
					return []string{o.InstanceType}, true
				case "location":
					return []string{o.Location}, true
				}
				return nil, false
			})
			if err != nil {
				return nil, err
			}
			if ok {
				out = append(out, o)
			}
		}
	}
	return struct {
		Offerings []xmlOffering `xml:"instanceTypeOfferingSet>item"`
	}{out}, nil
}
