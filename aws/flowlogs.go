package aws

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// FlowLogs is the EC2 adapter for VPC flow logs delivered to S3: a record
// of every connection accepted or rejected in the VPC (Security Hub
// EC2.6), for the investigation after an incident.

// flowLogsAPI lists only the EC2 methods FlowLogs calls.
type flowLogsAPI interface {
	CreateFlowLogs(context.Context, *ec2.CreateFlowLogsInput, ...func(*ec2.Options)) (*ec2.CreateFlowLogsOutput, error)
	DescribeFlowLogs(context.Context, *ec2.DescribeFlowLogsInput, ...func(*ec2.Options)) (*ec2.DescribeFlowLogsOutput, error)
	DeleteFlowLogs(context.Context, *ec2.DeleteFlowLogsInput, ...func(*ec2.Options)) (*ec2.DeleteFlowLogsOutput, error)
}

// FlowLogs reaches EC2's flow logs in the stack's region.
type FlowLogs struct{ api flowLogsAPI }

// FlowLog is a flow log as the stack sees it.
type FlowLog struct {
	ID         string
	ResourceID string
	// Destination is the ARN of the bucket the records go to.
	Destination string
	// TrafficType is ACCEPT, REJECT or ALL.
	TrafficType string
	// DeliverStatus is SUCCESS or FAILED; DeliverError says why it failed
	// (the bucket's policy does not let the delivery service write).
	DeliverStatus, DeliverError string
	Tags                        map[string]string
}

// CreateFlowLog starts logging every connection of vpcID to the bucket
// bucketARN. token makes a repeat of the same request a no-op: a lost
// answer is sent again with the same token.
func (f *FlowLogs) CreateFlowLog(ctx context.Context, vpcID, bucketARN, token string, tags map[string]string) (string, error) {
	out, err := f.api.CreateFlowLogs(ctx, &ec2.CreateFlowLogsInput{
		ResourceIds: []string{vpcID}, ResourceType: types.FlowLogsResourceTypeVpc,
		TrafficType: types.TrafficTypeAll, LogDestinationType: types.LogDestinationTypeS3,
		LogDestination: sdk.String(bucketARN), ClientToken: sdk.String(token),
		// Ten minutes, the default: one minute costs more deliveries for
		// little more detail.
		MaxAggregationInterval: sdk.Int32(600),
		TagSpecifications:      netTagSpec(types.ResourceTypeVpcFlowLog, tags),
	})
	if err != nil {
		return "", fmt.Errorf("create flow log of %s: %w", vpcID, err)
	}
	if len(out.Unsuccessful) > 0 {
		u := out.Unsuccessful[0]
		msg := "refused"
		if u.Error != nil {
			msg = sdk.ToString(u.Error.Code) + ": " + sdk.ToString(u.Error.Message)
		}
		return "", fmt.Errorf("create flow log of %s: %s", vpcID, msg)
	}
	if len(out.FlowLogIds) == 0 {
		return "", fmt.Errorf("create flow log of %s: AWS returned no flow log id", vpcID)
	}
	return out.FlowLogIds[0], nil
}

// FlowLog returns the flow log with id; false when it does not exist.
func (f *FlowLogs) FlowLog(ctx context.Context, id string) (FlowLog, bool, error) {
	logs, err := f.describe(ctx, &ec2.DescribeFlowLogsInput{FlowLogIds: []string{id}})
	if IsNotFound(err) || err == nil && len(logs) == 0 {
		return FlowLog{}, false, nil
	}
	if err != nil {
		return FlowLog{}, false, err
	}
	return logs[0], true, nil
}

// TaggedFlowLogs returns the flow logs carrying every tag of tags.
func (f *FlowLogs) TaggedFlowLogs(ctx context.Context, tags map[string]string) ([]FlowLog, error) {
	return f.describe(ctx, &ec2.DescribeFlowLogsInput{Filter: netTagFilters(tags)})
}

func (f *FlowLogs) describe(ctx context.Context, in *ec2.DescribeFlowLogsInput) ([]FlowLog, error) {
	var out []FlowLog
	p := ec2.NewDescribeFlowLogsPaginator(f.api, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe flow logs: %w", err)
		}
		for _, l := range page.FlowLogs {
			out = append(out, FlowLog{ID: sdk.ToString(l.FlowLogId), ResourceID: sdk.ToString(l.ResourceId),
				Destination: sdk.ToString(l.LogDestination), TrafficType: string(l.TrafficType),
				DeliverStatus: sdk.ToString(l.DeliverLogsStatus), DeliverError: sdk.ToString(l.DeliverLogsErrorMessage),
				Tags: tagMap(l.Tags)})
		}
	}
	return out, nil
}

// DeleteFlowLog stops and deletes a flow log; the records already
// delivered stay in the bucket.
func (f *FlowLogs) DeleteFlowLog(ctx context.Context, id string) error {
	out, err := f.api.DeleteFlowLogs(ctx, &ec2.DeleteFlowLogsInput{FlowLogIds: []string{id}})
	if err != nil {
		return fmt.Errorf("delete flow log %s: %w", id, err)
	}
	if len(out.Unsuccessful) > 0 && out.Unsuccessful[0].Error != nil {
		e := out.Unsuccessful[0].Error
		if code := sdk.ToString(e.Code); code != "InvalidFlowLogId.NotFound" {
			return fmt.Errorf("delete flow log %s: %s: %s", id, code, sdk.ToString(e.Message))
		}
	}
	return nil
}
