package steps

import (
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runScript runs a bash script with the AWS CLI pointed at the test's
// sandbox, with throwaway credentials and none of the caller's AWS_*
// settings. It skips when the AWS CLI is not installed (CI installs it).
func runScript(t *testing.T, env *testEnv, script string) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		t.Skip("the AWS CLI (aws) is not on PATH; CI installs it")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "stack.sh")
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	// Each AWS CLI command is a Python process: a second or more each on
	// a busy machine, and the scripts run forty or more of them.
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	var vars []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			vars = append(vars, kv)
		}
	}
	cmd.Env = append(vars, "AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE00", "AWS_SECRET_ACCESS_KEY=sandbox-secret",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_ENDPOINT_URL="+env.URL, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE="+filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "credentials"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the exported script failed: %v\n%s\n--- script ---\n%s", err, out, script)
	}
}

// TestNetworkAndSecurityScriptsBuildTheSameStack runs `export cli`'s
// network and security commands with the AWS CLI against a sandbox, and
// compares what they made with what apply makes for the same spec.
func TestNetworkAndSecurityScriptsBuildTheSameStack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs about 35 AWS CLI commands (a second or more each on a busy machine); run without -short")
	}
	// Each AWS CLI command is a Python process: the script tests run
	// beside each other and the rest, not one after another.
	t.Parallel()
	yaml := "name: clitest\nnetwork:\n  azs: 2\n  nat: per-az\n  bastion:\n    enabled: true\n    ssh_from: 198.51.100.0/24\n"
	ref := newTestEnv(t, "clitest")
	netApply(t, ref, ref.spec(yaml), networkStep{}, securityStep{})
	want := ref.inventoryTypes()

	env := newTestEnv(t, "clitest")
	script := ExportCLI(env.spec(yaml), []Step{identityStep{}, networkStep{}, securityStep{}})
	for _, must := range []string{"aws ec2 create-vpc --cidr-block 10.0.0.0/16", "--enable-dns-hostnames", "aws ec2 wait nat-gateway-available",
		"UserIdGroupPairs=[{GroupId=$ALB_SG_ID}]", "HttpTokens=required", "Encrypted=true", "ResourceType=natgateway,Tags=[{Key=stackwiz:stack,Value=clitest}"} {
		if !strings.Contains(script, must) {
			t.Errorf("the script lacks %q", must)
		}
	}
	runScript(t, env, script)
	if got := env.inventoryTypes(); !maps.Equal(got, want) {
		t.Errorf("the script made %v, apply makes %v", got, want)
	}
	// What the script made carries the stack's tags: adopt finds it all.
	env.Options.Steps = []Step{identityStep{}, networkStep{}, securityStep{}}
	n, err := env.engine(env.spec(yaml)).Adopt(testContext(t))
	if total := len(env.SB.Inventory()); err != nil || n != total {
		t.Errorf("adopt found %d of the script's %d resources (%v)", n, total, err)
	}
}

// TestNetworkScriptsForExistingNetworksParse checks the other network
// modes write bash that parses, with the lookups they need.
func TestNetworkScriptsForExistingNetworksParse(t *testing.T) {
	env := newTestEnv(t, "clitest")
	for _, tc := range []struct{ yaml, must string }{
		{"name: clitest\nnetwork:\n  vpc: default\n", "Name=default-for-az,Values=true"},
		{"name: clitest\nnetwork:\n  vpc: vpc-0123456789abcdef0\n", "VPC_ID=vpc-0123456789abcdef0"},
		{"name: clitest\nnetwork:\n  nat: none\n  bastion:\n    enabled: true\n", "checkip.amazonaws.com"},
	} {
		script := ExportCLI(env.spec(tc.yaml), []Step{identityStep{}, networkStep{}, securityStep{}})
		if !strings.Contains(script, tc.must) {
			t.Errorf("script for %q lacks %q", tc.yaml, tc.must)
		}
		if out, err := exec.Command("bash", "-n", "-c", script).CombinedOutput(); err != nil {
			t.Errorf("script for %q does not parse: %v\n%s\n%s", tc.yaml, err, out, script)
		}
	}
}
