package sandbox

import (
	"net/http"
	"sort"
	"strings"
)

type roleXML struct {
	Path                     string      `xml:"Path"`
	RoleName                 string      `xml:"RoleName"`
	RoleID                   string      `xml:"RoleId"`
	Arn                      string      `xml:"Arn"`
	CreateDate               string      `xml:"CreateDate"`
	AssumeRolePolicyDocument string      `xml:"AssumeRolePolicyDocument"`
	Description              string      `xml:"Description,omitempty"`
	MaxSessionDuration       int         `xml:"MaxSessionDuration"`
	Tags                     []iamTagXML `xml:"Tags>member,omitempty"`
	RoleLastUsed             *struct{}   `xml:"RoleLastUsed,omitempty"`
}

// roleXMLOf renders a role; GetRole includes its tags, listings do not.
func roleXMLOf(r *Role, withTags bool) roleXML {
	x := roleXML{
		Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.Arn, CreateDate: xmlTime(r.CreateDate),
		AssumeRolePolicyDocument: iamEscape(r.AssumeRolePolicy), Description: r.Description, MaxSessionDuration: r.MaxSessionDuration,
	}
	if withTags {
		x.Tags = iamTagsXML(r.Tags)
		x.RoleLastUsed = &struct{}{}
	}
	return x
}

// role returns the named role or IAM's NoSuchEntity.
func (s *IAMState) role(name string) (*Role, *APIError) {
	if name == "" {
		return nil, errIAMValidation(name, "roleName", "Member must have length greater than or equal to 1")
	}
	r := s.Roles[strings.ToLower(name)]
	if r == nil {
		return nil, errNotFound("NoSuchEntity", "The role with name %s cannot be found.", name)
	}
	return r, nil
}

func createRole(c *call) (any, error) {
	s := c.w.IAM
	name := c.p.Get("RoleName")
	if !validIAMName(name, 64) {
		return nil, errIAMValidation(name, "roleName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length between 1 and 64")
	}
	path, err := iamPath(c)
	if err != nil {
		return nil, err
	}
	doc := c.p.Get("AssumeRolePolicyDocument")
	if doc == "" {
		return nil, errIAMValidation("null", "assumeRolePolicyDocument", "Member must not be null")
	}
	if err := checkPolicyDocument(doc); err != nil {
		return nil, err
	}
	if len(doc) > 2048 {
		return nil, apiErr(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: 2048")
	}
	maxSession, perr := c.p.Int("MaxSessionDuration", 3600)
	if perr != nil {
		return nil, perr
	}
	if maxSession < 3600 || maxSession > 43200 {
		return nil, errIAMValidation(c.p.Get("MaxSessionDuration"), "maxSessionDuration", "Member must have value between 3600 and 43200")
	}
	if s.Roles[strings.ToLower(name)] != nil {
		return nil, errConflict("EntityAlreadyExists", "Role with name %s already exists.", name)
	}
	tags, err := iamTags(c, nil)
	if err != nil {
		return nil, err
	}
	r := &Role{
		Name: name, ID: iamID("AROA", c.w.newHex(17)), Path: path, Arn: "arn:aws:iam::" + AccountID + ":role" + path + name,
		AssumeRolePolicy: doc, Description: c.p.Get("Description"), MaxSessionDuration: maxSession, CreateDate: c.now, Tags: tags,
	}
	s.Roles[strings.ToLower(name)] = r
	return struct {
		Role roleXML `xml:"Role"`
	}{roleXMLOf(r, true)}, nil
}

func getRole(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return struct {
		Role roleXML `xml:"Role"`
	}{roleXMLOf(r, true)}, nil
}

// deleteRole refuses while anything still refers to the role, in the order
// AWS documents for tearing one down: instance profiles, then managed
// policies, then inline policies.
func deleteRole(c *call) (any, error) {
	s := c.w.IAM
	r, err := s.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	if len(s.profilesOf(r.Name)) > 0 {
		return nil, errConflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.")
	}
	if len(r.AttachedPolicies) > 0 {
		return nil, errConflict("DeleteConflict", "Cannot delete entity, must detach all policies first.")
	}
	if len(r.InlinePolicies) > 0 {
		return nil, errConflict("DeleteConflict", "Cannot delete entity, must delete policies first.")
	}
	delete(s.Roles, strings.ToLower(r.Name))
	return nil, nil
}

func listRoles(c *call) (any, error) {
	s := c.w.IAM
	prefix := c.p.Get("PathPrefix")
	byKey := map[string]*Role{}
	var keys []string
	for _, r := range s.Roles {
		if strings.HasPrefix(r.Path, prefix) {
			k := r.Path + r.Name
			byKey[k] = r
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	page, marker, truncated, err := iamPage(c, keys)
	if err != nil {
		return nil, err
	}
	out := struct {
		Roles       []roleXML `xml:"Roles>member"`
		IsTruncated bool      `xml:"IsTruncated"`
		Marker      string    `xml:"Marker,omitempty"`
	}{Roles: []roleXML{}, IsTruncated: truncated, Marker: marker}
	for _, k := range page {
		out.Roles = append(out.Roles, roleXMLOf(byKey[k], false))
	}
	return out, nil
}

func tagRole(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	tags, err := iamTags(c, r.Tags)
	if err != nil {
		return nil, err
	}
	r.Tags = tags
	return nil, nil
}

func untagRole(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	r.Tags = removeTags(c, r.Tags)
	return nil, nil
}

func listRoleTags(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	return listTagsResult(c, r.Tags)
}

func updateRole(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	if c.p.Has("Description") {
		r.Description = c.p.Get("Description")
	}
	if c.p.Has("MaxSessionDuration") {
		n, perr := c.p.Int("MaxSessionDuration", 3600)
		if perr != nil {
			return nil, perr
		}
		if n < 3600 || n > 43200 {
			return nil, errIAMValidation(c.p.Get("MaxSessionDuration"), "maxSessionDuration", "Member must have value between 3600 and 43200")
		}
		r.MaxSessionDuration = n
	}
	return nil, nil
}

func updateAssumeRolePolicy(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	doc := c.p.Get("PolicyDocument")
	if err := checkPolicyDocument(doc); err != nil {
		return nil, err
	}
	r.AssumeRolePolicy = doc
	return nil, nil
}
