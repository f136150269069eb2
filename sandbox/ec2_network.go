package sandbox

import "time"

// OWNER: the network half of EC2. The types and functions below are the
// contract other services use; keep their signatures.

// EC2Network is one region's VPCs, subnets, gateways, addresses, route
// tables, security groups, network interfaces and key pairs.
type EC2Network struct {
	Vpcs           map[string]*Vpc           `json:"vpcs"`
	Subnets        map[string]*Subnet        `json:"subnets"`
	SecurityGroups map[string]*SecurityGroup `json:"security_groups"`
	ENIs           map[string]*ENI           `json:"enis"`
}

// Vpc is a VPC.
type Vpc struct {
	ID        string `json:"id"`
	CIDR      string `json:"cidr"`
	IsDefault bool   `json:"is_default"`
	Tags      []Tag  `json:"tags"`
}

// Subnet is a subnet.
type Subnet struct {
	ID          string `json:"id"`
	VpcID       string `json:"vpc_id"`
	AZ          string `json:"az"`
	CIDR        string `json:"cidr"`
	MapPublicIP bool   `json:"map_public_ip"`
	IsDefault   bool   `json:"is_default"`
	Tags        []Tag  `json:"tags"`
}

// SecurityGroup is a security group with its rules.
type SecurityGroup struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	VpcID       string   `json:"vpc_id"`
	Ingress     []SGRule `json:"ingress"`
	Egress      []SGRule `json:"egress"`
	IsDefault   bool     `json:"is_default"`
	Tags        []Tag    `json:"tags"`
}

// SGRule is one permission: a protocol and port range from CIDRs or groups.
type SGRule struct {
	ID       string   `json:"id"`
	Protocol string   `json:"protocol"` // "tcp", "udp", "icmp", "-1"
	FromPort int      `json:"from_port"`
	ToPort   int      `json:"to_port"`
	CIDRs    []string `json:"cidrs,omitempty"`
	IPv6     []string `json:"ipv6,omitempty"`
	Groups   []string `json:"groups,omitempty"` // source security group ids
}

// ENI is a network interface; instances, load balancers and NAT gateways own them.
type ENI struct {
	ID             string   `json:"id"`
	SubnetID       string   `json:"subnet_id"`
	VpcID          string   `json:"vpc_id"`
	AZ             string   `json:"az"`
	PrivateIP      string   `json:"private_ip"`
	SecurityGroups []string `json:"security_groups"`
	Description    string   `json:"description"`
	InterfaceType  string   `json:"interface_type"` // "interface", "nat_gateway", ...
	OwnerID        string   `json:"owner_id"`       // instance id, load balancer ARN, NAT gateway id
	Status         string   `json:"status"`         // "in-use", "available"
	Tags           []Tag    `json:"tags"`
}

func newEC2Network() *EC2Network {
	return &EC2Network{Vpcs: map[string]*Vpc{}, Subnets: map[string]*Subnet{}, SecurityGroups: map[string]*SecurityGroup{}, ENIs: map[string]*ENI{}}
}

func (s *EC2Network) inventory() []InventoryItem                 { return nil }
func (s *EC2Network) tick(r *Region, now time.Time, d durations) {}
func (s *EC2Network) tagsOf(id string) *[]Tag                    { return nil }
func ec2NetworkHandlers() map[string]handler                     { return map[string]handler{} }
func seedNetwork(r *Region)                                      {}

// subnet returns the subnet with id, or nil.
func (r *Region) subnet(id string) *Subnet { return r.EC2.Network.Subnets[id] }

// securityGroup returns the group with id, or nil.
func (r *Region) securityGroup(id string) *SecurityGroup { return r.EC2.Network.SecurityGroups[id] }

// defaultVpc returns the region's default VPC, or nil.
func (r *Region) defaultVpc() *Vpc {
	for _, v := range r.EC2.Network.Vpcs {
		if v.IsDefault {
			return v
		}
	}
	return nil
}

// createENI creates an in-use interface in subnetID with a free private IP
// from the subnet (skipping AWS's five reserved addresses).
func (r *Region) createENI(subnetID string, groups []string, ownerID, interfaceType, description string) (*ENI, *APIError) {
	return nil, errBadRequest("InternalError", "createENI not implemented")
}

// deleteENIsOf deletes every interface owned by ownerID.
func (r *Region) deleteENIsOf(ownerID string) {}

// admits reports whether group sg admits TCP traffic on port from any of
// the source groups (or, with a CIDR rule, from anywhere in the VPC).
func (r *Region) admits(sgIDs []string, port int, sourceGroups []string, sourceIP string) bool {
	return false
}
