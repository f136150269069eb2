package wizard

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/steps"
)

// refusedURL is an address on this machine where nothing listens: every
// connection to it is refused, as with an AWS endpoint that is down.
func refusedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

// unreachable sets the wizard up as a user's, not the sandbox's, with its
// AWS calls sent to url; the public IP is looked up there too.
func unreachable(e *env, url *atomic.Value) {
	e.sh.Sandbox = false
	e.d.Region = "us-east-1"
	e.d.CheckIPURL = url.Load().(string) + "/checkip"
	e.d.Connect = func(ctx context.Context, _, region string) (*aws.Clients, error) {
		// stackwiz's own retry policy, not the harness's two quick
		// attempts: the bound under test is the wizard's.
		return aws.NewClients(aws.WithRetryer(sandbox.Config(url.Load().(string), region), aws.Options{})), nil
	}
}

// TestIdentityFailsVisiblyAndBlocksWhenAWSIsUnreachable opens the wizard
// against an endpoint that refuses connections: the Identity step fails
// within the lookup bound, names the cause, cannot be marked done, no
// later step opens with guessed defaults, the plan is not reviewed, and a
// retry once the endpoint answers goes on as usual.
func TestIdentityFailsVisiblyAndBlocksWhenAWSIsUnreachable(t *testing.T) {
	e := newEnv(t)
	var url atomic.Value
	url.Store(refusedURL(t))
	unreachable(e, &url)
	start := time.Now()
	m, r := e.wizard("", 120, 38)
	took := time.Since(start)
	if took > lookupTimeout+5*time.Second {
		t.Errorf("the identity lookup failed after %s, want within %s", took.Round(time.Second), lookupTimeout)
	}
	t.Logf("identity failed after %s", took.Round(100*time.Millisecond))
	if m.identityErr() == nil {
		t.Fatalf("no identity error with the endpoint refusing connections:\n%s", r.view())
	}
	v := r.view()
	for _, want := range []string{"could not find out who you are", "refused", "needs attention", "account unknown", "submit this step to try again"} {
		if !strings.Contains(v, want) {
			t.Errorf("the identity step does not show %q:\n%s", want, v)
		}
	}

	// Submitting the step retries it instead of marking it done.
	conn := m.conn
	r.press("demo", "enter", "enter", "enter")
	if m.conn == conn {
		t.Errorf("submitting the failed identity step did not try again")
	}
	if m.formStep != steps.StepIdentity || m.answered[steps.StepIdentity] {
		t.Fatalf("the failed identity step was left (form %s, answered %v):\n%s", m.formStep, m.answered[steps.StepIdentity], r.view())
	}
	r.until(func() bool { return m.identityErr() != nil })
	r.quiet()
	if m.formStep != steps.StepIdentity || m.answered[steps.StepIdentity] {
		t.Fatalf("after the retry failed too, the wizard is on %s (identity answered %v)", m.formStep, m.answered[steps.StepIdentity])
	}

	// No later step opens, and the plan is not reviewed.
	r.press("esc", "down", "enter")
	if m.formStep != steps.StepIdentity {
		t.Errorf("the step after identity opened although identity failed:\n%s", r.view())
	}
	if !strings.Contains(r.view(), "the Identity step failed") {
		t.Errorf("opening a later step does not say why it is refused:\n%s", r.view())
	}
	r.press("esc", "p")
	if m.phase != phaseSteps || m.review != nil {
		t.Errorf("the plan was reviewed although identity failed (phase %d)", m.phase)
	}

	// The endpoint comes back: r retries, the account shows, the step
	// can be submitted and the next one opens.
	url.Store(e.URL)
	r.press("esc", "r")
	r.until(func() bool { return m.found.done[lookCaller] && !m.connecting })
	r.quiet()
	if m.identityErr() != nil || m.found.caller.Account != sandbox.AccountID {
		t.Fatalf("retry with the endpoint back: caller %+v, err %v", m.found.caller, m.identityErr())
	}
	if v := r.view(); !strings.Contains(v, "account "+sandbox.AccountID) || strings.Contains(v, "could not find out who you are") {
		t.Errorf("after a successful retry the identity step shows:\n%s", v)
	}
	r.press("enter", "enter", "enter")
	r.until(func() bool { return m.formStep != steps.StepIdentity })
	if !m.answered[steps.StepIdentity] {
		t.Errorf("the identity step is not answered after it succeeded")
	}
}

// TestIdentityFailsWhenTheConnectionCannotBeMade covers the other way the
// account stays unknown: building the clients fails (stackwiz's config
// probes the endpoint before any call). The wizard shows the cause and
// keeps later steps closed just the same.
func TestIdentityFailsWhenTheConnectionCannotBeMade(t *testing.T) {
	e := newEnv(t)
	var url atomic.Value
	url.Store(refusedURL(t))
	unreachable(e, &url)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	e.d.Connect = func(ctx context.Context, profile, region string) (*aws.Clients, error) {
		cfg, err := aws.LoadConfig(ctx, aws.Options{Profile: profile, Region: region, EndpointURL: url.Load().(string)})
		if err != nil {
			return nil, err
		}
		return aws.NewClients(cfg), nil
	}
	start := time.Now()
	m, r := e.wizard("", 120, 38)
	if took := time.Since(start); took > lookupTimeout+5*time.Second {
		t.Errorf("the identity step failed after %s, want within %s", took.Round(time.Second), lookupTimeout)
	}
	if m.identityErr() == nil {
		t.Fatalf("no identity error with the endpoint refusing connections:\n%s", r.view())
	}
	if v := r.view(); !strings.Contains(v, "needs attention") || !strings.Contains(v, "✗") {
		t.Errorf("the identity step does not show its failure:\n%s", v)
	}
	r.press("esc", "down", "enter")
	if m.formStep != steps.StepIdentity {
		t.Errorf("the step after identity opened although the connection failed:\n%s", r.view())
	}
}

// TestIdentityLookupEndsWithinItsBoundWhenTheEndpointNeverAnswers points
// the wizard at an endpoint that accepts connections and never answers:
// the Identity step fails after lookupTimeout, with the cause, instead of
// spinning on "looking up who you are…" for as long as the SDK retries.
func TestIdentityLookupEndsWithinItsBoundWhenTheEndpointNeverAnswers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn // held open, never answered
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	e := newEnv(t)
	var url atomic.Value
	url.Store("http://" + l.Addr().String())
	unreachable(e, &url)
	start := time.Now()
	m, r := e.wizard("", 120, 38)
	took := time.Since(start)
	t.Logf("identity failed after %s", took.Round(100*time.Millisecond))
	if took > lookupTimeout+5*time.Second {
		t.Errorf("the identity lookup ended after %s, want within %s", took.Round(time.Second), lookupTimeout)
	}
	if m.identityErr() == nil {
		t.Fatalf("no identity error from an endpoint that never answers:\n%s", r.view())
	}
	if v := r.view(); !strings.Contains(v, "could not find out who you are") || !strings.Contains(v, "needs attention") {
		t.Errorf("the identity step does not show its failure:\n%s", v)
	}
}

// TestARecordedStackKeepsItsRegionWhenAnotherIsChosen opens a stack built
// in us-east-1 and picks eu-west-1 on its Identity step: the wizard keeps
// us-east-1 and says why, so the plan does not see the stack's resources
// as deleted and offer a second copy in eu-west-1.
func TestARecordedStackKeepsItsRegionWhenAnotherIsChosen(t *testing.T) {
	e := newEnv(t)
	if err := e.applyRecord("name: demo\nregion: us-east-1\n", []steps.Step{realStep(t, steps.StepIdentity), realStep(t, steps.StepIAM)}); err != nil {
		t.Fatalf("build the stack's first steps: %v", err)
	}
	m, r := e.wizard("demo", 120, 38)
	if m.rec.Region != "us-east-1" {
		t.Fatalf("the record's region is %q, want us-east-1", m.rec.Region)
	}
	r.press("e")
	for m.cursor > 0 {
		r.press("up")
	}
	r.press("enter")
	r.until(func() bool { return m.form != nil })
	r.press("tab", "ctrl+u", "eu-west-1", "enter")
	if m.draft.Region != "us-east-1" {
		t.Errorf("the draft's region is %q after choosing eu-west-1, want the recorded us-east-1", m.draft.Region)
	}
	if !strings.Contains(r.view(), "stack demo was built in us-east-1 (account "+sandbox.AccountID+") and stays there") {
		t.Errorf("the wizard does not say why the region is kept:\n%s", r.view())
	}
	r.until(func() bool { return m.clients != nil && !m.connecting })
	if m.clients.Region != "us-east-1" {
		t.Errorf("the wizard connected to %s, want us-east-1", m.clients.Region)
	}
}
