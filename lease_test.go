package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// holdLease writes the stack's lease as another machine's run would.
func holdLease(t *testing.T, w *world, stack string, renewed time.Time) {
	t.Helper()
	c := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: sdk.String(w.url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	v, _ := json.Marshal(map[string]any{"holder": "ci@runner (pid 7)", "host": "runner", "state_dir": "/ci/state",
		"command": "apply", "since": renewed.Add(-time.Minute), "renewed": renewed, "ttl_seconds": 120})
	if _, err := c.PutParameter(context.Background(), &ssm.PutParameterInput{Name: sdk.String("/stackwiz/" + stack + "/lease"),
		Value: sdk.String(string(v)), Type: "String", Overwrite: sdk.Bool(true)}); err != nil {
		t.Fatal(err)
	}
}

// A stack another state dir is changing (a teammate, a CI job) is not
// changed from here: apply and destroy name who holds it and how to break
// a lease whose run is gone; a lapsed lease is taken over; --force-unlock
// breaks a live one. Every run gives its own lease back.
func TestTheLeaseInTheAccountKeepsTwoStateDirsApart(t *testing.T) {
	w := newWorld(t)
	spec := examplePath(t, "minimal")
	mine := t.TempDir()
	if r, _ := w.stackwiz(t, mine, 0, "apply", "-f", spec, "--yes"); r.code != 0 {
		t.Fatalf("apply exit %d:\n%s", r.code, r.stderr)
	}
	if leases := w.sb.Inventory(); len(leases) == 0 {
		t.Fatal("the world is empty after apply")
	}

	holdLease(t, w, "demo", time.Now())
	shape, before := w.shape(), w.stackMutationsSoFar()
	for _, args := range [][]string{{"apply", "-f", spec, "--yes"}, {"destroy", "--yes"}} {
		r, _ := w.stackwiz(t, mine, 0, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "being changed by apply from ci@runner (pid 7) (state dir /ci/state)") || !strings.Contains(r.stderr, "--force-unlock") {
			t.Errorf("%s while another state dir holds the lease: exit %d\n%s", args[0], r.code, r.stderr)
		}
	}
	if n := w.stackMutationsSoFar() - before; n != 0 || !equalShapes(w.shape(), shape) {
		t.Fatalf("refused runs changed the stack (%d mutating requests)", n)
	}

	// A lease not renewed for longer than its 2 minutes lapsed: its run is gone.
	holdLease(t, w, "demo", time.Now().Add(-10*time.Minute))
	r, _ := w.stackwiz(t, mine, 0, "apply", "-f", spec, "--yes")
	if r.code != 0 || !strings.Contains(r.stderr, "lapsed; taking it") {
		t.Errorf("apply over a lapsed lease: exit %d\n%s", r.code, r.stderr)
	}

	holdLease(t, w, "demo", time.Now())
	r, _ = w.stackwiz(t, mine, 0, "destroy", "--yes", "--force-unlock")
	if r.code != 0 || !strings.Contains(r.stderr, "--force-unlock: breaking the lease ci@runner (pid 7) holds") {
		t.Errorf("destroy --force-unlock: exit %d\n%s", r.code, r.stderr)
	}
	if left := w.shape(); len(left) > 0 {
		t.Errorf("destroy left %v", left)
	}
	c := ssm.New(ssm.Options{Region: "us-east-1", BaseEndpoint: sdk.String(w.url),
		Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", "")})
	if _, err := c.GetParameter(context.Background(), &ssm.GetParameterInput{Name: sdk.String("/stackwiz/demo/lease")}); err == nil {
		t.Error("destroy did not give its lease back")
	}
}

func equalShapes(a, b []string) bool { return strings.Join(a, "\n") == strings.Join(b, "\n") }
