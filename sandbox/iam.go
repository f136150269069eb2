package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// IAMState is the account's roles and instance profiles. IAM is global: one
// state for every region. AWS managed policies are built in (see
// managedPolicies) and not stored.
type IAMState struct {
	Roles            map[string]*Role            `json:"roles"`             // by lower-case name: IAM names ignore case
	InstanceProfiles map[string]*InstanceProfile `json:"instance_profiles"` // by lower-case name
}

// Role is an IAM role.
type Role struct {
	Name               string            `json:"name"`
	ID                 string            `json:"id"`
	Path               string            `json:"path"`
	Arn                string            `json:"arn"`
	AssumeRolePolicy   string            `json:"assume_role_policy"` // JSON, as sent
	Description        string            `json:"description,omitempty"`
	MaxSessionDuration int               `json:"max_session_duration"`
	CreateDate         time.Time         `json:"create_date"`
	AttachedPolicies   []string          `json:"attached_policies,omitempty"` // managed policy ARNs, in attach order
	InlinePolicies     map[string]string `json:"inline_policies,omitempty"`   // name → JSON document
	Tags               []Tag             `json:"tags"`
}

// InstanceProfile is an instance profile; it holds at most one role.
type InstanceProfile struct {
	Name       string    `json:"name"`
	ID         string    `json:"id"`
	Path       string    `json:"path"`
	Arn        string    `json:"arn"`
	CreateDate time.Time `json:"create_date"`
	Roles      []string  `json:"roles"` // role names
	// RoleAddedAt is when a role was last added: like creation, it starts
	// a propagation window during which EC2 does not yet see the profile.
	RoleAddedAt time.Time `json:"role_added_at"`
	Tags        []Tag     `json:"tags"`
}

func newIAMState() *IAMState {
	return &IAMState{Roles: map[string]*Role{}, InstanceProfiles: map[string]*InstanceProfile{}}
}

func (s *IAMState) ensure() {
	if s.Roles == nil {
		s.Roles = map[string]*Role{}
	}
	if s.InstanceProfiles == nil {
		s.InstanceProfiles = map[string]*InstanceProfile{}
	}
}

func (s *IAMState) inventory() []InventoryItem {
	var items []InventoryItem
	for _, r := range s.Roles {
		items = append(items, InventoryItem{Type: "iam:role", ID: r.Arn, Name: r.Name, Tags: tagMap(r.Tags)})
	}
	for _, p := range s.InstanceProfiles {
		items = append(items, InventoryItem{Type: "iam:instance-profile", ID: p.Arn, Name: p.Name, Tags: tagMap(p.Tags)})
	}
	return items
}

// tick has nothing to move: the propagation window is computed from the
// stored creation times when EC2 asks.
func (s *IAMState) tick(w *World, now time.Time, d durations) { s.ensure() }

func iamHandlers() map[string]handler {
	return map[string]handler{
		"CreateRole":             createRole,
		"GetRole":                getRole,
		"DeleteRole":             deleteRole,
		"ListRoles":              listRoles,
		"TagRole":                tagRole,
		"UntagRole":              untagRole,
		"ListRoleTags":           listRoleTags,
		"UpdateRole":             updateRole,
		"UpdateAssumeRolePolicy": updateAssumeRolePolicy,

		"AttachRolePolicy":         attachRolePolicy,
		"DetachRolePolicy":         detachRolePolicy,
		"ListAttachedRolePolicies": listAttachedRolePolicies,
		"PutRolePolicy":            putRolePolicy,
		"GetRolePolicy":            getRolePolicy,
		"DeleteRolePolicy":         deleteRolePolicy,
		"ListRolePolicies":         listRolePolicies,
		"GetPolicy":                getPolicy,

		"CreateInstanceProfile":         createInstanceProfile,
		"GetInstanceProfile":            getInstanceProfile,
		"DeleteInstanceProfile":         deleteInstanceProfile,
		"AddRoleToInstanceProfile":      addRoleToInstanceProfile,
		"RemoveRoleFromInstanceProfile": removeRoleFromInstanceProfile,
		"ListInstanceProfiles":          listInstanceProfiles,
		"ListInstanceProfilesForRole":   listInstanceProfilesForRole,
		"TagInstanceProfile":            tagInstanceProfile,
		"UntagInstanceProfile":          untagInstanceProfile,
		"ListInstanceProfileTags":       listInstanceProfileTags,

		"SimulatePrincipalPolicy": simulatePrincipalPolicy,
	}
}

// iamID returns an IAM unique id: a four-letter prefix (AROA for roles,
// AIPA for instance profiles, ANPA for managed policies) and 17 characters
// of base32.
func iamID(prefix, seed string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	var b strings.Builder
	b.WriteString(prefix)
	for i := 0; i < 17; i++ {
		b.WriteByte(alphabet[int(seed[i%len(seed)]^byte(i*7))%32])
	}
	return b.String()
}

// validIAMName reports whether name fits IAM's pattern [\w+=,.@-]{1,max}.
func validIAMName(name string, max int) bool {
	if name == "" || len(name) > max {
		return false
	}
	for _, ch := range name {
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.ContainsRune("_+=,.@-", ch):
		default:
			return false
		}
	}
	return true
}

func errIAMValidation(value, field, constraint string) *APIError {
	return errBadRequest("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: %s", value, field, constraint)
}

// iamPath returns the Path parameter, "/" by default, checked as IAM does.
func iamPath(c *call) (string, *APIError) {
	p := c.p.Get("Path")
	if p == "" {
		return "/", nil
	}
	if !strings.HasPrefix(p, "/") || !strings.HasSuffix(p, "/") || len(p) > 512 {
		return "", errIAMValidation(p, "path", "Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)")
	}
	return p, nil
}

// checkPolicyDocument rejects what IAM would not parse as a policy.
func checkPolicyDocument(doc string) *APIError {
	var v map[string]any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return errBadRequest("MalformedPolicyDocument", "This policy contains invalid Json")
	}
	if _, ok := v["Statement"]; !ok {
		return errBadRequest("MalformedPolicyDocument", "Syntax errors in policy.")
	}
	return nil
}

// iamEscape percent-encodes a policy document as IAM returns it (RFC 3986:
// everything but unreserved characters), which the SDK leaves to callers to decode.
func iamEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_', ch == '.', ch == '~':
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&15])
		}
	}
	return b.String()
}

// iamTags reads Tags.member.N and checks IAM's limits.
func iamTags(c *call, existing []Tag) ([]Tag, *APIError) {
	tags := c.p.Tags("Tags.member")
	for _, t := range tags {
		switch {
		case t.Key == "" || len(t.Key) > 128:
			return nil, errIAMValidation(t.Key, "tags.member.key", "Member must have length between 1 and 128")
		case len(t.Value) > 256:
			return nil, errIAMValidation(t.Value, "tags.member.value", "Member must have length less than or equal to 256")
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, errBadRequest("InvalidInput", "User-defined tag keys can't start with 'aws:'. This prefix is reserved for AWS tags.")
		}
	}
	merged := append([]Tag(nil), existing...)
	setTags(&merged, tags)
	if len(merged) > 50 {
		return nil, apiErr(http.StatusConflict, "LimitExceeded", "The number of tags has reached the maximum limit of 50.")
	}
	return merged, nil
}

// removeTags deletes the keys in TagKeys.member.N from tags.
func removeTags(c *call, tags []Tag) []Tag {
	drop := map[string]bool{}
	for _, k := range c.p.List("TagKeys.member") {
		drop[k] = true
	}
	out := tags[:0:0]
	for _, t := range tags {
		if !drop[t.Key] {
			out = append(out, t)
		}
	}
	return out
}

// iamPage cuts one page of sorted keys for Marker/MaxItems; the marker is
// the last key returned, opaque to clients.
func iamPage(c *call, keys []string) (page []string, marker string, truncated bool, err *APIError) {
	maxItems, perr := c.p.Int("MaxItems", 100)
	if perr != nil {
		return nil, "", false, perr.(*APIError)
	}
	if maxItems < 1 || maxItems > 1000 {
		return nil, "", false, errIAMValidation(c.p.Get("MaxItems"), "maxItems", "Member must have value between 1 and 1000")
	}
	if m := c.p.Get("Marker"); m != "" {
		raw, derr := base64.RawURLEncoding.DecodeString(m)
		if derr != nil {
			return nil, "", false, errBadRequest("InvalidInput", "Invalid Marker.")
		}
		i := sort.SearchStrings(keys, string(raw))
		if i < len(keys) && keys[i] == string(raw) {
			i++
		}
		keys = keys[i:]
	}
	if len(keys) <= maxItems {
		return keys, "", false, nil
	}
	return keys[:maxItems], base64.RawURLEncoding.EncodeToString([]byte(keys[maxItems-1])), true, nil
}

type iamTagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func iamTagsXML(tags []Tag) []iamTagXML {
	out := make([]iamTagXML, 0, len(tags))
	for _, t := range tags {
		out = append(out, iamTagXML{t.Key, t.Value})
	}
	return out
}

// listTagsResult answers ListRoleTags and ListInstanceProfileTags.
func listTagsResult(c *call, tags []Tag) (any, error) {
	byKey := map[string]Tag{}
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		byKey[t.Key] = t
		keys = append(keys, t.Key)
	}
	sort.Strings(keys)
	page, marker, truncated, err := iamPage(c, keys)
	if err != nil {
		return nil, err
	}
	out := struct {
		Tags        []iamTagXML `xml:"Tags>member"`
		IsTruncated bool        `xml:"IsTruncated"`
		Marker      string      `xml:"Marker,omitempty"`
	}{Tags: []iamTagXML{}, IsTruncated: truncated, Marker: marker}
	for _, k := range page {
		out.Tags = append(out.Tags, iamTagXML{k, byKey[k].Value})
	}
	return out, nil
}
