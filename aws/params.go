package aws

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// Params wraps the SSM Parameter Store calls stackwiz makes: reading the
// public parameters AWS and Canonical publish for their current images.
type Params struct{ api paramsAPI }

// paramsAPI lists only the SDK methods Params calls.
type paramsAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Get returns the value of parameter name; ok is false when the region
// has no such parameter (ParameterNotFound).
func (p *Params) Get(ctx context.Context, name string) (value string, ok bool, err error) {
	out, err := p.api.GetParameter(ctx, &ssm.GetParameterInput{Name: sdk.String(name)})
	if err != nil {
		if IsCode(err, "ParameterNotFound") {
			return "", false, nil
		}
		return "", false, fmt.Errorf("get SSM parameter %s: %w", name, err)
	}
	if out.Parameter == nil {
		return "", false, nil
	}
	return sdk.ToString(out.Parameter.Value), true, nil
}
