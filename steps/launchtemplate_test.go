package steps

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/stackwiz/stackwiz/sandbox"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

const ltUserDataScript = "#!/bin/bash\nsystemctl start app\n"

// ltEnv is a stack with identity, iam, ami (latest) and the launch
// template; the security step's app group is made in the default VPC and
// seeded as its output.
type ltEnv struct {
	*testEnv
	dir   string // the spec's directory, holding start.sh
	appSG string
}

func newLTEnv(t *testing.T, opts ...func(*sandbox.Options)) *ltEnv {
	t.Helper()
	env := &ltEnv{testEnv: newTestEnv(t, "ltt", opts...), dir: t.TempDir()}
	env.Options.Steps = []Step{identityStep{}, iamStep{}, amiStep{}, launchTemplateStep{}}
	if err := os.WriteFile(filepath.Join(env.dir, "start.sh"), []byte(ltUserDataScript), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := ec2.NewFromConfig(env.Cfg).CreateSecurityGroup(testContext(t), &ec2.CreateSecurityGroupInput{
		GroupName: sdkaws.String("ltt-app"), Description: sdkaws.String("app")})
	if err != nil {
		t.Fatal(err)
	}
	env.appSG = sdkaws.ToString(out.GroupId)
	env.seedSecurity()
	return env
}

func (e *ltEnv) seedSecurity() {
	if err := e.Store.SetOutputs("security", map[string]string{"app_sg": e.appSG}); err != nil {
		e.t.Fatal(err)
	}
}

// load writes stack.yaml into the spec directory and loads it, so that
// instance.user_data resolves relative to it.
func (e *ltEnv) load(instanceType string, gib int) *spec.Spec {
	e.t.Helper()
	yaml := "name: ltt\ninstance:\n  type: " + instanceType + "\n  volume_gib: " + strconv.Itoa(gib) + "\n  user_data: start.sh\n"
	p := filepath.Join(e.dir, "stack.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o644); err != nil {
		e.t.Fatal(err)
	}
	s, err := spec.Load(p)
	if err != nil {
		e.t.Fatalf("load: %v", err)
	}
	return s
}

// finish destroys the stack and the test's security group, and checks
// nothing is left.
func (e *ltEnv) finish(sp *spec.Spec) {
	e.t.Helper()
	ctx := testContext(e.t)
	if err := e.engine(sp).Destroy(ctx); err != nil {
		e.t.Fatalf("destroy: %v", err)
	}
	if _, err := ec2.NewFromConfig(e.Cfg).DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sdkaws.String(e.appSG)}); err != nil {
		e.t.Fatal(err)
	}
	e.mustEmpty()
}

func defaultVersion(t *testing.T, env *testEnv, id string) ec2types.LaunchTemplateVersion {
	t.Helper()
	out, err := ec2.NewFromConfig(env.Cfg).DescribeLaunchTemplateVersions(testContext(t), &ec2.DescribeLaunchTemplateVersionsInput{
		LaunchTemplateId: sdkaws.String(id), Versions: []string{"$Default"}})
	if err != nil || len(out.LaunchTemplateVersions) != 1 {
		t.Fatalf("describe default version of %s: %v", id, err)
	}
	return out.LaunchTemplateVersions[0]
}

func TestLaunchTemplateRequiresIMDSv2EncryptsGp3AndCarriesProfileGroupAndUserData(t *testing.T) {
	// The profile never propagates here: the template must not need it.
	env := newLTEnv(t, func(o *sandbox.Options) { o.IAMPropagation = time.Hour })
	ctx := testContext(t)
	spec := env.load("t3.micro", 12)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	rec, _ := env.Store.Step("launch_template")
	id := rec.Outputs["launch_template_id"]
	if rec.Outputs["launch_template_name"] != "ltt-lt" || rec.Outputs["launch_template_version"] != "1" || id == "" {
		t.Fatalf("outputs = %v", rec.Outputs)
	}
	v := defaultVersion(t, env.testEnv, id)
	d := v.LaunchTemplateData
	iamOut, _ := env.Store.Step("iam")
	amiOut, _ := env.Store.Step("ami")
	if d.MetadataOptions == nil || d.MetadataOptions.HttpTokens != ec2types.LaunchTemplateHttpTokensStateRequired ||
		sdkaws.ToInt32(d.MetadataOptions.HttpPutResponseHopLimit) != 2 {
		t.Errorf("metadata options = %+v, want IMDSv2 required, hop limit 2", d.MetadataOptions)
	}
	if len(d.BlockDeviceMappings) != 1 || sdkaws.ToString(d.BlockDeviceMappings[0].DeviceName) != "/dev/xvda" {
		t.Fatalf("block devices = %+v, want the AL2023 root device /dev/xvda", d.BlockDeviceMappings)
	}
	if ebs := d.BlockDeviceMappings[0].Ebs; sdkaws.ToInt32(ebs.VolumeSize) != 12 || ebs.VolumeType != ec2types.VolumeTypeGp3 || !sdkaws.ToBool(ebs.Encrypted) {
		t.Errorf("root volume = size %d type %s encrypted %v, want 12 GiB encrypted gp3", sdkaws.ToInt32(ebs.VolumeSize), ebs.VolumeType, sdkaws.ToBool(ebs.Encrypted))
	}
	if d.IamInstanceProfile == nil || sdkaws.ToString(d.IamInstanceProfile.Arn) != iamOut.Outputs["instance_profile_arn"] {
		t.Errorf("profile = %+v, want %s", d.IamInstanceProfile, iamOut.Outputs["instance_profile_arn"])
	}
	if len(d.SecurityGroupIds) != 1 || d.SecurityGroupIds[0] != env.appSG {
		t.Errorf("security groups = %v, want [%s]", d.SecurityGroupIds, env.appSG)
	}
	if sdkaws.ToString(d.ImageId) != amiOut.Outputs["image_id"] || d.InstanceType != "t3.micro" {
		t.Errorf("image %s type %s", sdkaws.ToString(d.ImageId), d.InstanceType)
	}
	if raw, _ := base64.StdEncoding.DecodeString(sdkaws.ToString(d.UserData)); string(raw) != ltUserDataScript {
		t.Errorf("user data = %q, want start.sh from the spec's directory", raw)
	}
	tagged := map[ec2types.ResourceType]map[string]string{}
	for _, ts := range d.TagSpecifications {
		m := map[string]string{}
		for _, tg := range ts.Tags {
			m[sdkaws.ToString(tg.Key)] = sdkaws.ToString(tg.Value)
		}
		tagged[ts.ResourceType] = m
	}
	for _, rt := range []ec2types.ResourceType{ec2types.ResourceTypeInstance, ec2types.ResourceTypeVolume} {
		if tagged[rt]["Name"] != "ltt-app" || tagged[rt][TagStack] != "ltt" {
			t.Errorf("%s tags = %v, want Name and stackwiz:stack", rt, tagged[rt])
		}
	}

	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("second apply made %d mutations, want none", n)
	}
	env.finish(spec)
}

func TestLaunchTemplateChangeMakesANewDefaultVersionOnce(t *testing.T) {
	env := newLTEnv(t)
	ctx := testContext(t)
	if err := env.engine(env.load("t3.micro", 8)).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	bigger := env.load("t3.small", 8)
	plan, err := env.engine(bigger).Plan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c := changeFor(plan, ltKey); c.Action != ActionUpdate || !strings.Contains(c.Why, "instance_type") {
		t.Errorf("plan = %+v, want an update of instance_type", c)
	}
	if err := env.engine(bigger).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	rec, _ := env.Store.Step("launch_template")
	id := rec.Outputs["launch_template_id"]
	lts, err := ec2.NewFromConfig(env.Cfg).DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	lt := lts.LaunchTemplates[0]
	if sdkaws.ToInt64(lt.DefaultVersionNumber) != 2 || sdkaws.ToInt64(lt.LatestVersionNumber) != 2 || rec.Outputs["launch_template_version"] != "2" {
		t.Errorf("default %d latest %d output %s, want version 2 the default", sdkaws.ToInt64(lt.DefaultVersionNumber), sdkaws.ToInt64(lt.LatestVersionNumber), rec.Outputs["launch_template_version"])
	}
	v2 := defaultVersion(t, env.testEnv, id).LaunchTemplateData
	if v2.InstanceType != "t3.small" || sdkaws.ToString(v2.UserData) == "" || len(v2.BlockDeviceMappings) != 1 || v2.MetadataOptions.HttpTokens != "required" {
		t.Errorf("version 2 = %+v, want t3.small with every other setting kept", v2)
	}
	before := env.Mutations()
	if err := env.engine(bigger).Apply(ctx); err != nil {
		t.Fatalf("apply again: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("apply again made %d mutations, want none", n)
	}
	if env.SB.Stats().Count("ec2", "CreateLaunchTemplate") != 1 {
		t.Errorf("the template was created %d times, want once", env.SB.Stats().Count("ec2", "CreateLaunchTemplate"))
	}
	env.finish(bigger)
}

func TestLaunchTemplateResumesAfterACrashAtEveryMutation(t *testing.T) {
	ctx := testContext(t)
	clean := newLTEnv(t)
	setup := clean.Mutations() // the test's security group
	if err := clean.engine(clean.load("t3.micro", 8)).Apply(ctx); err != nil {
		t.Fatalf("clean apply: %v", err)
	}
	first := clean.Mutations() - setup
	if err := clean.engine(clean.load("t3.small", 8)).Apply(ctx); err != nil {
		t.Fatalf("clean update: %v", err)
	}
	update := clean.Mutations() - setup - first
	if first != 6 || update != 2 { // iam 5 + the template; then a version and the default
		t.Fatalf("clean runs made %d and %d mutations, want 6 and 2", first, update)
	}
	for k := 1; k <= first+update; k++ {
		env := newLTEnv(t)
		small := env.load("t3.micro", 8)
		var err error
		if k <= first {
			err = env.engine(small).Apply(env.crashAfter(ctx, k))
		} else {
			if err := env.engine(small).Apply(ctx); err != nil {
				t.Fatal(err)
			}
			err = env.engine(env.load("t3.small", 8)).Apply(env.crashAfter(ctx, k-first))
		}
		if err == nil {
			t.Fatalf("k=%d: apply survived its crash", k)
		}
		env.noCrash()
		env.reopen()
		typ := map[bool]string{true: "t3.micro", false: "t3.small"}[k <= first] // the spec of the run that crashed
		spec := env.load(typ, 8)
		if err := env.engine(spec).Apply(ctx); err != nil {
			t.Fatalf("k=%d: resumed apply: %v", k, err)
		}
		rec, _ := env.Store.Step("launch_template")
		lts, err := ec2.NewFromConfig(env.Cfg).DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{})
		if err != nil || len(lts.LaunchTemplates) != 1 {
			t.Fatalf("k=%d: %d templates, %v", k, len(lts.LaunchTemplates), err)
		}
		lt := lts.LaunchTemplates[0]
		if want := map[bool]int64{true: 1, false: 2}[k <= first]; sdkaws.ToInt64(lt.LatestVersionNumber) != want ||
			sdkaws.ToInt64(lt.DefaultVersionNumber) != want || rec.Outputs["launch_template_version"] != strconv.Itoa(int(want)) {
			t.Errorf("k=%d: latest %d default %d output %s, want version %d once", k, sdkaws.ToInt64(lt.LatestVersionNumber),
				sdkaws.ToInt64(lt.DefaultVersionNumber), rec.Outputs["launch_template_version"], want)
		}
		if got := defaultVersion(t, env.testEnv, sdkaws.ToString(lt.LaunchTemplateId)).LaunchTemplateData.InstanceType; string(got) != typ {
			t.Errorf("k=%d: default version launches %s", k, got)
		}
		env.finish(spec)
	}
}

func TestLaunchTemplateStatusDriftMissingAndAdopt(t *testing.T) {
	env := newLTEnv(t)
	ctx := testContext(t)
	spec := env.load("t3.micro", 8)
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	rep, err := env.engine(spec).Status(ctx)
	if err != nil || !rep.Healthy {
		t.Fatalf("status = %+v, %v; want healthy", rep, err)
	}
	id := mustOutput(t, env.testEnv, "launch_template", "launch_template_id")
	api := ec2.NewFromConfig(env.Cfg)
	// Someone makes IMDSv1 the default by hand.
	v, err := api.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: sdkaws.String(id), SourceVersion: sdkaws.String("1"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{HttpTokens: ec2types.LaunchTemplateHttpTokensStateOptional}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.ModifyLaunchTemplate(ctx, &ec2.ModifyLaunchTemplateInput{LaunchTemplateId: sdkaws.String(id),
		DefaultVersion: sdkaws.String(strconv.Itoa(int(sdkaws.ToInt64(v.LaunchTemplateVersion.VersionNumber))))}); err != nil {
		t.Fatal(err)
	}
	rep, err = env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rr := reportFor(rep, ltKey)
	if rr.Healthy || !strings.Contains(rr.Problem, "IMDSv1") || !strings.Contains(strings.Join(rr.Drift, ";"), "http_tokens") {
		t.Errorf("status after IMDSv1 by hand = %+v", rr)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if got := defaultVersion(t, env.testEnv, id); sdkaws.ToInt64(got.VersionNumber) != 3 || got.LaunchTemplateData.MetadataOptions.HttpTokens != "required" {
		t.Errorf("after apply the default is version %d with %s, want a version 3 requiring IMDSv2", sdkaws.ToInt64(got.VersionNumber), got.LaunchTemplateData.MetadataOptions.HttpTokens)
	}
	if rep, err = env.engine(spec).Status(ctx); err != nil || !rep.Healthy {
		t.Errorf("status after apply = %+v, %v", rep, err)
	}

	// Adopt into a fresh record: apply then changes nothing.
	fresh, err := state.OpenNew(t.TempDir(), "ltt")
	if err != nil {
		t.Fatal(err)
	}
	env.Store = relock(t, fresh)
	env.seedSecurity()
	if n, err := env.engine(spec).Adopt(ctx); err != nil || n != 3 {
		t.Fatalf("adopt = %d, %v; want the template, the role and the profile", n, err)
	}
	before := env.Mutations()
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply after adopt: %v", err)
	}
	if n := env.Mutations() - before; n != 0 {
		t.Errorf("apply after adopt made %d mutations", n)
	}
	if got := mustOutput(t, env.testEnv, "launch_template", "launch_template_version"); got != "3" {
		t.Errorf("version after adopt = %s, want 3", got)
	}

	// Deleted by hand: status says missing, apply makes it again.
	if _, err := api.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: sdkaws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if rep, err = env.engine(spec).Status(ctx); err != nil || reportFor(rep, ltKey).Exists || rep.Healthy {
		t.Errorf("status after deletion = %+v, %v", reportFor(rep, ltKey), err)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if again := mustOutput(t, env.testEnv, "launch_template", "launch_template_id"); again == id {
		t.Errorf("the template was not made again")
	}
	env.finish(spec)
}

// bigRootImage applies a first stack and makes, from its image, one whose
// root snapshot is 20 GiB: an image like moto's or a team's own.
func bigRootImage(t *testing.T, env *ltEnv) string {
	t.Helper()
	ctx := testContext(t)
	if err := env.engine(env.load("t3.micro", 8)).Apply(ctx); err != nil {
		t.Fatal(err)
	}
	base := mustOutput(t, env.testEnv, "ami", "image_id")
	inst, err := ec2.NewFromConfig(env.Cfg).RunInstances(ctx, &ec2.RunInstancesInput{ImageId: sdkaws.String(base), InstanceType: "t3.micro",
		MinCount: sdkaws.Int32(1), MaxCount: sdkaws.Int32(1), BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: sdkaws.String("/dev/xvda"),
			Ebs: &ec2types.EbsBlockDevice{VolumeSize: sdkaws.Int32(20)}}}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := env.AWS.Compute.CreateImage(ctx, sdkaws.ToString(inst.Instances[0].InstanceId), "big-root", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// A spec that leaves instance.volume_gib out gets the image's root size,
// whatever the image: only a number the user wrote may be refused.
func TestLaunchTemplateVolumeLeftOutTakesTheImagesRootSize(t *testing.T) {
	env := newLTEnv(t)
	ctx := testContext(t)
	img := bigRootImage(t, env)
	spec := env.spec("name: ltt\nami:\n  source: existing\n  id: " + img + "\n")
	if spec.Instance.VolumeGiB != 0 {
		t.Fatalf("volume_gib left out = %d, want 0 (the image's)", spec.Instance.VolumeGiB)
	}
	if err := env.engine(spec).Apply(ctx); err != nil {
		t.Fatalf("apply with volume_gib left out and a 20 GiB image: %v", err)
	}
	id := mustOutput(t, env.testEnv, "launch_template", "launch_template_id")
	data, _, err := env.AWS.Compute.TemplateVersion(ctx, id, "$Default")
	if err != nil {
		t.Fatal(err)
	}
	if data.RootGiB != 20 {
		t.Errorf("root volume = %d GiB, want the image's 20", data.RootGiB)
	}
	// Status sees no drift in a size it chose itself, and a second apply
	// changes nothing.
	rep, err := env.engine(spec).Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r := reportFor(rep, ltKey); len(r.Drift) > 0 || !r.Healthy {
		t.Errorf("status of the template = %+v, want healthy with no drift", r)
	}
	if n := mutationsDuring(env.testEnv, func() {
		if err := env.engine(spec).Apply(ctx); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("a second apply made %d changes, want none", n)
	}
}

func TestLaunchTemplateVolumeSmallerThanTheImageNamesTheField(t *testing.T) {
	env := newLTEnv(t)
	ctx := testContext(t)
	// An image with a 20 GiB root snapshot, used as an existing image.
	img := bigRootImage(t, env)
	yaml := "name: ltt\nami:\n  source: existing\n  id: " + img + "\ninstance:\n  volume_gib: 10\n"
	err := env.engine(env.spec(yaml)).Apply(ctx)
	if err == nil || !strings.Contains(err.Error(), "instance.volume_gib") || !strings.Contains(err.Error(), "20 or more") {
		t.Fatalf("apply = %v, want an error naming instance.volume_gib", err)
	}
}
