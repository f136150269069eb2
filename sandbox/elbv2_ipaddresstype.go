package sandbox

import "strings"

// A dualstack load balancer answers over IPv6 too: its VPC and every
// subnet it is in must have an IPv6 block ("Dualstack requirements",
// Elastic Load Balancing User Guide, "IP address types for your
// Application Load Balancer"). The type can change at any time with
// SetIpAddressType.

// checkDualstackSubnets refuses a dualstack type when a subnet has no
// IPv6 block.
func checkDualstackSubnets(c *call, ipType string, subnets []LBSubnet) error {
	if !strings.HasPrefix(ipType, "dualstack") {
		return nil
	}
	for _, lbsn := range subnets {
		if sn := c.r.EC2.Network.Subnets[lbsn.SubnetID]; sn == nil || sn.IPv6CIDR == "" {
			return errBadRequest("InvalidConfigurationRequest", "Subnet '%s' has no IPv6 CIDR block: IP address type '%s' needs one on every subnet of the load balancer", lbsn.SubnetID, ipType)
		}
	}
	return nil
}

func elbSetIPAddressType(c *call) (any, error) {
	lb, aerr := c.r.ELB.loadBalancer(c.p.Get("LoadBalancerArn"))
	if aerr != nil {
		return nil, aerr
	}
	ipType := c.p.Get("IpAddressType")
	switch ipType {
	case "":
		return nil, errMissing("IpAddressType")
	case "ipv4", "dualstack":
	case "dualstack-without-public-ipv4":
		if lb.Scheme != "internet-facing" {
			return nil, errBadRequest("ValidationError", "IP address type 'dualstack-without-public-ipv4' needs an internet-facing load balancer")
		}
	default:
		return nil, errBadRequest("ValidationError", "IP address type '%s' must be one of [ipv4, dualstack, dualstack-without-public-ipv4]", ipType)
	}
	if err := checkDualstackSubnets(c, ipType, lb.Subnets); err != nil {
		return nil, err
	}
	lb.IPAddressType = ipType
	return struct {
		IPAddressType string `xml:"IpAddressType"`
	}{ipType}, nil
}
