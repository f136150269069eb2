package sandbox

import (
	"maps"
	"time"
)

// EC2State is one region's EC2. The network half (VPCs, subnets, gateways,
// addresses, route tables, security groups, ENIs, key pairs, tags) lives in
// ec2_network*.go; the compute half (instances, images, launch templates,
// instance types) in ec2_compute*.go.
type EC2State struct {
	Network *EC2Network `json:"network"`
	Compute *EC2Compute `json:"compute"`
}

func newEC2State() *EC2State {
	return &EC2State{Network: newEC2Network(), Compute: newEC2Compute()}
}

func (s *EC2State) ensure() {
	if s.Network == nil {
		s.Network = newEC2Network()
	}
	if s.Compute == nil {
		s.Compute = newEC2Compute()
	}
}

func (s *EC2State) inventory() []InventoryItem {
	return append(s.Network.inventory(), s.Compute.inventory()...)
}

func (s *EC2State) tick(r *Region, now time.Time, d durations) {
	s.Compute.tick(r, now, d)
	s.Network.tick(r, now, d)
}

func ec2Handlers() map[string]handler {
	m := ec2NetworkHandlers()
	maps.Copy(m, ec2ComputeHandlers())
	maps.Copy(m, flowLogHandlers())
	return m
}

// seedRegion creates what a new account has in a region: the default VPC
// with a default subnet per AZ, its security group, main route table and
// internet gateway, and the public images behind the SSM aliases.
func seedRegion(r *Region) {
	seedNetwork(r)
	seedImages(r)
}

// ec2Tags returns a pointer to the tag list of any taggable EC2 resource,
// or nil when the id is unknown. CreateTags/DeleteTags/DescribeTags use it.
func (r *Region) ec2Tags(id string) *[]Tag {
	if t := r.EC2.Network.tagsOf(id); t != nil {
		return t
	}
	return r.EC2.Compute.tagsOf(id)
}
