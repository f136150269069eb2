package steps

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
	"github.com/stackwiz/stackwiz/state"
)

// launchTemplateStep keeps the template every instance of the group starts
// from. A change makes a new version and sets it as the default, which is
// the version the Auto Scaling group launches (and rolls out with an
// instance refresh).
type launchTemplateStep struct{}

const ltKey = "launch_template/template"

// ltHopLimit is the IMDSv2 PUT response hop limit. 2 lets a container on
// the instance (Docker's bridge network adds a hop) reach the instance's
// role credentials with IMDSv2, as AWS recommends for containers and as
// Amazon Linux 2023 images set by default; 1 would confine them to
// processes on the host.
const ltHopLimit = 2

func (launchTemplateStep) ID() StepID    { return StepLaunchTemplate }
func (launchTemplateStep) Title() string { return "Launch template" }
func (launchTemplateStep) Why() string {
	return "One template says how every instance starts: image, type, role, firewall, IMDSv2, encrypted disk. " +
		"The instance profile may still be propagating: the Auto Scaling group retries its launches until IAM has caught up."
}
func (launchTemplateStep) Enabled(s *spec.Spec) bool { return true }
func (launchTemplateStep) Needs(s *spec.Spec) []StepID {
	return []StepID{StepIAM, StepSecurity, StepAMI}
}

// ltAMI says which image the spec asks for, so a change of ami shows in
// the plan as a new template version.
func ltAMI(s *spec.Spec) string {
	switch s.AMI.Source {
	case spec.AMIExisting:
		return "existing:" + s.AMI.ID
	case spec.AMIBake:
		return "bake:" + amiBakeName(s)
	}
	return "latest:" + s.AMI.Base
}

// ltUserData reads instance.user_data: the raw script, and its hash as
// recorded. No file means no user data.
func ltUserData(s *spec.Spec) ([]byte, string, error) {
	if s.Instance.UserData == "" {
		return nil, "", nil
	}
	b, err := os.ReadFile(s.File(s.Instance.UserData))
	if err != nil {
		return nil, "unreadable", fmt.Errorf("instance.user_data: %w (a relative path is relative to the spec file's directory)", err)
	}
	return b, ltHash(b), nil
}

func ltHash(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16]
}

func (launchTemplateStep) Desired(s *spec.Spec) []Desired {
	_, udHash, _ := ltUserData(s) // an unreadable file fails apply with the reason
	name := s.Name + "-lt"
	return []Desired{{
		Key: ltKey, Type: "ec2:launch-template", Name: name,
		Attrs: map[string]string{
			"name": name, "instance_type": s.Instance.Type, "volume_gib": ltVolumeAttr(s),
			"volume_type": "gp3", "encrypted": "true", "http_tokens": "required", "hop_limit": strconv.Itoa(ltHopLimit),
			"key_name": s.Instance.KeyName, "user_data_sha": udHash, "ami": ltAMI(s), "role": iamRoleName(s),
		},
		Replace: []string{"name"},
	}}
}

// ltVolumeAttr is the recorded form of instance.volume_gib: the number the
// user wrote, or "image" when the size follows the image's root snapshot.
func ltVolumeAttr(s *spec.Spec) string {
	if s.Instance.VolumeGiB == 0 {
		return "image"
	}
	return strconv.Itoa(s.Instance.VolumeGiB)
}

// ltObserved is the recorded form of a template version's data: the attrs
// drift is measured on.
func ltObserved(d aws.TemplateData) map[string]string {
	ud := ""
	if raw, err := base64.StdEncoding.DecodeString(d.UserData); err == nil {
		ud = ltHash(raw)
	}
	return map[string]string{
		"instance_type": d.InstanceType, "root_gib": strconv.Itoa(d.RootGiB), "volume_type": d.RootType,
		"encrypted": strconv.FormatBool(d.Encrypted), "http_tokens": d.HTTPTokens, "hop_limit": strconv.Itoa(d.HopLimit),
		"key_name": d.KeyName, "user_data_sha": ud, "image_id": d.ImageID, "profile_arn": d.ProfileARN,
		"security_group": strings.Join(d.SecurityGroupIDs, ","), "root_device": d.RootDevice,
	}
}

// ltSame reports whether two versions' data are the same launch.
func ltSame(a, b aws.TemplateData) bool {
	return a.ImageID == b.ImageID && a.InstanceType == b.InstanceType && a.ProfileARN == b.ProfileARN &&
		slices.Equal(a.SecurityGroupIDs, b.SecurityGroupIDs) && a.KeyName == b.KeyName && a.UserData == b.UserData &&
		a.RootDevice == b.RootDevice && a.RootGiB == b.RootGiB && a.RootType == b.RootType && a.Encrypted == b.Encrypted &&
		a.HTTPTokens == b.HTTPTokens && a.HopLimit == b.HopLimit &&
		maps.Equal(a.InstanceTags, b.InstanceTags) && maps.Equal(a.VolumeTags, b.VolumeTags)
}

// ltData is what the template must say, from the spec and the outputs of
// the steps it needs.
func ltData(ctx context.Context, r *Run) (aws.TemplateData, map[string]string, error) {
	s := r.Spec
	image := r.Output(StepAMI, "image_id")
	profile := r.Output(StepIAM, "instance_profile_arn")
	sg := r.Output(StepSecurity, "app_sg")
	switch {
	case image == "":
		return aws.TemplateData{}, nil, fmt.Errorf("launch template: the ami step recorded no image_id: run apply so it finishes first")
	case profile == "":
		return aws.TemplateData{}, nil, fmt.Errorf("launch template: the iam step recorded no instance_profile_arn: run apply so it finishes first")
	case sg == "":
		return aws.TemplateData{}, nil, fmt.Errorf("launch template: the security step recorded no app_sg: run apply so it finishes first")
	}
	img, ok, err := r.AWS.Compute.Image(ctx, image)
	if err != nil {
		return aws.TemplateData{}, nil, err
	}
	if !ok {
		return aws.TemplateData{}, nil, fmt.Errorf("launch template: image %s is gone: run apply so the ami step finds or bakes one again", image)
	}
	rootGiB := s.Instance.VolumeGiB
	switch {
	case rootGiB == 0:
		// Left to the image: its root snapshot's size, whatever the image.
		rootGiB = max(img.RootGiB, 1)
	case rootGiB < img.RootGiB:
		return aws.TemplateData{}, nil, fmt.Errorf("instance.volume_gib: %d GiB is smaller than image %s's %d GiB root snapshot, and a root volume cannot be: set it to %d or more, or leave it out to take the image's size",
			s.Instance.VolumeGiB, image, img.RootGiB, img.RootGiB)
	}
	if s.Instance.VolumeGiB == 0 {
		r.Info("root volume %d GiB: image %s's root snapshot size (instance.volume_gib is not set)", rootGiB, image)
	}
	raw, _, err := ltUserData(s)
	if err != nil {
		return aws.TemplateData{}, nil, err
	}
	launched := map[string]string{TagStack: s.Name, TagStep: string(StepAutoscaling), "Name": r.Name("app")}
	d := aws.TemplateData{
		ImageID: image, InstanceType: s.Instance.Type, ProfileARN: profile, SecurityGroupIDs: []string{sg},
		KeyName: s.Instance.KeyName, RootDevice: img.RootDevice, RootGiB: rootGiB, RootType: "gp3", Encrypted: true,
		HTTPTokens: "required", HopLimit: ltHopLimit, InstanceTags: launched, VolumeTags: maps.Clone(launched),
	}
	if len(raw) > 0 {
		d.UserData = aws.Base64(raw)
	}
	return d, map[string]string{"image_id": image, "profile_arn": profile, "security_group": sg, "root_device": img.RootDevice, "root_gib": strconv.Itoa(rootGiB)}, nil
}

func (st launchTemplateStep) Apply(ctx context.Context, r *Run) error {
	d := st.Desired(r.Spec)[0]
	data, runtime, err := ltData(ctx, r)
	if err != nil {
		return err
	}
	// What the other steps made is part of what the template must say: a
	// new image or profile is a new version too.
	d.Attrs = maps.Clone(d.Attrs)
	maps.Copy(d.Attrs, runtime)
	rec, err := r.Ensure(ctx, d, Ops{
		Find: func(ctx context.Context) (Found, bool, error) {
			lt, ok, err := ltFind(ctx, r, d.Name)
			if err != nil || !ok {
				return Found{}, false, err
			}
			f, _, err := ltSync(ctx, r, lt.ID, data)
			return f, err == nil, err
		},
		Create: func(ctx context.Context, token string) (Found, error) {
			var lt aws.LaunchTemplate
			err := r.RetryIAM(ctx, "create launch template "+d.Name, func(ctx context.Context) error {
				var err error
				lt, err = r.AWS.Compute.CreateLaunchTemplate(ctx, d.Name, token, data, r.Tags(ltKey, d.Name))
				return err
			})
			if aws.IsCode(err, "InvalidLaunchTemplateName.AlreadyExistsException") {
				found, ok, ferr := ltFind(ctx, r, d.Name)
				if ferr != nil || !ok {
					return Found{}, fmt.Errorf("create launch template %s: %w", d.Name, err)
				}
				f, _, serr := ltSync(ctx, r, found.ID, data)
				return f, serr
			}
			if err != nil {
				return Found{}, err
			}
			return Found{ID: lt.ID, Attrs: map[string]string{"version": strconv.FormatInt(lt.DefaultVersion, 10)}}, nil
		},
		Update: func(ctx context.Context, cur state.Resource) (Found, error) {
			f, _, err := ltSync(ctx, r, cur.ID, data)
			return f, err
		},
	})
	if err != nil {
		return err
	}
	// Every apply: a default version changed outside stackwiz is put back.
	f, changed, err := ltSync(ctx, r, rec.ID, data)
	if err != nil {
		return err
	}
	if changed || rec.Attrs["version"] != f.Attrs["version"] {
		if changed {
			r.Warn("launch template %s's default version did not say what the spec does (changed outside stackwiz); version %s is the default now", rec.ID, f.Attrs["version"])
		}
		if err := r.SetAttrs(ltKey, f.Attrs); err != nil {
			return err
		}
	}
	return r.SetOutputs(map[string]string{
		"launch_template_id": rec.ID, "launch_template_name": d.Name, "launch_template_version": f.Attrs["version"],
	})
}

// ltFind finds the stack's template by its name, unique in the region.
func ltFind(ctx context.Context, r *Run, name string) (aws.LaunchTemplate, bool, error) {
	lt, ok, err := r.AWS.Compute.LaunchTemplate(ctx, "", name)
	if err != nil || !ok {
		return aws.LaunchTemplate{}, false, err
	}
	if lt.Tags[TagStack] != r.Spec.Name {
		return aws.LaunchTemplate{}, false, fmt.Errorf("launch template %s (%s) exists and is not this stack's: delete it, or rename the stack (name)", name, lt.ID)
	}
	return lt, true, nil
}

// ltSync makes the template's default version say data: when it does not,
// a new version (all of data, nothing inherited) becomes the default. The
// version's client token is derived from the template and the data, so a
// retry after a crash answers the version the first attempt made.
func ltSync(ctx context.Context, r *Run, id string, data aws.TemplateData) (Found, bool, error) {
	have, version, err := r.AWS.Compute.TemplateVersion(ctx, id, "$Default")
	if err != nil {
		return Found{}, false, err
	}
	if ltSame(have, data) {
		return Found{ID: id, Attrs: map[string]string{"version": strconv.FormatInt(version, 10)}}, false, nil
	}
	changed := ltChanged(ltObserved(have), ltObserved(data))
	var n int64
	err = r.RetryIAM(ctx, "create a version of launch template "+id, func(ctx context.Context) error {
		var err error
		n, err = r.AWS.Compute.CreateTemplateVersion(ctx, id, ltToken(id, data), "stackwiz: "+changed, data)
		return err
	})
	if err != nil {
		return Found{}, false, err
	}
	if err := r.AWS.Compute.SetDefaultVersion(ctx, id, n); err != nil {
		return Found{}, false, err
	}
	r.Info("launch template %s: version %d (%s) is the default now; the Auto Scaling group launches it", id, n, changed)
	return Found{ID: id, Attrs: map[string]string{"version": strconv.FormatInt(n, 10)}}, true, nil
}

// ltChanged names the observed attrs that differ.
func ltChanged(have, want map[string]string) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if have[k] != want[k] {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return "tags"
	}
	return strings.Join(out, ", ")
}

// ltToken is CreateLaunchTemplateVersion's client token for data.
func ltToken(id string, d aws.TemplateData) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%q\n", id, []any{d.ImageID, d.InstanceType, d.ProfileARN, d.SecurityGroupIDs, d.KeyName, d.UserData,
		d.RootDevice, d.RootGiB, d.RootType, d.Encrypted, d.HTTPTokens, d.HopLimit})
	for _, tags := range []map[string]string{d.InstanceTags, d.VolumeTags} {
		for _, k := range slices.Sorted(maps.Keys(tags)) {
			fmt.Fprintf(h, "%s=%s\n", k, tags[k])
		}
	}
	return "stackwiz-" + hex.EncodeToString(h.Sum(nil))[:40]
}
