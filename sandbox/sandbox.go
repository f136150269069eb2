// Package sandbox is an AWS look-alike: an HTTP endpoint that speaks the real
// wire protocols (EC2 query, AWS query, JSON 1.1, RPC v2 CBOR, REST-XML) for
// every operation stackwiz uses, keeps state as AWS does, lets time pass as
// AWS would, and injects the faults AWS produces. It runs in process (tests,
// benchmarks, `stackwiz --sandbox`) or as a server (`stackwiz sandbox serve`).
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/fxamacker/cbor/v2"
)

// Options configure a Sandbox.
type Options struct {
	// DataDir persists the world there (world.json) after every change,
	// before the answer; empty keeps it in memory. Sandboxes in several
	// processes may share one DataDir (see shared_world.go).
	DataDir string
	// Latency is the time profile, LatencyInstant (default) or LatencyRealistic.
	Latency string
	// Speed divides realistic durations; 0 means 1.
	Speed float64
	// IAMPropagation is how long a new instance profile is rejected by
	// RunInstances and Auto Scaling. Zero uses the profile's default
	// (instant: none; realistic: 10 s at 1x); negative disables it.
	IAMPropagation time.Duration
	// DelegatedDomains are domains whose registrar this process points at
	// each hosted zone created for them, the moment it is created, as a
	// user who updates the NS records at once would. Zones of other names
	// wait for POST /_sandbox/delegate (see route53_delegation.go).
	DelegatedDomains []string
	// Now replaces the wall clock (tests).
	Now func() time.Time
	// AfterServe, when set, is called for each AWS request that succeeded,
	// after the world has changed and before the answer is written (tests
	// count mutating requests with it, and kill a client or drop the
	// answer right after the k-th).
	AfterServe func(Served)
}

// Served describes one AWS request that succeeded.
type Served struct {
	Service, Op string
	// RequestID is the answer's X-Amzn-RequestId.
	RequestID string
}

// Mutating reports whether the operation changes the world: anything
// but the Describe/List/Get family.
func (s Served) Mutating() bool {
	for _, p := range []string{"Describe", "List", "Get", "Lookup", "Head"} {
		if strings.HasPrefix(s.Op, p) {
			return false
		}
	}
	return true
}

// Sandbox is the AWS look-alike. It is an http.Handler.
type Sandbox struct {
	mu    sync.Mutex // guards world, file, dur, inj, clock
	world *World
	// file shares the world with other processes through opts.DataDir;
	// nil keeps it in memory. Take the world with lockWorld.
	file  *worldFile
	opts  Options
	dur   durations
	clock clock
	inj   *injector

	stats    stats
	em       cbor.EncMode
	dm       cbor.DecMode
	reqSeq   atomic.Uint64
	services map[string]*service
}

// New returns a sandbox, loading its world from opts.DataDir when there is one.
func New(opts Options) (*Sandbox, error) {
	s := &Sandbox{opts: opts, em: cborEncMode(), services: services()}
	dm, err := cbor.DecOptions{DefaultMapType: nil}.DecMode()
	if err != nil {
		return nil, fmt.Errorf("cbor decoder: %w", err)
	}
	s.dm = dm
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	s.clock = clock{now: now}
	if err := s.setProfile(opts.Latency, opts.Speed, opts.IAMPropagation); err != nil {
		return nil, err
	}
	s.inj = newInjector(Faults{})
	s.world = newWorld()
	if opts.DataDir != "" {
		f, err := openWorldFile(opts.DataDir)
		if err != nil {
			return nil, err
		}
		s.file = f
		// Load now, so that a world that cannot be read fails here.
		unlock, err := s.lockWorld()
		if err != nil {
			return nil, err
		}
		if err := unlock(); err != nil {
			return nil, err
		}
	}
	s.stats.reset()
	return s, nil
}

func (s *Sandbox) setProfile(profile string, speed float64, iam time.Duration) error {
	iamDefault := iam
	switch {
	case iam < 0:
		iamDefault = 0
	case iam == 0 && profile == LatencyRealistic:
		iamDefault = -1 // the profile's default, scaled
	}
	d, err := profileDurations(profile, speed, iamDefault)
	if err != nil {
		return err
	}
	s.dur = d
	return nil
}

// Advance moves the sandbox clock forward by d, as if that much time had passed.
func (s *Sandbox) Advance(d time.Duration) error {
	unlock, err := s.lockWorld()
	if err != nil {
		return err
	}
	if err := checkAdvance(s.clock.offset, d); err != nil {
		_ = unlock()
		return err
	}
	s.clock.offset += d
	s.world.ClockOffset = s.clock.offset
	s.world.tick(s.clock.Now(), s.dur)
	return unlock()
}

// SetFaults replaces the injected faults (and, when set, the time profile).
func (s *Sandbox) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inj = newInjector(f)
	if f.Latency != "" || f.Speed != 0 || f.IAMPropagationSeconds != nil {
		profile := f.Latency
		if profile == "" {
			profile = LatencyInstant
			if s.dur.Speed > 0 {
				profile = LatencyRealistic
			}
		}
		speed := f.Speed
		if speed == 0 {
			speed = s.dur.Speed
		}
		iam := s.dur.IAMPropagation
		if f.IAMPropagationSeconds != nil {
			iam = time.Duration(*f.IAMPropagationSeconds * float64(time.Second))
			if iam == 0 {
				iam = -1
			}
		}
		return s.setProfile(profile, speed, iam)
	}
	return nil
}

// Reset forgets every resource, fault and statistic.
func (s *Sandbox) Reset() error {
	unlock, err := s.lockWorld()
	if err != nil {
		return err
	}
	s.world = newWorld()
	s.world.ClockOffset = s.clock.offset // time does not go back
	s.inj = newInjector(Faults{})
	s.stats.reset()
	return unlock()
}

// Inventory lists every live resource created through the API. With a
// DataDir shared by several processes, a world that cannot be read lists
// what this process last saw.
func (s *Sandbox) Inventory() []InventoryItem {
	unlock, err := s.lockWorld()
	if err != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.world.inventory()
	}
	s.world.tick(s.clock.Now(), s.dur)
	items := s.world.inventory()
	_ = unlock() // a tick this process could not keep is redone by the next
	return items
}

// Stats returns the requests served so far.
func (s *Sandbox) Stats() StatsSnapshot { return s.stats.snapshot() }

// ResetStats zeroes the request counters.
func (s *Sandbox) ResetStats() { s.stats.reset() }

// Close lets the requests in flight finish. Every change is already
// saved by then: there is nothing left to write.
func (s *Sandbox) Close() error {
	unlock, err := s.lockWorld()
	if err != nil {
		return err
	}
	return unlock()
}

// Config returns an aws.Config that sends every client to endpoint (the
// sandbox's URL) with throwaway credentials; any region works.
func Config(endpoint, region string) aws.Config {
	if region == "" {
		region = "us-east-1"
	}
	return aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider("AKIASANDBOXEXAMPLE00", "sandbox-secret", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// Server is a sandbox listening on a TCP address.
type Server struct {
	URL  string
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen serves the sandbox on addr (host:port; port 0 picks one).
func (s *Sandbox) Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	out := &Server{URL: "http://" + ln.Addr().String(), srv: srv, ln: ln, done: make(chan struct{})}
	go func() {
		defer close(out.done)
		_ = srv.Serve(ln)
	}()
	return out, nil
}

// Close stops the server, letting requests in flight finish.
func (sv *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := sv.srv.Shutdown(ctx)
	<-sv.done
	return err
}

// handler serves one operation. It runs with the world locked and returns
// the response body (a struct with xml/json tags) or an error; an error
// that is not an *APIError becomes an InternalError.
type handler func(c *call) (any, error)

// service is one AWS service: how it is reached and its operations.
type service struct {
	name     string // signing name
	protocol protocol
	ops      map[string]handler
	// route finds the operation of a REST request (Route 53, S3).
	route func(r *http.Request) (op string, pathParams map[string]string)
}

// call is one request as a handler sees it.
type call struct {
	sb      *Sandbox
	w       *World
	r       *Region // the request's region
	region  string
	service string
	op      string
	p       params            // query protocols
	body    []byte            // JSON, CBOR, REST-XML
	req     *http.Request     // REST: method, path, query
	path    map[string]string // REST path parameters
	// wire is how this request is encoded: the service's protocol, unless
	// the client chose another the service also speaks (the AWS CLI v1
	// talks JSON 1.0 to CloudWatch, the Go SDK RPC v2 CBOR).
	wire  protocol
	now   time.Time
	d     durations
	reqID string
}

// decode reads a JSON or CBOR request body into v.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	var err error
	switch c.wire {
	case protoCBOR:
		err = c.sb.dm.Unmarshal(c.body, v)
	default:
		err = jsonUnmarshal(c.body, v)
	}
	if err != nil {
		return errBadRequest("SerializationException", "cannot read the request body: %v", err)
	}
	return nil
}

// restResult is what a REST-XML handler returns.
type restResult struct {
	Status int
	Root   string // root element name; empty for no body
	Body   any
	// Location is sent as the Location header (CreateHostedZone's 201 Created).
	Location string
}

func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/_sandbox/") {
		s.serveControl(w, r)
		return
	}
	reqID := s.requestID()
	body, err := readBounded(r.Body, maxRequestBody)
	if tooLarge := (errBodyTooLarge{}); errors.As(err, &tooLarge) {
		// Read on (into nothing, and only so far) so that a client still
		// sending gets the answer rather than a reset connection.
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, drainTooLarge))
		// Answered in the protocol of the service the headers name, so
		// the SDK reports it as an API error, not a parse failure.
		p := protoQuery
		if name, _, _ := s.identify(r, nil); s.services[name] != nil {
			p = s.services[name].protocol
		}
		writeError(w, p, s.em, reqID, errRequestTooLarge())
		return
	}
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	svcName, op, region := s.identify(r, body)
	svc := s.services[svcName]
	if svc == nil {
		writeError(w, protoQuery, s.em, reqID, errBadRequest("UnknownService", "the sandbox does not serve this request (%s %s)", r.Method, r.URL.Path))
		return
	}
	c := &call{sb: s, region: region, service: svcName, op: op, body: body, req: r, reqID: reqID, wire: svc.protocol}
	if svc.protocol == protoCBOR && r.Header.Get("X-Amz-Target") != "" {
		c.wire = protoJSON
	}
	if svc.protocol == protoEC2Query || svc.protocol == protoQuery {
		vals, perr := parseForm(body, r)
		if perr != nil {
			writeError(w, svc.protocol, s.em, reqID, errBadRequest("MalformedQueryString", "%v", perr))
			return
		}
		c.p = newParams(vals)
		c.op = c.p.Get("Action")
	}
	if svc.route != nil {
		c.op, c.path = svc.route(r)
	}
	h := svc.ops[c.op]
	s.stats.count(svcName, c.op)
	if h == nil {
		code := "InvalidAction"
		switch svc.protocol {
		case protoJSON, protoCBOR:
			code = "UnknownOperationException"
		case protoS3:
			code = "NotImplemented"
		}
		writeError(w, c.wire, s.em, reqID, errBadRequest(code, "The action %s is not valid for this web service (the sandbox does not implement it).", c.op))
		return
	}

	s.mu.Lock()
	inj := s.inj
	delay := inj.latency()
	fault := inj.fault(svcName, c.op)
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if fault != nil {
		s.stats.fault()
		writeError(w, c.wire, s.em, reqID, fault)
		return
	}

	out, err := s.run(c, h)
	if err != nil {
		var ae *APIError
		if !errors.As(err, &ae) {
			ae = apiErr(http.StatusInternalServerError, "InternalError", "%v", err)
		}
		writeError(w, c.wire, s.em, reqID, ae)
		return
	}
	if s.opts.AfterServe != nil {
		// Before the answer is written: a test that kills or cuts the
		// client here knows the client never saw it.
		s.opts.AfterServe(Served{Service: svcName, Op: c.op, RequestID: reqID})
	}
	w.Header().Set("X-Amzn-RequestId", reqID)
	switch c.wire {
	case protoEC2Query:
		err = writeEC2(w, c.op, reqID, out)
	case protoQuery:
		err = writeQuery(w, svcName, c.op, reqID, out)
	case protoJSON:
		err = writeJSON(w, out)
	case protoCBOR:
		err = writeCBOR(w, s.em, out)
	case protoRESTXML:
		rr, _ := out.(restResult)
		if rr.Status == 0 {
			rr.Status = http.StatusOK
		}
		if rr.Location != "" {
			w.Header().Set("Location", rr.Location)
		}
		if rr.Root == "" {
			w.WriteHeader(rr.Status)
			return
		}
		err = writeRESTXML(w, rr.Status, rr.Root, rr.Body)
	case protoS3:
		err = writeS3(w, r, out)
	}
	_ = err // the client went away; nothing to do
}

// run executes h with the world locked, after moving time forward. With
// a DataDir, whatever changed is saved before the answer goes out.
func (s *Sandbox) run(c *call, h handler) (out any, err error) {
	unlock, err := s.lockWorld()
	if err != nil {
		return nil, apiErr(http.StatusInternalServerError, "InternalError", "sandbox could not load its world: %v", err)
	}
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, apiErr(http.StatusInternalServerError, "InternalError", "sandbox bug in %s: %v", c.op, p)
		}
		if errSave := unlock(); errSave != nil {
			out, err = nil, apiErr(http.StatusInternalServerError, "InternalError", "sandbox could not persist: %v", errSave)
		}
	}()
	c.now = s.clock.Now()
	c.d = s.dur
	c.w = s.world
	s.world.tick(c.now, s.dur)
	c.r = s.world.region(c.region)
	return h(c)
}

func (s *Sandbox) requestID() string {
	n := s.reqSeq.Add(1)
	return fmt.Sprintf("%08x-5a4d-4b0c-9e1f-%012x", uint32(n*2654435761), n)
}

// services is the table of every service the sandbox answers.
func services() map[string]*service {
	list := []*service{
		{name: "ec2", protocol: protoEC2Query, ops: ec2Handlers()},
		{name: "iam", protocol: protoQuery, ops: iamHandlers()},
		{name: "sts", protocol: protoQuery, ops: stsHandlers()},
		{name: "elasticloadbalancing", protocol: protoQuery, ops: elbHandlers()},
		{name: "autoscaling", protocol: protoQuery, ops: asgHandlers()},
		{name: "sns", protocol: protoQuery, ops: snsHandlers()},
		{name: "acm", protocol: protoJSON, ops: acmHandlers()},
		{name: "ssm", protocol: protoJSON, ops: ssmHandlers()},
		{name: "kms", protocol: protoJSON, ops: kmsHandlers()},
		{name: "monitoring", protocol: protoCBOR, ops: cloudwatchHandlers()},
		{name: "route53", protocol: protoRESTXML, ops: route53Handlers(),
			route: func(r *http.Request) (string, map[string]string) { return route53Route(r.Method, r.URL.Path) }},
		{name: "s3", protocol: protoS3, ops: s3Handlers(), route: s3Route},
	}
	m := make(map[string]*service, len(list))
	for _, s := range list {
		m[s.name] = s
	}
	return m
}

// queryVersions maps the Version field of a query request to its service,
// for clients that send no SigV4 scope.
var queryVersions = map[string]string{
	"2016-11-15": "ec2",
	"2010-05-08": "iam",
	"2011-06-15": "sts",
	"2015-12-01": "elasticloadbalancing",
	"2011-01-01": "autoscaling",
	"2010-03-31": "sns",
	"2010-08-01": "monitoring",
}

// identify finds the service, the operation (for JSON and CBOR; query
// protocols carry it in the body) and the region of a request.
func (s *Sandbox) identify(r *http.Request, body []byte) (svc, op, region string) {
	region = "us-east-1"
	scopeSvc := ""
	// Authorization: AWS4-HMAC-SHA256 Credential=AKID/20261123/us-east-1/ec2/aws4_request, ...
	if auth := r.Header.Get("Authorization"); auth != "" {
		if i := strings.Index(auth, "Credential="); i >= 0 {
			cred := auth[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
			parts := strings.Split(cred, "/")
			if len(parts) >= 5 {
				region, scopeSvc = parts[2], parts[3]
			}
		}
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, name, _ := strings.Cut(target, ".")
		switch prefix {
		case "CertificateManager":
			return "acm", name, region
		case "AmazonSSM":
			return "ssm", name, region
		case "TrentService":
			return "kms", name, region
		case "GraniteServiceVersion20100801": // CloudWatch over JSON 1.0 (AWS CLI v1)
			return "monitoring", name, region
		}
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/service/GraniteServiceVersion20100801/operation/"); ok {
		return "monitoring", rest, region
	}
	if strings.HasPrefix(r.URL.Path, "/2013-04-01/") {
		return "route53", "", region
	}
	if scopeSvc != "" && s.services[scopeSvc] != nil {
		return scopeSvc, "", region
	}
	if vals, err := parseForm(body, r); err == nil {
		if svc, ok := queryVersions[vals.Get("Version")]; ok {
			return svc, "", region
		}
	}
	return scopeSvc, "", region
}

// jsonHandler adapts a typed JSON/CBOR handler: it decodes the body into In.
func jsonOp[In any](f func(c *call, in *In) (any, error)) handler {
	return func(c *call) (any, error) {
		var in In
		if err := c.decode(&in); err != nil {
			return nil, err
		}
		return f(c, &in)
	}
}

// atoiDefault parses s, returning def when s is empty or malformed.
func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
