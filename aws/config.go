// Package aws holds stackwiz's thin adapters over aws-sdk-go-v2: the config
// chain (profiles, SSO, environment, region, endpoint), retries, error
// classification, and one small adapter per service that wraps only the SDK
// calls stackwiz makes and returns small domain types.
package aws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
)

// Options choose where stackwiz talks to. Every field is optional: empty
// values fall through to the SDK's standard chain (AWS_PROFILE, AWS_REGION,
// AWS_ENDPOINT_URL, ~/.aws/config with SSO, environment credentials, IMDS).
type Options struct {
	Profile     string
	Region      string
	EndpointURL string
	// MaxAttempts bounds each call's attempts on throttling; other
	// failures get fewer (see retry.go). 0 uses DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the wait between attempts; 0 uses DefaultMaxBackoff.
	MaxBackoff time.Duration
	// ResponseTimeout bounds each attempt's wait for an answer; 0 uses
	// ResponseTimeout (retry.go).
	ResponseTimeout time.Duration
	// MFA supplies the code for a profile whose role has mfa_serial. Nil:
	// such a profile fails with a message naming it and its mfa_serial.
	MFA MFATokenFunc
	// OnRetry, when set, hears of every retry before its wait, so that a
	// slow call is visibly retrying rather than silently hanging.
	OnRetry func(RetryEvent)
	// DebugLog, when set, receives one line per HTTP attempt (service,
	// operation, status, duration, request id, retries); never a header,
	// a body or a credential.
	DebugLog io.Writer
	// NoPreflight skips LoadConfig's up-front checks (endpoint reachable,
	// credentials retrievable) for a caller that reports them itself, as
	// doctor does; the endpoint URL is still validated.
	NoPreflight bool
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
// overridden by opts, with stackwiz's retry policy. It fails fast and
// once, before any call, when the endpoint is not a usable URL or is not
// listening, and when there are no credentials or the profile's login has
// lapsed.
func LoadConfig(ctx context.Context, opts Options) (sdk.Config, error) {
	profile := opts.Profile
	if profile == "" {
		profile = cmp.Or(os.Getenv("AWS_PROFILE"), os.Getenv("AWS_DEFAULT_PROFILE"), "default")
	}
	var loaders []func(*config.LoadOptions) error
	if opts.Profile != "" {
		loaders = append(loaders, config.WithSharedConfigProfile(opts.Profile))
	}
	if opts.Region != "" {
		loaders = append(loaders, config.WithRegion(opts.Region))
	}
	if opts.EndpointURL != "" {
		if err := ValidateEndpointURL("--endpoint-url", opts.EndpointURL); err != nil {
			return sdk.Config{}, err
		}
		loaders = append(loaders, config.WithBaseEndpoint(opts.EndpointURL))
	}
	loaders = append(loaders, config.WithAssumeRoleCredentialOptions(assumeRoleMFA(profile, opts.MFA)))
	// The SDK's own warnings ("falling back to IMDSv1") are noise around
	// stackwiz's one-line errors; --debug keeps them, in its log.
	var logger logging.Logger = logging.Nop{}
	if opts.DebugLog != nil {
		logger = logging.NewStandardLogger(opts.DebugLog)
	}
	loaders = append(loaders, config.WithLogger(logger))
	// An endpoint that takes the connection and never answers would hold
	// every command forever (the SDK's client has no such bound): each
	// attempt waits ResponseTimeout for the answer's headers.
	loaders = append(loaders, config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.ResponseHeaderTimeout = cmp.Or(opts.ResponseTimeout, ResponseTimeout)
	})))
	// The retryer is set after loading, not as a load option: the clients
	// the chain builds while loading (the instance metadata client above
	// all) would inherit ten attempts and make "no credentials" take
	// seconds to say.
	cfg, err := config.LoadDefaultConfig(ctx, loaders...)
	if err != nil {
		var ce *CredentialsError
		if errors.As(err, &ce) {
			return sdk.Config{}, ce
		}
		if opts.Profile != "" {
			return sdk.Config{}, fmt.Errorf("load AWS profile %q: %w (list profiles with `aws configure list-profiles`)", opts.Profile, err)
		}
		return sdk.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return sdk.Config{}, ErrNoRegion
	}
	custom := cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != ""
	if custom && opts.EndpointURL == "" {
		// AWS_ENDPOINT_URL or the profile's endpoint_url: as unusable as
		// a bad flag, and named for where it came from.
		source := "AWS_ENDPOINT_URL"
		if os.Getenv("AWS_ENDPOINT_URL") != *cfg.BaseEndpoint {
			source = fmt.Sprintf("endpoint_url of AWS profile %q", profileName(cfg, opts.Profile))
		}
		if err := ValidateEndpointURL(source, *cfg.BaseEndpoint); err != nil {
			return sdk.Config{}, err
		}
	}
	if opts.NoPreflight {
		return withPolicy(cfg, opts), nil
	}
	if custom {
		if err := probeEndpoint(ctx, *cfg.BaseEndpoint); err != nil {
			return sdk.Config{}, err
		}
	}
	if err := checkCredentials(ctx, cfg, profileName(cfg, opts.Profile)); err != nil {
		return sdk.Config{}, err
	}
	return withPolicy(cfg, opts), nil
}

// Retryer returns stackwiz's retryer: the standard one with stackwiz's
// attempts and backoff, without the client-side retry quota (which a
// throttling storm would exhaust and turn into hard failures). Its policy
// per kind of failure needs the middleware WithRetryer installs too.
func Retryer(opts Options) func() sdk.Retryer {
	return func() sdk.Retryer { return newRetryer(opts) }
}

// WithRetryer returns cfg with stackwiz's retry policy, retry reports and
// debug log (for configs built elsewhere, such as sandbox.Config).
func WithRetryer(cfg sdk.Config, opts Options) sdk.Config {
	return withPolicy(cfg, opts)
}

func withPolicy(cfg sdk.Config, opts Options) sdk.Config {
	cfg.Retryer = Retryer(opts)
	custom := cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != ""
	cfg.APIOptions = append(append([]func(*middleware.Stack) error{}, cfg.APIOptions...),
		policyMiddleware(custom, newDebugLog(opts.DebugLog)))
	return cfg
}
