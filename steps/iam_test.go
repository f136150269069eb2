package steps

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/stackwiz/stackwiz/state"
)

const iamTestSpec = `name: iamt
iam:
  managed_policies: [AmazonSSMManagedInstanceCore, "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]
`

func newIAMEnv(t *testing.T) *testEnv {
	t.Helper()
	env := newTestEnv(t, "iamt")
	env.Options.Steps = []Step{identityStep{}, iamStep{}}
	return env
}

// attachedPolicies lists the ARNs attached to role, sorted.
func attachedPolicies(t *testing.T, api *iam.Client, role string) []string {
	t.Helper()
	out, err := api.ListAttachedRolePolicies(testContext(t), &iam.ListAttachedRolePoliciesInput{RoleName: sdkaws.String(role)})
	if err != nil {
		t.Fatalf("list attached policies of %s: %v", role, err)
	}
	var arns []string
	for _, p := range out.AttachedPolicies {
		arns = append(arns, sdkaws.ToString(p.PolicyArn))
	}
	slices.Sort(arns)
	return arns
}

func TestIAMApplyCreatesTheEC2RoleItsPoliciesAndProfile(t *testing.T) {
	env := newIAMEnv(t)
	ctx := testContext(t)
	spec := env.spec(iamTestSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	api := iam.NewFromConfig(env.Cfg)
	role, err := api.GetRole(ctx, &iam.GetRoleInput{RoleName: sdkaws.String("iamt-app")})
	if err != nil {
		t.Fatalf("get role: %v", err)
	}
	trust, _ := url.QueryUnescape(sdkaws.ToString(role.Role.AssumeRolePolicyDocument))
	if !strings.Contains(trust, `"Service":"ec2.amazonaws.com"`) || !strings.Contains(trust, `"sts:AssumeRole"`) {
		t.Errorf("trust policy = %s, want EC2 allowed to assume the role", trust)
	}
	tags := map[string]string{}
	for _, tg := range role.Role.Tags {
		tags[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
	}
	if tags[TagStack] != "iamt" || tags[TagStep] != "iam" || tags[TagKey] != iamRoleKey {
		t.Errorf("role tags = %v", tags)
	}
	if got := sdkaws.ToString(role.Role.Path); got != "/stackwiz/iamt/" {
		t.Errorf("role path = %s", got)
	}
	want := []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"}
	if got := attachedPolicies(t, api, "iamt-app"); !slices.Equal(got, want) {
		t.Errorf("attached = %v, want %v", got, want)
	}
	ip, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: sdkaws.String("iamt-app")})
	if err != nil {
		t.Fatalf("get instance profile: %v", err)
	}
	if len(ip.InstanceProfile.Roles) != 1 || sdkaws.ToString(ip.InstanceProfile.Roles[0].RoleName) != "iamt-app" {
		t.Errorf("instance profile roles = %+v, want the role", ip.InstanceProfile.Roles)
	}
	rec, _ := env.Store.Step("iam")
	if rec.Outputs["role_name"] != "iamt-app" || rec.Outputs["role_arn"] != sdkaws.ToString(role.Role.Arn) ||
		rec.Outputs["instance_profile_name"] != "iamt-app" || rec.Outputs["instance_profile_arn"] != sdkaws.ToString(ip.InstanceProfile.Arn) {
		t.Errorf("outputs = %v", rec.Outputs)
	}

	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("second apply made %d mutating calls, want none", n)
	}
	unchanged := 0
	for _, ev := range env.Events() {
		if ev.Kind == ResourceUnchanged && (ev.Key == iamRoleKey || ev.Key == iamProfileKey) {
			unchanged++
		}
	}
	if unchanged != 2 {
		t.Errorf("second apply reported %d unchanged IAM resources, want 2", unchanged)
	}
}

func TestIAMPolicyDroppedFromTheSpecIsDetachedAndOneAddedByHandToo(t *testing.T) {
	env := newIAMEnv(t)
	ctx := testContext(t)
	if err := env.engine(env.spec(iamTestSpec)).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	api := iam.NewFromConfig(env.Cfg)
	// Someone attaches a policy by hand: status reports the drift.
	if _, err := api.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: sdkaws.String("iamt-app"),
		PolicyArn: sdkaws.String("arn:aws:iam::aws:policy/AdministratorAccess")}); err != nil {
		t.Fatal(err)
	}
	smaller := env.spec("name: iamt\niam:\n  managed_policies: [AmazonSSMManagedInstanceCore]\n")
	rep, err := env.engine(smaller).Status(ctx)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if rr := reportFor(rep, iamRoleKey); len(rr.Drift) != 1 || !strings.Contains(rr.Drift[0], "AdministratorAccess") || rep.Healthy {
		t.Errorf("status of the role = %+v, want drift naming AdministratorAccess", rr)
	}
	plan, err := env.engine(smaller).Plan(ctx)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if c := changeFor(plan, iamRoleKey); c.Action != ActionUpdate || !strings.Contains(c.Why, "policies") {
		t.Errorf("plan for the role = %+v, want an update of policies", c)
	}
	if err := env.engine(smaller).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got := attachedPolicies(t, api, "iamt-app"); !slices.Equal(got, []string{"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"}) {
		t.Errorf("after apply the role has %v, want only AmazonSSMManagedInstanceCore", got)
	}
	if env.SB.Stats().Count("iam", "CreateRole") != 1 {
		t.Errorf("the role was created %d times, want once (updated in place)", env.SB.Stats().Count("iam", "CreateRole"))
	}
}

func TestIAMResumesAfterACrashAtEveryMutation(t *testing.T) {
	clean := newIAMEnv(t)
	ctx := testContext(t)
	spec := clean.spec(iamTestSpec)
	if err := clean.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	total := clean.Mutations()
	if total != 5 { // role, two attachments, profile, role into profile
		t.Fatalf("clean apply made %d mutations, want 5", total)
	}
	for k := 1; k <= total; k++ {
		env := newIAMEnv(t)
		// The k-th answer is lost (testEnv.loseAnswer): the run must stop.
		if err := env.engine(spec).Apply(env.crashAfter(ctx, k)); err == nil {
			t.Fatalf("k=%d: apply survived its crash", k)
		}
		env.noCrash()
		env.reopen()
		if err := env.engine(spec).Apply(ctx); err != nil {
			t.Fatalf("k=%d: resumed apply: %v", k, err)
		}
		if got := env.inventoryTypes(); got["iam:role"] != 1 || got["iam:instance-profile"] != 1 || len(got) != 2 {
			t.Fatalf("k=%d: inventory %v, want one role and one profile", k, got)
		}
		api := iam.NewFromConfig(env.Cfg)
		if got := attachedPolicies(t, api, "iamt-app"); len(got) != 2 {
			t.Fatalf("k=%d: attached %v", k, got)
		}
		if n := env.SB.Stats().Count("iam", "CreateRole") + env.SB.Stats().Count("iam", "CreateInstanceProfile"); n > 3 {
			t.Fatalf("k=%d: %d creates (a refused duplicate at most)", k, n)
		}
		if err := env.engine(spec).Destroy(ctx); err != nil {
			t.Fatalf("k=%d: destroy: %v", k, err)
		}
		env.mustEmpty()
	}
}

func TestIAMStatusDestroyAndAdopt(t *testing.T) {
	env := newIAMEnv(t)
	ctx := testContext(t)
	spec := env.spec(iamTestSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status = %+v, %v; want healthy", rep, err)
	}

	// Adopt into a fresh record finds both, and apply then changes nothing.
	fresh, err := state.OpenNew(t.TempDir(), "iamt")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	n, err := env.engine(spec).Adopt(ctx)
	if err != nil || n != 2 {
		t.Fatalf("adopt = %d, %v; want 2", n, err)
	}
	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply after adopt: %v", err)
	}
	if d := env.Mutations() - before; d != 0 {
		t.Errorf("apply after adopt made %d mutations, want none", d)
	}
	if rec, _ := env.Store.Step("iam"); rec.Outputs["instance_profile_arn"] == "" {
		t.Errorf("outputs after adopt = %v", rec.Outputs)
	}

	// The role is taken out of its profile by hand: status says instances get no credentials.
	api := iam.NewFromConfig(env.Cfg)
	if _, err := api.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
		InstanceProfileName: sdkaws.String("iamt-app"), RoleName: sdkaws.String("iamt-app")}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rr := reportFor(rep, iamProfileKey); rr.Healthy || !strings.Contains(rr.Problem, "no credentials") {
		t.Errorf("status of the emptied profile = %+v", rr)
	}
	// A role with an inline policy (added by hand) is still destroyed.
	if _, err := api.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: sdkaws.String("iamt-app"), PolicyName: sdkaws.String("extra"),
		PolicyDocument: sdkaws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}`)}); err != nil {
		t.Fatal(err)
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
	rep, err = env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Resources) != 0 {
		t.Errorf("after destroy status lists %+v", rep.Resources)
	}
}

func TestIAMMissingProfileIsReportedAndRecreated(t *testing.T) {
	env := newIAMEnv(t)
	ctx := testContext(t)
	spec := env.spec(iamTestSpec)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	api := iam.NewFromConfig(env.Cfg)
	for _, step := range []func() error{
		func() error {
			_, err := api.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{InstanceProfileName: sdkaws.String("iamt-app"), RoleName: sdkaws.String("iamt-app")})
			return err
		},
		func() error {
			_, err := api.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: sdkaws.String("iamt-app")})
			return err
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rr := reportFor(rep, iamProfileKey); rr.Exists || rep.Healthy {
		t.Errorf("status of the deleted profile = %+v", rr)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	ip, err := api.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: sdkaws.String("iamt-app")})
	if err != nil || len(ip.InstanceProfile.Roles) != 1 {
		t.Fatalf("recreated profile = %+v, %v", ip, err)
	}
}

func TestIAMRoleNameTakenByAnotherRoleIsAClearError(t *testing.T) {
	env := newIAMEnv(t)
	ctx := testContext(t)
	api := iam.NewFromConfig(env.Cfg)
	if _, err := api.CreateRole(ctx, &iam.CreateRoleInput{RoleName: sdkaws.String("iamt-app"), AssumeRolePolicyDocument: sdkaws.String(iamTrustPolicy)}); err != nil {
		t.Fatal(err)
	}
	err := env.engine(env.spec(iamTestSpec)).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), "iam.role_name") || !strings.Contains(err.Error(), "not created by stackwiz") {
		t.Fatalf("apply = %v, want an error naming iam.role_name", err)
	}
	if got := attachedPolicies(t, api, "iamt-app"); len(got) != 0 {
		t.Errorf("stackwiz attached %v to a role it does not own", got)
	}
}

func TestIAMUnknownPolicyNamesTheField(t *testing.T) {
	env := newIAMEnv(t)
	err := env.engine(env.spec("name: iamt\niam:\n  managed_policies: [AmazonNoSuchPolicy]\n")).Apply(testContext(t))
	if err == nil || !strings.Contains(err.Error(), "iam.managed_policies") || !strings.Contains(err.Error(), "AmazonNoSuchPolicy") {
		t.Fatalf("apply = %v, want an error naming iam.managed_policies", err)
	}
}

func TestIAMPolicyKeysIgnoreThePartition(t *testing.T) {
	for in, want := range map[string]string{
		"AmazonSSMManagedInstanceCore":                             "AmazonSSMManagedInstanceCore",
		"arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore":     "AmazonSSMManagedInstanceCore",
		"arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore":  "AmazonSSMManagedInstanceCore",
		"arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM": "arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM",
		"arn:aws:iam::123456789012:policy/app-read":                "arn:aws:iam::123456789012:policy/app-read",
	} {
		if got := iamPolicyKey(in); got != want {
			t.Errorf("iamPolicyKey(%s) = %s, want %s", in, got, want)
		}
	}
	if got := iamPartition("arn:aws-us-gov:sts::123456789012:assumed-role/x/y"); got != "aws-us-gov" {
		t.Errorf("partition = %s", got)
	}
	if got := iamPartition(""); got != "aws" {
		t.Errorf("partition of nothing = %s", got)
	}
}

func reportFor(rep *StatusReport, key string) ResourceReport {
	for _, rr := range rep.Resources {
		if rr.Key == key {
			return rr
		}
	}
	return ResourceReport{}
}

func changeFor(p *PlanResult, key string) Change {
	for _, c := range p.Changes {
		if c.Key == key {
			return c
		}
	}
	return Change{}
}
