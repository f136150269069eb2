package sandbox

import "sort"

// CreateTags, DeleteTags and DescribeTags work on any taggable EC2 id,
// network or compute, through Region.ec2Tags.

func createTags(c *call) (any, error) {
	ids := c.p.List("ResourceId")
	if len(ids) == 0 {
		return nil, errMissing("ResourceId")
	}
	tags := c.p.Tags("Tag")
	if len(tags) == 0 {
		return nil, errMissing("Tag")
	}
	if err := validateTags(tags); err != nil {
		return nil, err
	}
	// Check every resource first so a bad id changes nothing.
	for _, id := range ids {
		dst := c.r.ec2Tags(id)
		if dst == nil {
			return nil, errNoID(id)
		}
		merged := append([]Tag(nil), *dst...)
		setTags(&merged, tags)
		if len(merged) > 50 {
			return nil, errBadRequest("TagLimitExceeded", "The maximum number of tags per resource (50) would be exceeded for %s.", id)
		}
	}
	for _, id := range ids {
		setTags(c.r.ec2Tags(id), tags)
	}
	return ec2Bool{true}, nil
}

// deleteTags removes tags by key; a tag given with a value is removed only
// when its value matches (an empty value matches only an empty value).
func deleteTags(c *call) (any, error) {
	ids := c.p.List("ResourceId")
	if len(ids) == 0 {
		return nil, errMissing("ResourceId")
	}
	for _, id := range ids {
		if c.r.ec2Tags(id) == nil {
			return nil, errNoID(id)
		}
	}
	specs := c.p.Structs("Tag")
	for _, id := range ids {
		dst := c.r.ec2Tags(id)
		if len(specs) == 0 {
			*dst = nil // no Tag parameter: all of the resource's tags go
			continue
		}
		kept := (*dst)[:0]
		for _, t := range *dst {
			drop := false
			for _, sp := range specs {
				if sp.Get("Key") == t.Key && (!sp.Has("Value") || sp.Get("Value") == t.Value) {
					drop = true
				}
			}
			if !drop {
				kept = append(kept, t)
			}
		}
		*dst = kept
	}
	return ec2Bool{true}, nil
}

type xmlTagDescription struct {
	ResourceID   string `xml:"resourceId"`
	ResourceType string `xml:"resourceType"`
	Key          string `xml:"key"`
	Value        string `xml:"value"`
}

// taggedResources returns the tags of every resource in the region that
// has some, by id.
func (r *Region) taggedResources() map[string][]Tag {
	out := map[string][]Tag{}
	add := func(id string, tags []Tag) {
		if len(tags) > 0 {
			out[id] = tags
		}
	}
	n := r.EC2.Network
	for id, v := range n.Vpcs {
		add(id, v.Tags)
	}
	for id, v := range n.Subnets {
		add(id, v.Tags)
	}
	for id, v := range n.SecurityGroups {
		add(id, v.Tags)
	}
	for id, v := range n.ENIs {
		add(id, v.Tags)
	}
	for id, v := range n.InternetGateways {
		add(id, v.Tags)
	}
	for id, v := range n.Addresses {
		add(id, v.Tags)
	}
	for id, v := range n.NatGateways {
		if v.State != natDeleted {
			add(id, v.Tags)
		}
	}
	for id, v := range n.RouteTables {
		add(id, v.Tags)
	}
	for _, k := range n.KeyPairs {
		add(k.ID, k.Tags)
	}
	comp := r.EC2.Compute
	for id, v := range comp.Instances {
		add(id, v.Tags)
	}
	for id, v := range comp.Images {
		if v.OwnerID == AccountID {
			add(id, v.Tags)
		}
	}
	for id, v := range comp.LaunchTemplates {
		add(id, v.Tags)
	}
	return out
}

func describeTags(c *call) (any, error) {
	fs := filterSet(c.p.Filters())
	var keys []string
	byKey := map[string]xmlTagDescription{}
	for id, tags := range c.r.taggedResources() {
		for _, t := range tags {
			d := xmlTagDescription{ResourceID: id, ResourceType: resourceType(id), Key: t.Key, Value: t.Value}
			ok, err := fs.match([]Tag{t}, func(name string) ([]string, bool) {
				switch name {
				case "resource-id":
					return []string{d.ResourceID}, true
				case "resource-type":
					return []string{d.ResourceType}, true
				case "key":
					return []string{d.Key}, true
				case "value":
					return []string{d.Value}, true
				}
				return nil, false
			})
			if err != nil {
				return nil, err
			}
			if ok {
				// "\x00" sorts before any tag key character, so pages
				// follow resource id, then key.
				k := id + "\x00" + t.Key
				keys = append(keys, k)
				byKey[k] = d
			}
		}
	}
	sort.Strings(keys)
	keys, next, err := page(c, keys, 5)
	if err != nil {
		return nil, err
	}
	out := make([]xmlTagDescription, 0, len(keys))
	for _, k := range keys {
		out = append(out, byKey[k])
	}
	return struct {
		Tags      []xmlTagDescription `xml:"tagSet>item"`
		NextToken string              `xml:"nextToken,omitempty"`
	}{out, next}, nil
}
