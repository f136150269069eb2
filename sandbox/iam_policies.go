package sandbox

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// managedPolicy is a built-in AWS managed policy.
type managedPolicy struct {
	Name, Path, Description, Version string
	Created, Updated                 time.Time
}

// Arn is the policy's ARN: AWS managed policies live in the "aws" account.
func (p managedPolicy) Arn() string { return "arn:aws:iam::aws:policy" + p.Path + p.Name }

// managedPolicies lists the AWS managed policies the sandbox knows, the
// ones an EC2 web stack attaches and a few common others.
func managedPolicies() []managedPolicy {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 18, 0, 0, 0, time.UTC) }
	return []managedPolicy{
		{"AmazonSSMManagedInstanceCore", "/", "The policy for Amazon EC2 Role to enable AWS Systems Manager service core functionality.", "v3", d(2019, 3, 15), d(2023, 12, 12)},
		{"CloudWatchAgentServerPolicy", "/", "Permissions required to use AmazonCloudWatchAgent on servers", "v6", d(2017, 9, 13), d(2024, 2, 9)},
		{"CloudWatchAgentAdminPolicy", "/", "Full permissions required to use AmazonCloudWatchAgent.", "v4", d(2017, 9, 13), d(2024, 2, 9)},
		{"AmazonS3ReadOnlyAccess", "/", "Provides read only access to all buckets via the AWS Management Console.", "v3", d(2015, 2, 6), d(2023, 8, 10)},
		{"AmazonS3FullAccess", "/", "Provides full access to all buckets via the AWS Management Console.", "v2", d(2015, 2, 6), d(2021, 9, 27)},
		{"ReadOnlyAccess", "/", "Provides read-only access to AWS services and resources.", "v120", d(2015, 2, 6), d(2026, 10, 1)},
		{"AdministratorAccess", "/", "Provides full access to AWS services and resources.", "v1", d(2015, 2, 6), d(2015, 2, 6)},
		{"AmazonEC2ContainerRegistryReadOnly", "/", "Provides read-only access to Amazon EC2 Container Registry repositories.", "v4", d(2015, 12, 21), d(2024, 11, 19)},
		{"AmazonEC2ReadOnlyAccess", "/", "Provides read only access to Amazon EC2 via the AWS Management Console.", "v1", d(2015, 2, 6), d(2015, 2, 6)},
		{"AmazonSSMReadOnlyAccess", "/", "Provides read only access to Amazon SSM.", "v1", d(2015, 5, 29), d(2015, 5, 29)},
		{"CloudWatchLogsFullAccess", "/", "Provides full access to CloudWatch Logs", "v2", d(2015, 2, 6), d(2022, 11, 22)},
		{"AWSXrayWriteOnlyAccess", "/", "AWS X-Ray write only managed policy", "v1", d(2016, 11, 30), d(2016, 11, 30)},
		{"SecretsManagerReadWrite", "/", "Provides read/write access to AWS Secrets Manager via the AWS Management Console.", "v5", d(2018, 4, 4), d(2023, 3, 23)},
		{"AmazonEC2RoleforSSM", "/service-role/", "This policy will soon be deprecated. Please use AmazonSSMManagedInstanceCore policy to enable AWS Systems Manager service core functionality on EC2 instances.", "v8", d(2015, 5, 29), d(2019, 1, 24)},
	}
}

// managedPolicyByArn returns the built-in policy with arn, or false.
func managedPolicyByArn(arn string) (managedPolicy, bool) {
	for _, p := range managedPolicies() {
		if p.Arn() == arn {
			return p, true
		}
	}
	return managedPolicy{}, false
}

// checkPolicyArn tells a malformed ARN (InvalidInput) from an unknown one (NoSuchEntity).
func checkPolicyArn(arn string) (managedPolicy, *APIError) {
	if !strings.HasPrefix(arn, "arn:aws:iam::") || !strings.Contains(arn, ":policy/") {
		return managedPolicy{}, errBadRequest("InvalidInput", "ARN %s is not valid.", arn)
	}
	p, ok := managedPolicyByArn(arn)
	if !ok {
		return managedPolicy{}, errNotFound("NoSuchEntity", "Policy %s does not exist or is not attachable.", arn)
	}
	return p, nil
}

func attachRolePolicy(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	arn := c.p.Get("PolicyArn")
	if _, err := checkPolicyArn(arn); err != nil {
		return nil, err
	}
	for _, a := range r.AttachedPolicies {
		if a == arn {
			return nil, nil // attaching twice is a no-op, as on IAM
		}
	}
	if len(r.AttachedPolicies) >= 10 {
		return nil, apiErr(http.StatusConflict, "LimitExceeded", "Cannot exceed quota for PoliciesPerRole: 10")
	}
	r.AttachedPolicies = append(r.AttachedPolicies, arn)
	return nil, nil
}

func detachRolePolicy(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	arn := c.p.Get("PolicyArn")
	for i, a := range r.AttachedPolicies {
		if a == arn {
			r.AttachedPolicies = append(r.AttachedPolicies[:i:i], r.AttachedPolicies[i+1:]...)
			return nil, nil
		}
	}
	return nil, errNotFound("NoSuchEntity", "Policy %s was not found.", arn)
}

func listAttachedRolePolicies(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	prefix := c.p.Get("PathPrefix")
	var keys []string
	for _, a := range r.AttachedPolicies {
		if p, ok := managedPolicyByArn(a); ok && strings.HasPrefix(p.Path, prefix) {
			keys = append(keys, a)
		}
	}
	sort.Strings(keys)
	page, marker, truncated, err := iamPage(c, keys)
	if err != nil {
		return nil, err
	}
	type attached struct {
		PolicyName string `xml:"PolicyName"`
		PolicyArn  string `xml:"PolicyArn"`
	}
	out := struct {
		Policies    []attached `xml:"AttachedPolicies>member"`
		IsTruncated bool       `xml:"IsTruncated"`
		Marker      string     `xml:"Marker,omitempty"`
	}{Policies: []attached{}, IsTruncated: truncated, Marker: marker}
	for _, a := range page {
		out.Policies = append(out.Policies, attached{a[strings.LastIndex(a, "/")+1:], a})
	}
	return out, nil
}

func putRolePolicy(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	name, doc := c.p.Get("PolicyName"), c.p.Get("PolicyDocument")
	if !validIAMName(name, 128) {
		return nil, errIAMValidation(name, "policyName", "Member must satisfy regular expression pattern: [\\w+=,.@-]+")
	}
	if err := checkPolicyDocument(doc); err != nil {
		return nil, err
	}
	total := len(doc)
	for n, d := range r.InlinePolicies {
		if n != name {
			total += len(d)
		}
	}
	if total > 10240 {
		return nil, apiErr(http.StatusConflict, "LimitExceeded", "Maximum policy size of 10240 bytes exceeded for role %s", r.Name)
	}
	if r.InlinePolicies == nil {
		r.InlinePolicies = map[string]string{}
	}
	r.InlinePolicies[name] = doc
	return nil, nil
}

func getRolePolicy(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	name := c.p.Get("PolicyName")
	doc, ok := r.InlinePolicies[name]
	if !ok {
		return nil, errNotFound("NoSuchEntity", "The role policy with name %s cannot be found.", name)
	}
	return struct {
		RoleName       string `xml:"RoleName"`
		PolicyName     string `xml:"PolicyName"`
		PolicyDocument string `xml:"PolicyDocument"`
	}{r.Name, name, iamEscape(doc)}, nil
}

func deleteRolePolicy(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	name := c.p.Get("PolicyName")
	if _, ok := r.InlinePolicies[name]; !ok {
		return nil, errNotFound("NoSuchEntity", "The role policy with name %s cannot be found.", name)
	}
	delete(r.InlinePolicies, name)
	return nil, nil
}

func listRolePolicies(c *call) (any, error) {
	r, err := c.w.IAM.role(c.p.Get("RoleName"))
	if err != nil {
		return nil, err
	}
	names := sortedKeys(r.InlinePolicies)
	page, marker, truncated, err := iamPage(c, names)
	if err != nil {
		return nil, err
	}
	return struct {
		PolicyNames []string `xml:"PolicyNames>member"`
		IsTruncated bool     `xml:"IsTruncated"`
		Marker      string   `xml:"Marker,omitempty"`
	}{append([]string{}, page...), truncated, marker}, nil
}

// getPolicy describes a built-in AWS managed policy. AttachmentCount counts
// the sandbox account's roles that have it attached.
func getPolicy(c *call) (any, error) {
	arn := c.p.Get("PolicyArn")
	p, err := checkPolicyArn(arn)
	if err != nil {
		if err.Code == "NoSuchEntity" {
			err.Message = "Policy " + arn + " was not found."
		}
		return nil, err
	}
	count := 0
	for _, r := range c.w.IAM.Roles {
		for _, a := range r.AttachedPolicies {
			if a == arn {
				count++
			}
		}
	}
	sum := sha256.Sum256([]byte(arn))
	type policyXML struct {
		PolicyName                    string `xml:"PolicyName"`
		PolicyID                      string `xml:"PolicyId"`
		Arn                           string `xml:"Arn"`
		Path                          string `xml:"Path"`
		DefaultVersionID              string `xml:"DefaultVersionId"`
		AttachmentCount               int    `xml:"AttachmentCount"`
		PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
		IsAttachable                  bool   `xml:"IsAttachable"`
		Description                   string `xml:"Description"`
		CreateDate                    string `xml:"CreateDate"`
		UpdateDate                    string `xml:"UpdateDate"`
	}
	return struct {
		Policy policyXML `xml:"Policy"`
	}{policyXML{
		PolicyName: p.Name, PolicyID: iamID("ANPA", hex.EncodeToString(sum[:])), Arn: arn, Path: p.Path,
		DefaultVersionID: p.Version, AttachmentCount: count, IsAttachable: true, Description: p.Description,
		CreateDate: xmlTime(p.Created), UpdateDate: xmlTime(p.Updated),
	}}, nil
}
