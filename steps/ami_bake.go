package steps

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/stackwiz/stackwiz/aws"
)

// The bake's keys and its bounds. A builder boots in about a minute and
// its status checks pass a minute or two later; an 8 GiB image is
// typically available 5-10 minutes after CreateImage, larger ones later.
const (
	amiBuilderKey    = "ami/builder"
	amiBuilderTag    = "stackwiz:image" // on the builder: the image it is for
	amiBuilderBoot   = 30 * time.Minute
	amiImagePending  = 90 * time.Minute
	amiBuilderLaunch = 2 // a builder found stopped is replaced once
)

// amiBake makes (or finds) the stack's image for the current base and setup
// script: a builder instance from the base runs the script as its user
// data; once it has booted and passed its status checks, CreateImage takes
// the image (rebooting the builder so its disk is consistent); when the
// image is available the builder is terminated. Every stage is journaled
// and found again after a crash: the builder by its tags, the image by its
// name.
func amiBake(ctx context.Context, r *Run) (aws.Image, error) {
	name := amiBakeName(r.Spec)
	d := amiStep{}.Desired(r.Spec)[0]
	script, err := os.ReadFile(r.Spec.File(r.Spec.AMI.SetupScript))
	if err != nil {
		return aws.Image{}, fmt.Errorf("ami.setup_script: %w (a relative path is relative to the spec file's directory)", err)
	}
	rec, err := r.Ensure(ctx, d, Ops{
		Find: func(ctx context.Context) (Found, bool, error) { return amiFindImage(ctx, r, name) },
		Create: func(ctx context.Context, _ string) (Found, error) {
			builder, err := amiBuilder(ctx, r, name, script)
			if err != nil {
				return Found{}, err
			}
			id, err := r.AWS.Compute.CreateImage(ctx, builder, name,
				"stackwiz "+r.Spec.Name+": "+r.Spec.AMI.Base+" with "+r.Spec.AMI.SetupScript, r.Tags(d.Key, name))
			if aws.IsCode(err, "InvalidAMIName.Duplicate") {
				f, ok, ferr := amiFindImage(ctx, r, name)
				if ferr != nil || ok {
					return f, ferr
				}
			}
			if err != nil {
				return Found{}, err
			}
			return Found{ID: id}, nil
		},
	})
	if err != nil {
		return aws.Image{}, err
	}
	var img aws.Image
	err = r.Wait(ctx, d.Key, "image "+rec.ID+" ("+name+") to become available", amiImagePending, func(ctx context.Context) (bool, error) {
		var ok bool
		img, ok, err = r.AWS.Compute.Image(ctx, rec.ID)
		switch {
		case err != nil:
			return false, err
		case !ok:
			return false, fmt.Errorf("image %s is gone: run apply again to bake it again", rec.ID)
		case img.State == "pending":
			return false, nil
		case img.State != "available":
			return false, fmt.Errorf("image %s is %s (%s): run apply again to bake it again", rec.ID, img.State, img.StateReason)
		}
		return true, nil
	})
	if err != nil {
		return aws.Image{}, err
	}
	// The image is available: the launch template may use it while the
	// builder terminates; the step is done once it has.
	if err := r.SetOutputs(map[string]string{"image_id": img.ID}); err != nil {
		return aws.Image{}, err
	}
	if err := amiDropBuilders(ctx, r); err != nil {
		return aws.Image{}, err
	}
	return img, nil
}

// amiFindImage finds the account's image named name, taken by an earlier
// run whose answer was lost.
func amiFindImage(ctx context.Context, r *Run, name string) (Found, bool, error) {
	imgs, err := r.AWS.Compute.OwnImages(ctx, "", "", name)
	if err != nil || len(imgs) == 0 {
		return Found{}, false, err
	}
	if imgs[0].Tags[TagStack] != r.Spec.Name {
		return Found{}, false, fmt.Errorf("ami: an image named %s exists (%s) and is not this stack's: deregister it, or rename the stack", name, imgs[0].ID)
	}
	return Found{ID: imgs[0].ID}, true, nil
}

// amiBuilder returns a running builder that has passed its status checks
// for image name: the recorded one, one an earlier run launched (found by
// its tags), or a new one.
func amiBuilder(ctx context.Context, r *Run, name string, script []byte) (string, error) {
	base, err := amiLatest(ctx, r)
	if err != nil {
		return "", err
	}
	subnet, _, _ := strings.Cut(r.Output(StepNetwork, "public_subnets"), ",")
	if subnet == "" {
		return "", fmt.Errorf("ami: the network step recorded no public subnet for the builder: run apply so the network step finishes first")
	}
	profile := r.Output(StepIAM, "instance_profile_arn")
	// The app's group: the builder's setup script reaches what the app may
	// (instance.egress), and the VPC's default group stays unused.
	group := r.Output(StepSecurity, "app_sg")
	if group == "" {
		return "", fmt.Errorf("ami: the security step recorded no app security group for the builder: run apply so the security step finishes first")
	}
	d := Desired{Key: amiBuilderKey, Type: "ec2:instance", Name: r.Name("ami-builder"),
		Attrs: map[string]string{"image_name": name, "base_image": base.ID}}
	var id string
	for attempt := 0; ; attempt++ {
		rec, err := r.Ensure(ctx, d, Ops{
			Find: func(ctx context.Context) (Found, bool, error) { return amiFindBuilder(ctx, r, name) },
			Create: func(ctx context.Context, token string) (Found, error) {
				tags := r.Tags(amiBuilderKey, d.Name)
				tags[amiBuilderTag] = name
				in := aws.InstanceInput{
					ImageID: base.ID, InstanceType: r.Spec.Instance.Type, SubnetID: subnet, ProfileARN: profile,
					SecurityGroupIDs: []string{group},
					KeyName:          r.Spec.Instance.KeyName, UserData: script, RootDevice: base.RootDevice, Tags: tags,
					// Sent, not left to EC2: emulators such as moto refuse a
					// block device mapping without a size (MissingParameter).
					RootGiB: base.RootGiB,
					// The token is the intent's, tied to what this builder is for:
					// a builder for another script must not answer for this one.
					ClientToken: amiToken(token, name, base.ID),
				}
				var inst aws.Instance
				err := r.RetryIAM(ctx, "launch the AMI builder with instance profile "+profile, func(ctx context.Context) error {
					var err error
					inst, err = r.AWS.Compute.RunInstance(ctx, in)
					return err
				})
				if err != nil {
					return Found{}, fmt.Errorf("launch the AMI builder: %w", err)
				}
				r.Info("builder %s launched from %s in %s; it runs %s as its user data", inst.ID, base.ID, subnet, r.Spec.AMI.SetupScript)
				return Found{ID: inst.ID}, nil
			},
		})
		if err != nil {
			return "", err
		}
		inst, ok, err := r.AWS.Compute.Instance(ctx, rec.ID)
		if err != nil {
			return "", err
		}
		if ok && (inst.State == "pending" || inst.State == "running") {
			id = inst.ID
			break
		}
		if attempt+1 >= amiBuilderLaunch {
			return "", fmt.Errorf("ami: builder %s is %s: run apply again to launch another", rec.ID, inst.State)
		}
		r.Warn("builder %s is %s; terminating it and launching another", rec.ID, firstOf(inst.State, "gone"))
		if err := r.Delete(ctx, amiBuilderKey); err != nil {
			return "", err
		}
	}
	err = r.Wait(ctx, amiBuilderKey, "builder "+id+" to boot and pass its status checks", amiBuilderBoot, func(ctx context.Context) (bool, error) {
		inst, ok, err := r.AWS.Compute.Instance(ctx, id)
		switch {
		case err != nil:
			return false, err
		case !ok || inst.Gone() || inst.State == "stopped" || inst.State == "stopping":
			return false, fmt.Errorf("ami: builder %s stopped before its image was taken (state %s): "+
				"check that ami.setup_script does not shut the instance down, then run apply again", id, firstOf(inst.State, "gone"))
		case inst.State != "running":
			return false, nil
		}
		return r.AWS.Compute.StatusOK(ctx, id)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// amiFindBuilder finds the stack's live builder for image name. One for
// another image (an older script) is terminated: it can never be used.
func amiFindBuilder(ctx context.Context, r *Run, name string) (Found, bool, error) {
	found, err := r.AWS.Compute.InstancesTagged(ctx, map[string]string{TagStack: r.Spec.Name, TagKey: amiBuilderKey})
	if err != nil {
		return Found{}, false, err
	}
	var keep Found
	ok := false
	for _, inst := range found {
		switch {
		case inst.Gone():
		case inst.Tags[amiBuilderTag] == name && !ok && (inst.State == "pending" || inst.State == "running"):
			keep, ok = Found{ID: inst.ID}, true
		default:
			r.Warn("terminating builder %s (%s, for image %s): it is not the one this apply needs", inst.ID, inst.State, inst.Tags[amiBuilderTag])
			if err := r.AWS.Compute.TerminateInstance(ctx, inst.ID); err != nil {
				return Found{}, false, err
			}
		}
	}
	return keep, ok, nil
}

// amiDropBuilders terminates the builder once the image is available: the
// recorded one through the journal, and any the record does not know (a
// run that crashed before recording its launch and then lost its record).
func amiDropBuilders(ctx context.Context, r *Run) error {
	if err := r.Delete(ctx, amiBuilderKey); err != nil {
		return err
	}
	left, err := r.AWS.Compute.InstancesTagged(ctx, map[string]string{TagStack: r.Spec.Name, TagKey: amiBuilderKey})
	if err != nil {
		return err
	}
	for _, inst := range left {
		if inst.Gone() {
			continue
		}
		r.Warn("terminating builder %s: the record did not know it", inst.ID)
		if err := r.AWS.Compute.TerminateInstance(ctx, inst.ID); err != nil {
			return err
		}
	}
	return nil
}

// amiToken is RunInstances' client token for a builder: the intent's token
// and what the builder is for, within EC2's 64 characters.
func amiToken(intent, image, base string) string {
	sum := sha256.Sum256([]byte(intent + "\n" + image + "\n" + base))
	return "stackwiz-" + hex.EncodeToString(sum[:])[:40]
}
