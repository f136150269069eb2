package sandbox

import (
	"strings"
	"time"
)

// Address is an Elastic IP (domain vpc), possibly associated with a
// network interface.
type Address struct {
	AllocationID  string `json:"allocation_id"`
	PublicIP      string `json:"public_ip"`
	Domain        string `json:"domain"`
	AssociationID string `json:"association_id,omitempty"`
	ENIID         string `json:"eni_id,omitempty"`
	PrivateIP     string `json:"private_ip,omitempty"`
	Tags          []Tag  `json:"tags"`
}

func (a *Address) disassociate() { a.AssociationID, a.ENIID, a.PrivateIP = "", "", "" }

// NAT gateway states, as EC2 names them.
const (
	natPending   = "pending"
	natAvailable = "available"
	natFailed    = "failed"
	natDeleting  = "deleting"
	natDeleted   = "deleted"
)

// natRetention is how long a deleted or failed NAT gateway stays visible
// to DescribeNatGateways: AWS says "a short period of time (typically an
// hour)" (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html).
const natRetention = time.Hour

// maxAddresses is the default Elastic IP quota per region
// (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html).
const maxAddresses = 5

// NatGateway is a NAT gateway. It moves pending → available (or failed)
// and deleting → deleted on the clock, in tick.
type NatGateway struct {
	ID               string    `json:"id"`
	SubnetID         string    `json:"subnet_id"`
	VpcID            string    `json:"vpc_id"`
	ConnectivityType string    `json:"connectivity_type"`
	AllocationID     string    `json:"allocation_id,omitempty"`
	PublicIP         string    `json:"public_ip,omitempty"`
	PrivateIP        string    `json:"private_ip,omitempty"`
	ENIID            string    `json:"eni_id,omitempty"`
	State            string    `json:"state"`
	FailureCode      string    `json:"failure_code,omitempty"`
	FailureMessage   string    `json:"failure_message,omitempty"`
	CreateTime       time.Time `json:"create_time"`
	SettleAt         time.Time `json:"settle_at"` // when pending or deleting ends
	DeleteTime       time.Time `json:"delete_time,omitzero"`
	GoneAt           time.Time `json:"gone_at,omitzero"` // when a deleted or failed gateway disappears
	ClientToken      string    `json:"client_token,omitempty"`
	Tags             []Tag     `json:"tags"`
}

// tickNat settles one NAT gateway's state at now.
func (s *EC2Network) tickNat(r *Region, id string, n *NatGateway, now time.Time, d durations) {
	switch {
	case n.State == natPending && !now.Before(n.SettleAt):
		if n.FailureCode != "" {
			n.State, n.GoneAt = natFailed, now.Add(natRetention)
			r.deleteENIsOf(n.ID)
			return
		}
		n.State = natAvailable
	case n.State == natDeleting && !now.Before(n.SettleAt):
		n.State, n.GoneAt = natDeleted, now.Add(natRetention)
		// Its interface goes and its Elastic IP is free to release.
		r.deleteENIsOf(n.ID)
	case (n.State == natDeleted || n.State == natFailed) && !now.Before(n.GoneAt):
		delete(s.NatGateways, id)
	}
}

type xmlNatAddress struct {
	AllocationID       string `xml:"allocationId,omitempty"`
	NetworkInterfaceID string `xml:"networkInterfaceId,omitempty"`
	PrivateIP          string `xml:"privateIp,omitempty"`
	PublicIP           string `xml:"publicIp,omitempty"`
	AssociationID      string `xml:"associationId,omitempty"`
	IsPrimary          bool   `xml:"isPrimary"`
	Status             string `xml:"status"`
}

type xmlNat struct {
	NatGatewayID     string          `xml:"natGatewayId"`
	SubnetID         string          `xml:"subnetId"`
	VpcID            string          `xml:"vpcId"`
	State            string          `xml:"state"`
	ConnectivityType string          `xml:"connectivityType"`
	CreateTime       string          `xml:"createTime"`
	DeleteTime       string          `xml:"deleteTime,omitempty"`
	FailureCode      string          `xml:"failureCode,omitempty"`
	FailureMessage   string          `xml:"failureMessage,omitempty"`
	Addresses        []xmlNatAddress `xml:"natGatewayAddressSet>item"`
	Tags             []xmlTag        `xml:"tagSet>item"`
}

func (s *EC2Network) natXML(n *NatGateway) xmlNat {
	x := xmlNat{NatGatewayID: n.ID, SubnetID: n.SubnetID, VpcID: n.VpcID, State: n.State, ConnectivityType: n.ConnectivityType,
		CreateTime: xmlTime(n.CreateTime), Tags: xmlTags(n.Tags)}
	if !n.DeleteTime.IsZero() {
		x.DeleteTime = xmlTime(n.DeleteTime)
	}
	if n.State == natFailed {
		x.FailureCode, x.FailureMessage = n.FailureCode, n.FailureMessage
	}
	if n.ENIID != "" || n.AllocationID != "" {
		a := xmlNatAddress{AllocationID: n.AllocationID, NetworkInterfaceID: n.ENIID, PrivateIP: n.PrivateIP, PublicIP: n.PublicIP, IsPrimary: true}
		switch n.State {
		case natPending:
			a.Status = "associating"
		case natAvailable:
			a.Status = "succeeded"
		case natDeleting:
			a.Status = "disassociating"
		default:
			a.Status = "failed"
		}
		if eip := s.Addresses[n.AllocationID]; eip != nil && eip.ENIID == n.ENIID && n.ENIID != "" {
			a.AssociationID = eip.AssociationID
		}
		x.Addresses = []xmlNatAddress{a}
	}
	return x
}

func (n *NatGateway) fields(name string) ([]string, bool) {
	switch name {
	case "nat-gateway-id":
		return []string{n.ID}, true
	case "state":
		return []string{n.State}, true
	case "subnet-id":
		return []string{n.SubnetID}, true
	case "vpc-id":
		return []string{n.VpcID}, true
	}
	return nil, false
}

func createNatGateway(c *call) (any, error) {
	s := c.r.EC2.Network
	token := c.p.Get("ClientToken")
	if token != "" {
		for _, n := range s.NatGateways {
			if n.ClientToken == token {
				if n.SubnetID != c.p.Get("SubnetId") {
					return nil, errBadRequest("IdempotentParameterMismatch", "The client token %s was already used with different parameters.", token)
				}
				return struct {
					ClientToken string `xml:"clientToken"`
					NatGateway  xmlNat `xml:"natGateway"`
				}{token, s.natXML(n)}, nil
			}
		}
	}
	sn, err := subnetParam(c)
	if err != nil {
		return nil, err
	}
	ctype := c.p.Get("ConnectivityType")
	if ctype == "" {
		ctype = "public"
	}
	if ctype != "public" && ctype != "private" {
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter connectivityType is invalid.", ctype)
	}
	var eip *Address
	if ctype == "public" {
		allocID := c.p.Get("AllocationId")
		if allocID == "" {
			return nil, errMissing("AllocationId")
		}
		if eip = s.Addresses[allocID]; eip == nil {
			return nil, errBadRequest("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", allocID)
		}
	}
	tags, err := tagSpecs(c, "natgateway")
	if err != nil {
		return nil, err
	}
	n := &NatGateway{ID: c.w.newID("nat"), SubnetID: sn.ID, VpcID: sn.VpcID, ConnectivityType: ctype, State: natPending,
		CreateTime: c.now, SettleAt: c.now.Add(c.d.NATPending), ClientToken: token, Tags: tags}
	if eip != nil {
		n.AllocationID, n.PublicIP = eip.AllocationID, eip.PublicIP
	}
	s.NatGateways[n.ID] = n
	// AWS accepts the request and fails the gateway a little later for
	// these, with the failure codes it documents for NatGateway.FailureCode.
	switch {
	case ctype == "public" && !s.hasAttachedIGW(sn.VpcID):
		n.FailureCode, n.FailureMessage = "Gateway.NotAttached", "Network "+sn.VpcID+" has no Internet gateway attached"
	case eip != nil && eip.AssociationID != "":
		n.FailureCode, n.FailureMessage = "Resource.AlreadyAssociated", "Elastic IP address ["+eip.AllocationID+"] is already associated"
	}
	if n.FailureCode == "" {
		eni, apiErr := c.r.createENI(sn.ID, nil, n.ID, "nat_gateway", "Interface for NAT Gateway "+n.ID)
		if apiErr != nil {
			n.FailureCode, n.FailureMessage = apiErr.Code, apiErr.Message
		} else {
			n.ENIID, n.PrivateIP = eni.ID, eni.PrivateIP
			if eip != nil {
				eip.AssociationID, eip.ENIID, eip.PrivateIP = c.w.newID("eipassoc"), eni.ID, eni.PrivateIP
			}
		}
	}
	return struct {
		ClientToken string `xml:"clientToken,omitempty"`
		NatGateway  xmlNat `xml:"natGateway"`
	}{token, s.natXML(n)}, nil
}

func (s *EC2Network) hasAttachedIGW(vpcID string) bool {
	for _, ig := range s.InternetGateways {
		if ig.VpcID == vpcID {
			return true
		}
	}
	return false
}

func deleteNatGateway(c *call) (any, error) {
	s := c.r.EC2.Network
	id := c.p.Get("NatGatewayId")
	if id == "" {
		return nil, errMissing("NatGatewayId")
	}
	n := s.NatGateways[id]
	if n == nil || n.State == natDeleted {
		return nil, errBadRequest("NatGatewayNotFound", "The Nat Gateway %s was not found", id)
	}
	switch n.State {
	case natFailed:
		n.State, n.DeleteTime = natDeleted, c.now
	case natPending, natAvailable:
		n.State, n.DeleteTime, n.SettleAt = natDeleting, c.now, c.now.Add(c.d.NATDeleting)
	}
	return struct {
		NatGatewayID string `xml:"natGatewayId"`
	}{id}, nil
}

func describeNatGateways(c *call) (any, error) {
	s := c.r.EC2.Network
	nats, next, err := describe(c, s.NatGateways, "NatGatewayId", func(v *NatGateway) []Tag { return v.Tags },
		func(v *NatGateway) fieldFunc { return v.fields }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlNat, 0, len(nats))
	for _, n := range nats {
		out = append(out, s.natXML(n))
	}
	return struct {
		NatGateways []xmlNat `xml:"natGatewaySet>item"`
		NextToken   string   `xml:"nextToken,omitempty"`
	}{out, next}, nil
}

type xmlAddress struct {
	PublicIP                string   `xml:"publicIp"`
	AllocationID            string   `xml:"allocationId"`
	Domain                  string   `xml:"domain"`
	PublicIPv4Pool          string   `xml:"publicIpv4Pool"`
	NetworkBorderGroup      string   `xml:"networkBorderGroup"`
	AssociationID           string   `xml:"associationId,omitempty"`
	NetworkInterfaceID      string   `xml:"networkInterfaceId,omitempty"`
	NetworkInterfaceOwnerID string   `xml:"networkInterfaceOwnerId,omitempty"`
	PrivateIPAddress        string   `xml:"privateIpAddress,omitempty"`
	InstanceID              string   `xml:"instanceId,omitempty"`
	Tags                    []xmlTag `xml:"tagSet>item"`
}

func (s *EC2Network) addressXML(r *Region, a *Address) xmlAddress {
	x := xmlAddress{PublicIP: a.PublicIP, AllocationID: a.AllocationID, Domain: a.Domain, PublicIPv4Pool: "amazon",
		NetworkBorderGroup: r.Name, AssociationID: a.AssociationID, NetworkInterfaceID: a.ENIID, PrivateIPAddress: a.PrivateIP, Tags: xmlTags(a.Tags)}
	if e := s.ENIs[a.ENIID]; e != nil {
		x.NetworkInterfaceOwnerID = AccountID
		x.InstanceID = e.instanceID()
	}
	return x
}

func allocateAddress(c *call) (any, error) {
	s := c.r.EC2.Network
	domain := c.p.Get("Domain")
	if domain == "" {
		domain = "vpc"
	}
	if domain != "vpc" && domain != "standard" {
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter domain is invalid.", domain)
	}
	if len(s.Addresses) >= maxAddresses {
		return nil, errBadRequest("AddressLimitExceeded", "The maximum number of addresses has been reached.")
	}
	tags, err := tagSpecs(c, "elastic-ip")
	if err != nil {
		return nil, err
	}
	// EC2-Classic is gone: every address is a VPC address.
	a := &Address{AllocationID: c.w.newID("eipalloc"), PublicIP: c.r.allocatePublicIP(), Domain: "vpc", Tags: tags}
	s.Addresses[a.AllocationID] = a
	return struct {
		PublicIP           string `xml:"publicIp"`
		AllocationID       string `xml:"allocationId"`
		Domain             string `xml:"domain"`
		PublicIPv4Pool     string `xml:"publicIpv4Pool"`
		NetworkBorderGroup string `xml:"networkBorderGroup"`
	}{a.PublicIP, a.AllocationID, a.Domain, "amazon", c.region}, nil
}

func releaseAddress(c *call) (any, error) {
	s := c.r.EC2.Network
	id := c.p.Get("AllocationId")
	if id == "" {
		ip := c.p.Get("PublicIp")
		if ip == "" {
			return nil, errMissing("AllocationId")
		}
		for _, a := range s.Addresses {
			if a.PublicIP == ip {
				id = a.AllocationID
			}
		}
		if id == "" {
			return nil, errBadRequest("InvalidAddress.NotFound", "Address '%s' not found.", ip)
		}
	}
	a := s.Addresses[id]
	if a == nil {
		return nil, errBadRequest("InvalidAllocationID.NotFound", "The allocation ID '%s' does not exist", id)
	}
	if a.AssociationID != "" {
		return nil, errBadRequest("InvalidIPAddress.InUse", "Address %s is in use.", a.PublicIP)
	}
	delete(s.Addresses, id)
	return ec2Bool{true}, nil
}

func describeAddresses(c *call) (any, error) {
	s := c.r.EC2.Network
	wantIPs := c.p.List("PublicIp")
	for _, ip := range wantIPs {
		found := false
		for _, a := range s.Addresses {
			found = found || a.PublicIP == ip
		}
		if !found {
			return nil, errBadRequest("InvalidAddress.NotFound", "Address '%s' not found.", ip)
		}
	}
	addrs, _, err := describe(c, s.Addresses, "AllocationId", func(v *Address) []Tag { return v.Tags },
		func(a *Address) fieldFunc {
			return func(name string) ([]string, bool) {
				x := s.addressXML(c.r, a)
				switch name {
				case "allocation-id":
					return []string{a.AllocationID}, true
				case "association-id":
					return []string{a.AssociationID}, true
				case "domain":
					return []string{a.Domain}, true
				case "instance-id":
					return []string{x.InstanceID}, true
				case "network-interface-id":
					return []string{a.ENIID}, true
				case "network-interface-owner-id":
					return []string{x.NetworkInterfaceOwnerID}, true
				case "private-ip-address":
					return []string{a.PrivateIP}, true
				case "public-ip":
					return []string{a.PublicIP}, true
				case "network-border-group":
					return []string{c.region}, true
				}
				return nil, false
			}
		}, 0)
	if err != nil {
		return nil, err
	}
	out := make([]xmlAddress, 0, len(addrs))
	for _, a := range addrs {
		if len(wantIPs) > 0 && !containsFold(wantIPs, a.PublicIP) {
			continue
		}
		out = append(out, s.addressXML(c.r, a))
	}
	return struct {
		Addresses []xmlAddress `xml:"addressesSet>item"`
	}{out}, nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
