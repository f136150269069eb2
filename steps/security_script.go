package steps

import (
	"fmt"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Script writes the security groups and the bastion as AWS CLI commands.
// It reads VPC_ID and PUBLIC_SUBNET_IDS and sets ALB_SG_ID, APP_SG_ID, and
// with a bastion BASTION_SG_ID, BASTION_ID and BASTION_IP.
func (securityStep) Script(s *spec.Spec, w *Script) {
	group := func(v, key, name, what string) {
		w.Capture(v, fmt.Sprintf("aws ec2 create-security-group --vpc-id \"$VPC_ID\" --group-name %s \\\n  --description %s \\\n  --tag-specifications %s",
			shellQuote(name), shellQuote("stackwiz "+s.Name+" "+what), TagSpec("security-group", s.Name, StepSecurity, key, name)), "GroupId")
	}
	perm := func(port int, source string) string {
		return fmt.Sprintf("IpProtocol=tcp,FromPort=%d,ToPort=%d,%s", port, port, source)
	}
	anywhere := "IpRanges=[{CidrIp=0.0.0.0/0}]"
	if dualstack(s) {
		w.Comment("The load balancer's group: HTTP and HTTPS from anywhere, over IPv4 and IPv6 (dualstack).")
		anywhere += ",Ipv6Ranges=[{CidrIpv6=::/0}]"
	} else {
		w.Comment("The load balancer's group: HTTP and HTTPS from anywhere (add Ipv6Ranges=[{CidrIpv6=::/0}]")
		w.Comment("to each when the VPC has an IPv6 block).")
	}
	group("ALB_SG_ID", keySGALB, s.Name+"-alb", "load balancer: HTTP and HTTPS from the internet")
	w.Line(`aws ec2 authorize-security-group-ingress --group-id "$ALB_SG_ID" --ip-permissions \`)
	w.Line("  %s \\", shellQuote(perm(portHTTP, anywhere)))
	w.Line("  %s", shellQuote(perm(portHTTPS, anywhere)))
	b := s.Network.Bastion
	if b.Enabled {
		if b.SSHFrom == spec.SSHFromAuto {
			w.Comment("SSH to the bastion from this machine's public address only.")
			w.Line(`SSH_FROM="$(curl -fsS --max-time 5 %s)/32"`, "https://checkip.amazonaws.com")
		} else {
			if strings.HasSuffix(b.SSHFrom, "/0") {
				w.Comment("WARNING: %s opens SSH to the whole internet; prefer your address as a /32.", b.SSHFrom)
			}
			w.Line("SSH_FROM=%s", shellQuote(b.SSHFrom))
		}
		group("BASTION_SG_ID", keySGBastion, s.Name+"-bastion", "bastion: SSH from network.bastion.ssh_from only")
		w.Line(`aws ec2 authorize-security-group-ingress --group-id "$BASTION_SG_ID" --ip-permissions \`)
		w.Line(`  "%s"`, perm(portSSH, "IpRanges=[{CidrIp=$SSH_FROM}]"))
	}
	w.Comment("The app's group: the app port from the load balancer's group only (a group rule, not a CIDR)%s.",
		map[bool]string{true: ", SSH from the bastion's group only", false: ""}[b.Enabled])
	group("APP_SG_ID", keySGApp, s.Name+"-app", "app instances: the app port from the load balancer only")
	w.Line(`aws ec2 authorize-security-group-ingress --group-id "$APP_SG_ID" --ip-permissions \`)
	if b.Enabled {
		w.Line(`  "%s" \`, perm(s.Instance.Port, "UserIdGroupPairs=[{GroupId=$ALB_SG_ID}]"))
		w.Line(`  "%s"`, perm(portSSH, "UserIdGroupPairs=[{GroupId=$BASTION_SG_ID}]"))
	} else {
		w.Line(`  "%s"`, perm(s.Instance.Port, "UserIdGroupPairs=[{GroupId=$ALB_SG_ID}]"))
	}
	securityEgressScript(s, w, perm)
	if !b.Enabled {
		return
	}
	w.Comment("The bastion: current Amazon Linux 2023, IMDSv2 only, encrypted root volume (/dev/xvda on AL2023).")
	cmd := fmt.Sprintf("aws ec2 run-instances --image-id resolve:ssm:%s \\\n  --instance-type %s --subnet-id \"${PUBLIC_SUBNET_IDS%%%% *}\" --security-group-ids \"$BASTION_SG_ID\" \\\n",
		al2023Parameter(s.Architecture()), bastionType(s))
	if s.Instance.KeyName != "" {
		cmd += fmt.Sprintf("  --key-name %s \\\n", shellQuote(s.Instance.KeyName))
	} else {
		w.Comment("No instance.key_name: connect with `aws ec2-instance-connect ssh --instance-id \"$BASTION_ID\"`.")
	}
	cmd += "  --metadata-options HttpTokens=required,HttpEndpoint=enabled \\\n" +
		"  --block-device-mappings 'DeviceName=/dev/xvda,Ebs={VolumeType=gp3,Encrypted=true,DeleteOnTermination=true}' \\\n" +
		"  --tag-specifications " + TagSpec("instance", s.Name, StepSecurity, keyBastion, s.Name+"-bastion") + " \\\n" +
		"    " + TagSpec("volume", s.Name, StepSecurity, keyBastion, s.Name+"-bastion")
	w.Capture("BASTION_ID", cmd, "Instances[0].InstanceId")
	w.Line(`aws ec2 wait instance-running --instance-ids "$BASTION_ID"`)
	w.Capture("BASTION_IP", `aws ec2 describe-instances --instance-ids "$BASTION_ID"`, "Reservations[0].Instances[0].PublicIpAddress")
}

// securityEgressScript replaces each group's allow-all egress with what
// the stack needs (security_egress.go); instance.egress: all keeps it.
func securityEgressScript(s *spec.Spec, w *Script, perm func(port int, peer string) string) {
	if s.Instance.Egress == spec.EgressAll {
		return
	}
	anywhere := "IpRanges=[{CidrIp=0.0.0.0/0}]"
	egress := func(group string, perms ...string) {
		w.Line(`aws ec2 authorize-security-group-egress --group-id "$%s" --ip-permissions \`, group)
		for i, p := range perms {
			// Double quotes: a group peer names a shell variable.
			w.Line("  \"%s\"%s", p, map[bool]string{true: " \\", false: ""}[i < len(perms)-1])
		}
		w.Line(`aws ec2 revoke-security-group-egress --group-id "$%s" --ip-permissions 'IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]'`, group)
	}
	w.Comment("Egress: only what the stack needs. DNS, NTP and instance metadata need no rule.")
	w.Comment("The load balancer reaches the app port of the app's group only.")
	egress("ALB_SG_ID", perm(s.Instance.Port, "UserIdGroupPairs=[{GroupId=$APP_SG_ID}]"))
	var app []string
	for _, p := range appEgressPorts(s) {
		app = append(app, perm(p, anywhere))
	}
	w.Comment("The app instances reach these TCP ports anywhere (HTTPS: SSM, CloudWatch, AWS APIs, package mirrors).")
	egress("APP_SG_ID", app...)
	if s.Network.Bastion.Enabled {
		w.Comment("The bastion reaches SSH on the app's group and HTTPS anywhere.")
		egress("BASTION_SG_ID", perm(portSSH, "UserIdGroupPairs=[{GroupId=$APP_SG_ID}]"), perm(portHTTPS, anywhere))
	}
}
