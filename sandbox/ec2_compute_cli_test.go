package sandbox

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestAWSCLIDescribesInstancesImagesParametersAndRoles(t *testing.T) {
	f := newComputeFixture(t)
	f.profileWithRole("app")
	id := aws.ToString(f.run(1).Instances[0].InstanceId)

	var instances struct {
		Reservations []struct {
			Instances []struct {
				InstanceID string `json:"InstanceId"`
				State      struct{ Name string }
				ImageID    string `json:"ImageId"`
			}
		}
	}
	awsCLI(t, f.netFixture, &instances, "ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=running")
	if len(instances.Reservations) != 1 || instances.Reservations[0].Instances[0].InstanceID != id || instances.Reservations[0].Instances[0].ImageID != al2023x86 {
		t.Fatalf("aws ec2 describe-instances = %+v", instances)
	}

	var param struct{ Parameter struct{ Value string } }
	awsCLI(t, f.netFixture, &param, "ssm", "get-parameter", "--name", "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
	if param.Parameter.Value != al2023x86 {
		t.Fatalf("aws ssm get-parameter = %+v", param)
	}
	var images struct {
		Images []struct{ ImageID, Name string }
	}
	awsCLI(t, f.netFixture, &images, "ec2", "describe-images", "--image-ids", param.Parameter.Value)
	if len(images.Images) != 1 {
		t.Fatalf("aws ec2 describe-images = %+v", images)
	}

	var role struct {
		Role struct {
			RoleName                 string
			AssumeRolePolicyDocument map[string]any
		}
	}
	awsCLI(t, f.netFixture, &role, "iam", "get-role", "--role-name", "app")
	if role.Role.RoleName != "app" || role.Role.AssumeRolePolicyDocument["Version"] != "2012-10-17" {
		t.Fatalf("aws iam get-role = %+v (the CLI decodes the URL-encoded trust policy)", role)
	}
	var failure cliFailure
	awsCLI(t, f.netFixture, &failure, "iam", "get-role", "--role-name", "nobody")
	if !strings.Contains(failure.Stderr, "NoSuchEntity") {
		t.Fatalf("aws iam get-role of a missing role: %s", failure.Stderr)
	}
}
