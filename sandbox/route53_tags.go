package sandbox

// Tags on hosted zones: ChangeTagsForResource and ListTagsForResource.

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

func r53ListTagsForResource(c *call) (any, error) {
	z, err := r53TagTarget(c)
	if err != nil {
		return nil, err
	}
	type tagXML struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	tags := make([]tagXML, 0, len(z.Tags))
	for _, t := range z.Tags {
		tags = append(tags, tagXML{t.Key, t.Value})
	}
	return restResult{Root: "ListTagsForResourceResponse", Body: struct {
		ResourceType string   `xml:"ResourceTagSet>ResourceType"`
		ResourceID   string   `xml:"ResourceTagSet>ResourceId"`
		Tags         []tagXML `xml:"ResourceTagSet>Tags>Tag"`
	}{"hostedzone", z.ID, tags}}, nil
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
