package steps

import (
	"errors"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the instance role's name and its managed policies.
func (iamStep) Form() Form {
	return Form{
		Owns: []string{"iam"},
		Groups: []FormGroup{{Fields: []FormField{
			{Path: "iam.role_name", Title: "Role name", Kind: FieldText,
				Initial: func(s *spec.Spec) string {
					if s.IAM.RoleName == "" && s.Name != "" {
						return s.DefaultRoleName()
					}
					return s.IAM.RoleName
				},
				Validate: func(a Answers, _ string) error {
					return spec.ValidateRoleName(strings.TrimSpace(a.Text("iam.role_name")))
				}},
			// The spec's policies that are not offered are listed after these;
			// the wizard lists each option's help beside the form.
			{Path: "iam.managed_policies", Title: "Managed policies", Kind: FieldMultiSelect, Options: []FormOption{
				{Label: "AmazonSSMManagedInstanceCore", Value: "AmazonSSMManagedInstanceCore", Help: "shell through Session Manager, no SSH keys"},
				{Label: "CloudWatchAgentServerPolicy", Value: "CloudWatchAgentServerPolicy", Help: "ship logs and memory metrics"},
				{Label: "AmazonS3ReadOnlyAccess", Value: "AmazonS3ReadOnlyAccess", Help: "read S3 (app assets, configs)"},
				{Label: "AmazonEC2ContainerRegistryReadOnly", Value: "AmazonEC2ContainerRegistryReadOnly", Help: "pull images from ECR"},
				{Label: "SecretsManagerReadWrite", Value: "SecretsManagerReadWrite", Help: "read secrets (broad: prefer a scoped policy)"},
			}, Validate: func(a Answers, _ string) error {
				var errs []error
				for _, p := range a.List("iam.managed_policies") {
					if err := spec.ValidateManagedPolicy(p); err != nil {
						errs = append(errs, err)
					}
				}
				return errors.Join(errs...)
			}},
		}}},
	}
}
