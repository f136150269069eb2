package sandbox

// InternetGateway is an internet gateway, attached to at most one VPC.
type InternetGateway struct {
	ID      string `json:"id"`
	VpcID   string `json:"vpc_id,omitempty"` // attached VPC, "" when detached
	BuiltIn bool   `json:"built_in,omitempty"`
	Tags    []Tag  `json:"tags"`
}

// attachmentState is the state DescribeInternetGateways reports for the
// attachment; AWS says "available" for an attached gateway.
func (ig *InternetGateway) attachmentState() string {
	if ig.VpcID == "" {
		return "detached"
	}
	return "available"
}

type xmlIGW struct {
	InternetGatewayID string `xml:"internetGatewayId"`
	OwnerID           string `xml:"ownerId"`
	Attachments       []struct {
		VpcID string `xml:"vpcId"`
		State string `xml:"state"`
	} `xml:"attachmentSet>item"`
	Tags []xmlTag `xml:"tagSet>item"`
}

func (ig *InternetGateway) xml() xmlIGW {
	x := xmlIGW{InternetGatewayID: ig.ID, OwnerID: AccountID, Tags: xmlTags(ig.Tags)}
	if ig.VpcID != "" {
		x.Attachments = append(x.Attachments, struct {
			VpcID string `xml:"vpcId"`
			State string `xml:"state"`
		}{ig.VpcID, ig.attachmentState()})
	}
	return x
}

func (ig *InternetGateway) fields(name string) ([]string, bool) {
	switch name {
	case "internet-gateway-id":
		return []string{ig.ID}, true
	case "attachment.vpc-id":
		return []string{ig.VpcID}, true
	case "attachment.state":
		if ig.VpcID == "" {
			return nil, true
		}
		return []string{ig.attachmentState()}, true
	case "owner-id":
		return []string{AccountID}, true
	}
	return nil, false
}

func createInternetGateway(c *call) (any, error) {
	tags, err := tagSpecs(c, "internet-gateway")
	if err != nil {
		return nil, err
	}
	ig := &InternetGateway{ID: c.w.newID("igw"), Tags: tags}
	c.r.EC2.Network.InternetGateways[ig.ID] = ig
	return struct {
		InternetGateway xmlIGW `xml:"internetGateway"`
	}{ig.xml()}, nil
}

func igwParam(c *call) (*InternetGateway, error) {
	id := c.p.Get("InternetGatewayId")
	if id == "" {
		return nil, errMissing("InternetGatewayId")
	}
	ig := c.r.EC2.Network.InternetGateways[id]
	if ig == nil {
		return nil, errBadRequest("InvalidInternetGatewayID.NotFound", "The internetGateway ID '%s' does not exist", id)
	}
	return ig, nil
}

func attachInternetGateway(c *call) (any, error) {
	ig, err := igwParam(c)
	if err != nil {
		return nil, err
	}
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	if ig.VpcID != "" {
		return nil, errBadRequest("Resource.AlreadyAssociated", "resource %s is already attached to network %s", ig.ID, ig.VpcID)
	}
	for _, other := range c.r.EC2.Network.InternetGateways {
		if other.VpcID == v.ID {
			return nil, errBadRequest("Resource.AlreadyAssociated", "Network %s already has an internet gateway attached", v.ID)
		}
	}
	ig.VpcID = v.ID
	return ec2Bool{true}, nil
}

// detachInternetGateway detaches even while instances in the VPC have
// public addresses; AWS refuses that case, the sandbox does not model it.
func detachInternetGateway(c *call) (any, error) {
	ig, err := igwParam(c)
	if err != nil {
		return nil, err
	}
	v, err := vpcParam(c)
	if err != nil {
		return nil, err
	}
	if ig.VpcID != v.ID {
		return nil, errBadRequest("Gateway.NotAttached", "resource %s is not attached to network %s", ig.ID, v.ID)
	}
	ig.VpcID = ""
	return ec2Bool{true}, nil
}

func deleteInternetGateway(c *call) (any, error) {
	ig, err := igwParam(c)
	if err != nil {
		return nil, err
	}
	if ig.VpcID != "" {
		return nil, errBadRequest("DependencyViolation", "The internetGateway '%s' has dependencies and cannot be deleted.", ig.ID)
	}
	delete(c.r.EC2.Network.InternetGateways, ig.ID)
	return ec2Bool{true}, nil
}

func describeInternetGateways(c *call) (any, error) {
	s := c.r.EC2.Network
	igws, next, err := describe(c, s.InternetGateways, "InternetGatewayId", func(v *InternetGateway) []Tag { return v.Tags },
		func(v *InternetGateway) fieldFunc { return v.fields }, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlIGW, 0, len(igws))
	for _, ig := range igws {
		out = append(out, ig.xml())
	}
	return struct {
		InternetGateways []xmlIGW `xml:"internetGatewaySet>item"`
		NextToken        string   `xml:"nextToken,omitempty"`
	}{out, next}, nil
}
