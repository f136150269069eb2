package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// IAM wraps the iam calls stackwiz makes.
type IAM struct{ api iamAPI }

// iamAPI lists only the SDK methods IAM calls.
type iamAPI interface {
	GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
}
