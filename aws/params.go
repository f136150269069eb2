package aws

import (
	"context"
	"fmt"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// Params wraps the SSM Parameter Store calls stackwiz makes: reading the
// public parameters AWS and Canonical publish for their current images,
// and the lease on a stack that every state dir sees (steps/lease.go).
type Params struct{ api paramsAPI }

// paramsAPI lists only the SDK methods Params calls.
type paramsAPI interface {
	GetParameter(context.Context, *ssm.GetParameterInput, ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(context.Context, *ssm.PutParameterInput, ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	DeleteParameter(context.Context, *ssm.DeleteParameterInput, ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
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

// Create writes a String parameter only if name does not exist yet; ok is
// false when it does (ParameterAlreadyExists): a conditional write, which
// is what makes the parameter a lock.
func (p *Params) Create(ctx context.Context, name, value string) (ok bool, err error) {
	_, err = p.api.PutParameter(ctx, &ssm.PutParameterInput{
		Name: sdk.String(name), Value: sdk.String(value), Type: ssmtypes.ParameterTypeString, Overwrite: sdk.Bool(false),
	})
	switch {
	case IsCode(err, "ParameterAlreadyExists"):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("put SSM parameter %s: %w", name, err)
	}
	return true, nil
}

// Overwrite writes a String parameter whether or not it exists.
func (p *Params) Overwrite(ctx context.Context, name, value string) error {
	if _, err := p.api.PutParameter(ctx, &ssm.PutParameterInput{
		Name: sdk.String(name), Value: sdk.String(value), Type: ssmtypes.ParameterTypeString, Overwrite: sdk.Bool(true),
	}); err != nil {
		return fmt.Errorf("put SSM parameter %s: %w", name, err)
	}
	return nil
}

// Delete removes parameter name; one already gone is no error.
func (p *Params) Delete(ctx context.Context, name string) error {
	if _, err := p.api.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: sdk.String(name)}); err != nil && !IsCode(err, "ParameterNotFound") {
		return fmt.Errorf("delete SSM parameter %s: %w", name, err)
	}
	return nil
}
