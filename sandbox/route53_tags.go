package sandbox

import "strings"

// Tags on hosted zones: ChangeTagsForResource, ListTagsForResource and
// ListTagsForResources (up to 10 zones at once).

func r53ChangeTagsForResource(c *call) (any, error) {
	z, err := r53TagTarget(c)
	if err != nil {
		return nil, err
	}
	var in struct {
		AddTags       []Tag    `xml:"AddTags>Tag"`
		RemoveTagKeys []string `xml:"RemoveTagKeys>Key"`
	}
	if err := c.decodeXML(&in); err != nil {
		return nil, err
	}
	for _, k := range in.RemoveTagKeys {
		z.Tags = removeTag(z.Tags, k)
	}
	for _, t := range in.AddTags {
		z.Tags = append(removeTag(z.Tags, t.Key), t)
	}
	if len(z.Tags) > 50 {
		return nil, errBadRequest("InvalidInput", "The number of tags on a resource cannot exceed 50")
	}
	return restResult{Root: "ChangeTagsForResourceResponse", Body: struct{}{}}, nil
}

type r53TagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func r53ZoneTagsXML(z *HostedZone) []r53TagXML {
	tags := make([]r53TagXML, 0, len(z.Tags))
	for _, t := range z.Tags {
		tags = append(tags, r53TagXML{t.Key, t.Value})
	}
	return tags
}

func r53ListTagsForResource(c *call) (any, error) {
	z, err := r53TagTarget(c)
	if err != nil {
		return nil, err
	}
	return restResult{Root: "ListTagsForResourceResponse", Body: struct {
		ResourceType string      `xml:"ResourceTagSet>ResourceType"`
		ResourceID   string      `xml:"ResourceTagSet>ResourceId"`
		Tags         []r53TagXML `xml:"ResourceTagSet>Tags>Tag"`
	}{"hostedzone", z.ID, r53ZoneTagsXML(z)}}, nil
}

// r53ListTagsForResources answers for up to 10 zones at once, as AWS
// does; an unknown zone fails the whole request.
func r53ListTagsForResources(c *call) (any, error) {
	if c.path["ResourceType"] != "hostedzone" {
		return nil, errBadRequest("InvalidInput", "The sandbox tags hosted zones only, not %s", c.path["ResourceType"])
	}
	var in struct {
		IDs []string `xml:"ResourceIds>ResourceId"`
	}
	if err := c.decodeXML(&in); err != nil {
		return nil, err
	}
	if len(in.IDs) == 0 || len(in.IDs) > 10 {
		return nil, errBadRequest("InvalidInput", "1 validation error detected: Value at 'resourceIds' failed to satisfy constraint: Member must have length less than or equal to 10 and greater than or equal to 1")
	}
	type setXML struct {
		ResourceType string      `xml:"ResourceType"`
		ResourceID   string      `xml:"ResourceId"`
		Tags         []r53TagXML `xml:"Tags>Tag"`
	}
	sets := make([]setXML, 0, len(in.IDs))
	for _, id := range in.IDs {
		z, err := c.w.Route53.zone(id[strings.LastIndexByte(id, '/')+1:])
		if err != nil {
			return nil, err
		}
		sets = append(sets, setXML{"hostedzone", z.ID, r53ZoneTagsXML(z)})
	}
	return restResult{Root: "ListTagsForResourcesResponse", Body: struct {
		Sets []setXML `xml:"ResourceTagSets>ResourceTagSet"`
	}{sets}}, nil
}

// r53TagTarget finds the hosted zone a tagging request names; the sandbox
// has no health checks, the other taggable type.
func r53TagTarget(c *call) (*HostedZone, error) {
	if c.path["ResourceType"] != "hostedzone" {
		return nil, errBadRequest("InvalidInput", "The sandbox tags hosted zones only, not %s", c.path["ResourceType"])
	}
	return c.w.Route53.zone(c.path["ResourceId"])
}

func removeTag(tags []Tag, key string) []Tag {
	out := tags[:0]
	for _, t := range tags {
		if t.Key != key {
			out = append(out, t)
		}
	}
	return out
}
