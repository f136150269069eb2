package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// amiStep decides the image the group launches: an existing image (checked),
// the base's current public image (read from AWS's public SSM parameters),
// or an image baked from the base by running ami.setup_script on a builder
// instance. Only a baked image is the stack's own; the others are never
// recorded, so destroy never touches them.
type amiStep struct{}

func (amiStep) ID() StepID    { return StepAMI }
func (amiStep) Title() string { return "Machine image" }
func (amiStep) Why() string {
	return "Pick or bake the image before the template that launches it: a baked image boots ready, identical every time."
}
func (amiStep) Enabled(s *spec.Spec) bool { return true }

// Needs: baking launches a builder in a public subnet (network) with the
// instances' role (iam), so that the setup script can reach what the app
// reaches without credentials copied onto the builder.
func (amiStep) Needs(s *spec.Spec) []StepID {
	if s.AMI.Source == spec.AMIBake {
		return []StepID{StepIdentity, StepNetwork, StepSecurity, StepIAM}
	}
	return []StepID{StepIdentity}
}

func (amiStep) Desired(s *spec.Spec) []Desired {
	if s.AMI.Source != spec.AMIBake {
		return nil
	}
	name := amiBakeName(s)
	return []Desired{{
		Key: amiImageKey(name), Type: "ec2:image", Name: name,
		Attrs: map[string]string{"name": name}, Replace: []string{"name"},
	}}
}

// BaseImageParameter returns the public SSM parameter that holds the
// current image of an offered base (ami.base) for an architecture
// ("x86_64" or "arm64"), as AWS and Canonical publish them:
//
//   - Amazon Linux 2023: /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-<x86_64|arm64>
//     (AL2023 User Guide, "Launching AL2023 using the SSM parameter").
//   - Ubuntu: /aws/service/canonical/ubuntu/server/<release>/stable/current/<amd64|arm64>/hvm/<volume>/ami-id
//     (Canonical, "Find Ubuntu images on AWS"): 24.04 is published with gp3
//     root volumes (ebs-gp3), 22.04 with gp2 (ebs-gp2). The launch template
//     sets gp3 either way.
func BaseImageParameter(base, arch string) (string, error) {
	if arch != "x86_64" && arch != "arm64" {
		return "", fmt.Errorf("architecture %q: want x86_64 or arm64", arch)
	}
	ubuntuArch := map[string]string{"x86_64": "amd64", "arm64": "arm64"}[arch]
	switch base {
	case spec.BaseAmazonLinux2023:
		return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-" + arch, nil
	case spec.BaseUbuntu2204:
		return "/aws/service/canonical/ubuntu/server/22.04/stable/current/" + ubuntuArch + "/hvm/ebs-gp2/ami-id", nil
	case spec.BaseUbuntu2404:
		return "/aws/service/canonical/ubuntu/server/24.04/stable/current/" + ubuntuArch + "/hvm/ebs-gp3/ami-id", nil
	}
	return "", fmt.Errorf("ami.base: %q is not an offered base: use %s, %s or %s", base, spec.BaseAmazonLinux2023, spec.BaseUbuntu2204, spec.BaseUbuntu2404)
}

func (st amiStep) Apply(ctx context.Context, r *Run) error {
	var (
		img aws.Image
		err error
	)
	switch r.Spec.AMI.Source {
	case spec.AMIExisting:
		img, err = amiExisting(ctx, r)
	case spec.AMIBake:
		img, err = amiBake(ctx, r)
	default:
		img, err = amiLatest(ctx, r)
		if err == nil {
			r.Info("%s is %s (%s) today; each apply reads the current one, so a newer release gives the launch template a new version",
				r.Spec.AMI.Base, img.ID, img.Name)
		}
	}
	if err != nil {
		return err
	}
	return r.SetOutputs(map[string]string{"image_id": img.ID})
}

// amiExisting checks ami.id: it exists in the region, is available, and
// runs on the instance type's architecture.
func amiExisting(ctx context.Context, r *Run) (aws.Image, error) {
	id := r.Spec.AMI.ID
	img, ok, err := r.AWS.Compute.Image(ctx, id)
	if err != nil {
		return aws.Image{}, fmt.Errorf("ami.id: %w", err)
	}
	if !ok {
		return aws.Image{}, fmt.Errorf("ami.id: image %s does not exist in %s or is not shared with this account: "+
			"image ids differ per region — check the id, or copy the image to %s (aws ec2 copy-image)", id, r.AWS.Region, r.AWS.Region)
	}
	if err := amiUsable("ami.id", img, r.Spec); err != nil {
		return aws.Image{}, err
	}
	return img, nil
}

// amiUsable checks that an image is available and matches the instance
// type's architecture.
func amiUsable(field string, img aws.Image, s *spec.Spec) error {
	if img.State != "available" {
		reason := ""
		if img.StateReason != "" {
			reason = " (" + img.StateReason + ")"
		}
		return fmt.Errorf("%s: image %s is %s%s, not available: wait for it, or pick another image", field, img.ID, img.State, reason)
	}
	if want := s.Architecture(); img.Architecture != want {
		return fmt.Errorf("%s: image %s is built for %s but instance.type %s runs %s: pick a %s image, or an instance type of the image's architecture",
			field, img.ID, img.Architecture, s.Instance.Type, want, want)
	}
	return nil
}

// amiLatest reads the base's current public image and checks it.
func amiLatest(ctx context.Context, r *Run) (aws.Image, error) {
	param, err := BaseImageParameter(r.Spec.AMI.Base, r.Spec.Architecture())
	if err != nil {
		return aws.Image{}, err
	}
	id, ok, err := r.AWS.Params.Get(ctx, param)
	if err != nil {
		return aws.Image{}, fmt.Errorf("ami.base: %w", err)
	}
	if !ok {
		return aws.Image{}, fmt.Errorf("ami.base: region %s has no public parameter %s: %s may not be published there; pick another ami.base or region",
			r.AWS.Region, param, r.Spec.AMI.Base)
	}
	img, ok, err := r.AWS.Compute.Image(ctx, id)
	if err != nil {
		return aws.Image{}, fmt.Errorf("ami.base: %w", err)
	}
	if !ok {
		return aws.Image{}, fmt.Errorf("ami.base: %s names image %s, which EC2 does not know in %s; try again later", param, id, r.AWS.Region)
	}
	if err := amiUsable("ami.base", img, r.Spec); err != nil {
		return aws.Image{}, err
	}
	return img, nil
}

// amiImageKey is the key of a baked image. The name's hash is in the key,
// so a changed setup script makes a new image under a new key while the
// old one stays until the whole apply has succeeded (the engine prunes it
// then): the launch template and the running group keep an image they
// can launch from while the new one bakes.
func amiImageKey(name string) string { return "ami/image/" + name }

// amiBakeName is the baked image's name: the stack's name and a hash of
// what makes the image (base, architecture, setup script), so the same
// inputs find the same image and changed ones make a new one.
func amiBakeName(s *spec.Spec) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", s.AMI.Base, s.Architecture())
	if script, err := os.ReadFile(s.File(s.AMI.SetupScript)); err == nil {
		h.Write(script)
	} else {
		fmt.Fprintf(h, "unreadable: %v", err) // apply reports it
	}
	return s.Name + "-" + hex.EncodeToString(h.Sum(nil))[:12]
}

// amiDescribe is how a baked image looks to status.
func amiDescribe(ctx context.Context, t Target) (Observed, error) {
	img, ok, err := t.AWS.Compute.Image(ctx, t.Resource.ID)
	if err != nil || !ok {
		return Observed{}, err
	}
	obs := Observed{Exists: true, State: img.State, Healthy: img.State == "available", Attrs: map[string]string{"name": img.Name}}
	switch img.State {
	case "available":
	case "pending":
		obs.Problem = "still being created: apply waits for it"
	default:
		obs.Problem = strings.TrimSpace(img.State + " " + img.StateReason + ": run apply to bake it again")
	}
	return obs, nil
}

func amiKinds() []Kind {
	return []Kind{{
		Type: "ec2:image", Order: 54,
		Manual:   manualByID("aws ec2 deregister-image --image-id"),
		Describe: amiDescribe,
		Delete: func(ctx context.Context, t Target) error {
			return t.AWS.Compute.DeregisterImage(ctx, t.Resource.ID)
		},
		List: func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
			imgs, err := c.Compute.OwnImages(ctx, TagStack, stack, "")
			if err != nil {
				return nil, err
			}
			var out []Found
			for _, img := range imgs {
				out = append(out, Found{ID: img.ID, Key: img.Tags[TagKey], Step: StepID(img.Tags[TagStep]), Type: "ec2:image",
					Attrs: map[string]string{"name": img.Name}})
			}
			return out, nil
		},
	}}
}

// Script writes the step as AWS CLI commands: IMAGE_ID for the launch
// template.
func (amiStep) Script(s *spec.Spec, w *Script) {
	param, err := BaseImageParameter(s.AMI.Base, s.Architecture())
	if err != nil {
		w.Comment("%v", err)
		return
	}
	switch s.AMI.Source {
	case spec.AMIExisting:
		w.Line("IMAGE_ID=%s", shellQuote(s.AMI.ID))
		w.Line("aws ec2 describe-images --image-ids \"$IMAGE_ID\" --query 'Images[0].[State,Architecture]' --output text")
	case spec.AMIBake:
		name := amiBakeName(s)
		w.Capture("BASE_IMAGE_ID", "aws ssm get-parameter --name "+param, "Parameter.Value")
		w.Capture("BASE_ROOT_DEVICE", "aws ec2 describe-images --image-ids \"$BASE_IMAGE_ID\"", "Images[0].RootDeviceName")
		w.Line("BUILDER_SUBNET_ID=${PUBLIC_SUBNET_IDS%%%%[, ]*}")
		key := ""
		if s.Instance.KeyName != "" {
			key = " --key-name " + shellQuote(s.Instance.KeyName)
		}
		w.Capture("BUILDER_ID", "aws ec2 run-instances --image-id \"$BASE_IMAGE_ID\" --instance-type "+shellQuote(s.Instance.Type)+
			" --subnet-id \"$BUILDER_SUBNET_ID\" --security-group-ids \"$APP_SG_ID\""+key+" \\\n"+
			"  --iam-instance-profile Arn=\"$INSTANCE_PROFILE_ARN\" --user-data "+shellQuote("file://"+s.File(s.AMI.SetupScript))+" \\\n"+
			"  --metadata-options HttpTokens=required,HttpPutResponseHopLimit=2 \\\n"+
			"  --block-device-mappings \"DeviceName=$BASE_ROOT_DEVICE,Ebs={VolumeType=gp3,Encrypted=true}\" \\\n"+
			"  --tag-specifications "+TagSpec("instance", s.Name, StepAMI, amiBuilderKey, s.Name+"-ami-builder"),
			"Instances[0].InstanceId")
		w.Comment("Status checks pass once the builder has booted; the waiter gives up after 10 minutes (run it again).")
		w.Line("aws ec2 wait instance-status-ok --instance-ids \"$BUILDER_ID\"")
		w.Capture("IMAGE_ID", "aws ec2 create-image --instance-id \"$BUILDER_ID\" --name "+shellQuote(name)+" \\\n"+
			"  --tag-specifications "+TagSpec("image", s.Name, StepAMI, amiImageKey(name), name)+" "+
			TagSpec("snapshot", s.Name, StepAMI, amiImageKey(name), name), "ImageId")
		w.Line("aws ec2 wait image-available --image-ids \"$IMAGE_ID\"")
		w.Line("aws ec2 terminate-instances --instance-ids \"$BUILDER_ID\"")
	default:
		w.Capture("IMAGE_ID", "aws ssm get-parameter --name "+param, "Parameter.Value")
	}
}
