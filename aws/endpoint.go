package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// EndpointURLError is an endpoint URL that cannot be an AWS endpoint: not
// absolute, not http(s), or without a host. The SDK would accept it and
// fail every call, retrying, until killed.
type EndpointURLError struct {
	// Source is where the value came from: "--endpoint-url",
	// "AWS_ENDPOINT_URL", "the profile's endpoint_url".
	Source  string
	Value   string
	Problem string
}

func (e *EndpointURLError) Error() string {
	return fmt.Sprintf("%s %q: %s; want an absolute http:// or https:// URL with a host, e.g. %s",
		e.Source, e.Value, e.Problem, exampleEndpoint(e.Value))
}

// exampleEndpoint suggests what the user most likely meant.
func exampleEndpoint(v string) string {
	if h, p, err := net.SplitHostPort(v); err == nil && h != "" && p != "" && !strings.Contains(v, "/") {
		return "http://" + v
	}
	return "http://localhost:4566"
}

// ValidateEndpointURL checks that raw, given by source, is an absolute
// http or https URL with a host.
func ValidateEndpointURL(source, raw string) error {
	bad := func(problem string) error { return &EndpointURLError{Source: source, Value: raw, Problem: problem} }
	if strings.TrimSpace(raw) != raw {
		return bad("it has leading or trailing spaces")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return bad("it does not parse as a URL (" + err.Error() + ")")
	}
	switch {
	case u.Scheme == "":
		return bad("it has no scheme")
	case u.Scheme != "http" && u.Scheme != "https":
		if u.Opaque != "" && u.Host == "" {
			// "localhost:4566" parses as scheme "localhost".
			return bad("it has no http:// or https:// scheme")
		}
		return bad(fmt.Sprintf("scheme %q is not http or https", u.Scheme))
	case u.Host == "" || u.Hostname() == "":
		return bad("it has no host")
	}
	return nil
}

// endpointProbe bounds the reachability check of a user's endpoint.
const endpointProbe = 2 * time.Second

// probeEndpoint dials a user's endpoint once before any call, so that an
// endpoint that is not running (connection refused) or a host name that
// does not resolve is one error at the start of a command, not the same
// error from every call it makes at once. Any other outcome, a timeout
// included, is left to the calls themselves.
func probeEndpoint(ctx context.Context, endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return nil // validated before; nothing to probe
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, endpointProbe)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err == nil {
		_ = conn.Close()
		return nil
	}
	if why := unreachable(err); why != "" {
		return &UnreachableError{Endpoint: u.Scheme + "://" + u.Host, Reason: why, Custom: true, Err: err}
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
