package sandbox

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// profile returns the instance profile named by ref, a name or an ARN
// (arn:aws:iam::ACCOUNT:instance-profile/PATH/NAME), or nil.
func (s *IAMState) profile(ref string) *InstanceProfile {
	if strings.HasPrefix(ref, "arn:") {
		p := s.InstanceProfiles[strings.ToLower(ref[strings.LastIndex(ref, "/")+1:])]
		if p == nil || p.Arn != ref {
			return nil
		}
		return p
	}
	return s.InstanceProfiles[strings.ToLower(ref)]
}

// profileUsable reports whether an instance profile (name or ARN) can be
// used by EC2 at now: ok is false while it is missing or still inside the
// propagation window. arn is its ARN when it exists.
func (s *IAMState) profileUsable(ref string, now time.Time, d durations) (arn string, exists, ok bool) {
	p := s.profile(ref)
	if p == nil {
		return "", false, false
	}
	since := p.CreateDate
	if p.RoleAddedAt.After(since) {
		since = p.RoleAddedAt
	}
	return p.Arn, true, !now.Before(since.Add(d.IAMPropagation))
}

// profilesOf returns the instance profiles that hold the role, by name.
func (s *IAMState) profilesOf(role string) []*InstanceProfile {
	var out []*InstanceProfile
	for _, p := range s.InstanceProfiles {
		for _, r := range p.Roles {
			if strings.EqualFold(r, role) {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// instanceProfileByName returns the named profile or IAM's NoSuchEntity.
func (s *IAMState) instanceProfileByName(name string) (*InstanceProfile, *APIError) {
	if name == "" {
		return nil, errIAMValidation(name, "instanceProfileName", "Member must have length greater than or equal to 1")
	}
	p := s.InstanceProfiles[strings.ToLower(name)]
	if p == nil {
		return nil, errNotFound("NoSuchEntity", "Instance Profile %s cannot be found.", name)
	}
	return p, nil
}

type instanceProfileXML struct {
	Path       string      `xml:"Path"`
	Name       string      `xml:"InstanceProfileName"`
	ID         string      `xml:"InstanceProfileId"`
	Arn        string      `xml:"Arn"`
	CreateDate string      `xml:"CreateDate"`
	Roles      []roleXML   `xml:"Roles>member"`
	Tags       []iamTagXML `xml:"Tags>member,omitempty"`
}

func (s *IAMState) instanceProfileXMLOf(p *InstanceProfile, withTags bool) instanceProfileXML {
	x := instanceProfileXML{Path: p.Path, Name: p.Name, ID: p.ID, Arn: p.Arn, CreateDate: xmlTime(p.CreateDate), Roles: []roleXML{}}
	for _, name := range p.Roles {
		if r := s.Roles[strings.ToLower(name)]; r != nil {
			x.Roles = append(x.Roles, roleXMLOf(r, false))
		}
	}
	if withTags {
		x.Tags = iamTagsXML(p.Tags)
	}
	return x
}

// createInstanceProfile creates an empty profile. Its creation time starts
// the propagation window during which EC2 rejects it.
func createInstanceProfile(c *call) (any, error) {
	s := c.w.IAM
	name := c.p.Get("InstanceProfileName")
	if !validIAMName(name, 128) {
		return nil, errIAMValidation(name, "instanceProfileName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 128")
	}
	path, err := iamPath(c)
	if err != nil {
		return nil, err
	}
	if s.InstanceProfiles[strings.ToLower(name)] != nil {
		return nil, errConflict("EntityAlreadyExists", "Instance Profile %s already exists.", name)
	}
	tags, err := iamTags(c, nil)
	if err != nil {
		return nil, err
	}
	p := &InstanceProfile{
		Name: name, ID: iamID("AIPA", c.w.newHex(17)), Path: path, Arn: "arn:aws:iam::" + AccountID + ":instance-profile" + path + name,
		CreateDate: c.now, Roles: []string{}, Tags: tags,
	}
	s.InstanceProfiles[strings.ToLower(name)] = p
	return struct {
		InstanceProfile instanceProfileXML `xml:"InstanceProfile"`
	}{s.instanceProfileXMLOf(p, true)}, nil
}

func getInstanceProfile(c *call) (any, error) {
	s := c.w.IAM
	p, err := s.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	return struct {
		InstanceProfile instanceProfileXML `xml:"InstanceProfile"`
	}{s.instanceProfileXMLOf(p, true)}, nil
}

func deleteInstanceProfile(c *call) (any, error) {
	s := c.w.IAM
	p, err := s.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	if len(p.Roles) > 0 {
		return nil, errConflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	}
	delete(s.InstanceProfiles, strings.ToLower(p.Name))
	return nil, nil
}

// addRoleToInstanceProfile puts the role in the profile; a profile holds
// one role, so a second is LimitExceeded. The propagation window starts again.
func addRoleToInstanceProfile(c *call) (any, error) {
	s := c.w.IAM
	p, err := s.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	r, err := s.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	if len(p.Roles) > 0 {
		return nil, apiErr(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
	}
	p.Roles = append(p.Roles, r.Name)
	p.RoleAddedAt = c.now
	return nil, nil
}

func removeRoleFromInstanceProfile(c *call) (any, error) {
	s := c.w.IAM
	p, err := s.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	r, err := s.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	for i, name := range p.Roles {
		if strings.EqualFold(name, r.Name) {
			p.Roles = append(p.Roles[:i:i], p.Roles[i+1:]...)
			return nil, nil
		}
	}
	return nil, errNotFound("NoSuchEntity", "The role with name %s cannot be found in instance profile %s.", r.Name, p.Name)
}

// profilesResult pages a list of profiles for ListInstanceProfiles(ForRole).
func (s *IAMState) profilesResult(c *call, profiles []*InstanceProfile) (any, error) {
	byKey := map[string]*InstanceProfile{}
	keys := make([]string, 0, len(profiles))
	for _, p := range profiles {
		k := p.Path + p.Name
		byKey[k] = p
		keys = append(keys, k)
	}
	sort.Strings(keys)
	page, marker, truncated, err := iamPage(c, keys)
	if err != nil {
		return nil, err
	}
	out := struct {
		Profiles    []instanceProfileXML `xml:"InstanceProfiles>member"`
		IsTruncated bool                 `xml:"IsTruncated"`
		Marker      string               `xml:"Marker,omitempty"`
	}{Profiles: []instanceProfileXML{}, IsTruncated: truncated, Marker: marker}
	for _, k := range page {
		out.Profiles = append(out.Profiles, s.instanceProfileXMLOf(byKey[k], false))
	}
	return out, nil
}

func listInstanceProfiles(c *call) (any, error) {
	s := c.w.IAM
	prefix := c.p.Get("PathPrefix")
	var list []*InstanceProfile
	for _, p := range s.InstanceProfiles {
		if strings.HasPrefix(p.Path, prefix) {
			list = append(list, p)
		}
	}
	return s.profilesResult(c, list)
}

func listInstanceProfilesForRole(c *call) (any, error) {
	s := c.w.IAM
	r, err := s.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return s.profilesResult(c, s.profilesOf(r.Name))
}

func tagInstanceProfile(c *call) (any, error) {
	p, err := c.w.IAM.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(c, p.Tags)
	if err != nil {
		return nil, err
	}
	p.Tags = tags
	return nil, nil
}

func untagInstanceProfile(c *call) (any, error) {
	p, err := c.w.IAM.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	p.Tags = removeTags(c, p.Tags)
	return nil, nil
}

func listInstanceProfileTags(c *call) (any, error) {
	p, err := c.w.IAM.instanceProfileByName(c.p.Get("InstanceProfileName"))
	if err != nil {
		return nil, err
	}
	return listTagsResult(c, p.Tags)
}
