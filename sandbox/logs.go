package sandbox

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Log delivery: VPC flow logs (EC2's CreateFlowLogs, DescribeFlowLogs,
// DeleteFlowLogs) and the load balancers' access logs, both delivered to
// S3. As on AWS, a delivery needs the bucket's policy to let the delivery
// service write: a flow log whose bucket refuses it reports
// DeliverLogsStatus FAILED, and a load balancer refuses access logs to a
// bucket it cannot write to. Deliveries write an object every interval
// (flow logs every 10 minutes, access logs every 5) for as long as they
// run, so that a log bucket is not empty when the stack is destroyed.

// LogsState is a region's log deliveries.
type LogsState struct {
	FlowLogs map[string]*FlowLog `json:"flow_logs"`
	// LBDelivered is when each load balancer (by ARN) last delivered
	// access logs.
	LBDelivered map[string]time.Time `json:"lb_delivered,omitempty"`
}

// FlowLog is one VPC flow log to S3.
type FlowLog struct {
	ID            string    `json:"id"`
	ResourceID    string    `json:"resource_id"`
	TrafficType   string    `json:"traffic_type"`
	Destination   string    `json:"destination"` // arn:aws:s3:::bucket[/prefix]
	Status        string    `json:"status"`      // SUCCESS, FAILED
	StatusMessage string    `json:"status_message,omitempty"`
	ClientToken   string    `json:"client_token,omitempty"`
	Created       time.Time `json:"created"`
	Delivered     time.Time `json:"delivered"`
	Tags          []Tag     `json:"tags,omitempty"`
}

func newLogsState() *LogsState {
	return &LogsState{FlowLogs: map[string]*FlowLog{}, LBDelivered: map[string]time.Time{}}
}

func flowLogHandlers() map[string]handler {
	return map[string]handler{
		"CreateFlowLogs":   createFlowLogs,
		"DescribeFlowLogs": describeFlowLogs,
		"DeleteFlowLogs":   deleteFlowLogs,
	}
}

// The principals that deliver logs, as a bucket policy names them.
const (
	flowLogPrincipal = "delivery.logs.amazonaws.com"
	elbLogPrincipal  = "logdelivery.elasticloadbalancing.amazonaws.com"
)

// bucketOfARN is the bucket an S3 destination ARN names.
func bucketOfARN(arn string) string {
	rest, _ := strings.CutPrefix(arn, "arn:aws:s3:::")
	name, _, _ := strings.Cut(rest, "/")
	return name
}

type xmlFlowLogError struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type xmlUnsuccessful struct {
	ResourceID string          `xml:"resourceId"`
	Error      xmlFlowLogError `xml:"error"`
}

func createFlowLogs(c *call) (any, error) {
	s := c.r.Logs
	token := c.p.Get("ClientToken")
	type result struct {
		ClientToken  string            `xml:"clientToken,omitempty"`
		FlowLogIDs   []string          `xml:"flowLogIdSet>item"`
		Unsuccessful []xmlUnsuccessful `xml:"unsuccessful>item"`
	}
	ids := c.p.List("ResourceId")
	if len(ids) == 0 {
		return nil, errMissing("ResourceId")
	}
	if token != "" {
		for _, id := range slices.Sorted(maps.Keys(s.FlowLogs)) {
			if f := s.FlowLogs[id]; f.ClientToken == token {
				return result{ClientToken: token, FlowLogIDs: []string{f.ID}}, nil
			}
		}
	}
	if t := c.p.Get("ResourceType"); t != "VPC" {
		return nil, errBadRequest("InvalidParameterValue", "the sandbox makes flow logs of VPCs only, not %q", t)
	}
	if c.p.Get("LogDestinationType") != "s3" {
		return nil, errBadRequest("InvalidParameterValue", "the sandbox delivers flow logs to S3 only")
	}
	traffic := c.p.Get("TrafficType")
	if !slices.Contains([]string{"ACCEPT", "REJECT", "ALL"}, traffic) {
		return nil, errBadRequest("InvalidParameterValue", "TrafficType must be ACCEPT, REJECT or ALL")
	}
	dest := c.p.Get("LogDestination")
	tags, err := tagSpecs(c, "vpc-flow-log")
	if err != nil {
		return nil, err
	}
	out := result{ClientToken: token}
	for _, vpc := range ids {
		if c.r.EC2.Network.Vpcs[vpc] == nil {
			out.Unsuccessful = append(out.Unsuccessful, xmlUnsuccessful{vpc, xmlFlowLogError{"InvalidVpcID.NotFound", "The vpc ID '" + vpc + "' does not exist"}})
			continue
		}
		b := c.s3().Buckets[bucketOfARN(dest)]
		if b == nil {
			out.Unsuccessful = append(out.Unsuccessful, xmlUnsuccessful{vpc, xmlFlowLogError{"400", "LogDestination: " + bucketOfARN(dest) + " does not exist"}})
			continue
		}
		f := &FlowLog{ID: c.w.newID("fl"), ResourceID: vpc, TrafficType: traffic, Destination: dest,
			Status: "SUCCESS", ClientToken: token, Created: c.now, Delivered: c.now, Tags: tags}
		if !strings.Contains(b.Policy, flowLogPrincipal) {
			f.Status, f.StatusMessage = "FAILED", "Access error"
		}
		s.FlowLogs[f.ID] = f
		out.FlowLogIDs = append(out.FlowLogIDs, f.ID)
	}
	return out, nil
}

func (f *FlowLog) fields(name string) ([]string, bool) {
	switch name {
	case "flow-log-id":
		return []string{f.ID}, true
	case "resource-id":
		return []string{f.ResourceID}, true
	case "traffic-type":
		return []string{f.TrafficType}, true
	case "log-destination-type":
		return []string{"s3"}, true
	case "deliver-log-status":
		return []string{f.Status}, true
	}
	return nil, false
}

func describeFlowLogs(c *call) (any, error) {
	logs, next, err := describe(c, c.r.Logs.FlowLogs, "FlowLogId", func(f *FlowLog) []Tag { return f.Tags },
		func(f *FlowLog) fieldFunc { return f.fields }, 5)
	if err != nil {
		return nil, err
	}
	type xmlFlowLog struct {
		FlowLogID          string   `xml:"flowLogId"`
		ResourceID         string   `xml:"resourceId"`
		TrafficType        string   `xml:"trafficType"`
		LogDestinationType string   `xml:"logDestinationType"`
		LogDestination     string   `xml:"logDestination"`
		FlowLogStatus      string   `xml:"flowLogStatus"`
		DeliverLogsStatus  string   `xml:"deliverLogsStatus"`
		DeliverLogsError   string   `xml:"deliverLogsErrorMessage,omitempty"`
		CreationTime       string   `xml:"creationTime"`
		MaxAggregation     int      `xml:"maxAggregationInterval"`
		Tags               []xmlTag `xml:"tagSet>item"`
	}
	out := make([]xmlFlowLog, 0, len(logs))
	for _, f := range logs {
		out = append(out, xmlFlowLog{FlowLogID: f.ID, ResourceID: f.ResourceID, TrafficType: f.TrafficType,
			LogDestinationType: "s3", LogDestination: f.Destination, FlowLogStatus: "ACTIVE",
			DeliverLogsStatus: f.Status, DeliverLogsError: f.StatusMessage, CreationTime: f.Created.UTC().Format(time.RFC3339),
			MaxAggregation: 600, Tags: xmlTags(f.Tags)})
	}
	return struct {
		FlowLogs  []xmlFlowLog `xml:"flowLogSet>item"`
		NextToken string       `xml:"nextToken,omitempty"`
	}{out, next}, nil
}

func deleteFlowLogs(c *call) (any, error) {
	ids := c.p.List("FlowLogId")
	if len(ids) == 0 {
		return nil, errMissing("FlowLogId")
	}
	var failed []xmlUnsuccessful
	for _, id := range ids {
		if c.r.Logs.FlowLogs[id] == nil {
			failed = append(failed, xmlUnsuccessful{id, xmlFlowLogError{"InvalidFlowLogId.NotFound", "flow log " + id + " does not exist"}})
			continue
		}
		delete(c.r.Logs.FlowLogs, id)
	}
	return struct {
		Unsuccessful []xmlUnsuccessful `xml:"unsuccessful>item"`
	}{failed}, nil
}

// checkAccessLogs is what Elastic Load Balancing checks when access logs
// are turned on: the bucket exists, is in the load balancer's region, and
// its policy lets the delivery principal write (the region's ELB account
// or the service principal; both are accepted here).
func checkAccessLogs(c *call, lb *LoadBalancer, set map[string]string) error {
	enabled, ok := set["access_logs.s3.enabled"]
	if !ok {
		enabled = lb.Attributes["access_logs.s3.enabled"]
	}
	if enabled != "true" {
		return nil
	}
	name, ok := set["access_logs.s3.bucket"]
	if !ok {
		name = lb.Attributes["access_logs.s3.bucket"]
	}
	b := c.s3().Buckets[name]
	switch {
	case name == "":
		return errBadRequest("ValidationError", "The value of 'access_logs.s3.bucket' cannot be empty when access logs are enabled")
	case b == nil:
		return errBadRequest("InvalidConfigurationRequest", "The specified bucket does not exist: %s", name)
	case b.Region != c.region:
		return errBadRequest("InvalidConfigurationRequest", "The bucket %s is in %s: it must be in the load balancer's region, %s", name, b.Region, c.region)
	case !strings.Contains(b.Policy, elbLogPrincipal) && !strings.Contains(b.Policy, ":iam::"+elbAccountOf(c.region)+":root"):
		return errBadRequest("InvalidConfigurationRequest", "Access Denied for bucket: %s. Please check S3bucket permission", name)
	}
	return nil
}

// elbAccountOf is the Elastic Load Balancing account of a region that
// predates the service principal; the sandbox's own regions use one.
func elbAccountOf(region string) string {
	return map[string]string{"us-east-1": "127311923021", "us-west-2": "797873946194", "ap-northeast-2": "600734575887",
		"eu-west-1": "156460612806", "ap-northeast-1": "582318560864"}[region]
}

// tick delivers what is due: a flow log every 10 minutes, each active
// load balancer with access logs every 5. A flow log whose VPC is gone
// goes with it, as on AWS.
func (s *LogsState) tick(r *Region, now time.Time) {
	if s.LBDelivered == nil {
		s.LBDelivered = map[string]time.Time{}
	}
	s3 := r.w.S3
	for _, id := range slices.Sorted(maps.Keys(s.FlowLogs)) {
		f := s.FlowLogs[id]
		if r.EC2.Network.Vpcs[f.ResourceID] == nil {
			delete(s.FlowLogs, id)
			continue
		}
		for f.Status == "SUCCESS" && now.Sub(f.Delivered) >= 10*time.Minute {
			f.Delivered = f.Delivered.Add(10 * time.Minute)
			key := fmt.Sprintf("AWSLogs/%s/vpcflowlogs/%s/%s/%s_vpcflowlogs_%s_%s_%s.log.gz", AccountID, r.Name,
				f.Delivered.UTC().Format("2006/01/02"), AccountID, r.Name, f.ID, f.Delivered.UTC().Format("20060102T1504Z"))
			if !s3.deliver(bucketOfARN(f.Destination), flowLogPrincipal, key, f.Delivered, 2048) {
				f.Status, f.StatusMessage = "FAILED", "Access error"
			}
		}
	}
	for arn, lb := range r.ELB.LoadBalancers {
		if lb.State != "active" || lb.Attributes["access_logs.s3.enabled"] != "true" {
			delete(s.LBDelivered, arn)
			continue
		}
		last, ok := s.LBDelivered[arn]
		if !ok {
			s.LBDelivered[arn] = now
			continue
		}
		for now.Sub(last) >= 5*time.Minute {
			last = last.Add(5 * time.Minute)
			key := fmt.Sprintf("AWSLogs/%s/elasticloadbalancing/%s/%s/%s_elasticloadbalancing_%s_app.%s.%s_%s_ip.log.gz",
				AccountID, r.Name, last.UTC().Format("2006/01/02"), AccountID, r.Name, lb.Name, lb.ID, last.UTC().Format("20060102T1504Z"))
			principal := elbLogPrincipal
			if b := s3.Buckets[lb.Attributes["access_logs.s3.bucket"]]; b != nil && !strings.Contains(b.Policy, principal) {
				principal = ":iam::" + elbAccountOf(r.Name) + ":root"
			}
			s3.deliver(lb.Attributes["access_logs.s3.bucket"], principal, key, last, 4096)
		}
		s.LBDelivered[arn] = last
	}
	for arn := range s.LBDelivered {
		if r.ELB.LoadBalancers[arn] == nil {
			delete(s.LBDelivered, arn)
		}
	}
}

func (s *LogsState) inventory() []InventoryItem {
	var out []InventoryItem
	for _, f := range s.FlowLogs {
		out = append(out, InventoryItem{Type: "ec2:flow-log", ID: f.ID, State: f.Status, Tags: tagMap(f.Tags)})
	}
	return out
}
