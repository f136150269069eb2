package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The iam, ami and launch_template steps as AWS CLI commands, for the
// highly available example (baked image, user data, the role's policies): the
// script is valid bash and says what apply does.
func TestComputeStepsExportAsValidAWSCLI(t *testing.T) {
	sp, err := spec.Load(filepath.Join("..", "examples", "ha.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	script := ExportCLI(sp, []Step{iamStep{}, amiStep{}, launchTemplateStep{}})
	for _, want := range []string{
		"aws iam create-role --role-name qvic-app --path /stackwiz/qvic/",
		`"Service":"ec2.amazonaws.com"`,
		"--policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
		"aws iam add-role-to-instance-profile --instance-profile-name qvic-app --role-name qvic-app",
		"INSTANCE_PROFILE_ARN=$(",
		"/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
		"--user-data file://" + filepath.Join("..", "examples", "setup.sh"),
		"HttpTokens=required",
		"aws ec2 wait instance-status-ok",
		"aws ec2 create-image --instance-id \"$BUILDER_ID\" --name " + amiBakeName(sp),
		"aws ec2 wait image-available",
		"aws ec2 terminate-instances --instance-ids \"$BUILDER_ID\"",
		"USER_DATA=$(base64 -w0 < " + filepath.Join("..", "examples", "start.sh") + ")",
		`"HttpTokens": "required", "HttpPutResponseHopLimit": 2`,
		`"VolumeSize": 8, "VolumeType": "gp3", "Encrypted": true`,
		"aws ec2 create-launch-template --launch-template-name qvic-lt",
		"LAUNCH_TEMPLATE_ID=$(",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q", want)
		}
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("bash is needed to check the script: %v", err)
	}
	p := filepath.Join(t.TempDir(), "stack.sh")
	if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bash, "-n", p).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v\n%s\n%s", err, out, script)
	}
}

func TestComputeStepsExportLatestAndExistingImages(t *testing.T) {
	latest := ExportCLI(mustParse(t, "name: d\nami:\n  base: ubuntu-24.04\ninstance:\n  type: m7g.large\n"), []Step{amiStep{}})
	if !strings.Contains(latest, "IMAGE_ID=$(aws ssm get-parameter --name /aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id") {
		t.Errorf("latest:\n%s", latest)
	}
	existing := ExportCLI(mustParse(t, "name: d\nami:\n  source: existing\n  id: ami-0123456789abcdef0\n"), []Step{amiStep{}})
	if !strings.Contains(existing, "IMAGE_ID=ami-0123456789abcdef0") || strings.Contains(existing, "ssm") {
		t.Errorf("existing:\n%s", existing)
	}
}
