package sandbox

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"time"
)

// Faults is what POST /_sandbox/faults sets: injected throttling and server
// errors, added latency, and the time model. Rates are probabilities per
// request in [0,1]. Services and Operations override the global rates; keys
// are a signing name ("ec2", "iam", "elasticloadbalancing", "autoscaling",
// "route53", "acm", "ssm", "monitoring", "sns", "sts") or "service:Operation"
// ("ec2:RunInstances").
type Faults struct {
	ThrottleRate    float64              `json:"throttle_rate"`
	ServerErrorRate float64              `json:"server_error_rate"`
	Services        map[string]RateFault `json:"services,omitempty"`
	Operations      map[string]RateFault `json:"operations,omitempty"`
	// LatencyMS is added to every request before it is answered.
	LatencyMS int `json:"latency_ms,omitempty"`
	// Latency is the time profile: "instant" or "realistic"; empty keeps the current one.
	Latency string `json:"latency,omitempty"`
	// Speed divides realistic durations (10 = ten times faster than AWS).
	Speed float64 `json:"speed,omitempty"`
	// IAMPropagationSeconds is how long a new instance profile is rejected
	// by RunInstances and Auto Scaling; negative keeps the current value.
	IAMPropagationSeconds *float64 `json:"iam_propagation_seconds,omitempty"`
	// Seed makes the injected faults repeatable.
	Seed uint64 `json:"seed,omitempty"`
	// Deny lists IAM action patterns ("ec2:RunInstances", "monitoring:*",
	// "iam:Create*") the caller is refused, as an explicit Deny in its
	// policy would: each gets its service's own access-denied error, and
	// iam:SimulatePrincipalPolicy reports them as explicitDeny.
	Deny []string `json:"deny,omitempty"`
}

// RateFault overrides the rates for a service or an operation.
type RateFault struct {
	ThrottleRate    float64 `json:"throttle_rate"`
	ServerErrorRate float64 `json:"server_error_rate"`
}

// injector decides, request by request, whether to fail it.
type injector struct {
	f    Faults
	deny denyList
	rng  *rand.Rand
}

// newInjector builds the injector for f, which validate has accepted.
func newInjector(f Faults) *injector {
	deny, _ := parseDenyList(f.Deny)
	return &injector{f: f, deny: deny, rng: rand.New(rand.NewPCG(f.Seed, 0x5eed))}
}

// Faults returns the faults in force, as POST /_sandbox/faults last set them.
func (s *Sandbox) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inj.f
}

func (in *injector) rates(service, op string) (throttle, server float64) {
	throttle, server = in.f.ThrottleRate, in.f.ServerErrorRate
	if r, ok := in.f.Services[service]; ok {
		throttle, server = r.ThrottleRate, r.ServerErrorRate
	}
	if r, ok := in.f.Operations[service+":"+op]; ok {
		throttle, server = r.ThrottleRate, r.ServerErrorRate
	}
	return throttle, server
}

// fault returns the error to answer instead of serving the request, or nil.
// Errors use each service's real codes, so the SDK's retryer classifies
// them exactly as it would on AWS.
func (in *injector) fault(service, op string) *APIError {
	// A denied action is refused before anything else: AWS authorizes a
	// request before it could throttle or fail it.
	if in.deny.denies(iamAction(service, op)) {
		return accessDenied(service, op)
	}
	throttle, server := in.rates(service, op)
	if throttle == 0 && server == 0 {
		return nil
	}
	x := in.rng.Float64()
	switch {
	case x < throttle:
		return throttleError(service)
	case x < throttle+server:
		return serverError(service)
	}
	return nil
}

func (in *injector) latency() time.Duration {
	return time.Duration(in.f.LatencyMS) * time.Millisecond
}

func throttleError(service string) *APIError {
	switch service {
	case "ec2":
		return apiErr(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	case "acm", "ssm", "kms":
		return apiErr(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	case "route53":
		return apiErr(http.StatusBadRequest, "Throttling", "Rate exceeded")
	}
	return apiErr(http.StatusBadRequest, "Throttling", "Rate exceeded")
}

func serverError(service string) *APIError {
	switch service {
	case "ec2":
		return apiErr(http.StatusInternalServerError, "InternalError", "An internal error has occurred")
	case "acm", "ssm", "kms":
		return apiErr(http.StatusInternalServerError, "InternalServerException", "An internal error occurred")
	}
	return apiErr(http.StatusServiceUnavailable, "ServiceUnavailable", "Service is unavailable. Please try again later.")
}

func (f Faults) validate() error {
	check := func(name string, v float64) error {
		if !(v >= 0 && v <= 1) { // NaN too
			return fmt.Errorf("%s: %v is not a rate; use a number from 0 to 1", name, v)
		}
		return nil
	}
	if err := check("throttle_rate", f.ThrottleRate); err != nil {
		return err
	}
	if err := check("server_error_rate", f.ServerErrorRate); err != nil {
		return err
	}
	for k, r := range f.Services {
		if err := check("services."+k+".throttle_rate", r.ThrottleRate); err != nil {
			return err
		}
		if err := check("services."+k+".server_error_rate", r.ServerErrorRate); err != nil {
			return err
		}
	}
	for k, r := range f.Operations {
		if err := check("operations."+k+".throttle_rate", r.ThrottleRate); err != nil {
			return err
		}
		if err := check("operations."+k+".server_error_rate", r.ServerErrorRate); err != nil {
			return err
		}
	}
	switch f.Latency {
	case "", LatencyInstant, LatencyRealistic:
	default:
		return fmt.Errorf("latency: %q is not a profile; use %q or %q", f.Latency, LatencyInstant, LatencyRealistic)
	}
	if f.Speed < 0 || math.IsNaN(f.Speed) || math.IsInf(f.Speed, 0) {
		return fmt.Errorf("speed: %v must be a positive number", f.Speed)
	}
	if f.LatencyMS < 0 || f.LatencyMS > int(maxLatency/time.Millisecond) {
		return fmt.Errorf("latency_ms: %d is out of range; use 0 to %d (%v)", f.LatencyMS, maxLatency/time.Millisecond, maxLatency)
	}
	if p := f.IAMPropagationSeconds; p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0) || *p > maxIAMPropagation.Seconds()) {
		return fmt.Errorf("iam_propagation_seconds: %v is out of range; use at most %.0f (negative keeps the current value)", *p, maxIAMPropagation.Seconds())
	}
	if _, err := parseDenyList(f.Deny); err != nil {
		return err
	}
	return nil
}
