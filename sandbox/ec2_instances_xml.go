package sandbox

import "strings"

// This file holds the XML shapes EC2 answers instances with
// (RunInstances, DescribeInstances).

type stateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateOf(state string) stateXML { return stateXML{Code: stateCode(state), Name: state} }

type groupXML struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type reservationXML struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Groups        []groupXML    `xml:"groupSet>item"`
	Instances     []instanceXML `xml:"instancesSet>item"`
}

type stateReasonXML struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type instanceBDMXML struct {
	DeviceName string `xml:"deviceName"`
	Ebs        struct {
		VolumeID            string `xml:"volumeId"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"ebs"`
}

type instanceENIXML struct {
	ID          string     `xml:"networkInterfaceId"`
	SubnetID    string     `xml:"subnetId"`
	VpcID       string     `xml:"vpcId"`
	Description string     `xml:"description"`
	OwnerID     string     `xml:"ownerId"`
	Status      string     `xml:"status"`
	MAC         string     `xml:"macAddress,omitempty"`
	PrivateIP   string     `xml:"privateIpAddress"`
	PrivateDNS  string     `xml:"privateDnsName"`
	SourceDest  bool       `xml:"sourceDestCheck"`
	Groups      []groupXML `xml:"groupSet>item"`
	Attachment  struct {
		ID                  string `xml:"attachmentId,omitempty"`
		DeviceIndex         int    `xml:"deviceIndex"`
		Status              string `xml:"status"`
		AttachTime          string `xml:"attachTime"`
		DeleteOnTermination bool   `xml:"deleteOnTermination"`
	} `xml:"attachment"`
	Association *struct {
		PublicIP      string `xml:"publicIp"`
		PublicDNSName string `xml:"publicDnsName"`
		IPOwnerID     string `xml:"ipOwnerId"`
	} `xml:"association,omitempty"`
	InterfaceType string `xml:"interfaceType"`
}

type instanceXML struct {
	InstanceID     string           `xml:"instanceId"`
	ImageID        string           `xml:"imageId"`
	State          stateXML         `xml:"instanceState"`
	PrivateDNSName string           `xml:"privateDnsName"`
	DNSName        string           `xml:"dnsName"`
	Reason         string           `xml:"reason"`
	KeyName        string           `xml:"keyName,omitempty"`
	AMILaunchIndex int              `xml:"amiLaunchIndex"`
	InstanceType   string           `xml:"instanceType"`
	LaunchTime     string           `xml:"launchTime"`
	Placement      placementXML     `xml:"placement"`
	Monitoring     monitoringXML    `xml:"monitoring"`
	SubnetID       string           `xml:"subnetId,omitempty"`
	VpcID          string           `xml:"vpcId,omitempty"`
	PrivateIP      string           `xml:"privateIpAddress,omitempty"`
	PublicIP       string           `xml:"ipAddress,omitempty"`
	SourceDest     bool             `xml:"sourceDestCheck"`
	Groups         []groupXML       `xml:"groupSet>item"`
	StateReason    *stateReasonXML  `xml:"stateReason,omitempty"`
	Architecture   string           `xml:"architecture"`
	RootDeviceType string           `xml:"rootDeviceType"`
	RootDeviceName string           `xml:"rootDeviceName"`
	BlockDevices   []instanceBDMXML `xml:"blockDeviceMapping>item"`
	Virtualization string           `xml:"virtualizationType"`
	ClientToken    string           `xml:"clientToken"`
	Tags           []xmlTag         `xml:"tagSet>item"`
	Hypervisor     string           `xml:"hypervisor"`
	ENIs           []instanceENIXML `xml:"networkInterfaceSet>item"`
	IAMProfile     *struct {
		Arn string `xml:"arn"`
		ID  string `xml:"id"`
	} `xml:"iamInstanceProfile,omitempty"`
	EbsOptimized    bool               `xml:"ebsOptimized"`
	EnaSupport      bool               `xml:"enaSupport"`
	MetadataOptions metadataOptionsXML `xml:"metadataOptions"`
	PlatformDetails string             `xml:"platformDetails"`
	UsageOperation  string             `xml:"usageOperation"`
}

type placementXML struct {
	AZ      string `xml:"availabilityZone"`
	AZID    string `xml:"availabilityZoneId"`
	Tenancy string `xml:"tenancy"`
}

type monitoringXML struct {
	State string `xml:"state"`
}

type metadataOptionsXML struct {
	State        string `xml:"state"`
	HTTPTokens   string `xml:"httpTokens"`
	HopLimit     int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint string `xml:"httpEndpoint"`
	IPv6         string `xml:"httpProtocolIpv6"`
	Tags         string `xml:"instanceMetadataTags"`
}

// publicDNSName is the public hostname of a public IP.
func publicDNSName(region, ip string) string {
	host := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return host + ".compute-1.amazonaws.com"
	}
	return host + "." + region + ".compute.amazonaws.com"
}

func reservationXMLOf(r *Region, id string, instances []*Instance) reservationXML {
	out := reservationXML{ReservationID: id, OwnerID: AccountID}
	for _, in := range instances {
		out.Instances = append(out.Instances, instanceXMLOf(r, in))
	}
	return out
}

func instanceXMLOf(r *Region, in *Instance) instanceXML {
	x := instanceXML{
		InstanceID:     in.ID,
		ImageID:        in.ImageID,
		State:          stateOf(in.State),
		KeyName:        in.KeyName,
		AMILaunchIndex: in.LaunchIndex,
		InstanceType:   in.InstanceType,
		LaunchTime:     xmlTime(in.LaunchTime),
		Placement:      placementXML{AZ: in.AZ, AZID: azID(r.Name, in.AZ), Tenancy: "default"},
		Monitoring:     monitoringXML{State: "disabled"},
		SubnetID:       in.SubnetID,
		VpcID:          in.VpcID,
		PrivateIP:      in.PrivateIP,
		PublicIP:       in.PublicIP,
		SourceDest:     true,
		Architecture:   in.Architecture,
		RootDeviceType: "ebs",
		RootDeviceName: in.RootDevice,
		Virtualization: "hvm",
		ClientToken:    in.ClientToken,
		Tags:           xmlTags(in.Tags),
		Hypervisor:     "xen",
		EnaSupport:     true,
		MetadataOptions: metadataOptionsXML{
			State: "applied", HTTPTokens: in.HTTPTokens, HopLimit: 2, HTTPEndpoint: "enabled", IPv6: "disabled", Tags: "disabled",
		},
		PlatformDetails: "Linux/UNIX",
		UsageOperation:  "RunInstances",
	}
	if in.State == statePending {
		x.MetadataOptions.State = "pending"
	}
	if in.PrivateIP != "" {
		x.PrivateDNSName = privateDNSName(r.Name, in.PrivateIP)
	}
	if in.PublicIP != "" && in.State != stateStopped {
		x.DNSName = publicDNSName(r.Name, in.PublicIP)
	}
	if in.StateReason != "" {
		// EC2's message repeats the code: "Client.UserInitiatedShutdown: User initiated shutdown".
		code, _, _ := strings.Cut(in.StateReason, ": ")
		x.StateReason = &stateReasonXML{Code: code, Message: in.StateReason}
		x.Reason = "User initiated (" + in.TerminatedAt.UTC().Format("2006-01-02 15:04:05") + " GMT" + ")"
		if in.State == stateStopped || in.State == stateStopping {
			x.Reason = "User initiated"
		}
	}
	if in.IAMInstanceProfileArn != "" {
		x.IAMProfile = &struct {
			Arn string `xml:"arn"`
			ID  string `xml:"id"`
		}{in.IAMInstanceProfileArn, in.IAMInstanceProfileID}
	}
	if in.State == stateTerminated {
		// A terminated instance has left its network: EC2 shows no subnet, VPC or groups.
		x.SubnetID, x.VpcID = "", ""
		return x
	}
	for _, g := range in.SecurityGroups {
		x.Groups = append(x.Groups, groupXML{GroupID: g, GroupName: groupName(r, g)})
	}
	bdm := instanceBDMXML{DeviceName: in.RootDevice}
	bdm.Ebs.VolumeID, bdm.Ebs.Status, bdm.Ebs.AttachTime, bdm.Ebs.DeleteOnTermination = in.VolumeID, "attached", xmlTime(in.LaunchTime), true
	x.BlockDevices = []instanceBDMXML{bdm}
	if eni := r.EC2.Network.ENIs[in.ENIID]; eni != nil {
		e := instanceENIXML{
			ID: eni.ID, SubnetID: eni.SubnetID, VpcID: eni.VpcID, Description: eni.Description, OwnerID: AccountID,
			Status: "in-use", MAC: eni.MAC, PrivateIP: eni.PrivateIP, PrivateDNS: x.PrivateDNSName, SourceDest: true,
			Groups: x.Groups, InterfaceType: "interface",
		}
		e.Attachment.ID, e.Attachment.Status, e.Attachment.AttachTime, e.Attachment.DeleteOnTermination = eni.AttachmentID, "attached", xmlTime(in.LaunchTime), true
		if in.PublicIP != "" {
			e.Association = &struct {
				PublicIP      string `xml:"publicIp"`
				PublicDNSName string `xml:"publicDnsName"`
				IPOwnerID     string `xml:"ipOwnerId"`
			}{in.PublicIP, x.DNSName, "amazon"}
		}
		x.ENIs = []instanceENIXML{e}
	}
	return x
}

func groupName(r *Region, id string) string {
	if sg := r.securityGroup(id); sg != nil {
		return sg.Name
	}
	return ""
}
