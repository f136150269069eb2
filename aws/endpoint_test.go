package aws

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateEndpointURLRefusesWhatCannotBeAnEndpoint(t *testing.T) {
	cases := []struct {
		raw     string
		problem string // "" means valid
		example string
	}{
		{"http://127.0.0.1:4566", "", ""},
		{"https://ec2.eu-west-1.amazonaws.com", "", ""},
		{"http://localhost:4566/", "", ""},
		{"not a url", "it has no scheme", "http://localhost:4566"},
		{"localhost:4566", "no http:// or https:// scheme", "http://localhost:4566"},
		{"127.0.0.1:5000", "", "http://127.0.0.1:5000"}, // parses as no scheme
		{"ftp://example.com/x", `scheme "ftp" is not http or https`, ""},
		{"http://", "it has no host", ""},
		{"http:///path", "it has no host", ""},
		{"", "it has no scheme", ""},
		{" http://localhost:4566", "spaces", ""},
		{"http://localhost:port", "does not parse", ""},
	}
	for _, c := range cases {
		err := ValidateEndpointURL("--endpoint-url", c.raw)
		valid := c.problem == "" && c.example == ""
		if valid {
			if err != nil {
				t.Errorf("%q: %v, want valid", c.raw, err)
			}
			continue
		}
		var ee *EndpointURLError
		if !errors.As(err, &ee) {
			t.Errorf("%q: error %v, want an EndpointURLError", c.raw, err)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, `--endpoint-url "`+c.raw+`": `) || !strings.Contains(msg, c.problem) || !strings.Contains(msg, "e.g. http") {
			t.Errorf("%q: message %q, want the flag, the value, %q and an example", c.raw, msg, c.problem)
		}
		if c.example != "" && !strings.HasSuffix(msg, "e.g. "+c.example) {
			t.Errorf("%q: message %q, want the example %s", c.raw, msg, c.example)
		}
	}
}

func TestEndpointFromTheEnvironmentIsCheckedAndNamed(t *testing.T) {
	envCredentials(t)
	t.Setenv("AWS_ENDPOINT_URL", "localhost:4566")
	start := time.Now()
	_, err := LoadConfig(context.Background(), Options{Region: "us-east-1"})
	var ee *EndpointURLError
	if !errors.As(err, &ee) || ee.Source != "AWS_ENDPOINT_URL" {
		t.Fatalf("LoadConfig error = %v, want an EndpointURLError naming AWS_ENDPOINT_URL", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %s", d)
	}
}

func TestNoPreflightLeavesTheChecksToTheCaller(t *testing.T) {
	envCredentials(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", silentIMDS(t))
	url := "http://" + closedPort(t)
	if _, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: url, NoPreflight: true}); err != nil {
		t.Errorf("LoadConfig with NoPreflight: %v", err)
	}
	if _, err := LoadConfig(context.Background(), Options{Region: "us-east-1", EndpointURL: "localhost:4566", NoPreflight: true}); err == nil {
		t.Error("NoPreflight let an endpoint that is not a URL through")
	}
}
