package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// The stack's logs: the load balancer's access logs
// (load_balancer.access_logs, Security Hub ELB.5) and the VPC's flow logs
// (network.flow_logs, EC2.6), each delivered to an S3 bucket of its own
// that the step owning the logs keeps. A bucket is private (every public
// access blocked), encrypted with S3-managed keys (the only encryption
// Elastic Load Balancing delivers to), refuses plain-HTTP requests, lets
// only its delivery service write, and expires each object after
// retention_days. Destroy deletes the logs with the bucket: a stack leaves
// nothing behind that bills. To keep them, copy them first (the bucket's
// Manual command says how).

// The log buckets' type, and where each delivery's objects go.
const (
	typeBucket     = "s3:bucket"
	bucketOrder    = 58 // after the load balancer (42) and the flow log (55) that write to it
	awsLogsPrefix  = "AWSLogs/"
	retentionAttr  = "retention_days"
	deliveryAttr   = "delivered_by"
	deliveryFlow   = "vpc-flow-logs"
	deliveryAccess = "alb-access-logs"
)

// logBucket is one of the stack's log buckets.
type logBucket struct {
	key, purpose, delivery string
	logs                   spec.Logs
}

func (b logBucket) desired(s *spec.Spec) Desired {
	return Desired{Key: b.key, Type: typeBucket, Name: s.Name + "-" + b.purpose,
		Attrs:   map[string]string{retentionAttr: strconv.Itoa(b.logs.RetentionDays), deliveryAttr: b.delivery},
		Replace: []string{deliveryAttr}}
}

// bucketName is the bucket's name: bucket names are global, so the stack's
// name is followed by the account and the region ("qvic-alb-logs-
// 123456789012-ap-northeast-2", at most 61 characters). Being derived, a
// create sent again after a lost answer finds the bucket already ours.
func (b logBucket) bucketName(s *spec.Spec, account, region string) string {
	return s.Name + "-" + b.purpose + "-" + account + "-" + region
}

// identityOf is the account and partition the stack runs in: the identity
// step's outputs, or STS when a step runs alone.
func identityOf(ctx context.Context, r *Run) (account, partition string, err error) {
	account, callerARN := r.Output(StepIdentity, "account"), r.Output(StepIdentity, "caller_arn")
	if account == "" {
		c, err := r.AWS.Identity.Caller(ctx)
		if err != nil {
			return "", "", fmt.Errorf("the account: %w", err)
		}
		account, callerARN = c.Account, c.ARN
	}
	return account, iamPartition(callerARN), nil
}

// ensureLogBucket keeps the bucket b with the policy policy(bucketARN,
// account, partition), and returns its name.
func ensureLogBucket(ctx context.Context, r *Run, b logBucket, policy func(bucketARN, account, partition string) string) (string, error) {
	account, partition, err := identityOf(ctx, r)
	if err != nil {
		return "", err
	}
	d := b.desired(r.Spec)
	name := b.bucketName(r.Spec, account, r.AWS.Region)
	converge := func(ctx context.Context, name string) error {
		if err := r.AWS.Buckets.Harden(ctx, name); err != nil {
			return err
		}
		if err := r.AWS.Buckets.SetPolicy(ctx, name, policy(aws.BucketARN(partition, name), account, partition)); err != nil {
			return err
		}
		return r.AWS.Buckets.SetExpiry(ctx, name, b.logs.RetentionDays)
	}
	rec, err := r.Ensure(ctx, d, Ops{
		// No Find: the name is the stack's own, and a create sent again
		// answers that the bucket is already ours.
		Create: func(ctx context.Context, _ string) (Found, error) {
			if err := r.AWS.Buckets.CreateBucket(ctx, name, r.Tags(d.Key, d.Name)); err != nil {
				if errors.Is(err, aws.ErrBucketTaken) {
					err = fmt.Errorf("%w: %s is another account's. Bucket names are global and this one is derived from the stack's name, account and region; rename the stack (name) or turn the logs off", err, name)
				}
				return Found{}, err
			}
			return Found{ID: name, ARN: aws.BucketARN(partition, name)}, converge(ctx, name)
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			return Found{ID: cur.ID, ARN: cur.ARN}, converge(ctx, cur.ID)
		},
	})
	if err != nil {
		return "", err
	}
	// A policy changed by hand stops the delivery without a word: it is
	// written again on every apply (one request).
	if err := r.AWS.Buckets.SetPolicy(ctx, rec.ID, policy(aws.BucketARN(partition, rec.ID), account, partition)); err != nil {
		return "", err
	}
	return rec.ID, nil
}

// policyStatement is one statement of a bucket policy.
type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal any            `json:"Principal"`
	Action    any            `json:"Action"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// bucketPolicy is a policy document of statements, after one that refuses
// any request not made over TLS (Security Hub S3.5).
func bucketPolicy(bucketARN string, statements ...policyStatement) string {
	doc := struct {
		Version   string            `json:"Version"`
		Statement []policyStatement `json:"Statement"`
	}{"2012-10-17", append([]policyStatement{{Sid: "DenyPlainHTTP", Effect: "Deny", Principal: "*", Action: "s3:*",
		Resource:  []string{bucketARN, bucketARN + "/*"},
		Condition: map[string]any{"Bool": map[string]string{"aws:SecureTransport": "false"}}}}, statements...)}
	out, _ := json.Marshal(doc)
	return string(out)
}

func logsKinds() []Kind {
	return []Kind{
		{Type: typeFlowLog, Order: 55, Manual: manualByID("aws ec2 delete-flow-logs --flow-log-ids"),
			Describe: describeFlowLog, Delete: deleteFlowLog, List: listFlowLogs},
		{Type: typeBucket, Order: bucketOrder, Manual: manualBucket, Describe: describeBucket, Delete: deleteBucket, List: listBuckets},
	}
}

// manualBucket copies the logs out, then deletes the bucket with them.
func manualBucket(r state.Resource) string {
	b := shellQuote("s3://" + r.ID)
	return "aws s3 sync " + b + " ./" + r.ID + " && aws s3 rb --force " + b
}

func describeBucket(ctx context.Context, t Target) (Observed, error) {
	b, ok, err := t.AWS.Buckets.Bucket(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: "available", Healthy: true,
		Attrs: map[string]string{retentionAttr: strconv.Itoa(b.ExpireDays), deliveryAttr: t.Resource.Attrs[deliveryAttr]}}
	principal := flowLogPrincipal
	if t.Resource.Attrs[deliveryAttr] == deliveryAccess {
		principal = elbLogPrincipal
		if id, ok := elbAccounts[t.AWS.Region]; ok {
			principal = ":iam::" + id + ":root"
		}
	}
	if !strings.Contains(b.Policy, principal) {
		obs.Healthy = false
		obs.Problem = "the bucket's policy no longer lets the logs be delivered: run apply, which writes it again"
	}
	return obs, nil
}

func deleteBucket(ctx context.Context, t Target) error {
	_, err := t.AWS.Buckets.EmptyAndDelete(ctx, t.Resource.ID)
	return err
}

func listBuckets(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	bs, err := c.Buckets.TaggedBuckets(ctx, stack+"-", stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, b := range bs {
		out = append(out, foundTagged(b.Name, b.Tags, map[string]string{}))
	}
	return out, nil
}

// LogBucketNotes are destroy's words about the log buckets it is about to
// delete with their logs, with the command that keeps a copy: said before
// it asks, so that nobody loses an incident's logs by surprise.
func LogBucketNotes(snap state.Stack) []string {
	var out []string
	for _, r := range snap.Resources {
		if r.Live() && r.Type == typeBucket {
			out = append(out, fmt.Sprintf("Bucket %s holds the stack's logs; destroy deletes them with it. To keep them, first: aws s3 sync s3://%s ./%s", r.ID, r.ID, r.ID))
		}
	}
	return out
}
