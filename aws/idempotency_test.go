package aws

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/stackwiz/stackwiz/sandbox"
)

// resetFirst forwards requests to the sandbox and loses the answer of the
// first request of op as a reset connection: the sandbox has acted, the
// caller never hears of it.
type resetFirst struct {
	op   string
	mu   sync.Mutex
	done bool
}

func (r *resetFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	var body string
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = string(b)
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	r.mu.Lock()
	lose := !r.done && containsAction(body, r.op)
	if lose {
		r.done = true
	}
	r.mu.Unlock()
	if lose {
		resp.Body.Close()
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	return resp, nil
}

func containsAction(body, op string) bool {
	v, err := url.ParseQuery(body)
	return err == nil && v.Get("Action") == op
}

// lostAnswerClients are the adapters against a fresh sandbox whose first
// answer to op is lost.
func lostAnswerClients(t *testing.T, op string) (*Clients, *ec2.Client) {
	t.Helper()
	_, srv := newSandbox(t)
	cfg := WithRetryer(sandbox.Config(srv.URL, "us-east-1"), Options{MaxBackoff: 2 * time.Millisecond})
	cfg.HTTPClient = &http.Client{Transport: &resetFirst{op: op}}
	plain := sandbox.Config(srv.URL, "us-east-1")
	return NewClients(cfg), ec2.NewFromConfig(plain)
}

func TestCreatesWithoutAClientTokenAreNotResentAfterALostAnswer(t *testing.T) {
	tags := map[string]string{"stackwiz:stack": "demo", "stackwiz:key": "k"}
	cases := []struct {
		op     string
		create func(ctx context.Context, c *Clients) error
		count  func(ctx context.Context, api *ec2.Client) (int, error)
	}{
		{"CreateVpc", func(ctx context.Context, c *Clients) error {
			_, err := c.Network.CreateVPC(ctx, "10.0.0.0/16", tags)
			return err
		}, func(ctx context.Context, api *ec2.Client) (int, error) {
			out, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: netTagFilters(tags)})
			if err != nil {
				return 0, err
			}
			return len(out.Vpcs), nil
		}},
		{"CreateInternetGateway", func(ctx context.Context, c *Clients) error {
			_, err := c.Network.CreateInternetGateway(ctx, tags)
			return err
		}, func(ctx context.Context, api *ec2.Client) (int, error) {
			out, err := api.DescribeInternetGateways(ctx, &ec2.DescribeInternetGatewaysInput{Filters: netTagFilters(tags)})
			if err != nil {
				return 0, err
			}
			return len(out.InternetGateways), nil
		}},
		{"AllocateAddress", func(ctx context.Context, c *Clients) error {
			_, err := c.Network.AllocateAddress(ctx, tags)
			return err
		}, func(ctx context.Context, api *ec2.Client) (int, error) {
			out, err := api.DescribeAddresses(ctx, &ec2.DescribeAddressesInput{Filters: netTagFilters(tags)})
			if err != nil {
				return 0, err
			}
			return len(out.Addresses), nil
		}},
	}
	for _, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			ctx := context.Background()
			c, plain := lostAnswerClients(t, tc.op)
			err := tc.create(ctx, c)
			if err == nil {
				t.Fatalf("%s succeeded although its answer was lost: the SDK sent it again", tc.op)
			}
			if !OutcomeUnknown(err) {
				t.Errorf("OutcomeUnknown(%v) = false, want true", err)
			}
			n, err := tc.count(ctx, plain)
			if err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%d tagged resources after one %s whose answer was lost, want 1", n, tc.op)
			}
		})
	}
}

// The same lost answer with the SDK's own retries makes a second VPC: what
// createOnce prevents.
func TestTheSDKAloneResendsACreateVpcWhoseAnswerWasLost(t *testing.T) {
	ctx := context.Background()
	_, srv := newSandbox(t)
	cfg := WithRetryer(sandbox.Config(srv.URL, "us-east-1"), Options{MaxBackoff: 2 * time.Millisecond})
	cfg.HTTPClient = &http.Client{Transport: &resetFirst{op: "CreateVpc"}}
	api := ec2.NewFromConfig(cfg)
	tags := map[string]string{"stackwiz:key": "k"}
	if _, err := api.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdk.String("10.0.0.0/16"),
		TagSpecifications: netTagSpec(types.ResourceTypeVpc, tags)}); err != nil {
		t.Fatalf("CreateVpc with retries: %v", err)
	}
	out, err := api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: netTagFilters(tags)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Vpcs) != 2 {
		t.Fatalf("%d VPCs, want the 2 that a re-sent CreateVpc makes", len(out.Vpcs))
	}
}

func TestCreatesWithoutAClientTokenStillRetryThrottling(t *testing.T) {
	sb, srv := newSandbox(t)
	if err := sb.SetFaults(sandbox.Faults{Operations: map[string]sandbox.RateFault{"ec2:CreateVpc": {ThrottleRate: 1}}}); err != nil {
		t.Fatal(err)
	}
	var rs retries
	cfg := WithRetryer(sandbox.Config(srv.URL, "us-east-1"), Options{OnRetry: rs.add, MaxBackoff: 2 * time.Millisecond})
	_, err := NewClients(cfg).Network.CreateVPC(context.Background(), "10.0.0.0/16", nil)
	if !IsThrottle(err) || OutcomeUnknown(err) {
		t.Fatalf("error = %v (outcome unknown %v), want a throttle that proves nothing was made", err, OutcomeUnknown(err))
	}
	if n := len(rs.all()); n != DefaultMaxAttempts-1 {
		t.Fatalf("retries = %d, want %d: a throttled create is refused, so retrying it is safe", n, DefaultMaxAttempts-1)
	}
}

func TestOutcomeUnknownTellsRefusalsFromSilence(t *testing.T) {
	ctx := context.Background()
	api := func(url string) *ec2.Client {
		return ec2.NewFromConfig(WithRetryer(sandbox.Config(url, "us-east-1"), Options{MaxAttempts: 1}))
	}
	refused, _ := countingServer(t, 400, "text/xml", ec2Error("InvalidParameterValue", "bad"))
	internal, _ := countingServer(t, 500, "text/xml", ec2Error("InternalError", "oops"))
	_, errRefused := api(refused.URL).CreateVpc(ctx, &ec2.CreateVpcInput{})
	_, errInternal := api(internal.URL).CreateVpc(ctx, &ec2.CreateVpcInput{})
	_, errUnreachable := api("http://"+closedPort(t)).CreateVpc(ctx, &ec2.CreateVpcInput{})
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, errCanceled := api(refused.URL).CreateVpc(canceled, &ec2.CreateVpcInput{})
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"a 400 refusal", errRefused, false},
		{"a 500 InternalError", errInternal, true},
		{"connection refused", errUnreachable, false},
		{"the caller's cancellation", errCanceled, false},
	} {
		if got := OutcomeUnknown(tc.err); got != tc.want {
			t.Errorf("%s: OutcomeUnknown(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
