package sandbox

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"
)

// KMSState is one region's AWS KMS: symmetric customer managed keys with
// their policies and tags. AWS managed keys (aws/sns, aws/ebs...) are not
// modelled: stackwiz never names them.
type KMSState struct {
	Keys map[string]*KMSKey `json:"keys"` // by key id
}

// KMSKey is a customer managed key.
type KMSKey struct {
	ID          string    `json:"id"`
	ARN         string    `json:"arn"`
	Description string    `json:"description"`
	Policy      string    `json:"policy"`
	State       string    `json:"state"` // Enabled, PendingDeletion
	CreatedAt   time.Time `json:"created_at"`
	DeletionAt  time.Time `json:"deletion_at,omitzero"`
	Tags        []Tag     `json:"tags"`
}

func newKMSState() *KMSState { return &KMSState{Keys: map[string]*KMSKey{}} }

// kmsMaxPolicy is KMS's limit on a key policy, in bytes.
const kmsMaxPolicy = 32768

func kmsHandlers() map[string]handler {
	return map[string]handler{
		"CreateKey":           jsonOp(kmsCreateKey),
		"DescribeKey":         jsonOp(kmsDescribeKey),
		"ListKeys":            jsonOp(kmsListKeys),
		"ListResourceTags":    jsonOp(kmsListResourceTags),
		"ScheduleKeyDeletion": jsonOp(kmsScheduleKeyDeletion),
		"GetKeyPolicy":        jsonOp(kmsGetKeyPolicy),
	}
}

// inventory lists the keys not pending deletion: one pending deletion is
// gone for the stack and is not billed.
func (s *KMSState) inventory() []InventoryItem {
	var out []InventoryItem
	for _, k := range s.Keys {
		if k.State == "PendingDeletion" {
			continue
		}
		tags := tagMap(k.Tags)
		out = append(out, InventoryItem{Type: "kms:key", ID: k.ID, Name: tags["Name"], State: k.State, Tags: tags})
	}
	return out
}

// tick deletes the keys whose waiting period is over.
func (s *KMSState) tick(now time.Time) {
	for id, k := range s.Keys {
		if k.State == "PendingDeletion" && !now.Before(k.DeletionAt) {
			delete(s.Keys, id)
		}
	}
}

type kmsTag struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type kmsKeyMetadata struct {
	AWSAccountId         string   `json:"AWSAccountId"`
	KeyId                string   `json:"KeyId"`
	Arn                  string   `json:"Arn"`
	CreationDate         float64  `json:"CreationDate"`
	Enabled              bool     `json:"Enabled"`
	Description          string   `json:"Description"`
	KeyUsage             string   `json:"KeyUsage"`
	KeyState             string   `json:"KeyState"`
	DeletionDate         *float64 `json:"DeletionDate,omitempty"`
	Origin               string   `json:"Origin"`
	KeyManager           string   `json:"KeyManager"`
	KeySpec              string   `json:"KeySpec"`
	EncryptionAlgorithms []string `json:"EncryptionAlgorithms"`
	MultiRegion          bool     `json:"MultiRegion"`
}

func (k *KMSKey) metadata() kmsKeyMetadata {
	m := kmsKeyMetadata{AWSAccountId: AccountID, KeyId: k.ID, Arn: k.ARN, CreationDate: epochSeconds(k.CreatedAt),
		Enabled: k.State == "Enabled", Description: k.Description, KeyUsage: "ENCRYPT_DECRYPT", KeyState: k.State,
		Origin: "AWS_KMS", KeyManager: "CUSTOMER", KeySpec: "SYMMETRIC_DEFAULT", EncryptionAlgorithms: []string{"SYMMETRIC_DEFAULT"}}
	if !k.DeletionAt.IsZero() {
		d := epochSeconds(k.DeletionAt)
		m.DeletionDate = &d
	}
	return m
}

func epochSeconds(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// key finds a key by id or ARN (aliases are not modelled).
func (s *KMSState) key(id string) (*KMSKey, *APIError) {
	id = id[strings.LastIndex(id, "/")+1:] // arn:aws:kms:REGION:ACCOUNT:key/ID
	if k, ok := s.Keys[id]; ok {
		return k, nil
	}
	return nil, errBadRequest("NotFoundException", "Key 'arn:aws:kms:*:%s:key/%s' does not exist", AccountID, id)
}

type kmsCreateKeyIn struct {
	Description                    string   `json:"Description"`
	Policy                         string   `json:"Policy"`
	KeyUsage                       string   `json:"KeyUsage"`
	KeySpec                        string   `json:"KeySpec"`
	BypassPolicyLockoutSafetyCheck bool     `json:"BypassPolicyLockoutSafetyCheck"`
	Tags                           []kmsTag `json:"Tags"`
}

// kmsCreateKey makes a symmetric key. As KMS does, it refuses a policy
// that is not JSON, and one that would not let the account administer the
// key (the lockout safety check), unless told to bypass the check.
func kmsCreateKey(c *call, in *kmsCreateKeyIn) (any, error) {
	if in.KeySpec != "" && in.KeySpec != "SYMMETRIC_DEFAULT" || in.KeyUsage != "" && in.KeyUsage != "ENCRYPT_DECRYPT" {
		return nil, errBadRequest("UnsupportedOperationException", "the sandbox makes symmetric encryption keys only")
	}
	if len(in.Description) > 8192 {
		return nil, errBadRequest("ValidationException", "1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192")
	}
	if in.Policy != "" {
		if err := kmsCheckPolicy(in.Policy, in.BypassPolicyLockoutSafetyCheck); err != nil {
			return nil, err
		}
	}
	var tags []Tag
	for _, t := range in.Tags {
		tags = append(tags, Tag{Key: t.TagKey, Value: t.TagValue})
	}
	id := uuidFrom(c.w.newHex(32))
	k := &KMSKey{ID: id, ARN: "arn:aws:kms:" + c.region + ":" + AccountID + ":key/" + id, Description: in.Description,
		Policy: in.Policy, State: "Enabled", CreatedAt: c.now, Tags: tags}
	c.r.KMS.Keys[id] = k
	return struct {
		KeyMetadata kmsKeyMetadata `json:"KeyMetadata"`
	}{k.metadata()}, nil
}

// kmsCheckPolicy refuses what KMS refuses: a document that is not JSON, one
// over the size limit, and (unless bypassed) one without a statement that
// lets the account's root principal administer the key.
func kmsCheckPolicy(policy string, bypass bool) *APIError {
	if len(policy) > kmsMaxPolicy {
		return errBadRequest("ValidationException", "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", kmsMaxPolicy)
	}
	var doc struct {
		Statement []struct {
			Effect    string          `json:"Effect"`
			Principal json.RawMessage `json:"Principal"`
			Action    json.RawMessage `json:"Action"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal([]byte(policy), &doc); err != nil || len(doc.Statement) == 0 {
		return errBadRequest("MalformedPolicyDocumentException", "Policy contains a statement with one or more invalid principals.")
	}
	if bypass {
		return nil
	}
	root := `"arn:aws:iam::` + AccountID + `:root"`
	for _, st := range doc.Statement {
		if st.Effect == "Allow" && strings.Contains(string(st.Principal), root) &&
			(strings.Contains(string(st.Action), `"kms:*"`) || strings.Contains(string(st.Action), `"kms:PutKeyPolicy"`)) {
			return nil
		}
	}
	return errBadRequest("MalformedPolicyDocumentException", "The new key policy will not allow you to update the key policy in the future.")
}

type kmsKeyIn struct {
	KeyId               string `json:"KeyId"`
	PendingWindowInDays int    `json:"PendingWindowInDays"`
	Limit               int    `json:"Limit"`
	Marker              string `json:"Marker"`
}

func kmsDescribeKey(c *call, in *kmsKeyIn) (any, error) {
	k, err := c.r.KMS.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	return struct {
		KeyMetadata kmsKeyMetadata `json:"KeyMetadata"`
	}{k.metadata()}, nil
}

func kmsGetKeyPolicy(c *call, in *kmsKeyIn) (any, error) {
	k, err := c.r.KMS.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	return struct {
		Policy     string `json:"Policy"`
		PolicyName string `json:"PolicyName"`
	}{k.Policy, "default"}, nil
}

// kmsPage cuts a sorted list of n items at Marker (an index) and Limit
// (1-1000, default 100).
func kmsPage(in *kmsKeyIn, n int) (start, end int, next string, err *APIError) {
	limit := in.Limit
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return 0, 0, "", errBadRequest("ValidationException", "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000", limit)
	}
	if in.Marker != "" {
		start = atoiDefault(in.Marker, -1)
		if start < 0 || start > n {
			return 0, 0, "", errBadRequest("InvalidMarkerException", "Invalid marker")
		}
	}
	end = min(n, start+limit)
	if end < n {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

func kmsListKeys(c *call, in *kmsKeyIn) (any, error) {
	ids := make([]string, 0, len(c.r.KMS.Keys))
	for id := range c.r.KMS.Keys {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	start, end, next, err := kmsPage(in, len(ids))
	if err != nil {
		return nil, err
	}
	type entry struct {
		KeyId  string `json:"KeyId"`
		KeyArn string `json:"KeyArn"`
	}
	out := struct {
		Keys       []entry `json:"Keys"`
		Truncated  bool    `json:"Truncated"`
		NextMarker string  `json:"NextMarker,omitempty"`
	}{Keys: []entry{}, Truncated: next != "", NextMarker: next}
	for _, id := range ids[start:end] {
		out.Keys = append(out.Keys, entry{id, c.r.KMS.Keys[id].ARN})
	}
	return out, nil
}

func kmsListResourceTags(c *call, in *kmsKeyIn) (any, error) {
	k, err := c.r.KMS.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	start, end, next, perr := kmsPage(in, len(k.Tags))
	if perr != nil {
		return nil, perr
	}
	out := struct {
		Tags       []kmsTag `json:"Tags"`
		Truncated  bool     `json:"Truncated"`
		NextMarker string   `json:"NextMarker,omitempty"`
	}{Tags: []kmsTag{}, Truncated: next != "", NextMarker: next}
	for _, t := range k.Tags[start:end] {
		out.Tags = append(out.Tags, kmsTag{t.Key, t.Value})
	}
	return out, nil
}

// kmsScheduleKeyDeletion starts the waiting period (7-30 days, default
// 30); a key already pending deletion is KMSInvalidStateException.
func kmsScheduleKeyDeletion(c *call, in *kmsKeyIn) (any, error) {
	k, err := c.r.KMS.key(in.KeyId)
	if err != nil {
		return nil, err
	}
	days := in.PendingWindowInDays
	if days == 0 {
		days = 30
	}
	if days < 7 || days > 30 {
		return nil, errBadRequest("ValidationException", "1 validation error detected: Value '%d' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value between 7 and 30", days)
	}
	if k.State == "PendingDeletion" {
		return nil, errBadRequest("KMSInvalidStateException", "%s is pending deletion.", k.ARN)
	}
	k.State, k.DeletionAt = "PendingDeletion", c.now.Add(time.Duration(days)*24*time.Hour)
	return struct {
		KeyId               string  `json:"KeyId"`
		DeletionDate        float64 `json:"DeletionDate"`
		KeyState            string  `json:"KeyState"`
		PendingWindowInDays int     `json:"PendingWindowInDays"`
	}{k.ARN, epochSeconds(k.DeletionAt), k.State, days}, nil
}

// cloudWatchMayUseTopicKey reports whether CloudWatch can publish to the
// topic arn: yes when it is not encrypted; when it is, only with an
// enabled customer managed key whose policy names CloudWatch. The AWS
// managed key (alias/aws/sns) never does, and its policy cannot change.
func (r *Region) cloudWatchMayUseTopicKey(arn string) bool {
	t, ok := r.SNS.Topics[arn]
	if !ok || t.Attributes["KmsMasterKeyId"] == "" {
		return true
	}
	k, err := r.KMS.key(t.Attributes["KmsMasterKeyId"])
	return err == nil && k.State == "Enabled" && strings.Contains(k.Policy, "cloudwatch.amazonaws.com")
}
