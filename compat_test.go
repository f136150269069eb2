package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/aws"
)

var updateCompat = flag.Bool("update-compat", false, "rewrite docs/compatibility.md from what the e2e runs measure")

// serviceOf maps an IAM action prefix to the SDK service id the --debug
// log names.
var serviceOf = map[string]string{
	"acm": "ACM", "autoscaling": "Auto Scaling", "cloudwatch": "CloudWatch", "ec2": "EC2",
	"elasticloadbalancing": "Elastic Load Balancing v2", "iam": "IAM", "route53": "Route 53",
	"sns": "SNS", "ssm": "SSM", "sts": "STS", "kms": "KMS", "s3": "S3",
}

// sdkOpsOf are the SDK operations of the IAM actions named otherwise.
var sdkOpsOf = map[string][]string{
	"s3:ListBucket": {"HeadBucket", "ListObjectsV2"}, "s3:ListAllMyBuckets": {"ListBuckets"}, "s3:DeleteObject": {"DeleteObjects"},
	"s3:PutBucketPublicAccessBlock": {"PutPublicAccessBlock"}, "s3:PutEncryptionConfiguration": {"PutBucketEncryption"},
	"s3:GetLifecycleConfiguration": {"GetBucketLifecycleConfiguration"}, "s3:PutLifecycleConfiguration": {"PutBucketLifecycleConfiguration"},
}

var debugLine = regexp.MustCompile(`^\S+ aws ("[^"]+"|\S+) (\S+) region=\S+ status=(\S+) .*?(?: error=("(?:[^"\\]|\\.)*"))?$`)

// servedOps reads a --debug log and says, per "Service Operation", whether the
// endpoint implements it: "yes" when any answer was a success or an AWS
// error (the operation exists, the request was refused), "no" when every
// answer carried no AWS error (an HTML 500, a 404 for the path).
func servedOps(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := debugLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		service, _ := strconv.Unquote(m[1])
		if service == "" {
			service = m[1]
		}
		op := service + " " + m[2]
		status, _ := strconv.Atoi(m[3])
		why, _ := strconv.Unquote(m[4])
		// An AWS error code is one word (InvalidVpcID.NotFound); a decoder's
		// complaint about a body that is not AWS's is a sentence.
		shaped := why != "" && !strings.ContainsAny(why, " :")
		switch {
		case status >= 200 && status < 300, shaped && status < 500, shaped && status >= 500 && status != 501:
			out[op] = "yes"
		case out[op] == "" && status > 0:
			out[op] = fmt.Sprintf("no (HTTP %d)", status)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// runLogged runs apply, status and destroy of examples/minimal.yaml, then
// of examples/dualstack.yaml (the IPv6 calls, Route 53), with a
// --debug-file, through run, and returns the log's path.
func runLogged(t *testing.T, run func(args ...string) result) string {
	t.Helper()
	log := filepath.Join(t.TempDir(), "debug.log")
	for _, args := range [][]string{
		{"apply", "-f", examplePath(t, "minimal"), "--yes"},
		{"status"},
		{"destroy", "--yes"},
		{"apply", "-f", examplePath(t, "dualstack"), "--yes"},
		{"--stack", "dual", "status"},
		{"--stack", "dual", "destroy", "--yes"},
	} {
		run(append([]string{"--debug-file", log}, args...)...)
	}
	return log
}

// TestCompatibilityTableIsMeasured runs the same minimal stack against our
// sandbox and moto's server with every AWS request logged, and keeps
// docs/compatibility.md equal to what the logs show: per operation stackwiz
// uses (aws.RequiredActions), whether each endpoint implements it, or that
// the run did not exercise it. Regenerate with -update-compat.
func TestCompatibilityTableIsMeasured(t *testing.T) {
	// One state dir for the three commands of each endpoint.
	m := startMoto(t)
	motoDir := t.TempDir()
	motoLog := runLogged(t, func(args ...string) result { return m.stackwiz(t, motoDir, args...) })
	w := newWorld(t)
	sbDir := t.TempDir()
	sbLog := runLogged(t, func(args ...string) result { r, _ := w.stackwiz(t, sbDir, 0, args...); return r })
	moto, sb := servedOps(t, motoLog), servedOps(t, sbLog)
	if len(sb) < 20 || len(moto) < 20 {
		t.Fatalf("the logs name %d (sandbox) and %d (moto) operations: the runs or the log format broke", len(sb), len(moto))
	}

	var b strings.Builder
	b.WriteString(`# Compatibility: AWS, the sandbox and moto

Which AWS operations stackwiz uses (every action of ` + "`aws.RequiredActions`" + ` that is an API
call) and whether each endpoint implements them, **as measured**: ` + "`TestCompatibilityTableIsMeasured`" + `
(compat_test.go) runs apply, status and destroy of examples/minimal.yaml and examples/dualstack.yaml against the sandbox and
against moto's server (` + "`python3 -m moto.server`" + `) with ` + "`--debug-file`" + `, and this table is what
those logs show. "yes": answered with a success or an AWS error (the operation exists); "no": every
answer carried no AWS error (moto answers an operation it lacks with an HTML 500, and CloudWatch's
RPC v2 CBOR protocol with a 404); "—": those runs do not call it (HTTPS, baking, a switch to or from dualstack,
the console's actions). AWS implements every operation its SDK sends. Auto Scaling's
DescribeScalingActivities is called only when the group's instances are slow to come in service,
so its two measured cells depend on timing; the check that keeps this file current ignores them.

What stackwiz does where an endpoint lacks an operation: the step that needs it fails with one line
naming the operation and the endpoint, every step that does not need it is built, and destroy deletes
everything else (a type whose list is not implemented can hold nothing stackwiz made).
Regenerate: ` + "`go test -run TestCompatibilityTableIsMeasured -update-compat .`" + `

| service | operation | AWS | sandbox | moto 5 |
| --- | --- | --- | --- | --- |
`)
	cell := func(m map[string]string, op string) string {
		if v, ok := m[op]; ok {
			return v
		}
		return "—"
	}
	var motoGaps []string
	for _, a := range aws.RequiredActions() {
		prefix, action, _ := strings.Cut(a.Name, ":")
		service := serviceOf[prefix]
		names, ok := sdkOpsOf[a.Name]
		if !ok {
			names = []string{action}
		}
		for _, name := range names {
			op := service + " " + name
			if _, logged := sb[op]; !logged && slices.Contains(impliedActions, a.Name) {
				continue // authorized with another call, never sent
			}
			fmt.Fprintf(&b, "| %s | %s | yes | %s | %s |\n", service, name, cell(sb, op), cell(moto, op))
			if strings.HasPrefix(moto[op], "no") {
				motoGaps = append(motoGaps, op)
			}
		}
	}
	for op, v := range sb {
		if v != "yes" {
			t.Errorf("the sandbox does not implement %s (%s): every operation stackwiz calls must be served", op, v)
		}
	}
	// The gaps the issue names are measured as gaps, so a moto that grows
	// them (or a stackwiz that stops needing them) shows here.
	if !slices.Contains(motoGaps, "CloudWatch PutMetricAlarm") {
		t.Errorf("moto gaps = %v, want CloudWatch PutMetricAlarm among them (moto's server does not speak CBOR)", motoGaps)
	}
	path := filepath.Join("docs", "compatibility.md")
	if *updateCompat {
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if timingFree(string(have)) != timingFree(b.String()) {
		t.Errorf("docs/compatibility.md is not what the runs measured: run go test -run TestCompatibilityTableIsMeasured -update-compat . and review the diff")
	}
}

// impliedActions are the IAM actions AWS authorizes beside other calls
// (tag-on-create, PassRole, service-linked roles): not API calls of ours.
var impliedActions = []string{
	"ec2:CreateTags", "iam:PassRole", "iam:TagRole", "iam:TagInstanceProfile", "iam:CreateServiceLinkedRole",
	"sns:TagResource", "cloudwatch:TagResource", "kms:TagResource", "logs:CreateLogDelivery", "logs:DeleteLogDelivery",
}

// timingDependent are operations a run calls only when a wait runs long:
// whether the measured runs call them depends on the machine's speed.
var timingDependent = []string{"| Auto Scaling | DescribeScalingActivities |"}

// timingFree is the table with the measured cells of timingDependent
// operations left out, for comparing two measurements.
func timingFree(table string) string {
	lines := strings.Split(table, "\n")
	for i, l := range lines {
		for _, op := range timingDependent {
			if strings.HasPrefix(l, op) {
				lines[i] = op
			}
		}
	}
	return strings.Join(lines, "\n")
}
