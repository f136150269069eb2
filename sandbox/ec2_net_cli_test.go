package sandbox

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsCLI runs the AWS CLI against the test sandbox with throwaway
// credentials and no user configuration, and decodes its JSON output.
func awsCLI(t *testing.T, f *netFixture, out any, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		t.Skip("the AWS CLI (aws) is not on PATH; CI installs it (pip install awscli or apt-get install awscli)")
	}
	dir := t.TempDir()
	cmd := exec.CommandContext(testCtx(t), bin, append([]string{"--endpoint-url", f.URL, "--output", "json"}, args...)...)
	// Drop the caller's AWS_* settings: a profile or session token from the
	// environment must not leak into a request to the sandbox.
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE00",
		"AWS_SECRET_ACCESS_KEY=sandbox-secret",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	)
	b, err := cmd.Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		if failure, ok := out.(*cliFailure); ok {
			failure.Stderr = stderr
			return
		}
		t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	if _, ok := out.(*cliFailure); ok {
		t.Fatalf("aws %s succeeded, want a failure:\n%s", strings.Join(args, " "), b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, b)
	}
}

// cliFailure, passed to awsCLI, expects the command to fail and receives its stderr.
type cliFailure struct{ Stderr string }

func TestAWSCLIDescribesTheSandboxNetwork(t *testing.T) {
	f := newNetFixture(t)
	vpcID := f.vpc("10.0.0.0/16", "Name", "cli")
	f.subnet(vpcID, "10.0.1.0/24", "us-east-1b")

	var vpcs struct {
		Vpcs []struct {
			VpcID     string `json:"VpcId"`
			CidrBlock string
			IsDefault bool
			Tags      []struct{ Key, Value string }
		}
	}
	awsCLI(t, f, &vpcs, "ec2", "describe-vpcs")
	byID := map[string]string{}
	for _, v := range vpcs.Vpcs {
		byID[v.VpcID] = v.CidrBlock
	}
	if len(vpcs.Vpcs) != 2 || byID[vpcID] != "10.0.0.0/16" {
		t.Fatalf("aws ec2 describe-vpcs = %+v", vpcs)
	}

	var subnets struct {
		Subnets []struct {
			SubnetID         string `json:"SubnetId"`
			AvailabilityZone string
		}
	}
	awsCLI(t, f, &subnets, "ec2", "describe-subnets", "--filters", "Name=vpc-id,Values="+vpcID)
	if len(subnets.Subnets) != 1 || subnets.Subnets[0].AvailabilityZone != "us-east-1b" {
		t.Fatalf("aws ec2 describe-subnets = %+v", subnets)
	}

	var groups struct {
		SecurityGroups []struct {
			GroupName           string
			IPPermissionsEgress []struct {
				IPProtocol string `json:"IpProtocol"`
			} `json:"IpPermissionsEgress"`
		}
	}
	awsCLI(t, f, &groups, "ec2", "describe-security-groups", "--group-names", "default")
	if len(groups.SecurityGroups) != 1 || groups.SecurityGroups[0].GroupName != "default" || groups.SecurityGroups[0].IPPermissionsEgress[0].IPProtocol != "-1" {
		t.Fatalf("aws ec2 describe-security-groups = %+v", groups)
	}

	// Errors reach the CLI with their EC2 code.
	var failure cliFailure
	awsCLI(t, f, &failure, "ec2", "describe-vpcs", "--vpc-ids", "vpc-0123456789abcdef0")
	if !strings.Contains(failure.Stderr, "InvalidVpcID.NotFound") {
		t.Fatalf("aws ec2 describe-vpcs of an unknown VPC: stderr = %q", failure.Stderr)
	}
}
