package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// CheckStatus is the verdict of one doctor check.
type CheckStatus string

// Check verdicts: ok, warn (stackwiz can go on, but look), fail (something
// stackwiz needs is missing).
const (
	StatusOK   CheckStatus = "ok"
	StatusWarn CheckStatus = "warn"
	StatusFail CheckStatus = "fail"
)

// Check is one line of `stackwiz doctor`: what was checked, the verdict,
// what was found, and how to fix it (empty when there is nothing to fix).
type Check struct {
	Name   string      `json:"name"`
	Status CheckStatus `json:"status"`
	Detail string      `json:"detail"`
	Fix    string      `json:"fix"`
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

// DoctorOptions describe where the config came from, which the config
// itself does not record.
type DoctorOptions struct {
	// RegionSource says where the region came from ("--region",
	// "AWS_REGION", "profile default"); see RegionSource.
	RegionSource string
	// NoRegion means nothing named a region: cfg.Region is a stand-in so
	// the other checks can run.
	NoRegion bool
	// Endpoint is the --endpoint-url (or the sandbox's URL), for messages;
	// empty means AWS itself.
	Endpoint string
	// CallTimeout bounds each AWS call; 0 means 15 s.
	CallTimeout time.Duration
}

// Clock skew thresholds: SigV4 rejects a request signed more than 15
// minutes away from AWS's clock (RequestTimeTooSkewed / "Signature
// expired"); past 5 minutes presigned URLs and some tokens already fail.
const (
	skewWarn = 5 * time.Minute
	skewFail = 15 * time.Minute
)

// Doctor runs every check against cfg and returns them in a fixed order:
// credentials, identity, region, clock, permissions, quotas, billing
// alerts, then one protocol check per service. It never returns early on
// a failed check unless the rest cannot run (no credentials, or an
// endpoint that does not answer). The wizard runs the same function
// before its first mutating call.
func Doctor(ctx context.Context, cfg sdk.Config, opts DoctorOptions) []Check {
	d := &doctor{cfg: cfg, opts: opts}
	if d.opts.CallTimeout <= 0 {
		d.opts.CallTimeout = 15 * time.Second
	}
	var checks []Check
	creds, ok := d.credentials(ctx)
	checks = append(checks, creds, d.region())
	if !ok {
		return checks
	}
	id, caller, reachable := d.identity(ctx)
	checks = append(checks, id...)
	if !reachable {
		return checks
	}
	checks = append(checks, d.permissions(ctx, caller)...)
	checks = append(checks, d.quotas(ctx)...)
	checks = append(checks, d.billing(ctx))
	checks = append(checks, d.protocols(ctx)...)
	return checks
}

// Doctor runs every check against the config c was built from: what the
// wizard shows before its first mutating call.
func (c *Clients) Doctor(ctx context.Context, opts DoctorOptions) []Check {
	return Doctor(ctx, c.cfg, opts)
}

// doctor carries one run's config and options.
type doctor struct {
	cfg  sdk.Config
	opts DoctorOptions
}

func (d *doctor) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d.opts.CallTimeout)
}

// where names the endpoint for messages.
func (d *doctor) where() string {
	if d.opts.Endpoint != "" {
		return d.opts.Endpoint
	}
	return "AWS"
}

// credentials retrieves the credentials and says where they came from,
// never what they are beyond the access key's last four characters.
func (d *doctor) credentials(ctx context.Context) (Check, bool) {
	c := Check{Name: "credentials"}
	if d.cfg.Credentials == nil {
		c.Status, c.Detail = StatusFail, "no credentials provider is configured"
		c.Fix = credentialsFix()
		return c, false
	}
	cctx, cancel := d.call(ctx)
	defer cancel()
	creds, err := d.cfg.Credentials.Retrieve(cctx)
	if err != nil {
		c.Status, c.Detail = StatusFail, "no usable credentials: "+firstLine(err.Error())
		c.Fix = credentialsFix()
		if strings.Contains(err.Error(), "SSO") || strings.Contains(err.Error(), "sso") {
			c.Fix = "run `aws sso login` (with --profile NAME for a named profile), then try again"
		}
		return c, false
	}
	c.Status = StatusOK
	c.Detail = "from " + CredentialSource(creds.Source)
	if id := creds.AccessKeyID; len(id) > 4 {
		c.Detail += fmt.Sprintf(" (access key …%s)", id[len(id)-4:])
	}
	if creds.CanExpire && !creds.Expires.IsZero() {
		left := time.Until(creds.Expires).Round(time.Minute)
		c.Detail += fmt.Sprintf(", expire in %s", left)
		if left < 15*time.Minute {
			c.Status = StatusWarn
			c.Fix = "refresh the session (e.g. `aws sso login`) before a long apply"
		}
	}
	return c, true
}

func credentialsFix() string {
	return "set AWS_PROFILE or pass --profile, run `aws configure` (or `aws sso login` for SSO), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
}

// CredentialSource turns the SDK's provider name (aws.Credentials.Source)
// into words.
func CredentialSource(source string) string {
	switch {
	case source == config.CredentialsSourceName:
		return "environment variables (AWS_ACCESS_KEY_ID)"
	case strings.HasPrefix(source, "SharedConfigCredentials"):
		file := strings.TrimSpace(strings.TrimPrefix(source, "SharedConfigCredentials:"))
		if file == "" {
			return "the shared credentials file"
		}
		return "the shared credentials file " + file
	case source == "SSOProvider":
		return "AWS IAM Identity Center (SSO) profile"
	case source == "ProcessProvider":
		return "credential_process in the profile"
	case source == "EC2RoleProvider":
		return "the instance's role (IMDS)"
	case source == "CredentialsEndpointProvider":
		return "the container credentials endpoint"
	case source == "AssumeRoleProvider":
		return "an assumed role (role_arn in the profile)"
	case source == "WebIdentityCredentials":
		return "a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)"
	case source == "LoginProvider":
		return "an `aws login` session"
	case source == "StaticCredentials":
		return "static credentials given to stackwiz (the sandbox)"
	case source == "":
		return "an unnamed provider"
	}
	return source
}

// region reports the region and where it came from.
func (d *doctor) region() Check {
	c := Check{Name: "region"}
	if d.opts.NoRegion {
		c.Status, c.Detail = StatusFail, "no region set"
		c.Fix = "pass --region, set AWS_REGION, or set region in your AWS profile (`aws configure set region us-east-1`)"
		return c
	}
	c.Status, c.Detail = StatusOK, d.cfg.Region
	if d.opts.RegionSource != "" {
		c.Detail += " (from " + d.opts.RegionSource + ")"
	}
	return c
}

// RegionSource says where the SDK's chain takes the region from, for the
// options stackwiz passes it: the flag, then AWS_REGION and
// AWS_DEFAULT_REGION, then the profile.
func RegionSource(opts Options) string {
	switch {
	case opts.Region != "":
		return "--region"
	case os.Getenv("AWS_REGION") != "":
		return "AWS_REGION"
	case os.Getenv("AWS_DEFAULT_REGION") != "":
		return "AWS_DEFAULT_REGION"
	}
	profile := opts.Profile
	if profile == "" {
		profile = os.Getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	return "profile " + profile
}

// LoadDoctorConfig loads the config as LoadConfig does, with few retries
// (doctor reports a failing endpoint rather than waiting it out), and
// does not stop at a missing region: that is one of the things doctor
// reports, with us-east-1 standing in so the other checks run.
func LoadDoctorConfig(ctx context.Context, opts Options) (sdk.Config, DoctorOptions, error) {
	if opts.MaxAttempts == 0 {
		opts.MaxAttempts = 3
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 2 * time.Second
	}
	dopts := DoctorOptions{RegionSource: RegionSource(opts), Endpoint: opts.EndpointURL}
	cfg, err := LoadConfig(ctx, opts)
	if errors.Is(err, ErrNoRegion) {
		opts.Region = BillingRegion
		dopts.NoRegion = true
		cfg, err = LoadConfig(ctx, opts)
	}
	return cfg, dopts, err
}

// SetupCheck is the check for a config LoadDoctorConfig could not load:
// no credentials, a profile whose login lapsed, an endpoint that does not
// listen. Doctor is where that should be said, as a failed check.
func SetupCheck(err error) Check {
	var cred *CredentialsError
	var unreachable *UnreachableError
	var badURL *EndpointURLError
	switch {
	case errors.Is(err, ErrNoCredentials):
		return Check{Name: "credentials", Status: StatusFail, Detail: "none found (environment, profiles, SSO, instance role)", Fix: credentialsFix()}
	case errors.As(err, &cred):
		return Check{Name: "credentials", Status: StatusFail, Detail: fmt.Sprintf("profile %q: %s", cred.Profile, cred.Problem), Fix: cred.Fix}
	case errors.As(err, &unreachable):
		return Check{Name: "endpoint", Status: StatusFail, Detail: firstLine(err.Error()), Fix: "start the endpoint, or correct --endpoint-url (or the network, for AWS)"}
	case errors.As(err, &badURL):
		return Check{Name: "endpoint", Status: StatusFail, Detail: firstLine(err.Error()), Fix: "pass an absolute http(s) URL to --endpoint-url"}
	}
	fix := Hint(err)
	if fix == "" {
		fix = "check --profile, your credentials (`aws configure`, `aws sso login`) and --endpoint-url"
	}
	return Check{Name: "configuration", Status: StatusFail, Detail: firstLine(err.Error()), Fix: fix}
}

// identity asks STS who the caller is, and reads AWS's clock from the
// answer's Date header. reachable is false when the endpoint did not
// answer at all, which leaves nothing else worth asking.
func (d *doctor) identity(ctx context.Context) (checks []Check, caller Caller, reachable bool) {
	cctx, cancel := d.call(ctx)
	defer cancel()
	client := sts.NewFromConfig(d.cfg)
	out, err := client.GetCallerIdentity(cctx, &sts.GetCallerIdentityInput{})
	skew, skewKnown := clockSkew(out, err)
	id := Check{Name: "identity"}
	switch {
	case err == nil:
		caller = Caller{Account: deref(out.Account), ARN: deref(out.Arn), UserID: deref(out.UserId), Region: d.cfg.Region}
		id.Status, id.Detail = StatusOK, fmt.Sprintf("%s in account %s", caller.ARN, caller.Account)
		if caller.IsRoot() {
			id.Status = StatusWarn
			id.Detail = "the account's root user (" + caller.ARN + ")"
			id.Fix = "use an IAM user or role (IAM Identity Center) for daily work; keep the root user for account tasks"
		}
		reachable = true
	case !answered(err):
		id.Status, id.Detail = StatusFail, fmt.Sprintf("%s did not answer sts:GetCallerIdentity: %s", d.where(), firstLine(err.Error()))
		id.Fix = "check the network and --endpoint-url; nothing else can be checked until the endpoint answers"
	default:
		id.Status, id.Detail = StatusFail, "sts:GetCallerIdentity refused: "+firstLine(err.Error())
		id.Fix = "the credentials are not accepted: renew them (`aws sso login`, `aws configure`), and check the clock"
		reachable = true
	}
	checks = append(checks, id)
	if !reachable {
		return checks, caller, false
	}
	clock := Check{Name: "clock"}
	switch {
	case !skewKnown:
		clock.Status, clock.Detail = StatusWarn, "unknown: the answer carried no Date header"
		clock.Fix = "keep the clock synced (NTP); AWS refuses requests signed more than 15 minutes off"
	case abs(skew) > skewFail:
		clock.Status, clock.Detail = StatusFail, fmt.Sprintf("local clock is %s %s AWS's; SigV4 refuses requests more than 15m off", abs(skew).Round(time.Second), aheadBehind(skew))
		clock.Fix = "sync the clock (e.g. `sudo timedatectl set-ntp true`, or turn on automatic time)"
	case abs(skew) > skewWarn:
		clock.Status, clock.Detail = StatusWarn, fmt.Sprintf("local clock is %s %s AWS's", abs(skew).Round(time.Second), aheadBehind(skew))
		clock.Fix = "sync the clock (e.g. `sudo timedatectl set-ntp true`, or turn on automatic time)"
	default:
		clock.Status, clock.Detail = StatusOK, fmt.Sprintf("within %s of AWS's", max(abs(skew).Round(time.Second), time.Second))
	}
	return append(checks, clock), caller, reachable
}

func aheadBehind(skew time.Duration) string {
	if skew > 0 {
		return "ahead of"
	}
	return "behind"
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// clockSkew is how far the local clock is ahead of the server's (negative:
// behind), from the Date header of an answer or of an error's response.
func clockSkew(out *sts.GetCallerIdentityOutput, err error) (time.Duration, bool) {
	if out != nil {
		server, ok := awsmiddleware.GetServerTime(out.ResultMetadata)
		local, ok2 := awsmiddleware.GetResponseAt(out.ResultMetadata)
		if ok && ok2 {
			return local.Sub(server), true
		}
		return 0, false
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if server, perr := http.ParseTime(re.Response.Header.Get("Date")); perr == nil {
			return time.Since(server), true
		}
	}
	return 0, false
}

// answered reports whether err came with an HTTP response: the endpoint
// is there, whatever it said.
func answered(err error) bool {
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return false
	}
	var re *awshttp.ResponseError
	return errors.As(err, &re) && re.Response != nil && re.HTTPStatusCode() != 0
}

// firstLine keeps error text to one line for the table.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}
