package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Params wraps the ssm calls stackwiz makes.
type Params struct{ api paramsAPI }

// paramsAPI lists only the SDK methods Params calls.
type paramsAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}
