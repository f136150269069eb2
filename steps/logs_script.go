package steps

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// The log options as AWS CLI commands: the bucket (scriptLogBucket), the
// flow log (scriptFlowLogs, after the network) and the load balancer's
// attributes (scriptAccessLogs).

// scriptLogBucket writes the commands that make bucket b and sets the
// shell variable variable to its name. policy is the bucket's policy
// with the account, partition and region left as shell variables.
func scriptLogBucket(s *spec.Spec, w *Script, step StepID, b logBucket, variable string, policy func(bucketARN, account, partition string) string) {
	d := b.desired(s)
	w.Comment("%s: a bucket of the stack's own, private, encrypted, TLS only, written only by the delivery service;", d.Name)
	w.Comment("each object expires after %d days. Bucket names are global: the account and region make it unique.", b.logs.RetentionDays)
	w.Capture("ACCOUNT_ID", "aws sts get-caller-identity", "Account")
	w.Line(`PARTITION=$(aws sts get-caller-identity --query Arn --output text | cut -d: -f2)`)
	w.Line(`REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-$(aws configure get region)}}"`)
	w.Line(`%s="%s-%s-$ACCOUNT_ID-$REGION"`, variable, s.Name, b.purpose)
	w.Line(`if [ "$REGION" = us-east-1 ]; then aws s3api create-bucket --bucket "$%s" >/dev/null`, variable)
	w.Line(`else aws s3api create-bucket --bucket "$%s" --create-bucket-configuration LocationConstraint="$REGION" >/dev/null; fi`, variable)
	tags := StackTags(s.Name, step, d.Key, d.Name)
	var set []string
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		set = append(set, fmt.Sprintf("{Key=%s,Value=%s}", k, tags[k]))
	}
	w.Line(`aws s3api put-bucket-tagging --bucket "$%s" --tagging %s`, variable, shellQuote("TagSet=["+strings.Join(set, ",")+"]"))
	w.Line(`aws s3api put-public-access-block --bucket "$%s" \`, variable)
	w.Line(`  --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true`)
	w.Line(`aws s3api put-bucket-encryption --bucket "$%s" \`, variable)
	w.Line(`  --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`)
	doc := strings.NewReplacer(`"`, `\"`, "@BUCKET@", "$"+variable, "@ACCOUNT@", "$ACCOUNT_ID", "@PARTITION@", "$PARTITION",
		"@REGION@", "$REGION", "@ELB_PRINCIPAL@", "$ELB_PRINCIPAL").
		Replace(policy("arn:@PARTITION@:s3:::@BUCKET@", "@ACCOUNT@", "@PARTITION@"))
	if strings.Contains(doc, "$ELB_PRINCIPAL") {
		scriptELBPrincipal(w)
	}
	w.Line(`aws s3api put-bucket-policy --bucket "$%s" --policy "%s"`, variable, doc)
	w.Line(`aws s3api put-bucket-lifecycle-configuration --bucket "$%s" \`, variable)
	w.Line(`  --lifecycle-configuration '{"Rules":[{"ID":"stackwiz-expire-logs","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":%d}}]}'`, b.logs.RetentionDays)
}

// scriptFlowLogs writes the flow log of $VPC_ID and its bucket.
func scriptFlowLogs(s *spec.Spec, w *Script) {
	if !s.Network.FlowLogs.Enabled {
		return
	}
	scriptLogBucket(s, w, StepNetwork, flowLogBucket(s), "FLOW_LOGS_BUCKET", flowLogPolicy("@REGION@"))
	d := flowLogDesired(s)
	w.Comment("Every connection accepted or rejected in the VPC, delivered every ten minutes (Security Hub EC2.6).")
	w.Line(`aws ec2 create-flow-logs --resource-type VPC --resource-ids "$VPC_ID" --traffic-type ALL --max-aggregation-interval 600 \`)
	w.Line(`  --log-destination-type s3 --log-destination "arn:$PARTITION:s3:::$FLOW_LOGS_BUCKET" \`)
	w.Line(`  --tag-specifications %s >/dev/null`, TagSpec("vpc-flow-log", s.Name, StepNetwork, d.Key, d.Name))
}

// scriptAccessLogBucket writes the access logs' bucket, before the load
// balancer: Elastic Load Balancing checks it may write there.
func scriptAccessLogBucket(s *spec.Spec, w *Script) {
	if !s.LoadBalancer.AccessLogs.Enabled {
		return
	}
	scriptLogBucket(s, w, StepLoadBalancer, accessLogBucket(s), "ALB_LOGS_BUCKET", scriptAccessLogPolicy(s))
}

// scriptAccessLogPolicy is accessLogPolicy for the spec's region, or for
// the region the script runs in, which only the shell knows: the
// principal is then chosen by a case over the regions that name an
// account.
func scriptAccessLogPolicy(s *spec.Spec) func(bucketARN, account, partition string) string {
	if s.Region != "" {
		return accessLogPolicy(s.Region)
	}
	return func(bucketARN, account, partition string) string {
		doc := accessLogPolicy("")(bucketARN, account, partition)
		return strings.Replace(doc, `{"Service":"`+elbLogPrincipal+`"}`, "@ELB_PRINCIPAL@", 1)
	}
}

// scriptAccessLogs turns the load balancer's access logs on.
func scriptAccessLogs(s *spec.Spec, w *Script) {
	if !s.LoadBalancer.AccessLogs.Enabled {
		return
	}
	w.Comment("Access logs: one line per request, every five minutes (Security Hub ELB.5).")
	w.Line(`aws elbv2 modify-load-balancer-attributes --load-balancer-arn "$ALB_ARN" \`)
	w.Line(`  --attributes Key=%s,Value=true Key=%s,Value="$ALB_LOGS_BUCKET" >/dev/null`, lbAccessLogs, lbAccessLogsBucket)
}

// scriptELBPrincipal sets ELB_PRINCIPAL for a region the spec leaves to
// the profile.
func scriptELBPrincipal(w *Script) {
	w.Comment("Elastic Load Balancing writes as an account of its own in the regions older than August 2022.")
	w.Line(`case "$REGION" in`)
	for _, r := range slices.Sorted(maps.Keys(elbAccounts)) {
		w.Line(`  %s) ELB_PRINCIPAL='{"AWS":"arn:'"$PARTITION"':iam::%s:root"}' ;;`, r, elbAccounts[r])
	}
	w.Line(`  *) ELB_PRINCIPAL='{"Service":"%s"}' ;;`, elbLogPrincipal)
	w.Line(`esac`)
}
