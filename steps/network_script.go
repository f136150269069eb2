package steps

import (
	"fmt"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Script writes the network as AWS CLI commands. It sets VPC_ID,
// PUBLIC_SUBNET_IDS and PRIVATE_SUBNET_IDS (space-separated, in AZ order;
// PRIVATE_SUBNET_IDS is empty without NAT or with the default VPC).
func (networkStep) Script(s *spec.Spec, w *Script) {
	defer scriptFlowLogs(s, w) // once VPC_ID is set, whichever VPC it is
	n := s.Network
	azQuery := "aws ec2 describe-availability-zones --filters Name=state,Values=available Name=zone-type,Values=availability-zone"
	switch n.VPC {
	case spec.VPCDefault:
		w.Comment("The region's default VPC and its default subnet in each of the first %d AZs: nothing is created.", n.AZs)
		w.Capture("VPC_ID", "aws ec2 describe-vpcs --filters Name=is-default,Values=true", "Vpcs[0].VpcId")
		w.Line(`read -r -a AZS <<< "$(%s --query 'sort(AvailabilityZones[].ZoneName)' --output text)"`, azQuery)
		w.Line(`PUBLIC_SUBNET_IDS=""`)
		w.Line(`for AZ in "${AZS[@]:0:%d}"; do`, n.AZs)
		w.Line(`  PUBLIC_SUBNET_IDS+="$(aws ec2 describe-subnets --filters Name=vpc-id,Values="$VPC_ID" Name=default-for-az,Values=true Name=availability-zone,Values="$AZ" --query 'Subnets[0].SubnetId' --output text) "`)
		w.Line("done")
		w.Line(`PUBLIC_SUBNET_IDS="${PUBLIC_SUBNET_IDS% }"`)
		w.Line(`PRIVATE_SUBNET_IDS=""`)
		return
	case spec.VPCNew:
	default:
		w.Comment("An existing VPC: nothing is created. Public subnets are those whose route table sends")
		w.Comment("0.0.0.0/0 to an internet gateway; set both lists to one subnet per AZ, %d AZs.", n.AZs)
		w.Line("VPC_ID=%s", shellQuote(n.VPC))
		w.Line(`PUBLIC_SUBNET_IDS="subnet-... subnet-..."`)
		w.Line(`PRIVATE_SUBNET_IDS=""`)
		return
	}
	plan, err := s.SubnetPlan()
	if err != nil {
		w.Comment("No plan: %v", err)
		return
	}
	tag := func(rt, key, name string) string { return TagSpec(rt, s.Name, StepNetwork, key, name) }
	w.Comment("A new VPC with DNS hostnames, so instances get names.")
	ipv6 := ""
	if dualstack(s) {
		w.Comment("load_balancer.ip_address_type is dualstack: the VPC also gets an Amazon-provided IPv6 /56.")
		ipv6 = " --amazon-provided-ipv6-cidr-block"
	}
	w.Capture("VPC_ID", fmt.Sprintf("aws ec2 create-vpc --cidr-block %s%s \\\n  --tag-specifications %s", n.CIDR, ipv6, tag("vpc", keyVPC, s.Name+"-vpc")), "Vpc.VpcId")
	scriptVPCIPv6(s, w)
	w.Line(`aws ec2 modify-vpc-attribute --vpc-id "$VPC_ID" --enable-dns-hostnames '{"Value":true}'`)
	w.Comment("The VPC's default security group keeps no rules: nothing of the stack uses it (Security Hub EC2.2).")
	w.Capture("DEFAULT_SG_ID", `aws ec2 describe-security-groups --filters Name=vpc-id,Values="$VPC_ID" Name=group-name,Values=default`, "SecurityGroups[0].GroupId")
	w.Line(`aws ec2 revoke-security-group-ingress --group-id "$DEFAULT_SG_ID" --ip-permissions "IpProtocol=-1,UserIdGroupPairs=[{GroupId=$DEFAULT_SG_ID}]"`)
	w.Line(`aws ec2 revoke-security-group-egress --group-id "$DEFAULT_SG_ID" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'`)
	w.Line(`read -r -a AZS <<< "$(%s --query 'sort(AvailabilityZones[].ZoneName)' --output text)"`, azQuery)
	w.Comment("The internet gateway: the public subnets' way out.")
	w.Capture("IGW_ID", "aws ec2 create-internet-gateway --tag-specifications "+tag("internet-gateway", keyIGW, s.Name+"-igw"), "InternetGateway.InternetGatewayId")
	w.Line(`aws ec2 attach-internet-gateway --internet-gateway-id "$IGW_ID" --vpc-id "$VPC_ID"`)
	w.Comment("Subnets: a public and (with NAT) a private one per AZ. AWS keeps 5 addresses of each.")
	vars := map[spec.SubnetTier][]string{}
	for _, p := range plan {
		v := fmt.Sprintf("%s_SUBNET_%d", strings.ToUpper(p.Tier.String()), p.AZIndex+1)
		vars[p.Tier] = append(vars[p.Tier], "$"+v)
		w.Capture(v, fmt.Sprintf("aws ec2 create-subnet --vpc-id \"$VPC_ID\" --cidr-block %s%s --availability-zone \"${AZS[%d]}\" \\\n  --tag-specifications %s",
			p.CIDR, subnetIPv6Arg(s, p), p.AZIndex, tag("subnet", keySubnet(p.Tier, p.AZIndex), p.Name)), "Subnet.SubnetId")
		if p.Tier == spec.SubnetPublic {
			w.Line(`aws ec2 modify-subnet-attribute --subnet-id "$%s" --map-public-ip-on-launch`, v)
		}
	}
	w.Comment("One public route table: 0.0.0.0/0 to the internet gateway.")
	w.Capture("PUBLIC_RT_ID", fmt.Sprintf("aws ec2 create-route-table --vpc-id \"$VPC_ID\" --tag-specifications %s", tag("route-table", keyPublicRouteTab, s.Name+"-public")), "RouteTable.RouteTableId")
	w.Line(`aws ec2 create-route --route-table-id "$PUBLIC_RT_ID" --destination-cidr-block 0.0.0.0/0 --gateway-id "$IGW_ID"`)
	if dualstack(s) {
		w.Line(`aws ec2 create-route --route-table-id "$PUBLIC_RT_ID" --destination-ipv6-cidr-block ::/0 --gateway-id "$IGW_ID"`)
	}
	for _, v := range vars[spec.SubnetPublic] {
		w.Line(`aws ec2 associate-route-table --route-table-id "$PUBLIC_RT_ID" --subnet-id "%s"`, v)
	}
	if nats := natCount(n); nats > 0 {
		w.Comment("NAT gateways (%s): each in a public subnet with its own Elastic IP. Each costs about", n.NAT)
		w.Comment("$0.045/hour plus data processed, and every public IPv4 address $0.005/hour (us-east-1).")
		var ids []string
		for i := range nats {
			name := fmt.Sprintf("%s-nat-%d", s.Name, i+1)
			w.Capture(fmt.Sprintf("EIP_%d", i+1), "aws ec2 allocate-address --domain vpc --tag-specifications "+tag("elastic-ip", keyEIP(i), name), "AllocationId")
			w.Capture(fmt.Sprintf("NAT_%d", i+1), fmt.Sprintf("aws ec2 create-nat-gateway --subnet-id \"$PUBLIC_SUBNET_%d\" --allocation-id \"$EIP_%d\" \\\n  --tag-specifications %s",
				i+1, i+1, tag("natgateway", keyNAT(i), name)), "NatGateway.NatGatewayId")
			ids = append(ids, fmt.Sprintf(`"$NAT_%d"`, i+1))
		}
		w.Line("aws ec2 wait nat-gateway-available --nat-gateway-ids %s", strings.Join(ids, " "))
		w.Comment("A private route table per AZ: 0.0.0.0/0 to its NAT gateway.")
		for az := range n.AZs {
			v := fmt.Sprintf("PRIVATE_RT_%d", az+1)
			w.Capture(v, fmt.Sprintf("aws ec2 create-route-table --vpc-id \"$VPC_ID\" --tag-specifications %s",
				tag("route-table", keyPrivateRouteTab(az), fmt.Sprintf("%s-private-%d", s.Name, az+1))), "RouteTable.RouteTableId")
			w.Line(`aws ec2 create-route --route-table-id "$%s" --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$NAT_%d"`, v, natFor(n, az)+1)
			w.Line(`aws ec2 associate-route-table --route-table-id "$%s" --subnet-id "$PRIVATE_SUBNET_%d"`, v, az+1)
		}
	}
	w.Line(`PUBLIC_SUBNET_IDS="%s"`, strings.Join(vars[spec.SubnetPublic], " "))
	w.Line(`PRIVATE_SUBNET_IDS="%s"`, strings.Join(vars[spec.SubnetPrivate], " "))
}
