package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/state"
)

// complete asks the built binary for completions the way the shells'
// scripts do (`stackwiz __complete ARGS... PREFIX`) and returns the
// offered values (with their descriptions after a tab) and the directive.
func complete(t *testing.T, env []string, args ...string) (values []string, directive string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"__complete"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	r := runCommand(t, cmd)
	if r.code != 0 {
		t.Fatalf("stackwiz __complete %v exited %d: %s", args, r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	directive = lines[len(lines)-1]
	return lines[:len(lines)-1], directive
}

// recordStack records a stack named name in dir through the state package,
// as apply does.
func recordStack(t *testing.T, dir, name string) {
	t.Helper()
	s, err := state.OpenNew(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := s.SetSpec("name: " + name + "\n"); err != nil {
		t.Fatal(err)
	}
}

// noFiles is cobra's ShellCompDirectiveNoFileComp: the shell must not
// fall back on file names.
const noFiles = ":4"

func TestStackFlagCompletesTheStacksOfTheStateDir(t *testing.T) {
	home, other := t.TempDir(), t.TempDir()
	for _, n := range []string{"demo", "dev-api", "prod"} {
		recordStack(t, home, n)
	}
	recordStack(t, other, "elsewhere")
	env := []string{"STACKWIZ_STATE_DIR=" + home}

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"--stack", ""}, []string{"demo", "dev-api", "prod"}},
		{[]string{"--stack", "de"}, []string{"demo", "dev-api"}},
		{[]string{"status", "--stack", "p"}, []string{"prod"}},
		{[]string{"destroy", "--stack", "zzz"}, nil},
		// --state-dir given before --stack is the dir read.
		{[]string{"--state-dir", other, "plan", "--stack", ""}, []string{"elsewhere"}},
	} {
		got, directive := complete(t, env, tc.args...)
		if !slices.Equal(got, tc.want) || directive != noFiles {
			t.Errorf("stackwiz %s<TAB> offers %q (directive %s); want %q (%s)", strings.Join(tc.args, " "), got, directive, tc.want, noFiles)
		}
	}

	// A state dir that does not exist offers nothing, and no error.
	got, directive := complete(t, []string{"STACKWIZ_STATE_DIR=" + filepath.Join(home, "missing")}, "--stack", "")
	if len(got) != 0 || directive != noFiles {
		t.Errorf("with no state dir --stack offers %q (%s)", got, directive)
	}
}

func TestProfileFlagCompletesTheProfilesOfTheAWSFiles(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	credentials := filepath.Join(dir, "credentials")
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	write := func(path, body string) {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(config, `[default]
region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin
region = eu-central-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile deploy]
role_arn = arn:aws:iam::222222222222:role/deploy
source_profile = default
`)
	write(credentials, `[default]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = `+secret+`

[ci]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = `+secret+`
`)
	env := []string{"AWS_CONFIG_FILE=" + config, "AWS_SHARED_CREDENTIALS_FILE=" + credentials, "HOME=" + t.TempDir()}

	got, directive := complete(t, env, "--profile", "")
	names := make([]string, len(got))
	for i, g := range got {
		names[i], _, _ = strings.Cut(g, "\t")
		if strings.Contains(g, secret) || strings.Contains(g, "AKIA") {
			t.Errorf("a completion shows a credential: %q", g)
		}
	}
	slices.Sort(names)
	if want := []string{"ci", "default", "deploy", "dev"}; !slices.Equal(names, want) || directive != noFiles {
		t.Errorf("--profile offers %q (%s); want %q (%s)", got, directive, want, noFiles)
	}
	if !slices.Contains(got, "dev\tsso, eu-central-1") {
		t.Errorf("the SSO profile dev is not described by how it signs in and its region: %q", got)
	}

	got, _ = complete(t, env, "doctor", "--profile", "de")
	names = names[:0]
	for _, g := range got {
		n, _, _ := strings.Cut(g, "\t")
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"default", "deploy", "dev"}; !slices.Equal(names, want) {
		t.Errorf("doctor --profile de<TAB> offers %q; want %q", names, want)
	}

	// Without the variables, ~/.aws/config is read.
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(home, ".aws", "config"), "[profile from-home]\nregion = us-east-2\n")
	got, _ = complete(t, []string{"HOME=" + home, "AWS_CONFIG_FILE=", "AWS_SHARED_CREDENTIALS_FILE="}, "--profile", "")
	if !slices.Equal(got, []string{"from-home\tus-east-2"}) {
		t.Errorf("with HOME's ~/.aws/config, --profile offers %q; want from-home", got)
	}
}
