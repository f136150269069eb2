package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
	"github.com/stackwiz/stackwiz/steps"
)

// session is where one command works: the state dir and, once connected,
// the AWS clients (real, an --endpoint-url, or the embedded sandbox).
type session struct {
	g   *globals
	dir string
	// poll is how the engine waits: AWS-paced, or quick for the sandbox.
	poll    steps.Poll
	clients *aws.Clients
	close   func()

	mu         sync.Mutex // guards sandboxURL
	sandboxURL string
}

// sandboxSpeed is how much faster than AWS the embedded sandbox's clock
// runs by default: NAT gateways and load balancers take seconds, not
// minutes, yet progress is still visible. STACKWIZ_SANDBOX_SPEED overrides.
const sandboxSpeed = 30

// localPoll paces waits on the sandbox and other local endpoints.
var localPoll = steps.Poll{Min: 50 * time.Millisecond, Max: time.Second, IAM: time.Minute, Dependency: 2 * time.Minute}

// sandboxPublicIP stands in for the caller's public address in the
// sandbox, which has no internet to ask: an address from TEST-NET-3
// (RFC 5737), so a spec tried there never opens SSH to a real host.
func sandboxPublicIP(context.Context) (netip.Addr, error) {
	return netip.MustParseAddr("203.0.113.10"), nil
}

// engineOptions are the engine's options for this session.
func (s *session) engineOptions() steps.Options {
	o := steps.Options{Poll: s.poll, Lease: s.leaseOptions()}
	if s.g.Sandbox {
		o.PublicIP = sandboxPublicIP
	}
	return o
}

// isLoopback reports whether endpoint is on this machine.
func isLoopback(endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || u.Hostname() == "" {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

// newSession resolves the state dir. Sandbox stacks live apart from real
// ones, under <state dir>/sandbox, with the sandbox's world beside them.
func newSession(g *globals) (*session, error) {
	dir, err := g.stateDir()
	if err != nil {
		return nil, err
	}
	s := &session{g: g, dir: dir, poll: steps.DefaultPoll, close: func() {}}
	if err := ensureStateDir(dir); err != nil {
		return nil, err
	}
	if g.Sandbox {
		s.dir = filepath.Join(dir, "sandbox")
		if err := ensureStateDir(s.dir); err != nil {
			return nil, err
		}
	}
	if g.Sandbox || isLoopback(g.EndpointURL) {
		// A local endpoint answers in milliseconds: AWS-paced polling
		// would only add waiting.
		s.poll = localPoll
	}
	return s, nil
}

// connect builds the command's AWS clients for region (empty: the
// profile's or the environment's) and keeps them for the command.
func (s *session) connect(ctx context.Context, region string) (*aws.Clients, error) {
	if s.clients != nil {
		return s.clients, nil
	}
	if region == "" {
		region = s.g.Region
	}
	c, err := s.clientsFor(ctx, s.g.Profile, region)
	if err != nil {
		return nil, err
	}
	s.clients = c
	return c, nil
}

// clientsFor builds AWS clients for a profile and region, as the wizard
// asks when the user picks them. For --sandbox it starts the embedded
// sandbox on a loopback port, once; its world persists under the state
// dir, and it answers for every region.
func (s *session) clientsFor(ctx context.Context, profile, region string) (*aws.Clients, error) {
	if s.g.Sandbox {
		url, err := s.startSandbox()
		if err != nil {
			return nil, err
		}
		if region == "" {
			region = "us-east-1"
		}
		opts := s.g.awsOptions("", region)
		opts.MaxBackoff = time.Second
		return aws.NewClients(aws.WithRetryer(sandbox.Config(url, region), opts)), nil
	}
	cfg, err := aws.LoadConfig(ctx, s.g.awsOptions(profile, region))
	if err != nil {
		return nil, err
	}
	return aws.NewClients(cfg), nil
}

func (s *session) startSandbox() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sandboxURL != "" {
		return s.sandboxURL, nil
	}
	speed := float64(sandboxSpeed)
	if v := os.Getenv("STACKWIZ_SANDBOX_SPEED"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return "", fmt.Errorf("STACKWIZ_SANDBOX_SPEED=%q: want a positive number (30 = thirty times faster than AWS)", v)
		}
		speed = f
	}
	latency := sandbox.LatencyRealistic
	if v := os.Getenv("STACKWIZ_SANDBOX_LATENCY"); v != "" {
		latency = v
	}
	world := filepath.Join(s.dir, "world")
	if err := os.MkdirAll(world, 0o700); err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	sb, err := sandbox.New(sandbox.Options{DataDir: world, Latency: latency, Speed: speed})
	if err != nil {
		return "", fmt.Errorf("sandbox: %w", err)
	}
	srv, err := sb.Listen("127.0.0.1:0")
	if err != nil {
		sb.Close()
		return "", fmt.Errorf("sandbox: %w", err)
	}
	s.close = func() { srv.Close(); sb.Close() }
	s.sandboxURL = srv.URL
	return srv.URL, nil
}

// stackName resolves which stack a command means: --stack, else the only
// one in the state dir.
func (s *session) stackName() (string, error) {
	name, err := state.Resolve(s.dir, s.g.Stack)
	if errors.Is(err, state.ErrNoStack) && !s.g.Sandbox {
		err = fmt.Errorf("%w (stacks built with --sandbox are found with --sandbox)", err)
	}
	if errors.Is(err, state.ErrNoStack) || errors.Is(err, state.ErrSeveralStacks) {
		return "", usageError{err}
	}
	return name, err
}

// openStack opens the record of the stack the command means.
func (s *session) openStack() (*state.Store, error) {
	name, err := s.stackName()
	if err != nil {
		return nil, err
	}
	return state.Open(s.dir, name)
}

// openRecorded opens the stack the command means, its recorded spec, and
// clients for its recorded region. Without specRequired, a record with no
// usable spec yields the defaults under the stack's name.
func (s *session) openRecorded(ctx context.Context, specRequired bool) (*state.Store, *spec.Spec, error) {
	store, err := s.openStack()
	if err != nil {
		return nil, nil, err
	}
	sp, err := stackSpec("", store)
	if err != nil {
		if specRequired {
			return nil, nil, err
		}
		d := spec.Defaults()
		d.Name = store.Name()
		sp = &d
	}
	if _, err := s.connect(ctx, store.Snapshot().Region); err != nil {
		return nil, nil, err
	}
	return store, sp, nil
}

// leaseOptions name this process for the lease apply and destroy hold on
// a stack in the account, so whoever they keep waiting knows who and where.
func (s *session) leaseOptions() *steps.LeaseOptions {
	host, _ := os.Hostname()
	user := cmp.Or(os.Getenv("USER"), os.Getenv("USERNAME"), "someone")
	return &steps.LeaseOptions{
		Holder: fmt.Sprintf("%s@%s (pid %d)", user, host, os.Getpid()), Host: host, StateDir: s.dir, Force: s.g.ForceUnlock,
	}
}

// specAndStore returns the spec (from file or the record) and the record
// of its stack.
func (s *session) specAndStore(file string) (*state.Store, *spec.Spec, error) {
	if file != "" {
		spec, err := loadSpec(file)
		if err != nil {
			return nil, nil, err
		}
		store, err := openOrCreate(s, spec)
		return store, spec, err
	}
	store, err := s.openStack()
	if err != nil {
		return nil, nil, err
	}
	spec, err := stackSpec("", store)
	return store, spec, err
}

// ensureStateDir makes sure dir is a directory stackwiz can keep records
// in, creating it when missing. Otherwise every command would fail later
// with a bare "not a directory" about a file inside it, or worse, report
// "no stack recorded" for a dir it could not read. The state dir comes from
// --state-dir or STACKWIZ_STATE_DIR, so a wrong one is bad usage.
func ensureStateDir(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case err == nil && !info.IsDir():
		return usageError{fmt.Errorf("state dir %s is a file, not a directory: pass --state-dir DIR (or set STACKWIZ_STATE_DIR) to a directory", dir)}
	case err == nil:
		return nil
	case !errors.Is(err, fs.ErrNotExist):
		return usageError{fmt.Errorf("state dir %s cannot be used: %w; pass --state-dir DIR (or set STACKWIZ_STATE_DIR) to a directory you can write", dir, err)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return usageError{fmt.Errorf("state dir %s cannot be created: %w; pass --state-dir DIR (or set STACKWIZ_STATE_DIR) to a directory you can write", dir, err)}
	}
	return nil
}

// withSession runs a command's work in a session of g: the prologue every
// command that works on a stack shares (the state dir resolved and
// checked, the session's close deferred).
func withSession(g *globals, run func(s *session) error) error {
	s, err := newSession(g)
	if err != nil {
		return err
	}
	// s.close is read here, before run may start the embedded sandbox, so
	// the deferred call is the no-op and the sandbox ends with the process:
	// what each command's own prologue did before withSession.
	defer s.close()
	return run(s)
}
