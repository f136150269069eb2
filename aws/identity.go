package aws

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/sts"
)

type identityAPI interface {
	GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Identity answers who the credentials belong to.
type Identity struct {
	api    identityAPI
	region string
}

// Caller is the principal behind the credentials.
type Caller struct {
	Account string
	ARN     string
	UserID  string
	Region  string
}

// IsRoot reports whether the caller is the account's root user, which
// should never be used for day-to-day work.
func (c Caller) IsRoot() bool { return strings.HasSuffix(c.ARN, ":root") }

// Caller asks STS who the credentials belong to.
func (i *Identity) Caller(ctx context.Context) (Caller, error) {
	out, err := i.api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Caller{}, fmt.Errorf("get caller identity: %w", err)
	}
	return Caller{Account: deref(out.Account), ARN: deref(out.Arn), UserID: deref(out.UserId), Region: i.region}, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
