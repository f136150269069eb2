package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// CallerARN is the principal every sandbox request acts as (see
// stsGetCallerIdentity): the user access-denied messages name.
const CallerARN = "arn:aws:iam::" + AccountID + ":user/sandbox"

// iamPrefixes maps a signing name to the prefix IAM actions use for that
// service. They agree except for CloudWatch, signed as "monitoring" but
// authorized as "cloudwatch:*".
var iamPrefixes = map[string]string{
	"ec2":                  "ec2",
	"iam":                  "iam",
	"sts":                  "sts",
	"elasticloadbalancing": "elasticloadbalancing",
	"autoscaling":          "autoscaling",
	"sns":                  "sns",
	"acm":                  "acm",
	"ssm":                  "ssm",
	"kms":                  "kms",
	"monitoring":           "cloudwatch",
	"route53":              "route53",
	"s3":                   "s3",
}

// iamAction is the IAM action a request of service (a signing name) and
// operation needs: "ec2:RunInstances", "cloudwatch:PutMetricAlarm".
func iamAction(service, op string) string {
	prefix, ok := iamPrefixes[service]
	if !ok {
		prefix = service
	}
	if a, ok := s3Actions[op]; ok && service == "s3" {
		op = a
	}
	return prefix + ":" + op
}

// s3Actions are the S3 operations whose IAM action has another name.
var s3Actions = map[string]string{
	"ListBuckets": "ListAllMyBuckets", "HeadBucket": "ListBucket", "ListObjectsV2": "ListBucket",
	"DeleteObjects": "DeleteObject", "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
	"GetPublicAccessBlock": "GetBucketPublicAccessBlock", "PutBucketEncryption": "PutEncryptionConfiguration",
	"GetBucketLifecycleConfiguration": "GetLifecycleConfiguration", "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration",
}

// denyPattern is one entry of Faults.Deny, parsed: a service prefix (an
// IAM prefix; "monitoring" is accepted for CloudWatch, as Faults keys use
// signing names) and an action glob.
type denyPattern struct {
	prefix string // IAM prefix, lower case
	action string // glob with * and ?, lower case
}

func parseDenyPattern(s string) (denyPattern, error) {
	svc, action, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || svc == "" || action == "" {
		return denyPattern{}, fmt.Errorf("deny: %q is not an IAM action pattern; write service:Operation, e.g. ec2:RunInstances or monitoring:*", s)
	}
	svc = strings.ToLower(svc)
	prefix, known := iamPrefixes[svc]
	if !known {
		for _, p := range iamPrefixes {
			if p == svc {
				prefix, known = p, true
			}
		}
	}
	if !known {
		return denyPattern{}, fmt.Errorf("deny: %q names no service the sandbox serves; use one of ec2, iam, sts, elasticloadbalancing, autoscaling, sns, acm, ssm, kms, monitoring (or cloudwatch), route53, s3", s)
	}
	for _, ch := range action {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '*' || ch == '?') {
			return denyPattern{}, fmt.Errorf("deny: %q: an action is letters and digits with * or ? wildcards", s)
		}
	}
	return denyPattern{prefix: prefix, action: strings.ToLower(action)}, nil
}

// matches reports whether the IAM action ("ec2:RunInstances") falls under
// the pattern. IAM compares actions case-insensitively.
func (p denyPattern) matches(action string) bool {
	prefix, op, ok := strings.Cut(strings.ToLower(action), ":")
	if !ok || prefix != p.prefix {
		return false
	}
	return globMatch(p.action, op) // the EC2 filter glob: * and ?, as IAM
}

// denyList is the parsed Faults.Deny.
type denyList []denyPattern

func parseDenyList(patterns []string) (denyList, error) {
	out := make(denyList, 0, len(patterns))
	for _, s := range patterns {
		p, err := parseDenyPattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// denies reports whether an IAM action is denied.
func (d denyList) denies(action string) bool {
	for _, p := range d {
		if p.matches(action) {
			return true
		}
	}
	return false
}

// accessDenied is the error a denied request gets: each service's own
// code, status and message form, as AWS answers an explicit deny.
//
//   - EC2: 403 UnauthorizedOperation, with the reason and an encoded
//     authorization message (decoded on AWS by sts:DecodeAuthorizationMessage).
//   - IAM, STS, ELBv2, Auto Scaling, Route 53: 403 AccessDenied.
//   - SNS: 403 AuthorizationError, action written "SNS:CreateTopic".
//   - ACM, SSM (JSON 1.1): 400 AccessDeniedException.
//   - CloudWatch (RPC v2 CBOR, AWS query compatible): 403
//     AccessDeniedException, with the query code AccessDenied in
//     X-Amzn-Query-Error, which the Go SDK's CloudWatch client reports as
//     the error code (as the query protocol's AccessDenied).
func accessDenied(service, op string) *APIError {
	action := iamAction(service, op)
	shown := action
	if service == "sns" {
		shown = "SNS:" + op
	}
	reason := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: * with an explicit deny in an identity-based policy", CallerARN, shown)
	switch service {
	case "ec2":
		return apiErr(http.StatusForbidden, "UnauthorizedOperation",
			"You are not authorized to perform this operation. %s. Encoded authorization failure message: %s", reason, encodedAuthMessage(action))
	case "sns":
		return apiErr(http.StatusForbidden, "AuthorizationError", "%s", reason)
	case "acm", "ssm", "kms":
		return apiErr(http.StatusBadRequest, "AccessDeniedException", "%s", reason)
	case "monitoring":
		e := apiErr(http.StatusForbidden, "AccessDeniedException", "%s", reason)
		e.QueryCode = "AccessDenied"
		return e
	}
	return apiErr(http.StatusForbidden, "AccessDenied", "%s", reason)
}

// encodedAuthMessage stands in for EC2's encrypted authorization message:
// opaque to the caller, as on AWS, but deterministic for a given action.
func encodedAuthMessage(action string) string {
	b, _ := json.Marshal(map[string]any{
		"allowed":      false,
		"explicitDeny": true,
		"context":      map[string]string{"principal": CallerARN, "action": action, "resource": "*"},
	})
	return base64.RawURLEncoding.EncodeToString(b)
}
