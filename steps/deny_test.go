package steps

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// Partial permissions, rehearsed: each service stackwiz uses is denied in
// turn through the sandbox's deny fault (as an SCP or a policy missing an
// action would), and apply, destroy and status must keep going where they
// can and name the IAM action that stops the rest.

// denyPoll keeps the bounded waits short: a wait that could only end by
// its bound ends in seconds, so a test that hangs on one shows as slow.
var denyPoll = Poll{Min: 5 * time.Millisecond, Max: 50 * time.Millisecond, IAM: 3 * time.Second, Dependency: 3 * time.Second}

// denyBound is how long an apply or destroy stopped by a denied permission
// may take on the sandbox: seconds, not the minutes of a retry loop.
const denyBound = 15 * time.Second

// denySpecs are the stacks the cases apply besides examples/minimal.yaml,
// each the minimal stack plus what reaches the service under test: "edge"
// has HTTPS and a Route 53 name (certificate, DNS), "bake" a bastion and a
// baked image (the steps that call ec2:RunInstances themselves). The
// examples' start.sh and setup.sh are filled in for %[1]s and %[2]s.
var denySpecs = map[string]string{
	"edge": `name: edge
network:
  vpc: default
instance:
  user_data: %[1]s
load_balancer:
  https: true
dns:
  zone: example.com
  record: app.example.com
`,
	"bake": `name: bake
network:
  vpc: default
  bastion:
    enabled: true
    ssh_from: 203.0.113.7/32
ami:
  source: bake
  setup_script: %[2]s
instance:
  user_data: %[1]s
`,
	"logs": `name: logs
network:
  vpc: default
  flow_logs:
    enabled: true
instance:
  user_data: %[1]s
load_balancer:
  access_logs:
    enabled: true
`,
}

// denySpec returns the spec a case applies: one of denySpecs, or an
// example by name.
func denySpec(t *testing.T, name string) *spec.Spec {
	t.Helper()
	text, ok := denySpecs[name]
	if !ok {
		return exampleSpec(t, name)
	}
	examples, err := filepath.Abs(filepath.Join("..", "examples"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := spec.Parse(fmt.Appendf(nil, text, filepath.Join(examples, "start.sh"), filepath.Join(examples, "setup.sh")))
	if err != nil {
		t.Fatalf("spec %s: %v", name, err)
	}
	return s
}

// setDeny sets the sandbox's deny list through its control endpoint, as a
// user rehearsing would; nil clears it.
func setDeny(t *testing.T, env *testEnv, patterns []string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"deny": patterns})
	resp, err := http.Post(env.URL+"/_sandbox/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /_sandbox/faults: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /_sandbox/faults %s: %d %s", body, resp.StatusCode, b)
	}
}

// iamPrefixOf maps a signing name or a sandbox inventory prefix to the IAM
// action prefix.
func iamPrefixOf(s string) string {
	switch s {
	case "monitoring":
		return "cloudwatch"
	case "elbv2":
		return "elasticloadbalancing"
	}
	return s
}

// actionDenied reports whether an IAM action ("ec2:RunInstances") falls
// under one of the patterns, ignoring case as IAM does.
func actionDenied(patterns []string, action string) bool {
	prefix, op, ok := strings.Cut(strings.ToLower(action), ":")
	if !ok {
		return false
	}
	for _, p := range patterns {
		pp, po, _ := strings.Cut(strings.ToLower(p), ":")
		if iamPrefixOf(pp) != iamPrefixOf(prefix) {
			continue
		}
		if m, _ := path.Match(po, op); m {
			return true
		}
	}
	return false
}

// actionRE finds IAM actions written in a message.
var actionRE = regexp.MustCompile(`\b([a-zA-Z0-9-]+):([A-Z][A-Za-z0-9]+)\b`)

// namesDeniedAction reports whether msg names an action the patterns deny.
func namesDeniedAction(patterns []string, msg string) bool {
	for _, m := range actionRE.FindAllString(msg, -1) {
		if actionDenied(patterns, m) {
			return true
		}
	}
	return false
}

// deniedCalls returns the sandbox's request counts of the operations the
// patterns deny, as "prefix:Operation".
func deniedCalls(env *testEnv, patterns []string) map[string]int {
	out := map[string]int{}
	for svc, ops := range env.SB.Stats().ByService {
		for op, n := range ops {
			if a := iamPrefixOf(svc) + ":" + op; actionDenied(patterns, a) {
				out[a] = n
			}
		}
	}
	return out
}

// typeDenied reports whether every delete of a resource of type (a steps
// type or a sandbox inventory type, "ec2:vpc", "elbv2:loadbalancer") is
// refused by the patterns: its service is denied as a whole.
func typeDenied(patterns []string, typ string) bool {
	prefix, _, _ := strings.Cut(typ, ":")
	return actionDenied(patterns, iamPrefixOf(prefix)+":DeleteAnything")
}

func stepStatuses(env *testEnv, sp *spec.Spec, e *Engine) map[StepID]state.StepStatus {
	out := map[StepID]state.StepStatus{}
	for _, s := range Enabled(sp, e.Steps()) {
		rec, _ := env.Store.Step(string(s.ID()))
		out[s.ID()] = rec.Status
	}
	return out
}

type denyCase struct {
	name string
	deny []string
	spec string // a key of denySpecs, or an example's name
	// failed are the steps that must fail on the denied action; blocked
	// the steps behind them. Every other enabled step must be done.
	failed, blocked []StepID
}

var denyCases = []denyCase{
	{name: "ec2", deny: []string{"ec2:*"}, spec: "minimal",
		failed:  []StepID{StepNetwork, StepAMI},
		blocked: []StepID{StepSecurity, StepLaunchTemplate, StepLoadBalancer, StepAutoscaling, StepAlarms}},
	// The builder launches in the app's group, which the security step
	// publishes before its bastion: the bastion's launch fails the step,
	// the builder's fails the image, and the load balancer, which needs
	// only the groups, is built (steps/schedule.go).
	{name: "ec2-run-instances", deny: []string{"ec2:RunInstances"}, spec: "bake",
		failed:  []StepID{StepSecurity, StepAMI},
		blocked: []StepID{StepLaunchTemplate, StepAutoscaling, StepAlarms}},
	{name: "iam", deny: []string{"iam:*"}, spec: "minimal",
		failed:  []StepID{StepIAM},
		blocked: []StepID{StepLaunchTemplate, StepAutoscaling, StepAlarms}},
	{name: "elasticloadbalancing", deny: []string{"elasticloadbalancing:*"}, spec: "minimal",
		failed:  []StepID{StepLoadBalancer},
		blocked: []StepID{StepAutoscaling, StepAlarms}},
	{name: "autoscaling", deny: []string{"autoscaling:*"}, spec: "minimal",
		failed:  []StepID{StepAutoscaling},
		blocked: []StepID{StepAlarms}},
	{name: "cloudwatch", deny: []string{"cloudwatch:*"}, spec: "minimal",
		failed: []StepID{StepAlarms}},
	{name: "sns", deny: []string{"sns:*"}, spec: "minimal",
		failed: []StepID{StepAlarms}},
	{name: "kms", deny: []string{"kms:*"}, spec: "minimal",
		failed: []StepID{StepAlarms}},
	// The log buckets: the network and the load balancer fail on their
	// bucket, after publishing what the steps behind them read early.
	{name: "s3", deny: []string{"s3:*"}, spec: "logs",
		failed:  []StepID{StepNetwork, StepLoadBalancer},
		blocked: []StepID{StepAutoscaling, StepAlarms}},
	{name: "ssm", deny: []string{"ssm:*"}, spec: "minimal",
		failed:  []StepID{StepAMI},
		blocked: []StepID{StepLaunchTemplate, StepAutoscaling, StepAlarms}},
	{name: "acm", deny: []string{"acm:*"}, spec: "edge",
		failed:  []StepID{StepCertificate},
		blocked: []StepID{StepLoadBalancer, StepAutoscaling, StepDNS, StepAlarms}},
	{name: "route53", deny: []string{"route53:*"}, spec: "edge",
		failed:  []StepID{StepCertificate},
		blocked: []StepID{StepLoadBalancer, StepAutoscaling, StepDNS, StepAlarms}},
	// A create allowed and its tagging refused: the zone exists untagged,
	// and destroy must still find and delete it.
	{name: "route53-tagging", deny: []string{"route53:ChangeTagsForResource"}, spec: "edge",
		failed:  []StepID{StepCertificate},
		blocked: []StepID{StepLoadBalancer, StepAutoscaling, StepDNS, StepAlarms}},
}

func TestDeniedServiceApplyBuildsTheRestAndDestroyDeletesAllItMay(t *testing.T) {
	for _, tc := range denyCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := denySpec(t, tc.spec)
			env := newTestEnv(t, spec.Name)
			env.Options.Poll = denyPoll
			ctx := testContext(t)
			setDeny(t, env, tc.deny)

			// 1. Apply builds every step that does not need the service.
			eng := env.engine(spec)
			start := time.Now()
			err := eng.Apply(ctx)
			took := time.Since(start)
			t.Logf("apply with %v denied: %s\n%v", tc.deny, took.Round(time.Millisecond), err)
			var aerr *ApplyError
			if !errors.As(err, &aerr) {
				t.Fatalf("apply = %v, want an *ApplyError", err)
			}
			if took > denyBound {
				t.Errorf("apply took %s to stop on a denied permission, want under %s", took, denyBound)
			}
			var failed []StepID
			for _, f := range aerr.Failed {
				failed = append(failed, f.Step)
				var de *DeniedError
				if !errors.As(f.Err, &de) {
					t.Errorf("step %s failed with %T %v, want a *DeniedError", f.Step, f.Err, f.Err)
					continue
				}
				msg := f.Err.Error()
				if strings.Contains(msg, "\n") || !actionDenied(tc.deny, de.Action) || !strings.Contains(msg, de.Action) {
					t.Errorf("step %s: %q (action %q), want one line naming an action %v denies", f.Step, msg, de.Action, tc.deny)
				}
				if rec, _ := env.Store.Step(string(f.Step)); rec.Error != msg {
					t.Errorf("step %s recorded error %q, want %q", f.Step, rec.Error, msg)
				}
			}
			if !slices.Equal(failed, tc.failed) || !slices.Equal(aerr.Blocked, tc.blocked) {
				t.Errorf("failed %v, blocked %v; want failed %v, blocked %v", failed, aerr.Blocked, tc.failed, tc.blocked)
			}
			for id, st := range stepStatuses(env, spec, eng) {
				switch {
				case slices.Contains(tc.failed, id):
					if st != state.StepFailed {
						t.Errorf("step %s is %q, want failed", id, st)
					}
				case slices.Contains(tc.blocked, id):
					if st == state.StepDone || st == state.StepFailed {
						t.Errorf("blocked step %s is %q", id, st)
					}
				case st != state.StepDone:
					t.Errorf("step %s does not need %v but is %q, want done", id, tc.deny, st)
				}
			}
			blockedEvents := map[StepID]bool{}
			for _, ev := range env.Events() {
				if ev.Kind == StepBlocked {
					blockedEvents[ev.Step] = true
				}
			}
			for _, id := range tc.blocked {
				if !blockedEvents[id] {
					t.Errorf("no StepBlocked event for %s", id)
				}
			}
			calls := deniedCalls(env, tc.deny)
			if len(calls) == 0 {
				t.Errorf("the sandbox saw no call %v denies: the case tests nothing", tc.deny)
			}
			for a, n := range calls {
				// Once per path that needs it (a step, a status check), never
				// a retry loop (the retryer allows 10 attempts).
				if n > 3 {
					t.Errorf("%s was called %d times: access denied is being retried", a, n)
				}
			}
			t.Logf("denied calls during apply: %v", calls)

			// 2. Destroy, still denied, deletes all it may.
			recorded := map[string]state.Resource{}
			for _, r := range env.Store.Snapshot().Resources {
				if r.Live() {
					recorded[firstOf(r.ID, r.ARN, r.Key)] = *r
				}
			}
			start = time.Now()
			err = env.engine(spec).Destroy(ctx)
			took = time.Since(start)
			t.Logf("destroy with %v denied: %s\n%v", tc.deny, took.Round(time.Millisecond), err)
			if took > denyBound {
				t.Errorf("destroy took %s with a denied permission, want under %s", took, denyBound)
			}
			var wantLeft []string
			for id, r := range recorded {
				if typeDenied(tc.deny, r.Type) {
					wantLeft = append(wantLeft, r.Type+" "+id)
				}
			}
			slices.Sort(wantLeft)
			for _, it := range env.SB.Inventory() {
				if !typeDenied(tc.deny, it.Type) {
					t.Errorf("destroy left %s %s, whose service %v does not deny", it.Type, it.ID, tc.deny)
				}
			}
			var derr *DestroyError
			switch {
			case errors.As(err, &derr):
				var left []string
				for _, r := range derr.Remaining {
					left = append(left, r.Type+" "+r.ID)
					if r.Reason == "" || strings.Contains(r.Reason, "\n") || !namesDeniedAction(tc.deny, r.Reason) {
						t.Errorf("remaining %s %s: reason %q, want one line naming the denied action", r.Type, r.ID, r.Reason)
					}
					if want := eng.manualDelete(recorded[r.ID], spec.Region); want != "" && r.Command == "" || strings.Contains(r.Command, "''") {
						t.Errorf("remaining %s %s: command %q, want one naming it", r.Type, r.ID, r.Command)
					}
				}
				slices.Sort(left)
				if !slices.Equal(left, wantLeft) {
					t.Errorf("destroy left %v, want %v", left, wantLeft)
				}
				for _, u := range derr.Unlisted {
					// A type may be listed through another service (the
					// alias records through the load balancers).
					if strings.Contains(u.Reason, "\n") || !namesDeniedAction(tc.deny, u.Reason) {
						t.Errorf("unlisted %s: %q, want one line naming the denied action", u.Type, u.Reason)
					}
				}
			case err != nil:
				t.Fatalf("destroy = %v, want nil or a *DestroyError", err)
			case len(wantLeft) > 0:
				t.Errorf("destroy succeeded, want it to report %v", wantLeft)
			}

			// 3. Allowed again, a second destroy finishes.
			setDeny(t, env, nil)
			if err := env.engine(spec).Destroy(ctx); err != nil {
				t.Fatalf("destroy after the deny was lifted: %v", err)
			}
			env.mustEmpty()
		})
	}
}

func TestStatusShowsWhatItCanWhenAReadIsDenied(t *testing.T) {
	t.Parallel()
	spec := denySpec(t, "bake")
	env := newTestEnv(t, spec.Name)
	env.Options.Poll = denyPoll
	ctx := testContext(t)
	mustApply(t, env, spec)
	deny := []string{"ec2:DescribeInstances"}
	setDeny(t, env, deny)
	env.SB.ResetStats()

	rep, err := env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatalf("status with %v denied: %v, want a report of what it can check", deny, err)
	}
	if rep.Healthy {
		t.Error("status is healthy although it could not check every resource")
	}
	hidden, shown := 0, 0
	for _, rr := range rep.Resources {
		if rr.Problem == "" {
			shown++
			if !rr.Exists || !rr.Healthy {
				t.Errorf("%s %s: exists %v healthy %v, want a checked, healthy resource", rr.Type, rr.ID, rr.Exists, rr.Healthy)
			}
			continue
		}
		hidden++
		t.Logf("%s %s: %s", rr.Type, rr.ID, rr.Problem)
		if rr.Healthy || strings.Contains(rr.Problem, "\n") || !namesDeniedAction(deny, rr.Problem) {
			t.Errorf("%s %s: healthy %v, problem %q; want unhealthy with one line naming %v", rr.Type, rr.ID, rr.Healthy, rr.Problem, deny)
		}
	}
	if hidden == 0 || shown < 10 {
		t.Errorf("%d resources hidden by the denied read, %d checked; want the bastion hidden and the rest checked", hidden, shown)
	}
	// One describe per hidden resource and one search for instances
	// tagged for the stack but not recorded: never a retry.
	if n := deniedCalls(env, deny)["ec2:DescribeInstances"]; n > hidden+1 {
		t.Errorf("status called ec2:DescribeInstances %d times for %d resources: a denied read is being retried", n, hidden)
	}

	setDeny(t, env, nil)
	if rep, err := env.engine(spec).Status(ctx); err != nil || !rep.Healthy {
		t.Fatalf("status once allowed again = %v, %v; want healthy", rep, err)
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}

// A stack built with every permission, then destroyed without one
// service's: the resources of that service stay, everything else goes,
// and what stays is listed with why and how to remove it by hand.
func TestDestroyOfACompleteStackWithAServiceDeniedDeletesAllItMay(t *testing.T) {
	for _, tc := range []struct {
		name string
		deny []string
		spec string
	}{
		{"ec2", []string{"ec2:*"}, "minimal"},
		{"iam", []string{"iam:*"}, "minimal"},
		{"elasticloadbalancing", []string{"elasticloadbalancing:*"}, "minimal"},
		{"autoscaling", []string{"autoscaling:*"}, "minimal"},
		{"cloudwatch", []string{"cloudwatch:*"}, "minimal"},
		{"sns", []string{"sns:*"}, "minimal"},
		{"acm", []string{"acm:*"}, "edge"},
		{"route53", []string{"route53:*"}, "edge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			spec := denySpec(t, tc.spec)
			env := newTestEnv(t, spec.Name)
			env.Options.Poll = denyPoll
			ctx := testContext(t)
			mustApply(t, env, spec)
			recorded := map[string]state.Resource{}
			deniedLive := 0
			for _, r := range env.Store.Snapshot().Resources {
				if r.Live() {
					recorded[firstOf(r.ID, r.ARN, r.Key)] = *r
					if typeDenied(tc.deny, r.Type) {
						deniedLive++
					}
				}
			}
			if deniedLive == 0 {
				t.Fatalf("the stack holds no resource %v denies: the case tests nothing", tc.deny)
			}
			setDeny(t, env, tc.deny)
			env.SB.ResetStats()

			start := time.Now()
			err := env.engine(spec).Destroy(ctx)
			took := time.Since(start)
			t.Logf("destroy with %v denied: %s\n%v", tc.deny, took.Round(time.Millisecond), err)
			// A resource held by one that stays (the load balancer's
			// security group) is reported at once, not waited for.
			if took > denyPoll.Dependency {
				t.Errorf("destroy took %s with a denied permission: it waited out a dependency that cannot clear (Poll.Dependency %s)", took, denyPoll.Dependency)
			}
			var derr *DestroyError
			if !errors.As(err, &derr) {
				t.Fatalf("destroy = %v, want a *DestroyError", err)
			}
			left := map[string]bool{}
			for _, r := range derr.Remaining {
				left[r.ID] = true
				if r.Reason == "" || strings.Contains(r.Reason, "\n") {
					t.Errorf("remaining %s %s: reason %q, want one line", r.Type, r.ID, r.Reason)
				}
				if typeDenied(tc.deny, r.Type) && !namesDeniedAction(tc.deny, r.Reason) {
					t.Errorf("remaining %s %s: reason %q does not name the denied action", r.Type, r.ID, r.Reason)
				}
				if !typeDenied(tc.deny, r.Type) && !strings.Contains(r.Reason, "in use by") {
					t.Errorf("remaining %s %s: reason %q, want what still uses it", r.Type, r.ID, r.Reason)
				}
				if want := env.engine(spec).manualDelete(recorded[r.ID], spec.Region); want != "" && r.Command == "" || strings.Contains(r.Command, "''") {
					t.Errorf("remaining %s %s: command %q, want one naming it", r.Type, r.ID, r.Command)
				}
			}
			for id, r := range recorded {
				if typeDenied(tc.deny, r.Type) && !left[id] {
					t.Errorf("%s %s needs %v to be deleted but is not listed as remaining", r.Type, id, tc.deny)
				}
			}
			for _, it := range env.SB.Inventory() {
				_, ours := recorded[it.ID]
				// Left: a resource of the denied service, one still in use
				// by such a resource (listed with its own reason), or one
				// AWS made for them (a group's instances).
				if ours && !typeDenied(tc.deny, it.Type) && !left[it.ID] {
					t.Errorf("destroy left %s %s (%q), neither denied nor listed as remaining", it.Type, it.ID, it.Name)
				}
			}
			for a, n := range deniedCalls(env, tc.deny) {
				// Once per resource (each alarm is its own delete) and per
				// list, never a retry loop.
				if n > deniedLive+2 {
					t.Errorf("%s was called %d times for %d resources: access denied is being retried", a, n, deniedLive)
				}
			}

			setDeny(t, env, nil)
			if err := env.engine(spec).Destroy(ctx); err != nil {
				t.Fatalf("destroy after the deny was lifted: %v", err)
			}
			env.mustEmpty()
		})
	}
}
