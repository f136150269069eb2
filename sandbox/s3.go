package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// S3, as much as the stack's log buckets need: buckets with tags, a
// policy, a public access block, default encryption and a lifecycle
// expiry; listing and deleting objects. Objects arrive only by the
// sandbox's own log deliveries (load balancer access logs, VPC flow
// logs), as they do in a log bucket on AWS. Requests address buckets by
// path (/bucket?policy), which is how the SDK talks to a custom endpoint.
// Bucket names are global, as on AWS: the state lives in the World.

// S3State is every bucket, by name.
type S3State struct {
	Buckets map[string]*Bucket `json:"buckets"`
}

// Bucket is one S3 bucket.
type Bucket struct {
	Name      string    `json:"name"`
	Region    string    `json:"region"`
	Created   time.Time `json:"created"`
	Tags      []Tag     `json:"tags,omitempty"`
	Policy    string    `json:"policy,omitempty"`
	Block     bool      `json:"block_public_access,omitempty"`
	SSE       string    `json:"sse,omitempty"`
	Lifecycle []s3Rule  `json:"lifecycle,omitempty"`
	// Objects are the keys and sizes of what the bucket holds.
	Objects map[string]*S3Object `json:"objects,omitempty"`
}

// S3Object is one object: its size and when it was written.
type S3Object struct {
	Size    int64     `json:"size"`
	Written time.Time `json:"written"`
}

type s3Rule struct {
	ID     string `xml:"ID" json:"id"`
	Status string `xml:"Status" json:"status"`
	Filter struct {
		Prefix string `xml:"Prefix" json:"prefix"`
	} `xml:"Filter" json:"filter"`
	Expiration *struct {
		Days int `xml:"Days" json:"days"`
	} `xml:"Expiration,omitempty" json:"expiration,omitempty"`
}

func newS3State() *S3State { return &S3State{Buckets: map[string]*Bucket{}} }

func s3Handlers() map[string]handler {
	return map[string]handler{
		"ListBuckets":                     s3ListBuckets,
		"CreateBucket":                    s3CreateBucket,
		"HeadBucket":                      s3HeadBucket,
		"DeleteBucket":                    s3DeleteBucket,
		"GetBucketTagging":                s3GetBucketTagging,
		"PutBucketTagging":                s3PutBucketTagging,
		"GetBucketPolicy":                 s3GetBucketPolicy,
		"PutBucketPolicy":                 s3PutBucketPolicy,
		"PutPublicAccessBlock":            s3PutPublicAccessBlock,
		"GetPublicAccessBlock":            s3GetPublicAccessBlock,
		"PutBucketEncryption":             s3PutBucketEncryption,
		"GetBucketLifecycleConfiguration": s3GetBucketLifecycle,
		"PutBucketLifecycleConfiguration": s3PutBucketLifecycle,
		"ListObjectsV2":                   s3ListObjectsV2,
		"DeleteObjects":                   s3DeleteObjects,
	}
}

// s3Route finds the operation from the method, the path (/ or /bucket)
// and the sub-resource in the query (?tagging, ?policy, ...).
func s3Route(r *http.Request) (string, map[string]string) {
	bucket, key, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	q := r.URL.Query()
	p := map[string]string{"Bucket": bucket, "Key": key}
	if bucket == "" {
		if r.Method == http.MethodGet {
			return "ListBuckets", p
		}
		return "", p
	}
	if key != "" {
		return "", p // objects are written by deliveries only
	}
	sub := ""
	for _, s := range []string{"tagging", "policy", "publicAccessBlock", "encryption", "lifecycle", "delete"} {
		if q.Has(s) {
			sub = s
		}
	}
	ops := map[string]string{
		"PUT ": "CreateBucket", "HEAD ": "HeadBucket", "DELETE ": "DeleteBucket", "GET ": "ListObjectsV2",
		"GET tagging": "GetBucketTagging", "PUT tagging": "PutBucketTagging",
		"GET policy": "GetBucketPolicy", "PUT policy": "PutBucketPolicy",
		"PUT publicAccessBlock": "PutPublicAccessBlock", "GET publicAccessBlock": "GetPublicAccessBlock", "PUT encryption": "PutBucketEncryption",
		"GET lifecycle": "GetBucketLifecycleConfiguration", "PUT lifecycle": "PutBucketLifecycleConfiguration",
		"POST delete": "DeleteObjects",
	}
	return ops[r.Method+" "+sub], p
}

// s3Result is what an S3 handler returns: an XML document under Root, a
// raw body (a bucket policy is JSON), or nothing.
type s3Result struct {
	Status int
	Root   string
	Body   any
	Raw    []byte
}

const s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

func writeS3(w http.ResponseWriter, r *http.Request, out any) error {
	res, _ := out.(s3Result)
	if res.Status == 0 {
		res.Status = http.StatusOK
	}
	switch {
	case res.Raw != nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(res.Status)
		_, err := w.Write(res.Raw)
		return err
	case res.Root == "" || r.Method == http.MethodHead:
		w.WriteHeader(res.Status)
		return nil
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(res.Status)
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: res.Root}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: s3Namespace}}}
	if err := enc.EncodeToken(start); err != nil {
		return err
	}
	if err := encodeFields(enc, w, res.Body); err != nil {
		return err
	}
	if err := enc.EncodeToken(start.End()); err != nil {
		return err
	}
	return enc.Flush()
}

// writeS3Error writes S3's error document: a bare <Error>, unlike the
// other XML services' <ErrorResponse>.
func writeS3Error(w http.ResponseWriter, requestID string, e *APIError) {
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("x-amz-request-id", requestID)
	w.WriteHeader(e.Status)
	_ = xml.NewEncoder(w).Encode(struct {
		XMLName   xml.Name `xml:"Error"`
		Code      string   `xml:"Code"`
		Message   string   `xml:"Message"`
		RequestID string   `xml:"RequestId"`
	}{Code: e.Code, Message: e.Message, RequestID: requestID})
}

// bucketName is S3's rule for a name of 3 to 63 characters (the length is
// checked apart: a counted repetition makes a large program to compile).
var bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*[a-z0-9]$`)

func (c *call) s3() *S3State {
	if c.w.S3 == nil {
		c.w.S3 = newS3State()
	}
	return c.w.S3
}

// bucket returns the request's bucket, or S3's NoSuchBucket.
func (c *call) bucket() (*Bucket, error) {
	b := c.s3().Buckets[c.path["Bucket"]]
	if b == nil {
		return nil, errNotFound("NoSuchBucket", "The specified bucket does not exist")
	}
	return b, nil
}

func (c *call) decodeS3(v any) error {
	if err := xml.Unmarshal(c.body, v); err != nil {
		return errBadRequest("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	return nil
}

func s3CreateBucket(c *call) (any, error) {
	name := c.path["Bucket"]
	if len(name) < 3 || len(name) > 63 || !bucketName.MatchString(name) || strings.Contains(name, "..") {
		return nil, errBadRequest("InvalidBucketName", "The specified bucket is not valid.")
	}
	var cfg struct {
		LocationConstraint string `xml:"LocationConstraint"`
	}
	if len(c.body) > 0 {
		if err := c.decodeS3(&cfg); err != nil {
			return nil, err
		}
	}
	where := cfg.LocationConstraint
	switch {
	case where == "" && c.region != "us-east-1":
		return nil, errBadRequest("IllegalLocationConstraintException",
			"The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.")
	case where == "us-east-1":
		return nil, errBadRequest("InvalidLocationConstraint", "The specified location-constraint is not valid")
	case where != "" && where != c.region:
		return nil, errBadRequest("IllegalLocationConstraintException",
			"The %s location constraint is incompatible for the region specific endpoint this request was sent to.", where)
	case where == "":
		where = "us-east-1"
	}
	if b := c.s3().Buckets[name]; b != nil {
		return nil, apiErr(http.StatusConflict, "BucketAlreadyOwnedByYou",
			"Your previous request to create the named bucket succeeded and you already own it.")
	}
	// New buckets block public access and encrypt with SSE-S3 by default
	// (S3, since April and January 2023).
	c.s3().Buckets[name] = &Bucket{Name: name, Region: where, Created: c.now, Block: true, SSE: "AES256", Objects: map[string]*S3Object{}}
	return s3Result{}, nil
}

func s3HeadBucket(c *call) (any, error) {
	if _, err := c.bucket(); err != nil {
		return nil, apiErr(http.StatusNotFound, "NotFound", "Not Found")
	}
	return s3Result{}, nil
}

func s3DeleteBucket(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	if len(b.Objects) > 0 {
		return nil, apiErr(http.StatusConflict, "BucketNotEmpty", "The bucket you tried to delete is not empty")
	}
	delete(c.s3().Buckets, b.Name)
	return s3Result{Status: http.StatusNoContent}, nil
}

func s3ListBuckets(c *call) (any, error) {
	q := c.req.URL.Query()
	prefix, region := q.Get("prefix"), q.Get("bucket-region")
	max := atoiDefault(q.Get("max-buckets"), 10000)
	var names []string
	for n, b := range c.s3().Buckets {
		if strings.HasPrefix(n, prefix) && (region == "" || b.Region == region) && n > q.Get("continuation-token") {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	next := ""
	if len(names) > max {
		names, next = names[:max], names[max-1]
	}
	type xmlBucket struct {
		Name         string `xml:"Name"`
		CreationDate string `xml:"CreationDate"`
		BucketRegion string `xml:"BucketRegion"`
	}
	out := struct {
		Owner struct {
			ID string `xml:"ID"`
		} `xml:"Owner"`
		Buckets           []xmlBucket `xml:"Buckets>Bucket"`
		ContinuationToken string      `xml:"ContinuationToken,omitempty"`
		Prefix            string      `xml:"Prefix,omitempty"`
	}{ContinuationToken: next, Prefix: prefix}
	out.Owner.ID = AccountID
	for _, n := range names {
		b := c.s3().Buckets[n]
		out.Buckets = append(out.Buckets, xmlBucket{n, b.Created.UTC().Format(time.RFC3339), b.Region})
	}
	return s3Result{Root: "ListAllMyBucketsResult", Body: out}, nil
}

type s3Tagging struct {
	Tags []struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	} `xml:"TagSet>Tag"`
}

func s3GetBucketTagging(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	if len(b.Tags) == 0 {
		return nil, errNotFound("NoSuchTagSet", "The TagSet does not exist")
	}
	var out s3Tagging
	for _, t := range b.Tags {
		out.Tags = append(out.Tags, struct {
			Key   string `xml:"Key"`
			Value string `xml:"Value"`
		}{t.Key, t.Value})
	}
	return s3Result{Root: "Tagging", Body: out}, nil
}

func s3PutBucketTagging(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	var in s3Tagging
	if err := c.decodeS3(&in); err != nil {
		return nil, err
	}
	var tags []Tag
	for _, t := range in.Tags {
		tags = append(tags, Tag{Key: t.Key, Value: t.Value})
	}
	if len(tags) > 50 {
		return nil, errBadRequest("BadRequest", "Object tags cannot be greater than 50")
	}
	if err := validateTags(tags); err != nil {
		return nil, err
	}
	b.Tags = tags
	return s3Result{Status: http.StatusNoContent}, nil
}

func s3GetBucketPolicy(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	if b.Policy == "" {
		return nil, errNotFound("NoSuchBucketPolicy", "The bucket policy does not exist")
	}
	return s3Result{Raw: []byte(b.Policy)}, nil
}

func s3PutBucketPolicy(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	var doc struct {
		Statement []struct {
			Effect    string          `json:"Effect"`
			Principal json.RawMessage `json:"Principal"`
			Condition json.RawMessage `json:"Condition"`
		} `json:"Statement"`
	}
	if err := json.Unmarshal(c.body, &doc); err != nil || len(doc.Statement) == 0 {
		return nil, errBadRequest("MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'")
	}
	for _, s := range doc.Statement {
		public := string(s.Principal) == `"*"` || string(s.Principal) == `{"AWS":"*"}`
		if b.Block && s.Effect == "Allow" && public && len(s.Condition) == 0 {
			return nil, apiErr(http.StatusForbidden, "AccessDenied",
				"User is not authorized to perform: s3:PutBucketPolicy because public policies are blocked by the BlockPublicPolicy block public access setting.")
		}
	}
	b.Policy = string(c.body)
	return s3Result{Status: http.StatusNoContent}, nil
}

func s3PutPublicAccessBlock(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	var in s3PublicAccessBlock
	if err := c.decodeS3(&in); err != nil {
		return nil, err
	}
	// Kept as one switch: the stack sets all four or none.
	b.Block = in.BlockPublicAcls && in.IgnorePublicAcls && in.BlockPublicPolicy && in.RestrictPublicBuckets
	return s3Result{}, nil
}

type s3PublicAccessBlock struct {
	BlockPublicAcls       bool `xml:"BlockPublicAcls"`
	IgnorePublicAcls      bool `xml:"IgnorePublicAcls"`
	BlockPublicPolicy     bool `xml:"BlockPublicPolicy"`
	RestrictPublicBuckets bool `xml:"RestrictPublicBuckets"`
}

func s3GetPublicAccessBlock(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	return s3Result{Root: "PublicAccessBlockConfiguration", Body: s3PublicAccessBlock{b.Block, b.Block, b.Block, b.Block}}, nil
}

func s3PutBucketEncryption(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	var in struct {
		Algorithm string `xml:"Rule>ApplyServerSideEncryptionByDefault>SSEAlgorithm"`
	}
	if err := c.decodeS3(&in); err != nil {
		return nil, err
	}
	if in.Algorithm != "AES256" && in.Algorithm != "aws:kms" && in.Algorithm != "aws:kms:dsse" {
		return nil, errBadRequest("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	b.SSE = in.Algorithm
	return s3Result{}, nil
}

func s3GetBucketLifecycle(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	if len(b.Lifecycle) == 0 {
		return nil, errNotFound("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist")
	}
	return s3Result{Root: "LifecycleConfiguration", Body: struct {
		Rules []s3Rule `xml:"Rule"`
	}{b.Lifecycle}}, nil
}

func s3PutBucketLifecycle(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	var in struct {
		Rules []s3Rule `xml:"Rule"`
	}
	if err := c.decodeS3(&in); err != nil {
		return nil, err
	}
	for _, r := range in.Rules {
		if r.Status != "Enabled" && r.Status != "Disabled" {
			return nil, errBadRequest("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		if r.Expiration != nil && r.Expiration.Days <= 0 {
			return nil, errBadRequest("InvalidArgument", "'Days' for Expiration action must be a positive integer")
		}
	}
	b.Lifecycle = in.Rules
	return s3Result{}, nil
}

func s3ListObjectsV2(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	q := c.req.URL.Query()
	if q.Get("list-type") != "2" {
		return nil, errBadRequest("NotImplemented", "the sandbox lists objects with ListObjectsV2 only")
	}
	prefix, after := q.Get("prefix"), q.Get("continuation-token")
	max := min(atoiDefault(q.Get("max-keys"), 1000), 1000)
	var keys []string
	for k := range b.Objects {
		if strings.HasPrefix(k, prefix) && k > after {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	truncated, next := len(keys) > max, ""
	if truncated {
		keys, next = keys[:max], keys[max-1]
	}
	type xmlObject struct {
		Key          string `xml:"Key"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		StorageClass string `xml:"StorageClass"`
	}
	out := struct {
		Name                  string      `xml:"Name"`
		Prefix                string      `xml:"Prefix"`
		KeyCount              int         `xml:"KeyCount"`
		MaxKeys               int         `xml:"MaxKeys"`
		IsTruncated           bool        `xml:"IsTruncated"`
		Contents              []xmlObject `xml:"Contents"`
		NextContinuationToken string      `xml:"NextContinuationToken,omitempty"`
	}{Name: b.Name, Prefix: prefix, KeyCount: len(keys), MaxKeys: max, IsTruncated: truncated, NextContinuationToken: next}
	for _, k := range keys {
		o := b.Objects[k]
		out.Contents = append(out.Contents, xmlObject{k, o.Written.UTC().Format(time.RFC3339), `"` + strconv.FormatInt(o.Size, 16) + `"`, o.Size, "STANDARD"})
	}
	return s3Result{Root: "ListBucketResult", Body: out}, nil
}

func s3DeleteObjects(c *call) (any, error) {
	b, err := c.bucket()
	if err != nil {
		return nil, err
	}
	var in struct {
		Quiet   bool `xml:"Quiet"`
		Objects []struct {
			Key string `xml:"Key"`
		} `xml:"Object"`
	}
	if err := c.decodeS3(&in); err != nil {
		return nil, err
	}
	if len(in.Objects) > 1000 {
		return nil, errBadRequest("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	type deleted struct {
		Key string `xml:"Key"`
	}
	var out struct {
		Deleted []deleted `xml:"Deleted"`
	}
	for _, o := range in.Objects {
		delete(b.Objects, o.Key) // deleting a key that is not there succeeds, as on S3
		if !in.Quiet {
			out.Deleted = append(out.Deleted, deleted{o.Key})
		}
	}
	return s3Result{Root: "DeleteResult", Body: out}, nil
}

// deliver writes one log object into bucket name, as a delivery service
// does: it reports false when the bucket is gone or its policy does not
// let principal write (the delivery then fails, silently for the
// bucket's owner).
func (s *S3State) deliver(name, principal, key string, now time.Time, size int64) bool {
	b := s.Buckets[name]
	if b == nil || !strings.Contains(b.Policy, principal) {
		return false
	}
	if b.Objects == nil {
		b.Objects = map[string]*S3Object{}
	}
	b.Objects[key] = &S3Object{Size: size, Written: now}
	return true
}

// tick expires objects older than their bucket's lifecycle rule allows.
func (s *S3State) tick(now time.Time) {
	for _, b := range s.Buckets {
		for _, r := range b.Lifecycle {
			if r.Status != "Enabled" || r.Expiration == nil {
				continue
			}
			for k, o := range b.Objects {
				if strings.HasPrefix(k, r.Filter.Prefix) && now.Sub(o.Written) > time.Duration(r.Expiration.Days)*24*time.Hour {
					delete(b.Objects, k)
				}
			}
		}
	}
}

func (s *S3State) inventory() []InventoryItem {
	var out []InventoryItem
	for _, b := range s.Buckets {
		out = append(out, InventoryItem{Type: "s3:bucket", ID: b.Name, Region: b.Region, Name: b.Name,
			State: fmt.Sprintf("%d objects", len(b.Objects)), Tags: tagMap(b.Tags)})
	}
	return out
}
