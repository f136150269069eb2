package steps

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/spec"
)

// ltDescribe reads a template and its default version.
func ltDescribe(ctx context.Context, c *aws.Clients, id string) (aws.LaunchTemplate, map[string]string, bool, error) {
	lt, ok, err := c.Compute.LaunchTemplate(ctx, id, "")
	if err != nil || !ok {
		return aws.LaunchTemplate{}, nil, false, err
	}
	data, version, err := c.Compute.TemplateVersion(ctx, lt.ID, "$Default")
	if err != nil {
		return aws.LaunchTemplate{}, nil, false, err
	}
	attrs := ltObserved(data)
	attrs["name"] = lt.Name
	attrs["version"] = strconv.FormatInt(version, 10)
	return lt, attrs, true, nil
}

func launchTemplateKinds() []Kind {
	return []Kind{{
		Type: "ec2:launch-template", Order: 50,
		Manual: manualByID("aws ec2 delete-launch-template --launch-template-id"),
		Describe: func(ctx context.Context, t Target) (Observed, error) {
			_, attrs, ok, err := ltDescribe(ctx, t.AWS, t.Resource.ID)
			if err != nil || !ok {
				return Observed{}, err
			}
			obs := Observed{Exists: true, State: "version " + attrs["version"], Healthy: true, Attrs: attrs}
			var problems []string
			if attrs["http_tokens"] != "required" {
				problems = append(problems, "the default version allows IMDSv1 (http_tokens "+attrs["http_tokens"]+")")
			}
			if attrs["encrypted"] != "true" {
				problems = append(problems, "the default version's root volume is not encrypted")
			}
			if len(problems) > 0 {
				obs.Healthy = false
				obs.Problem = strings.Join(problems, "; ") + ": run apply to make a version that does what the spec says"
			}
			return obs, nil
		},
		Delete: func(ctx context.Context, t Target) error {
			return t.AWS.Compute.DeleteLaunchTemplate(ctx, t.Resource.ID)
		},
		List: func(ctx context.Context, c *aws.Clients, stack string) ([]Found, error) {
			lts, err := c.Compute.LaunchTemplatesTagged(ctx, TagStack, stack)
			if err != nil {
				return nil, err
			}
			var out []Found
			for _, lt := range lts {
				_, attrs, ok, err := ltDescribe(ctx, c, lt.ID)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
				out = append(out, Found{ID: lt.ID, Key: lt.Tags[TagKey], Step: StepID(lt.Tags[TagStep]), Type: "ec2:launch-template", Attrs: attrs})
			}
			return out, nil
		},
	}}
}

// Script writes the step as AWS CLI commands: LAUNCH_TEMPLATE_ID and
// LAUNCH_TEMPLATE_VERSION for the Auto Scaling group. It reads IMAGE_ID,
// INSTANCE_PROFILE_ARN and APP_SG_ID.
func (st launchTemplateStep) Script(s *spec.Spec, w *Script) {
	name := s.Name + "-lt"
	w.Capture("ROOT_DEVICE", "aws ec2 describe-images --image-ids \"$IMAGE_ID\"", "Images[0].RootDeviceName")
	volume := strconv.Itoa(s.Instance.VolumeGiB)
	if s.Instance.VolumeGiB == 0 {
		w.Comment("instance.volume_gib is left to the image: its root snapshot's size.")
		w.Capture("ROOT_GIB", "aws ec2 describe-images --image-ids \"$IMAGE_ID\"", "Images[0].BlockDeviceMappings[0].Ebs.VolumeSize")
		volume = "$ROOT_GIB"
	}
	userData := ""
	if s.Instance.UserData != "" {
		w.Line("USER_DATA=$(base64 -w0 < %s)", shellQuote(s.File(s.Instance.UserData)))
		userData = "\n  \"UserData\": \"$USER_DATA\","
	}
	key := ""
	if s.Instance.KeyName != "" {
		key = fmt.Sprintf("\n  \"KeyName\": %q,", s.Instance.KeyName)
	}
	tags := fmt.Sprintf(`[{"Key": %q, "Value": %q}, {"Key": %q, "Value": %q}, {"Key": "Name", "Value": %q}]`,
		TagStack, s.Name, TagStep, StepAutoscaling, s.Name+"-app")
	w.Comment("IMDSv2 only (hop limit %d lets containers reach it), an encrypted gp3 root volume, the app's role and firewall.", ltHopLimit)
	w.Line(`LT_DATA=$(cat <<EOF
{
  "ImageId": "$IMAGE_ID",
  "InstanceType": %q,
  "IamInstanceProfile": {"Arn": "$INSTANCE_PROFILE_ARN"},
  "SecurityGroupIds": ["$APP_SG_ID"],%s%s
  "MetadataOptions": {"HttpTokens": "required", "HttpPutResponseHopLimit": %d, "HttpEndpoint": "enabled"},
  "BlockDeviceMappings": [{"DeviceName": "$ROOT_DEVICE",
    "Ebs": {"VolumeSize": %s, "VolumeType": "gp3", "Encrypted": true, "DeleteOnTermination": true}}],
  "TagSpecifications": [{"ResourceType": "instance", "Tags": %s},
                        {"ResourceType": "volume", "Tags": %s}]
}
EOF
)`, s.Instance.Type, key, userData, ltHopLimit, volume, tags, tags)
	w.Capture("LAUNCH_TEMPLATE_ID", "aws ec2 create-launch-template --launch-template-name "+shellQuote(name)+
		" \\\n  --launch-template-data \"$LT_DATA\" \\\n  --tag-specifications "+TagSpec("launch-template", s.Name, StepLaunchTemplate, ltKey, name),
		"LaunchTemplate.LaunchTemplateId")
	w.Line("LAUNCH_TEMPLATE_VERSION=1")
	w.Comment("A later change: create-launch-template-version --launch-template-id \"$LAUNCH_TEMPLATE_ID\" --launch-template-data \"$LT_DATA\",")
	w.Comment("then modify-launch-template --launch-template-id \"$LAUNCH_TEMPLATE_ID\" --default-version <the new number>.")
}
