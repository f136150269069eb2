package aws

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// An endpoint that lacks an operation (moto's HTML 500, a 404 for the
// path) is told apart from one that refuses a request: the first is a gap
// to name with the operation and the endpoint, and a create it "answered"
// made nothing; an AWS-shaped error is neither.
func TestUnsupportedOperationsAreToldApartFromRefusals(t *testing.T) {
	envCredentials(t)
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		unsupported bool
	}{
		{"HTML 500", http.StatusInternalServerError, "text/html", "<!doctype html><title>500 Internal Server Error</title>", true},
		{"404 for the path", http.StatusNotFound, "text/html", "<h1>Not Found</h1>", true},
		{"an AWS error", http.StatusBadRequest, "text/xml", ec2Error("InvalidParameterValue", "bad value"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := countingServer(t, tc.status, tc.contentType, tc.body)
			cfg, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = ec2.NewFromConfig(cfg).CreateVpc(context.Background(), &ec2.CreateVpcInput{CidrBlock: sdk.String("10.0.0.0/16")})
			if err == nil {
				t.Fatal("CreateVpc succeeded")
			}
			if got := IsUnsupported(err); got != tc.unsupported {
				t.Fatalf("IsUnsupported(%v) = %v, want %v", err, got, tc.unsupported)
			}
			if got := CreatedNothing(err); got != tc.unsupported {
				t.Errorf("CreatedNothing = %v, want %v", got, tc.unsupported)
			}
			if !tc.unsupported {
				return
			}
			msg := Unsupported(err)
			for _, want := range []string{"the endpoint does not implement EC2 CreateVpc", srv.URL, "no AWS error in the answer"} {
				if !strings.Contains(msg, want) {
					t.Errorf("Unsupported = %q, want it to contain %q", msg, want)
				}
			}
			if got := Action(err); got != "ec2:CreateVpc" {
				t.Errorf("Action = %q, want ec2:CreateVpc", got)
			}
		})
	}
}

// A gateway's 502, 503 or 504 is trouble on the way to the endpoint, not
// an operation the endpoint lacks: it must stay a transient failure.
func TestAGatewayErrorIsNotAnUnsupportedOperation(t *testing.T) {
	envCredentials(t)
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout} {
		srv, _ := countingServer(t, status, "text/html", "<h1>Bad Gateway</h1>")
		cfg, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: srv.URL, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		_, err = ec2.NewFromConfig(cfg).DescribeVpcs(context.Background(), &ec2.DescribeVpcsInput{})
		if err == nil {
			t.Fatalf("HTTP %d: DescribeVpcs succeeded", status)
		}
		if IsUnsupported(err) {
			t.Errorf("HTTP %d from a gateway reads as an unsupported operation: %v", status, err)
		}
	}
}
