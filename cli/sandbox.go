package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/stackwiz/stackwiz/sandbox"
)

func newSandboxCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "The AWS look-alike stackwiz runs against without an AWS account",
	}
	cmd.AddCommand(newSandboxServeCmd())
	return cmd
}

// serveOptions are the flags of `stackwiz sandbox serve`.
type serveOptions struct {
	addr    string
	data    string
	latency string
	speed   float64
}

func newSandboxServeCmd() *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the sandbox as an HTTP endpoint for the AWS CLI, the SDKs and stackwiz",
		Long: `Serve the sandbox on --addr until interrupted. It answers AWS SDK and AWS CLI
requests for the services stackwiz uses (EC2, IAM, STS, ELBv2, Auto Scaling,
ACM, Route 53, CloudWatch, SNS, SSM) in any region with any credentials, and
its control endpoints under /_sandbox/ (see docs/sandbox.md).`,
		Example: `  stackwiz sandbox serve
  stackwiz sandbox serve --addr 127.0.0.1:0 --data ./sandbox-data
  stackwiz sandbox serve --latency realistic --speed 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(cmd.Flags().Changed("speed")); err != nil {
				return err
			}
			return serveSandbox(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.addr, "addr", "127.0.0.1:4566", "host:port to listen on; port 0 picks a free one")
	f.StringVar(&o.data, "data", "", "directory to persist the sandbox's world in (world.json), shared with every process using it\n(<state dir>/sandbox/world is the world of stackwiz --sandbox); default: in memory only")
	f.StringVar(&o.latency, "latency", sandbox.LatencyInstant,
		"time profile: instant (every AWS process finishes by the next request) or realistic (AWS-like durations)")
	f.Float64Var(&o.speed, "speed", 1, "with --latency realistic: how many times faster than AWS processes run")
	return cmd
}

// validate checks the flags; speedSet says whether --speed was given.
func (o serveOptions) validate(speedSet bool) error {
	switch o.latency {
	case sandbox.LatencyInstant, sandbox.LatencyRealistic:
	default:
		return usageError{fmt.Errorf("invalid --latency %q: use %q or %q", o.latency, sandbox.LatencyInstant, sandbox.LatencyRealistic)}
	}
	if o.speed <= 0 {
		return usageError{fmt.Errorf("invalid --speed %v: use a number above 0 (10 runs AWS processes ten times faster)", o.speed)}
	}
	if speedSet && o.latency != sandbox.LatencyRealistic {
		return usageError{errors.New("flag --speed only applies to --latency realistic: add --latency realistic or drop --speed")}
	}
	return nil
}

// serveSandbox serves the sandbox until ctx is done (SIGINT or SIGTERM),
// then stops accepting requests and lets those in flight finish. With
// --data, each change is saved before its answer, into a world other
// processes on the same directory serve too.
func serveSandbox(ctx context.Context, stdout, stderr io.Writer, o serveOptions) error {
	opts := sandbox.Options{DataDir: o.data, Latency: o.latency}
	if o.latency == sandbox.LatencyRealistic {
		opts.Speed = o.speed
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	srv, err := sb.Listen(o.addr)
	if err != nil {
		return fmt.Errorf("serve the sandbox on --addr %s: %w (pick another address, or port 0 for a free one)", o.addr, err)
	}
	endpoint := reachableURL(srv.URL)

	where := "world in memory (use --data DIR to keep it)"
	if o.data != "" {
		where = "world saved in " + o.data
	}
	profile := o.latency
	if o.latency == sandbox.LatencyRealistic {
		profile = fmt.Sprintf("realistic at %gx", o.speed)
	}
	fmt.Fprintf(stdout, "stackwiz sandbox: AWS endpoint at %s (latency %s; %s)\n", endpoint, profile, where)
	fmt.Fprintf(stdout, "  aws --endpoint-url %s ec2 describe-vpcs\n", endpoint)
	fmt.Fprintf(stdout, "  stackwiz --endpoint-url %s apply -f stack.yaml\n", endpoint)
	fmt.Fprintf(stdout, "  curl %s/_sandbox/inventory\n", endpoint)
	fmt.Fprintln(stdout, "Any region and credentials are accepted; the AWS CLI still needs some set, such as")
	fmt.Fprintln(stdout, "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1.")
	if isAllInterfaces(srv.URL) {
		fmt.Fprintln(stderr, "warning: listening on every network interface: anyone who can reach this port can change the sandbox")
	}
	fmt.Fprintln(stderr, "Press Ctrl-C to stop.")

	<-ctx.Done()
	fmt.Fprintln(stderr, "stopping the sandbox")
	errServe := srv.Close()
	errSave := sb.Close()
	if errSave != nil {
		return fmt.Errorf("save the sandbox world in %s: %w", o.data, errSave)
	}
	if errServe != nil {
		return fmt.Errorf("stop the sandbox server: %w", errServe)
	}
	return nil
}

// reachableURL turns a listener URL on the unspecified address
// (http://0.0.0.0:4566, http://[::]:4566) into one a client on this
// machine can use.
func reachableURL(raw string) string {
	if !isAllInterfaces(raw) {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Host = net.JoinHostPort("127.0.0.1", u.Port())
	return u.String()
}

func isAllInterfaces(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsUnspecified()
}
