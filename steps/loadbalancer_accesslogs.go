package steps

import (
	"context"
	"strconv"

	"github.com/stackwiz/stackwiz/spec"
)

// The load balancer's access logs (load_balancer.access_logs): one line
// per request — client, target, status, latencies, TLS — delivered every
// five minutes to a bucket of the load balancer step. Security Hub's ELB.5
// asks for them. Elastic Load Balancing checks, when the logs are turned
// on, that it may write to the bucket: the bucket and its policy come
// first.

const (
	keyAccessLogBucket = "load_balancer/access-logs/bucket"
	lbAccessLogs       = "access_logs.s3.enabled"
	lbAccessLogsBucket = "access_logs.s3.bucket"
	lbAccessLogsPrefix = "access_logs.s3.prefix"
	// elbLogPrincipal is the service that delivers access logs in the
	// regions opened since August 2022 (and accepted in the older ones).
	elbLogPrincipal = "logdelivery.elasticloadbalancing.amazonaws.com"
)

func accessLogBucket(s *spec.Spec) logBucket {
	return logBucket{key: keyAccessLogBucket, purpose: "alb-logs", delivery: deliveryAccess, logs: s.LoadBalancer.AccessLogs}
}

// accessLogsDesired is the bucket load_balancer.access_logs adds.
func accessLogsDesired(s *spec.Spec) []Desired {
	if !s.LoadBalancer.AccessLogs.Enabled {
		return nil
	}
	return []Desired{accessLogBucket(s).desired(s)}
}

// elbAccounts are the Elastic Load Balancing accounts of the regions
// older than the service principal: their bucket policies must name the
// account (Elastic Load Balancing User Guide, "Enable access logs for
// your Application Load Balancer", step 2). Newer regions name
// elbLogPrincipal.
var elbAccounts = map[string]string{
	"us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980", "us-west-2": "797873946194",
	"af-south-1": "098369216593", "ap-east-1": "754344448648", "ap-southeast-3": "589379963580", "ap-south-1": "718504428378",
	"ap-northeast-3": "383597477331", "ap-northeast-2": "600734575887", "ap-southeast-1": "114774131450",
	"ap-southeast-2": "783225319266", "ap-northeast-1": "582318560864", "ca-central-1": "985666609251",
	"eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416", "eu-south-1": "635631232127",
	"eu-west-3": "009996457667", "eu-north-1": "897822967062", "me-south-1": "076674570225", "sa-east-1": "507241528517",
	"us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635", "cn-north-1": "638102146993", "cn-northwest-1": "037604701340",
}

// accessLogPolicy lets Elastic Load Balancing of region write the access
// logs of this account into the bucket.
func accessLogPolicy(region string) func(bucketARN, account, partition string) string {
	return func(bucketARN, account, partition string) string {
		var principal any = map[string]string{"Service": elbLogPrincipal}
		if id, ok := elbAccounts[region]; ok {
			principal = map[string]string{"AWS": "arn:" + partition + ":iam::" + id + ":root"}
		}
		return bucketPolicy(bucketARN, policyStatement{Sid: "ElasticLoadBalancingWrites", Effect: "Allow",
			Principal: principal, Action: "s3:PutObject", Resource: bucketARN + "/" + awsLogsPrefix + account + "/*"})
	}
}

// ensureAccessLogBucket keeps the access logs' bucket and returns its
// name, or "" when the spec does not ask for access logs.
func ensureAccessLogBucket(ctx context.Context, r *Run) (string, error) {
	if !r.Spec.LoadBalancer.AccessLogs.Enabled {
		return "", nil
	}
	bucket, err := ensureLogBucket(ctx, r, accessLogBucket(r.Spec), accessLogPolicy(r.AWS.Region))
	return bucket, withAlternative(err, "set load_balancer.access_logs.enabled: false to go without access logs")
}

// accessLogAttributes are the load balancer attributes for access logs to
// bucket ("" turns them off).
func accessLogAttributes(bucket string) map[string]string {
	return map[string]string{lbAccessLogs: strconv.FormatBool(bucket != ""), lbAccessLogsBucket: bucket, lbAccessLogsPrefix: ""}
}
