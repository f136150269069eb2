package steps

import (
	"github.com/stackwiz/stackwiz/spec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/sandbox"
)

// The examples end to end: every real step, the real SDK clients, the
// sandbox over HTTP.

// exampleSpec loads examples/<name>.yaml as a user would, with the caller's
// IP for SSH fixed (the sandbox has no internet to ask).
func exampleSpec(t *testing.T, name string) *spec.Spec {
	t.Helper()
	path := filepath.Join("..", "examples", name+".yaml")
	s, err := spec.Load(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	if s.Network.Bastion.Enabled && s.Network.Bastion.SSHFrom == "auto" {
		s.Network.Bastion.SSHFrom = "203.0.113.7/32"
	}
	base, _ := filepath.Abs(filepath.Dir(path))
	for _, f := range []*string{&s.Instance.UserData, &s.AMI.SetupScript} {
		if *f != "" && !filepath.IsAbs(*f) {
			*f = filepath.Join(base, *f)
		}
	}
	return s
}

func newExampleEnv(t *testing.T, name string, opts ...func(*sandbox.Options)) (*testEnv, *spec.Spec) {
	spec := exampleSpec(t, name)
	env := newTestEnv(t, spec.Name, opts...)
	return env, spec
}

func TestExamplesApplyStatusDestroy(t *testing.T) {
	for _, name := range []string{"minimal", "ha"} {
		t.Run(name, func(t *testing.T) {
			env, spec := newExampleEnv(t, name)
			ctx := testContext(t)
			if err := env.engine(spec).Apply(ctx); err != nil {
				t.Fatalf("apply: %v", err)
			}
			if spec.Alarms.Email != "" {
				// Until the recipient clicks the link the alarms notify
				// nobody, and status says the stack is not healthy.
				env.SB.ConfirmSubscriptionsTo(spec.Alarms.Email)
			}
			rep, err := env.engine(spec).Status(ctx)
			if err != nil {
				t.Fatalf("status: %v", err)
			}
			if !rep.Healthy {
				t.Fatalf("status after apply is not healthy:\n%s", describeReport(rep))
			}
			before := env.Mutations()
			if err := env.engine(spec).Apply(ctx); err != nil {
				t.Fatalf("second apply: %v", err)
			}
			if n := env.Mutations() - before; n != 0 {
				t.Errorf("a second apply of an unchanged spec made %d mutating requests, want 0", n)
			}
			if p, err := env.engine(spec).Plan(ctx); err != nil || !p.Empty() {
				t.Errorf("plan after apply = %+v, %v; want no changes", p, err)
			}
			if err := env.engine(spec).Destroy(ctx); err != nil {
				t.Fatalf("destroy: %v", err)
			}
			env.mustEmpty()
		})
	}
}

func TestExamplesResumeAfterACrashAtEveryMutation(t *testing.T) {
	for _, name := range []string{"minimal", "ha"} {
		t.Run(name, func(t *testing.T) {
			clean, spec := newExampleEnv(t, name)
			ctx := testContext(t)
			if err := clean.engine(spec).Apply(ctx); err != nil {
				t.Fatalf("clean apply: %v", err)
			}
			want, total := inventoryShape(clean), clean.Mutations()
			t.Logf("a clean apply of %s makes %d mutating requests and leaves %d resources", name, total, len(want))
			for k := 1; k <= total; k++ {
				ctx := testContext(t) // each crash and resume has its own deadline
				env, spec := newExampleEnv(t, name)
				if err := env.engine(spec).Apply(env.crashAfter(ctx, k)); err == nil {
					t.Fatalf("k=%d/%d: apply survived its crash", k, total)
				}
				env.noCrash()
				env.reopen()
				if err := env.engine(spec).Apply(ctx); err != nil {
					t.Fatalf("k=%d/%d: resumed apply: %v", k, total, err)
				}
				if got := inventoryShape(env); !slices.Equal(got, want) {
					t.Fatalf("k=%d/%d: after resume the sandbox holds\n%s\nwant\n%s", k, total,
						strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
			}
		})
	}
}

func TestExamplesDestroyAfterEveryPartialApply(t *testing.T) {
	for _, name := range []string{"minimal", "ha"} {
		t.Run(name, func(t *testing.T) {
			clean, spec := newExampleEnv(t, name)
			ctx := testContext(t)
			if err := clean.engine(spec).Apply(ctx); err != nil {
				t.Fatalf("clean apply: %v", err)
			}
			total := clean.Mutations()
			for k := 1; k <= total; k++ {
				ctx := testContext(t) // each partial apply and destroy has its own deadline
				env, spec := newExampleEnv(t, name)
				_ = env.engine(spec).Apply(env.crashAfter(ctx, k))
				env.noCrash()
				env.reopen()
				if err := env.engine(spec).Destroy(ctx); err != nil {
					t.Fatalf("k=%d/%d: destroy: %v", k, total, err)
				}
				if inv := env.inventory(); len(inv) > 0 {
					t.Fatalf("k=%d/%d: destroy left:\n%s", k, total, strings.Join(inv, "\n"))
				}
			}
		})
	}
}

func TestExamplesSurviveThrottlingServerErrorsAndIAMPropagation(t *testing.T) {
	for _, name := range []string{"minimal", "ha"} {
		t.Run(name, func(t *testing.T) {
			env, spec := newExampleEnv(t, name, func(o *sandbox.Options) { o.IAMPropagation = 300 * time.Millisecond })
			ctx := testContext(t)
			env.SB.SetFaults(sandbox.Faults{ThrottleRate: 0.2, ServerErrorRate: 0.05, Seed: 42})
			if err := env.engine(spec).Apply(ctx); err != nil {
				t.Fatalf("apply under faults: %v", err)
			}
			if err := env.engine(spec).Destroy(ctx); err != nil {
				t.Fatalf("destroy under faults: %v", err)
			}
			env.mustEmpty()
		})
	}
}

func describeReport(r *StatusReport) string {
	var b strings.Builder
	for _, s := range r.Steps {
		b.WriteString(string(s.ID) + " " + string(s.Status) + " " + s.Error + "\n")
	}
	for _, res := range r.Resources {
		if !res.Healthy {
			b.WriteString(res.Key + " " + res.ID + " " + res.State + " " + res.Problem + " " + strings.Join(res.Drift, "; ") + "\n")
		}
	}
	return b.String()
}
