package steps

import (
	"context"
	"fmt"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// The VPC's flow logs (network.flow_logs): every connection accepted or
// rejected in the VPC, new or the account's own, delivered to a bucket of
// the network step every ten minutes. Investigating an incident without
// them means guessing; Security Hub's EC2.6 asks for them.

const (
	keyFlowLogBucket = "network/flow-logs/bucket"
	keyFlowLog       = "network/flow-logs/log"
	typeFlowLog      = "ec2:flow-log"
	// flowLogPrincipal is the service that delivers flow logs to S3.
	flowLogPrincipal = "delivery.logs.amazonaws.com"
)

// flowLogsOff is what a spec says to do without flow logs.
const flowLogsOff = "set network.flow_logs.enabled: false to go without flow logs"

func flowLogBucket(s *spec.Spec) logBucket {
	return logBucket{key: keyFlowLogBucket, purpose: "flow-logs", delivery: deliveryFlow, logs: s.Network.FlowLogs}
}

func flowLogDesired(s *spec.Spec) Desired {
	return Desired{Key: keyFlowLog, Type: typeFlowLog, Name: s.Name + "-flow-logs",
		Attrs: map[string]string{"traffic": "ALL"}, Replace: []string{"traffic", "vpc_id", "bucket"}}
}

// flowLogsDesired are the resources network.flow_logs adds.
func flowLogsDesired(s *spec.Spec) []Desired {
	if !s.Network.FlowLogs.Enabled {
		return nil
	}
	return []Desired{flowLogBucket(s).desired(s), flowLogDesired(s)}
}

// flowLogPolicy lets the log delivery service of this account write flow
// logs into the bucket, and check it may (aws:SourceAccount and
// aws:SourceArn keep another account's flow logs out: the confused
// deputy).
func flowLogPolicy(region string) func(bucketARN, account, partition string) string {
	return func(bucketARN, account, partition string) string {
		source := map[string]any{
			"StringEquals": map[string]string{"aws:SourceAccount": account},
			"ArnLike":      map[string]string{"aws:SourceArn": "arn:" + partition + ":logs:" + region + ":" + account + ":*"},
		}
		write := map[string]any{
			"StringEquals": map[string]string{"aws:SourceAccount": account, "s3:x-amz-acl": "bucket-owner-full-control"},
			"ArnLike":      source["ArnLike"],
		}
		return bucketPolicy(bucketARN,
			policyStatement{Sid: "VPCFlowLogsWrite", Effect: "Allow", Principal: map[string]string{"Service": flowLogPrincipal},
				Action: "s3:PutObject", Resource: bucketARN + "/" + awsLogsPrefix + account + "/*", Condition: write},
			policyStatement{Sid: "VPCFlowLogsCheck", Effect: "Allow", Principal: map[string]string{"Service": flowLogPrincipal},
				Action: []string{"s3:GetBucketAcl", "s3:ListBucket"}, Resource: bucketARN, Condition: source})
	}
}

// ensureFlowLogs keeps the flow log of vpcID and its bucket when the spec
// asks for them; when it does not, prune deletes what an earlier apply made.
func ensureFlowLogs(ctx context.Context, r *Run, vpcID string) error {
	if !r.Spec.Network.FlowLogs.Enabled {
		return nil
	}
	bucket, err := ensureLogBucket(ctx, r, flowLogBucket(r.Spec), flowLogPolicy(r.AWS.Region))
	if err != nil {
		return withAlternative(err, flowLogsOff)
	}
	_, partition, err := identityOf(ctx, r)
	if err != nil {
		return err
	}
	d := flowLogDesired(r.Spec)
	d.Attrs["vpc_id"], d.Attrs["bucket"] = vpcID, bucket
	rec, err := r.Ensure(ctx, d, Ops{
		// CreateFlowLogs takes a client token, which makes a repeat of
		// the same request return the same flow log.
		Create: func(ctx context.Context, token string) (Found, error) {
			id, err := r.AWS.FlowLogs.CreateFlowLog(ctx, vpcID, aws.BucketARN(partition, bucket), token, r.Tags(d.Key, d.Name))
			return Found{ID: id}, withAlternative(err, flowLogsOff)
		},
	})
	if err != nil {
		return err
	}
	r.Info("flow logs of %s go to s3://%s, kept %d days", vpcID, bucket, r.Spec.Network.FlowLogs.RetentionDays)
	return flowLogDelivering(ctx, r, rec.ID)
}

// flowLogDelivering warns when AWS says the flow log cannot deliver.
func flowLogDelivering(ctx context.Context, r *Run, id string) error {
	l, ok, err := r.AWS.FlowLogs.FlowLog(ctx, id)
	if err != nil || !ok {
		return err
	}
	if l.DeliverStatus == "FAILED" {
		r.Warn("flow log %s cannot deliver to its bucket (%s): check the bucket's policy", id, l.DeliverError)
	}
	return nil
}

func describeFlowLog(ctx context.Context, t Target) (Observed, error) {
	l, ok, err := t.AWS.FlowLogs.FlowLog(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: "active", Healthy: l.DeliverStatus != "FAILED",
		Attrs: map[string]string{"traffic": l.TrafficType, "vpc_id": l.ResourceID, "bucket": aws.ARNResource(l.Destination)}}
	if !obs.Healthy {
		obs.Problem = fmt.Sprintf("AWS cannot deliver the flow logs (%s): the bucket's policy must let %s write; run apply", l.DeliverError, flowLogPrincipal)
	}
	return obs, nil
}

func deleteFlowLog(ctx context.Context, t Target) error {
	return t.AWS.FlowLogs.DeleteFlowLog(ctx, t.Resource.ID)
}

func listFlowLogs(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
	ls, err := c.FlowLogs.TaggedFlowLogs(ctx, stackFilter(stack))
	if err != nil {
		return nil, err
	}
	var out []Found
	for _, l := range ls {
		out = append(out, foundTagged(l.ID, l.Tags, map[string]string{"traffic": l.TrafficType, "vpc_id": l.ResourceID}))
	}
	return out, nil
}
