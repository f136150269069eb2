// Package aws holds stackwiz's thin adapters over aws-sdk-go-v2: the config
// chain (profiles, SSO, environment, region, endpoint), retries, error
// classification, and one small adapter per service that wraps only the SDK
// calls stackwiz makes and returns small domain types.
package aws

import (
	"context"
	"errors"
	"fmt"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Options choose where stackwiz talks to. Every field is optional: empty
// values fall through to the SDK's standard chain (AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, ~/.aws/config with SSO, environment credentials, IMDS).
type Options struct {
	Profile     string
	Region      string
	EndpointURL string
	// MaxAttempts bounds each call's attempts on throttling and server
	// errors; 0 uses DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts; 0 uses DefaultMaxBackoff.
	MaxBackoff time.Duration
}

// Retry defaults: AWS throttles bursts of describes (a thousand-instance
// group, a stack applying eleven steps at once), so stackwiz retries more
// than the SDK's 3 attempts and never gives up because a client-side retry
// quota ran dry.
const (
	DefaultMaxAttempts = 10
	DefaultMaxBackoff  = 20 * time.Second
)

// ErrNoRegion means neither the flags, the spec, the profile nor the
// environment named a region.
var ErrNoRegion = errors.New("no AWS region: pass --region, set region: in stack.yaml, set AWS_REGION, or set region in your AWS profile")

// LoadConfig resolves an aws.Config through the SDK's standard chain,
// overridden by opts, with stackwiz's retryer.
func LoadConfig(ctx context.Context, opts Options) (sdk.Config, error) {
	var loaders []func(*config.LoadOptions) error
	if opts.Profile != "" {
		loaders = append(loaders, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		loaders = append(loaders, config.WithRegion(opts.Region))
	}
	if opts.EndpointURL != "" {
		loaders = append(loaders, config.WithBaseEndpoint(opts.EndpointURL))
	}
	loaders = append(loaders, config.WithRetryer(Retryer(opts)))
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		if opts.Profile != "" {
			return sdk.Config{}, fmt.Errorf("load AWS profile %q: %w (list profiles with `aws configure list-profiles`)", opts.Profile, err)
		}
		return sdk.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return sdk.Config{}, ErrNoRegion
	}
	return cfg, nil
}

// Retryer returns the standard retryer with stackwiz's attempts and backoff
// and without the client-side retry quota, which a throttling storm would
// otherwise exhaust and turn into hard failures.
func Retryer(opts Options) func() sdk.Retryer {
	attempts, backoff := opts.MaxAttempts, opts.MaxBackoff
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if backoff <= 0 {
		backoff = DefaultMaxBackoff
	}
	return func() sdk.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = attempts
			o.MaxBackoff = backoff
			o.RateLimiter = ratelimit.None
		})
	}
}

// WithRetryer returns cfg with stackwiz's retryer (for configs built
// elsewhere, such as sandbox.Config).
func WithRetryer(cfg sdk.Config, opts Options) sdk.Config {
	cfg.Retryer = Retryer(opts)
	return cfg
}
