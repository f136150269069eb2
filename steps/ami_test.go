package steps

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// seedPublicSubnets records the default VPC's subnets as the network
// step's public subnets, as the network step would for network.vpc: default.
func seedPublicSubnets(t *testing.T, env *testEnv) []string {
	t.Helper()
	out, err := ec2.NewFromConfig(env.Cfg).DescribeSubnets(testContext(t), &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: sdkaws.String("default-for-az"), Values: []string{"true"}}}})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out.Subnets, func(a, b ec2types.Subnet) int {
		return strings.Compare(sdkaws.ToString(a.AvailabilityZone), sdkaws.ToString(b.AvailabilityZone))
	})
	var ids []string
	for _, s := range out.Subnets {
		ids = append(ids, sdkaws.ToString(s.SubnetId))
	}
	if err := env.Store.SetOutputs("network", map[string]string{"public_subnets": strings.Join(ids, ",")}); err != nil {
		t.Fatal(err)
	}
	return ids
}

func newAMIEnv(t *testing.T, opts ...func(*sandbox.Options)) *testEnv {
	t.Helper()
	env := newTestEnv(t, "amit", opts...)
	env.Options.Steps = []Step{identityStep{}, iamStep{}, amiStep{}}
	seedPublicSubnets(t, env)
	seedAppGroup(t, env)
	return env
}

// seedAppGroup records the default VPC's default group (built in, so the
// tests' inventory stays the stack's) as the security step's app group,
// which the builder launches in.
func seedAppGroup(t *testing.T, env *testEnv) string {
	t.Helper()
	out, err := ec2.NewFromConfig(env.Cfg).DescribeSecurityGroups(testContext(t), &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: sdkaws.String("group-name"), Values: []string{"default"}}}})
	if err != nil || len(out.SecurityGroups) == 0 {
		t.Fatalf("no default security group: %v", err)
	}
	id := sdkaws.ToString(out.SecurityGroups[0].GroupId)
	if err := env.Store.SetOutputs("security", map[string]string{"app_sg": id}); err != nil {
		t.Fatal(err)
	}
	return id
}

// writeScript writes a setup script into a temp dir and returns its path.
func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "setup.sh")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func bakeSpec(script string) string {
	return "name: amit\nami:\n  source: bake\n  setup_script: " + script + "\n"
}

// builders returns every instance the stack launched as its builder,
// terminated ones included.
func builders(t *testing.T, env *testEnv) []ec2types.Instance {
	t.Helper()
	out, err := ec2.NewFromConfig(env.Cfg).DescribeInstances(testContext(t), &ec2.DescribeInstancesInput{
		Filters: []ec2types.Filter{{Name: sdkaws.String("tag:" + TagKey), Values: []string{amiBuilderKey}}}})
	if err != nil {
		t.Fatal(err)
	}
	var all []ec2types.Instance
	for _, r := range out.Reservations {
		all = append(all, r.Instances...)
	}
	return all
}

func ownImages(t *testing.T, env *testEnv) []ec2types.Image {
	t.Helper()
	out, err := ec2.NewFromConfig(env.Cfg).DescribeImages(testContext(t), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Images
}

func TestAMILatestResolvesEveryBaseToAnImageDescribeImagesKnows(t *testing.T) {
	env := newTestEnv(t, "amit")
	env.Options.Steps = []Step{identityStep{}, amiStep{}}
	ctx := testContext(t)
	api := ec2.NewFromConfig(env.Cfg)
	for _, base := range []string{spec.BaseAmazonLinux2023, spec.BaseUbuntu2204, spec.BaseUbuntu2404} {
		for typ, arch := range map[string]string{"t3.micro": "x86_64", "t4g.micro": "arm64"} {
			sp := env.spec("name: amit\nami:\n  source: latest\n  base: " + base + "\ninstance:\n  type: " + typ + "\n")
			if err := env.engine(sp).Apply(ctx); err != nil {
				t.Fatalf("%s %s: apply: %v", base, typ, err)
			}
			rec, _ := env.Store.Step("ami")
			id := rec.Outputs["image_id"]
			out, err := api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}})
			if err != nil || len(out.Images) != 1 {
				t.Fatalf("%s %s: image %q: %v", base, typ, id, err)
			}
			im := out.Images[0]
			wantName := map[string]string{spec.BaseAmazonLinux2023: "al2023-ami-", spec.BaseUbuntu2204: "ubuntu-jammy-22.04", spec.BaseUbuntu2404: "ubuntu-noble-24.04"}[base]
			if string(im.Architecture) != arch || !strings.Contains(sdkaws.ToString(im.Name), wantName) || im.State != ec2types.ImageStateAvailable {
				t.Errorf("%s %s resolved to %s %s (%s)", base, typ, sdkaws.ToString(im.Name), im.Architecture, im.State)
			}
		}
	}
	if n := len(env.Store.Snapshot().Resources); n != 0 || len(env.inventory()) != 0 {
		t.Errorf("latest recorded %d resources and left %v: a public image is not the stack's", n, env.inventory())
	}
}

func TestAMIExistingIsCheckedAndNeverRecorded(t *testing.T) {
	env := newTestEnv(t, "amit")
	env.Options.Steps = []Step{identityStep{}, amiStep{}}
	ctx := testContext(t)
	arm, _, err := env.AWS.Params.Get(ctx, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64")
	if err != nil {
		t.Fatal(err)
	}
	x86, _, err := env.AWS.Params.Get(ctx, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
	if err != nil {
		t.Fatal(err)
	}
	spec := func(id, typ string) *spec.Spec {
		return env.spec("name: amit\nami:\n  source: existing\n  id: " + id + "\ninstance:\n  type: " + typ + "\n")
	}
	if err := env.engine(spec(x86, "t3.micro")).Apply(ctx); err != nil {
		t.Fatalf("apply with a good image: %v", err)
	}
	if rec, _ := env.Store.Step("ami"); rec.Outputs["image_id"] != x86 {
		t.Errorf("image_id = %q, want %s", rec.Outputs["image_id"], x86)
	}
	err = env.engine(spec("ami-0123456789abcdef0", "t3.micro")).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), "ami.id") || !strings.Contains(err.Error(), "does not exist in us-east-1") {
		t.Errorf("unknown image: %v", err)
	}
	err = env.engine(spec(arm, "t3.micro")).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), "ami.id") || !strings.Contains(err.Error(), "built for arm64") || !strings.Contains(err.Error(), "t3.micro runs x86_64") {
		t.Errorf("arm64 image for t3.micro: %v", err)
	}
	if n := len(env.Store.Snapshot().Resources); n != 0 {
		t.Errorf("existing recorded %d resources: the image is not the stack's", n)
	}
}

func TestAMIBakeLaunchesTheBuilderTakesTheImageAndTerminatesTheBuilder(t *testing.T) {
	env := newAMIEnv(t)
	ctx := testContext(t)
	script := "#!/bin/bash\ndnf install -y nodejs\n"
	spec := env.spec(bakeSpec(writeScript(t, script)))
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	bs := builders(t, env)
	if len(bs) != 1 {
		t.Fatalf("%d builders launched, want 1", len(bs))
	}
	b := bs[0]
	api := ec2.NewFromConfig(env.Cfg)
	ud, err := api.DescribeInstanceAttribute(ctx, &ec2.DescribeInstanceAttributeInput{InstanceId: b.InstanceId, Attribute: ec2types.InstanceAttributeNameUserData})
	if err != nil {
		t.Fatalf("describe the builder's user data: %v", err)
	}
	if raw, _ := base64.StdEncoding.DecodeString(sdkaws.ToString(ud.UserData.Value)); string(raw) != script {
		t.Errorf("builder user data = %q, want the setup script", raw)
	}
	iamOut, _ := env.Store.Step("iam")
	subnets := strings.Split(mustOutput(t, env, "network", "public_subnets"), ",")
	if st := b.State.Name; st != ec2types.InstanceStateNameTerminated && st != ec2types.InstanceStateNameShuttingDown {
		t.Errorf("builder is %s after the bake, want terminated", st)
	}
	if sdkaws.ToString(b.SubnetId) != "" && sdkaws.ToString(b.SubnetId) != subnets[0] {
		t.Errorf("builder in %s, want the first public subnet %s", sdkaws.ToString(b.SubnetId), subnets[0])
	}
	if b.IamInstanceProfile == nil || sdkaws.ToString(b.IamInstanceProfile.Arn) != iamOut.Outputs["instance_profile_arn"] {
		t.Errorf("builder profile = %+v, want %s", b.IamInstanceProfile, iamOut.Outputs["instance_profile_arn"])
	}
	if b.MetadataOptions == nil || b.MetadataOptions.HttpTokens != ec2types.HttpTokensStateRequired {
		t.Errorf("builder metadata options = %+v, want IMDSv2 required", b.MetadataOptions)
	}
	imgs := ownImages(t, env)
	if len(imgs) != 1 {
		t.Fatalf("%d images, want 1", len(imgs))
	}
	im := imgs[0]
	rec, _ := env.Store.Step("ami")
	if rec.Outputs["image_id"] != sdkaws.ToString(im.ImageId) || im.State != ec2types.ImageStateAvailable ||
		sdkaws.ToString(im.SourceInstanceId) != sdkaws.ToString(b.InstanceId) || sdkaws.ToString(im.Name) != amiBakeName(spec) {
		t.Errorf("image %+v, output %q", im, rec.Outputs["image_id"])
	}
	if len(im.BlockDeviceMappings) != 1 || !sdkaws.ToBool(im.BlockDeviceMappings[0].Ebs.Encrypted) {
		t.Errorf("image block devices = %+v, want its root snapshot encrypted (the builder's root volume was)", im.BlockDeviceMappings)
	}
	if got := env.inventoryTypes(); got["ec2:instance"] != 0 || got["ec2:image"] != 1 {
		t.Errorf("inventory %v, want the image and no builder", got)
	}

	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if d := env.Mutations() - before; d != 0 {
		t.Errorf("second apply made %d mutations, want none", d)
	}
}

func mustOutput(t *testing.T, env *testEnv, step, key string) string {
	t.Helper()
	rec, ok := env.Store.Step(step)
	if !ok || rec.Outputs[key] == "" {
		t.Fatalf("no output %s.%s", step, key)
	}
	return rec.Outputs[key]
}

func TestAMIBakeResumesAfterACrashAtEveryMutation(t *testing.T) {
	ctx := testContext(t)
	script := writeScript(t, "#!/bin/bash\necho baked > /etc/baked\n")
	clean := newAMIEnv(t)
	if err := clean.engine(clean.spec(bakeSpec(script))).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	total := clean.Mutations()
	if total < 8 { // five for IAM, then launch, image, terminate
		t.Fatalf("clean apply made %d mutations", total)
	}
	for k := 1; k <= total; k++ {
		env := newAMIEnv(t)
		spec := env.spec(bakeSpec(script))
		if err := env.engine(spec).Apply(env.crashAfter(ctx, k)); err == nil {
			t.Fatalf("k=%d: apply survived its crash", k)
		}
		env.noCrash()
		env.reopen()
		if err := env.engine(spec).Apply(ctx); err != nil {
			t.Fatalf("k=%d: resumed apply: %v", k, err)
		}
		if n := len(builders(t, env)); n != 1 {
			t.Errorf("k=%d: %d builders launched, want 1", k, n)
		}
		if n := env.SB.Stats().Count("ec2", "CreateImage"); n != 1 {
			t.Errorf("k=%d: CreateImage called %d times, want 1", k, n)
		}
		if got := env.inventoryTypes(); got["ec2:image"] != 1 || got["ec2:instance"] != 0 {
			t.Errorf("k=%d: inventory %v, want one image and no builder", k, got)
		}
		if err := env.engine(spec).Destroy(ctx); err != nil {
			t.Fatalf("k=%d: destroy: %v", k, err)
		}
		env.mustEmpty()
	}
}

func TestAMIBakeSurvivesIAMPropagationAndRealisticTimes(t *testing.T) {
	env := newAMIEnv(t, func(o *sandbox.Options) {
		o.Latency, o.Speed = sandbox.LatencyRealistic, 400
		o.IAMPropagation = 300 * time.Millisecond
	})
	ctx := testContext(t)
	spec := env.spec(bakeSpec(writeScript(t, "#!/bin/bash\ntrue\n")))
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if n := env.SB.Stats().Count("ec2", "RunInstances"); n < 2 {
		t.Errorf("RunInstances called %d times: the profile's propagation window was not exercised", n)
	}
	if n := len(builders(t, env)); n != 1 {
		t.Errorf("%d builders, want 1", n)
	}
	var waited []string
	for _, ev := range env.Events() {
		if ev.Kind == ResourceWaiting && ev.Step == StepAMI {
			waited = append(waited, ev.Message)
		}
	}
	joined := strings.Join(waited, "\n")
	for _, want := range []string{"IAM to propagate", "status checks", "to become available"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no wait for %q among:\n%s", want, joined)
		}
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}

func TestAMIChangedScriptBakesANewImageBeforeTheOldOneGoes(t *testing.T) {
	env := newAMIEnv(t)
	ctx := testContext(t)
	path := writeScript(t, "#!/bin/bash\necho v1\n")
	spec := env.spec(bakeSpec(path))
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	old := mustOutput(t, env, "ami", "image_id")
	if err := os.WriteFile(path, []byte("#!/bin/bash\necho v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec = env.spec(bakeSpec(path))
	plan, err := env.engine(spec).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, c := range plan.Changes {
		if c.Type == "ec2:image" {
			actions = append(actions, string(c.Action))
		}
	}
	slices.Sort(actions)
	if !slices.Equal(actions, []string{"create", "delete"}) {
		t.Errorf("plan for the images = %v, want the new one created and the old one deleted", actions)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	now := mustOutput(t, env, "ami", "image_id")
	imgs := ownImages(t, env)
	if now == old || len(imgs) != 1 || sdkaws.ToString(imgs[0].ImageId) != now {
		t.Errorf("after the script changed: image %s (was %s), own images %d", now, old, len(imgs))
	}
	if n := len(builders(t, env)); n != 2 {
		t.Errorf("%d builders launched, want one per image", n)
	}
	if got := env.inventoryTypes(); got["ec2:instance"] != 0 || got["ec2:snapshot"] != 1 {
		t.Errorf("inventory %v: want no builder left and only the new image's snapshot (the old one's goes with it)", got)
	}
}

func TestAMIStaleBuilderIsTerminatedAndStatusAndAdoptWork(t *testing.T) {
	env := newAMIEnv(t)
	ctx := testContext(t)
	spec := env.spec(bakeSpec(writeScript(t, "#!/bin/bash\ntrue\n")))
	// A builder a crashed run left for another script, unknown to the record.
	base, _, _ := env.AWS.Params.Get(ctx, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64")
	tags := StackTags("amit", StepAMI, amiBuilderKey, "amit-ami-builder")
	tags[amiBuilderTag] = "amit-000000000000"
	stale, err := env.AWS.Compute.RunInstance(ctx, aws.InstanceInput{ImageID: base, InstanceType: "t3.micro", Tags: tags})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if inst, _, _ := env.AWS.Compute.Instance(ctx, stale.ID); !inst.Gone() {
		t.Errorf("the stale builder is %s, want terminated", inst.State)
	}
	if got := env.inventoryTypes()["ec2:instance"]; got != 0 {
		t.Errorf("%d instances left", got)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status = %+v, %v", rep, err)
	}

	// Adopt into a fresh record, then apply changes nothing.
	fresh, err := state.OpenNew(t.TempDir(), "amit")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	seedPublicSubnets(t, env)
	seedAppGroup(t, env)
	if n, err := env.engine(spec).Adopt(ctx); err != nil || n != 3 {
		t.Fatalf("adopt = %d, %v; want the image, the role and the profile", n, err)
	}
	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply after adopt: %v", err)
	}
	if d := env.Mutations() - before; d != 0 {
		t.Errorf("apply after adopt made %d mutations", d)
	}

	// Deregistered by hand: status says missing, apply bakes it again.
	id := mustOutput(t, env, "ami", "image_id")
	if err := env.AWS.Compute.DeregisterImage(ctx, id); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rr := reportFor(rep, amiImageKey(amiBakeName(spec))); rr.Exists || rep.Healthy {
		t.Errorf("status of the deregistered image = %+v", rr)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if again := mustOutput(t, env, "ami", "image_id"); again == id || len(ownImages(t, env)) != 1 {
		t.Errorf("after rebake image %s (was %s)", again, id)
	}
	if err := env.engine(spec).Destroy(ctx); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	env.mustEmpty()
}
