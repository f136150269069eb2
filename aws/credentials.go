package aws

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
)

// ErrNoCredentials means the SDK's chain found no credentials anywhere:
// no environment keys, no profile, and no EC2 instance role.
var ErrNoCredentials = errors.New("no AWS credentials found: set AWS_PROFILE or run `aws configure` / `aws sso login`")

// imdsProbe bounds how long stackwiz asks the EC2 instance metadata
// service for a role when nothing else supplied credentials. On EC2 it
// answers in milliseconds; elsewhere the SDK would probe it with retries
// for 5-10 s before saying there are no credentials.
const imdsProbe = 2 * time.Second

// MFARequest names the MFA device whose current code a profile's role
// needs (the profile's mfa_serial).
type MFARequest struct {
	Profile string
	Serial  string
}

// MFATokenFunc returns the current code of the MFA device in req. The CLI
// asks on the terminal (TerminalMFA); the TUI can supply its own.
type MFATokenFunc func(req MFARequest) (string, error)

// CredentialsError is a profile whose credentials cannot be had, with the
// command that fixes it.
type CredentialsError struct {
	Profile string
	Problem string // "its SSO session has expired or was never started"
	Fix     string // "run `aws sso login --profile dev`"
	Err     error
}

func (e *CredentialsError) Error() string {
	return fmt.Sprintf("AWS profile %q: %s: %s", e.Profile, e.Problem, e.Fix)
}

func (e *CredentialsError) Unwrap() error { return e.Err }

// TerminalMFA asks for the MFA code on out and reads one line from in (the
// terminal: /dev/tty, so that it works while stdin is a pipe).
func TerminalMFA(in io.Reader, out io.Writer) MFATokenFunc {
	return func(req MFARequest) (string, error) {
		fmt.Fprintf(out, "MFA code for AWS profile %q (%s): ", req.Profile, req.Serial)
		line, err := bufio.NewReader(in).ReadString('\n')
		code := strings.TrimSpace(line)
		if code == "" {
			if err == nil {
				err = errors.New("no code entered")
			}
			return "", &CredentialsError{Profile: req.Profile, Problem: "no MFA code for " + req.Serial,
				Fix: "enter the 6-digit code from the device when asked", Err: err}
		}
		return code, nil
	}
}

// assumeRoleMFA gives the SDK's assume-role provider the MFA token
// provider it insists on for a profile with mfa_serial. Without mfa, the
// provider fails with a message naming the profile and its mfa_serial
// rather than the SDK's "AssumeRoleTokenProvider session option not set".
func assumeRoleMFA(profile string, mfa MFATokenFunc) func(*stscreds.AssumeRoleOptions) {
	return func(o *stscreds.AssumeRoleOptions) {
		if o.SerialNumber == nil || o.TokenProvider != nil {
			return
		}
		req := MFARequest{Profile: profile, Serial: *o.SerialNumber}
		if mfa == nil {
			o.TokenProvider = func() (string, error) {
				return "", &CredentialsError{Profile: profile,
					Problem: "its role needs an MFA code (mfa_serial " + req.Serial + ") and there is no terminal to ask for it",
					Fix:     "run stackwiz on a terminal, or use temporary credentials from `aws sts get-session-token --serial-number " + req.Serial + " --token-code CODE`"}
			}
			return
		}
		o.TokenProvider = func() (string, error) { return mfa(req) }
	}
}

// profileName is the profile cfg was loaded from, for messages.
func profileName(cfg sdk.Config, asked string) string {
	if asked != "" {
		return asked
	}
	for _, src := range cfg.ConfigSources {
		if sc, ok := src.(config.SharedConfig); ok && sc.Profile != "" {
			return sc.Profile
		}
	}
	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return p
	}
	return "default"
}

// checkCredentials retrieves cfg's credentials once, before any call, so
// that a missing or expired login is one clear error at the start rather
// than the same raw chain from every call a command makes at once. The
// credentials are cached by cfg, so the first real call reuses them.
func checkCredentials(ctx context.Context, cfg sdk.Config, profile string) error {
	if cfg.Credentials == nil {
		return ErrNoCredentials
	}
	onlyIMDS := sdk.IsCredentialsProvider(cfg.Credentials, &ec2rolecreds.Provider{})
	if onlyIMDS {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, imdsProbe)
		defer cancel()
	}
	_, err := cfg.Credentials.Retrieve(ctx)
	if err == nil {
		return nil
	}
	var ce *CredentialsError
	var sso *ssocreds.InvalidTokenError
	switch {
	case errors.As(err, &ce):
		return ce
	case onlyIMDS:
		// The chain fell through to the instance role and there is none
		// (or no instance): nothing was configured at all.
		return ErrNoCredentials
	case errors.As(err, &sso) || strings.Contains(err.Error(), "SSO session") || strings.Contains(err.Error(), "SSO token"):
		return &CredentialsError{Profile: profile, Problem: "its AWS SSO session has expired or was never started",
			Fix: fmt.Sprintf("run `aws sso login --profile %s`", profile), Err: err}
	}
	return fmt.Errorf("get AWS credentials for profile %q: %w", profile, err)
}
