package aws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// profileFiles points the SDK at a config file with text and a home with
// no SSO cache, and clears every other source of credentials.
func profileFiles(t *testing.T, text string) {
	t.Helper()
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgFile, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte("[base]\naws_access_key_id = AKIABASEEXAMPLE00000\naws_secret_access_key = "+secretMarker+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"HOME":                                   dir,
		"AWS_CONFIG_FILE":                        cfgFile,
		"AWS_SHARED_CREDENTIALS_FILE":            creds,
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_DEFAULT_PROFILE":                    "",
		"AWS_ENDPOINT_URL":                       "",
		"AWS_REGION":                             "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_EC2_METADATA_DISABLED":              "",
	} {
		t.Setenv(k, v)
	}
}

// silentIMDS is an instance metadata endpoint that accepts connections
// and never answers, as a black-holed 169.254.169.254 behaves.
func silentIMDS(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + ln.Addr().String()
}

func TestNoCredentialsAtAllIsOneErrorWithinSeconds(t *testing.T) {
	profileFiles(t, "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", silentIMDS(t))
	start := time.Now()
	_, err := LoadConfig(context.Background(), Options{Region: "us-east-1"})
	elapsed := time.Since(start)
	if !errors.Is(err, ErrNoCredentials) {
		t.Fatalf("LoadConfig error = %v, want ErrNoCredentials", err)
	}
	if err.Error() != "no AWS credentials found: set AWS_PROFILE or run `aws configure` / `aws sso login`" {
		t.Errorf("message = %q", err)
	}
	if elapsed > imdsProbe+time.Second {
		t.Errorf("took %s, want at most %s", elapsed, imdsProbe+time.Second)
	}
}

const ssoProfile = `[profile work]
sso_start_url = https://example.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin
region = us-east-1
`

func TestSSOProfileWithoutALoginSaysToLogIn(t *testing.T) {
	profileFiles(t, ssoProfile)
	_, err := LoadConfig(context.Background(), Options{Profile: "work"})
	var ce *CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("LoadConfig error = %v, want a CredentialsError", err)
	}
	if !strings.Contains(err.Error(), "run `aws sso login --profile work`") || strings.Contains(err.Error(), "cached SSO token file") {
		t.Errorf("message = %q, want the login command and not the SDK's file error", err)
	}
	t.Run("profile from AWS_PROFILE", func(t *testing.T) {
		t.Setenv("AWS_PROFILE", "work")
		_, err := LoadConfig(context.Background(), Options{})
		if err == nil || !strings.Contains(err.Error(), "run `aws sso login --profile work`") {
			t.Errorf("message = %v", err)
		}
	})
}

const mfaProfile = `[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/dev
region = us-east-1

[profile base]
region = us-east-1
`

func TestMFAProfileWithoutATerminalNamesTheProfileAndDevice(t *testing.T) {
	profileFiles(t, mfaProfile)
	_, err := LoadConfig(context.Background(), Options{Profile: "admin"})
	var ce *CredentialsError
	if !errors.As(err, &ce) {
		t.Fatalf("LoadConfig error = %v, want a CredentialsError", err)
	}
	for _, want := range []string{`"admin"`, "mfa_serial arn:aws:iam::123456789012:mfa/dev"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q does not contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "AssumeRoleTokenProvider") {
		t.Errorf("message still has the SDK's wording: %q", err)
	}
}

func TestMFAProfileAsksForTheCodeAndSendsIt(t *testing.T) {
	profileFiles(t, mfaProfile)
	var form url.Values
	sts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, _ = url.ParseQuery(string(body))
		w.Header().Set("Content-Type", "text/xml")
		fmt.Fprint(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIATESTEXAMPLE00000</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/Admin/s</Arn><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></AssumeRoleResponse>`)
	}))
	t.Cleanup(sts.Close)
	var asked []MFARequest
	mfa := func(req MFARequest) (string, error) {
		asked = append(asked, req)
		return "123456", nil
	}
	// The assume-role client is built while the config loads, before
	// --endpoint-url applies: only the service's own variable reaches it.
	t.Setenv("AWS_ENDPOINT_URL_STS", sts.URL)
	cfg, err := LoadConfig(context.Background(), Options{Profile: "admin", MFA: mfa})
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	if len(asked) != 1 || asked[0] != (MFARequest{Profile: "admin", Serial: "arn:aws:iam::123456789012:mfa/dev"}) {
		t.Fatalf("MFA asked %+v, want once for admin's device", asked)
	}
	if form.Get("Action") != "AssumeRole" || form.Get("TokenCode") != "123456" || form.Get("SerialNumber") != "arn:aws:iam::123456789012:mfa/dev" {
		t.Errorf("AssumeRole form = %v, want the code and the device", form)
	}
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if err != nil || creds.AccessKeyID != "ASIATESTEXAMPLE00000" {
		t.Errorf("credentials = %v, %v; want the role's", creds.AccessKeyID, err)
	}
	if len(asked) != 1 {
		t.Errorf("MFA asked %d times; the credentials are cached", len(asked))
	}
}

func TestTerminalMFAPromptsAndReadsOneLine(t *testing.T) {
	var out bytes.Buffer
	code, err := TerminalMFA(strings.NewReader(" 654321 \nmore\n"), &out)(MFARequest{Profile: "admin", Serial: "arn:aws:iam::1:mfa/dev"})
	if err != nil || code != "654321" {
		t.Errorf("code = %q, %v; want 654321", code, err)
	}
	if out.String() != `MFA code for AWS profile "admin" (arn:aws:iam::1:mfa/dev): ` {
		t.Errorf("prompt = %q", out.String())
	}
	_, err = TerminalMFA(strings.NewReader(""), io.Discard)(MFARequest{Profile: "admin", Serial: "s"})
	var ce *CredentialsError
	if !errors.As(err, &ce) || ce.Profile != "admin" {
		t.Errorf("no input: error = %v, want a CredentialsError for admin", err)
	}
}
