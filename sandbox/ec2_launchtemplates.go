package sandbox

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// findLaunchTemplate returns the template named by id or, without one, by name.
func (r *Region) findLaunchTemplate(id, name string) (*LaunchTemplate, *APIError) {
	s := r.EC2.Compute
	switch {
	case id != "":
		if !strings.HasPrefix(id, "lt-") {
			return nil, errBadRequest("InvalidLaunchTemplateId.Malformed", "The specified ID for the launch template (%s) is not valid. The ID must be in the form lt-xxxxxxxxxxxxxxxxx.", id)
		}
		lt := s.LaunchTemplates[id]
		if lt == nil {
			return nil, errNoID(id)
		}
		return lt, nil
	case name != "":
		for _, lt := range s.LaunchTemplates {
			if lt.Name == name {
				return lt, nil
			}
		}
		return nil, errBadRequest("InvalidLaunchTemplateName.NotFoundException", "The specified launch template, with template name %s, does not exist.", name)
	}
	return nil, errBadRequest("MissingParameter", "The request must contain the parameter launchTemplateName or launchTemplateId")
}

// version resolves "$Latest", "$Default" (or empty) or a version number.
func (lt *LaunchTemplate) version(v string) (*LaunchTemplateVersion, *APIError) {
	n := lt.DefaultVersion
	switch v {
	case "", "$Default":
	case "$Latest":
		n = lt.LatestVersion
	default:
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			return nil, errBadRequest("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s for launch template %s.", v, lt.ID)
		}
	}
	for _, ver := range lt.Versions {
		if ver.Number == n {
			return ver, nil
		}
	}
	return nil, errBadRequest("InvalidLaunchTemplateId.VersionNotFound", "Could not find launch template version %s for launch template %s.", v, lt.ID)
}

// validLaunchTemplateName reports whether EC2 accepts name for a template.
func validLaunchTemplateName(name string) bool {
	if len(name) < 3 || len(name) > 128 {
		return false
	}
	for _, ch := range name {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.ContainsRune("().-/_", ch):
		default:
			return false
		}
	}
	return true
}

// parseLaunchTemplateData reads LaunchTemplateData over base: a new version
// inherits what its source version had, except what the request sets.
func parseLaunchTemplateData(p params, base *LaunchTemplateVersion) (*LaunchTemplateVersion, *APIError) {
	v := &LaunchTemplateVersion{}
	if base != nil {
		cp := *base
		cp.SecurityGroupIDs = append([]string(nil), base.SecurityGroupIDs...)
		cp.InstanceTags = append([]Tag(nil), base.InstanceTags...)
		cp.VolumeTags = append([]Tag(nil), base.VolumeTags...)
		v = &cp
	}
	set := func(dst *string, key string) {
		if p.Has(key) {
			*dst = p.Get(key)
		}
	}
	set(&v.ImageID, "ImageId")
	set(&v.InstanceType, "InstanceType")
	set(&v.KeyName, "KeyName")
	set(&v.UserData, "UserData")
	if p.HasStruct("IamInstanceProfile") {
		v.IAMProfileName, v.IAMProfileArn = p.Get("IamInstanceProfile.Name"), p.Get("IamInstanceProfile.Arn")
	}
	if p.HasStruct("SecurityGroupId") {
		v.SecurityGroupIDs = p.List("SecurityGroupId")
	}
	if p.HasStruct("MetadataOptions") {
		mo := p.Struct("MetadataOptions")
		set(&v.HTTPTokens, "MetadataOptions.HttpTokens")
		set(&v.HTTPEndpoint, "MetadataOptions.HttpEndpoint")
		hop, err := mo.Int("HttpPutResponseHopLimit", v.HTTPHopLimit)
		if err != nil {
			return nil, errBadRequest("InvalidParameterValue", "Invalid value for HttpPutResponseHopLimit")
		}
		v.HTTPHopLimit = hop
	}
	if bdms := p.Structs("BlockDeviceMapping"); len(bdms) > 0 {
		// The sandbox models the root volume only: the first mapping.
		b := bdms[0]
		ebs := b.Struct("Ebs")
		size, err := ebs.Int("VolumeSize", 0)
		if err != nil {
			return nil, errBadRequest("InvalidParameterValue", "Invalid value for VolumeSize")
		}
		v.DeviceName, v.VolumeSizeGiB, v.VolumeType = b.Get("DeviceName"), size, ebs.Get("VolumeType")
		v.Encrypted = ebs.Bool("Encrypted", false)
		v.DeleteOnTermination = nil
		if ebs.Has("DeleteOnTermination") {
			del := ebs.Bool("DeleteOnTermination", true)
			v.DeleteOnTermination = &del
		}
	}
	if p.HasStruct("TagSpecification") {
		v.InstanceTags, v.VolumeTags = nil, nil
		for _, ts := range p.Structs("TagSpecification") {
			switch rt := ts.Get("ResourceType"); rt {
			case "instance":
				v.InstanceTags = append(v.InstanceTags, ts.Tags("Tag")...)
			case "volume":
				v.VolumeTags = append(v.VolumeTags, ts.Tags("Tag")...)
			case "network-interface", "spot-instances-request":
			default:
				return nil, errBadRequest("InvalidParameterValue", "'%s' is not a valid taggable resource type for this operation.", rt)
			}
		}
		if err := validateTags(append(append([]Tag(nil), v.InstanceTags...), v.VolumeTags...)); err != nil {
			return nil, err.(*APIError)
		}
	}
	switch {
	case v.InstanceType != "" && instanceTypeInfo(v.InstanceType) == nil:
		return nil, errBadRequest("InvalidParameterValue", "Invalid value '%s' for InstanceType.", v.InstanceType)
	case v.HTTPTokens != "" && v.HTTPTokens != "required" && v.HTTPTokens != "optional":
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter httpTokens is invalid. Valid values: required, optional", v.HTTPTokens)
	case v.VolumeType != "" && !isVolumeType(v.VolumeType):
		return nil, errBadRequest("InvalidParameterValue", "Value (%s) for parameter volumeType is invalid. Valid types: gp2, gp3, io1, io2, st1, sc1, standard", v.VolumeType)
	case v.ImageID != "" && !strings.HasPrefix(v.ImageID, "ami-") && !strings.HasPrefix(v.ImageID, "resolve:ssm:"):
		return nil, errBadRequest("InvalidAMIID.Malformed", "Invalid id: \"%s\" (expecting \"ami-...\")", v.ImageID)
	}
	return v, nil
}

// createLaunchTemplate creates a template with its version 1. A retry with
// the same ClientToken answers the template the first call created.
func createLaunchTemplate(c *call) (any, error) {
	s := c.r.EC2.Compute
	name := c.p.Get("LaunchTemplateName")
	if name == "" {
		return nil, errMissing("LaunchTemplateName")
	}
	if !validLaunchTemplateName(name) {
		return nil, errBadRequest("InvalidLaunchTemplateName.MalformedException", "A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.")
	}
	token, fingerprint := c.p.Get("ClientToken"), requestFingerprint(c.p)
	if token != "" {
		if rec := s.ClientTokens["CreateLaunchTemplate/"+token]; rec != nil {
			if rec.Fingerprint != fingerprint {
				return nil, errBadRequest("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
			}
			if lt := s.LaunchTemplates[rec.ResourceID]; lt != nil {
				return launchTemplateResult(lt), nil
			}
		}
	}
	for _, lt := range s.LaunchTemplates {
		if lt.Name == name {
			return nil, errBadRequest("InvalidLaunchTemplateName.AlreadyExistsException", "Launch template name already in use.")
		}
	}
	if !c.p.HasStruct("LaunchTemplateData") {
		return nil, errMissing("LaunchTemplateData")
	}
	v, err := parseLaunchTemplateData(c.p.Struct("LaunchTemplateData"), nil)
	if err != nil {
		return nil, err
	}
	tags, terr := tagSpecs(c, "launch-template")
	if terr != nil {
		return nil, terr
	}
	v.Number, v.Description, v.CreateTime = 1, c.p.Get("VersionDescription"), c.now
	lt := &LaunchTemplate{
		ID: c.w.newID("lt"), Name: name, DefaultVersion: 1, LatestVersion: 1,
		Versions: []*LaunchTemplateVersion{v}, CreateTime: c.now, Tags: tags,
	}
	s.LaunchTemplates[lt.ID] = lt
	if token != "" {
		s.ClientTokens["CreateLaunchTemplate/"+token] = &ClientTokenRecord{Fingerprint: fingerprint, ResourceID: lt.ID}
	}
	return launchTemplateResult(lt), nil
}

// createLaunchTemplateVersion adds a version, based on SourceVersion when given.
func createLaunchTemplateVersion(c *call) (any, error) {
	s := c.r.EC2.Compute
	lt, err := c.r.findLaunchTemplate(c.p.Get("LaunchTemplateId"), c.p.Get("LaunchTemplateName"))
	if err != nil {
		return nil, err
	}
	token, fingerprint := c.p.Get("ClientToken"), requestFingerprint(c.p)
	key := "CreateLaunchTemplateVersion/" + token
	if rec := s.ClientTokens[key]; token != "" && rec != nil {
		if rec.Fingerprint != fingerprint {
			return nil, errBadRequest("IdempotentParameterMismatch", "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).")
		}
		if v, err := lt.version(strings.TrimPrefix(rec.ResourceID, lt.ID+":")); err == nil {
			return launchTemplateVersionResult(c, lt, v), nil
		}
	}
	var base *LaunchTemplateVersion
	if src := c.p.Get("SourceVersion"); src != "" {
		if base, err = lt.version(src); err != nil {
			return nil, err
		}
	}
	if !c.p.HasStruct("LaunchTemplateData") {
		return nil, errMissing("LaunchTemplateData")
	}
	v, err := parseLaunchTemplateData(c.p.Struct("LaunchTemplateData"), base)
	if err != nil {
		return nil, err
	}
	if lt.LatestVersion >= 10000 {
		return nil, errBadRequest("LaunchTemplateVersionLimitExceeded", "You have reached the maximum number of versions (10000) for launch template %s.", lt.ID)
	}
	lt.LatestVersion++
	v.Number, v.Description, v.CreateTime = lt.LatestVersion, c.p.Get("VersionDescription"), c.now
	lt.Versions = append(lt.Versions, v)
	if token != "" {
		s.ClientTokens[key] = &ClientTokenRecord{Fingerprint: fingerprint, ResourceID: fmt.Sprintf("%s:%d", lt.ID, v.Number)}
	}
	return launchTemplateVersionResult(c, lt, v), nil
}

func launchTemplateVersionResult(c *call, lt *LaunchTemplate, v *LaunchTemplateVersion) any {
	return struct {
		Version launchTemplateVersionXML `xml:"launchTemplateVersion"`
	}{launchTemplateVersionXMLOf(c.r, lt, v, false)}
}

// describeLaunchTemplates lists templates by id, name and filters.
func describeLaunchTemplates(c *call) (any, error) {
	all := c.r.EC2.Compute.LaunchTemplates
	if names := c.p.List("LaunchTemplateName"); len(names) > 0 {
		byName := map[string]*LaunchTemplate{}
		for _, lt := range all {
			byName[lt.Name] = lt
		}
		subset := map[string]*LaunchTemplate{}
		for _, n := range names {
			lt := byName[n]
			if lt == nil {
				return nil, errBadRequest("InvalidLaunchTemplateName.NotFoundException", "At least one of the launch templates specified in the request does not exist.")
			}
			subset[lt.ID] = lt
		}
		all = subset
	}
	for _, id := range c.p.List("LaunchTemplateId") {
		if !strings.HasPrefix(id, "lt-") {
			return nil, errBadRequest("InvalidLaunchTemplateId.Malformed", "The specified ID for the launch template (%s) is not valid. The ID must be in the form lt-xxxxxxxxxxxxxxxxx.", id)
		}
	}
	fields := func(lt *LaunchTemplate) fieldFunc {
		if lt == nil {
			lt = &LaunchTemplate{}
		}
		return func(name string) ([]string, bool) {
			switch name {
			case "launch-template-name":
				return []string{lt.Name}, true
			case "create-time":
				return []string{xmlTime(lt.CreateTime)}, true
			}
			return nil, false
		}
	}
	tags := func(lt *LaunchTemplate) []Tag {
		if lt == nil {
			return nil
		}
		return lt.Tags
	}
	list, next, err := describe(c, all, "LaunchTemplateId", tags, fields, 1)
	if err != nil {
		return nil, err
	}
	out := struct {
		Templates []launchTemplateXML `xml:"launchTemplates>item"`
		NextToken string              `xml:"nextToken,omitempty"`
	}{NextToken: next}
	for _, lt := range list {
		out.Templates = append(out.Templates, launchTemplateXMLOf(lt))
	}
	return out, nil
}

// describeLaunchTemplateVersions lists versions of one template, or the
// $Latest/$Default versions of every template when none is named.
func describeLaunchTemplateVersions(c *call) (any, error) {
	s := c.r.EC2.Compute
	asked := c.p.List("LaunchTemplateVersion")
	var templates []*LaunchTemplate
	if c.p.Get("LaunchTemplateId") == "" && c.p.Get("LaunchTemplateName") == "" {
		if len(asked) == 0 {
			return nil, errBadRequest("MissingParameter", "The request must contain the parameter launchTemplateName or launchTemplateId")
		}
		for _, v := range asked {
			if v != "$Latest" && v != "$Default" {
				return nil, errBadRequest("InvalidParameterValue", "Only $Latest and $Default can be described without a launch template.")
			}
		}
		for _, id := range sortedKeys(s.LaunchTemplates) {
			templates = append(templates, s.LaunchTemplates[id])
		}
	} else {
		lt, err := c.r.findLaunchTemplate(c.p.Get("LaunchTemplateId"), c.p.Get("LaunchTemplateName"))
		if err != nil {
			return nil, err
		}
		templates = []*LaunchTemplate{lt}
	}
	minV, err := c.p.Int("MinVersion", 0)
	if err != nil {
		return nil, err
	}
	maxV, err := c.p.Int("MaxVersion", 0)
	if err != nil {
		return nil, err
	}
	type pick struct {
		lt *LaunchTemplate
		v  *LaunchTemplateVersion
	}
	picked := map[string]pick{}
	var keys []string
	add := func(lt *LaunchTemplate, v *LaunchTemplateVersion) {
		k := fmt.Sprintf("%s:%08d", lt.ID, v.Number)
		if _, dup := picked[k]; !dup {
			picked[k] = pick{lt, v}
			keys = append(keys, k)
		}
	}
	for _, lt := range templates {
		if len(asked) > 0 {
			for _, a := range asked {
				v, err := lt.version(a)
				if err != nil {
					return nil, err
				}
				add(lt, v)
			}
			continue
		}
		for _, v := range lt.Versions {
			if (minV == 0 || v.Number >= minV) && (maxV == 0 || v.Number <= maxV) {
				add(lt, v)
			}
		}
	}
	sort.Strings(keys)
	keys, next, err := page(c, keys, 1)
	if err != nil {
		return nil, err
	}
	out := struct {
		Versions  []launchTemplateVersionXML `xml:"launchTemplateVersionSet>item"`
		NextToken string                     `xml:"nextToken,omitempty"`
	}{NextToken: next}
	resolve := c.p.Bool("ResolveAlias", false)
	for _, k := range keys {
		p := picked[k]
		out.Versions = append(out.Versions, launchTemplateVersionXMLOf(c.r, p.lt, p.v, resolve))
	}
	return out, nil
}

func deleteLaunchTemplate(c *call) (any, error) {
	lt, err := c.r.findLaunchTemplate(c.p.Get("LaunchTemplateId"), c.p.Get("LaunchTemplateName"))
	if err != nil {
		return nil, err
	}
	delete(c.r.EC2.Compute.LaunchTemplates, lt.ID)
	return launchTemplateResult(lt), nil
}

// modifyLaunchTemplate sets the default version.
func modifyLaunchTemplate(c *call) (any, error) {
	lt, err := c.r.findLaunchTemplate(c.p.Get("LaunchTemplateId"), c.p.Get("LaunchTemplateName"))
	if err != nil {
		return nil, err
	}
	if d := c.p.Get("SetDefaultVersion"); d != "" {
		v, err := lt.version(d)
		if err != nil {
			return nil, err
		}
		lt.DefaultVersion = v.Number
	}
	return launchTemplateResult(lt), nil
}
