package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
)

var adminMFA = aws.MFARequest{Profile: "admin", Serial: "arn:aws:iam::123456789012:mfa/dev"}

// mfaResult is what a Token call in a goroutine returned.
type mfaResult struct {
	code string
	err  error
}

func askInBackground(f func() (string, error)) <-chan mfaResult {
	done := make(chan mfaResult, 1)
	go func() {
		code, err := f()
		done <- mfaResult{code, err}
	}()
	return done
}

func waitResult(t *testing.T, done <-chan mfaResult) mfaResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the MFA request did not return")
		return mfaResult{}
	}
}

// TestTheMFAPromptAsksInTheUIAndAnswersTheRequester calls the prompter's
// Token from outside the program, as the SDK does from a Cmd's goroutine:
// the root shows the prompt over the screen, the keys typed go to it and
// not to the wizard, and the code comes back to the caller.
func TestTheMFAPromptAsksInTheUIAndAnswersTheRequester(t *testing.T) {
	e := newUIEnv(t)
	mfa := NewMFAPrompter()
	e.opts.MFA = mfa
	p := e.start(100, 30)
	p.waitFor("Stack name:")

	done := askInBackground(func() (string, error) { return mfa.Token(adminMFA) })
	p.waitFor(`MFA code for AWS profile "admin"`, "device "+adminMFA.Serial, "esc cancel")
	// Not six digits: the prompt stays and says why.
	p.keys("97a", "enter")
	p.waitFor(`MFA code for AWS profile "admin"`, "the code is the 6 digits the device shows")
	select {
	case r := <-done:
		t.Fatalf("an invalid code was accepted: %+v", r)
	default:
	}
	p.keys("ctrl+u", "246813", "enter")
	if r := waitResult(t, done); r.err != nil || r.code != "246813" {
		t.Fatalf("Token = %q, %v; want 246813", r.code, r.err)
	}
	// The wizard's name field is still empty (its placeholder shows).
	f := p.waitFor("Stack name: e.g. demo")
	if strings.Contains(f, "MFA code") || strings.Contains(f, "246813") || strings.Contains(f, "97a") {
		t.Fatalf("after the answer the prompt or its keys remain on the wizard:\n%s", f)
	}

	// Esc: the requester gets an error that says no code was given.
	done = askInBackground(func() (string, error) { return mfa.Token(adminMFA) })
	p.waitFor(`MFA code for AWS profile "admin"`)
	p.keys("esc")
	r := waitResult(t, done)
	if !errors.Is(r.err, ErrMFANotGiven) || !strings.Contains(r.err.Error(), "MFA code not given") || r.code != "" {
		t.Fatalf("after esc Token = %q, %v; want ErrMFANotGiven", r.code, r.err)
	}
	var ce *aws.CredentialsError
	if !errors.As(r.err, &ce) || ce.Profile != "admin" {
		t.Errorf("after esc the error is not the profile's credentials error: %#v", r.err)
	}
	p.waitFor("Stack name:")
}

// TestTheMFAPromptTakesRequestsInTurn: two requests at once are shown one
// after the other, each answered with its own code.
func TestTheMFAPromptTakesRequestsInTurn(t *testing.T) {
	e := newUIEnv(t)
	mfa := NewMFAPrompter()
	e.opts.MFA = mfa
	p := e.start(100, 30)
	p.waitFor("Stack name:")
	first := askInBackground(func() (string, error) { return mfa.Token(adminMFA) })
	p.waitFor(`MFA code for AWS profile "admin"`)
	second := askInBackground(func() (string, error) {
		return mfa.Token(aws.MFARequest{Profile: "ops", Serial: "arn:aws:iam::123456789012:mfa/ops"})
	})
	time.Sleep(100 * time.Millisecond) // the second request is queued behind the first
	p.keys("111111", "enter")
	if r := waitResult(t, first); r.err != nil || r.code != "111111" {
		t.Fatalf("first Token = %q, %v", r.code, r.err)
	}
	p.waitFor(`MFA code for AWS profile "ops"`)
	p.keys("222222", "enter")
	if r := waitResult(t, second); r.err != nil || r.code != "222222" {
		t.Fatalf("second Token = %q, %v", r.code, r.err)
	}
}

// TestACancelledMFARequestReturnsAndClosesThePrompt: a requester whose
// context ends stops waiting at once, and the prompt nobody waits for
// goes away.
func TestACancelledMFARequestReturnsAndClosesThePrompt(t *testing.T) {
	e := newUIEnv(t)
	mfa := NewMFAPrompter()
	e.opts.MFA = mfa
	p := e.start(100, 30)
	p.waitFor("Stack name:")
	ctx, cancel := context.WithCancel(context.Background())
	done := askInBackground(func() (string, error) { return mfa.Ask(ctx, adminMFA) })
	p.waitFor(`MFA code for AWS profile "admin"`)
	cancel()
	start := time.Now()
	r := waitResult(t, done)
	if took := time.Since(start); took > time.Second {
		t.Errorf("a cancelled request returned after %s", took)
	}
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled Ask = %q, %v; want context.Canceled", r.code, r.err)
	}
	p.keys("x") // a message after the withdrawal, so the filter draws the frame
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(p.frame(), "MFA code") {
		if time.Now().After(deadline) {
			t.Fatalf("the prompt of a cancelled request stays:\n%s", p.frame())
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A context already ended never reaches the program.
	ctx, cancel = context.WithCancel(context.Background())
	cancel()
	if _, err := mfa.Ask(ctx, adminMFA); !errors.Is(err, context.Canceled) {
		t.Fatalf("Ask with an ended context = %v", err)
	}
	// Nor does a request to a prompter whose program never started.
	if _, err := NewMFAPrompter().Token(adminMFA); err == nil || !strings.Contains(err.Error(), adminMFA.Serial) {
		t.Fatalf("Token without a program = %v, want an error naming the device", err)
	}
}

// TestAnMFAProfileConnectsTheWizardThroughThePrompt is the whole path: the
// wizard connects with an assume-role profile that has mfa_serial, the
// real SDK asks the prompter for the code from the connecting Cmd, the
// user types it in the UI, STS receives it with the device, and the
// wizard finds the account. STS's AssumeRole is answered by a stand-in
// (the sandbox has none); everything else goes on to the sandbox.
func TestAnMFAProfileConnectsTheWizardThroughThePrompt(t *testing.T) {
	e := newUIEnv(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(config, []byte("[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = base\nmfa_serial = "+adminMFA.Serial+"\nregion = us-east-1\n\n[profile base]\nregion = us-east-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("[base]\naws_access_key_id = AKIABASEEXAMPLE00000\naws_secret_access_key = base-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	target, _ := url.Parse(e.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	var assumed []url.Values
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ := url.ParseQuery(string(body))
		if form.Get("Action") != "AssumeRole" {
			r.Body = io.NopCloser(bytes.NewReader(body))
			proxy.ServeHTTP(w, r)
			return
		}
		mu.Lock()
		assumed = append(assumed, form)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIATESTEXAMPLE00000</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Admin/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	t.Cleanup(sts.Close)
	for k, v := range map[string]string{
		"HOME": dir, "AWS_CONFIG_FILE": config, "AWS_SHARED_CREDENTIALS_FILE": creds,
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "",
		"AWS_PROFILE": "", "AWS_DEFAULT_PROFILE": "", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_STS": "",
		"AWS_REGION": "", "AWS_DEFAULT_REGION": "", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	mfa := NewMFAPrompter()
	e.opts.MFA = mfa
	e.opts.Profile = "admin"
	e.opts.ConfigFile, e.opts.CredentialsFile = config, creds
	e.opts.Connect = func(ctx context.Context, profile, region string) (*aws.Clients, error) {
		// The endpoint reaches the assume-role client too: the stand-in
		// sits in front of the sandbox for every call.
		cfg, err := aws.LoadConfig(ctx, aws.Options{Profile: profile, Region: region, EndpointURL: sts.URL, MFA: mfa.Token})
		if err != nil {
			return nil, err
		}
		return aws.NewClients(cfg), nil
	}
	p := e.start(100, 30)
	p.waitFor(`MFA code for AWS profile "admin"`, "device "+adminMFA.Serial)
	p.keys("654321", "enter")
	p.waitFor("account " + sandbox.AccountID)
	mu.Lock()
	defer mu.Unlock()
	if len(assumed) != 1 || assumed[0].Get("TokenCode") != "654321" || assumed[0].Get("SerialNumber") != adminMFA.Serial {
		t.Fatalf("AssumeRole calls %v, want one with the code typed and the device", assumed)
	}
}
