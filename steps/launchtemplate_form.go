package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the instances' type, volume, user data and key pair.
func (launchTemplateStep) Form() Form {
	return Form{
		Owns:  []string{"instance"},
		Waits: []FormLookup{LookupKeyPairs},
		Groups: []FormGroup{
			{Fields: []FormField{
				{Path: "instance.type", Title: "Instance type", Kind: FieldText, Suggestions: offeredTypes,
					Validate: func(a Answers, _ string) error {
						return spec.ValidateInstanceType(strings.TrimSpace(a.Text("instance.type")))
					}},
				{Path: "instance.volume_gib", Title: "Volume GiB", Kind: FieldNumber, BlankIsZero: true,
					Placeholder: "the image's root size (8 on AWS)",
					Validate: func(a Answers, _ string) error {
						text := a.Text("instance.volume_gib")
						if strings.TrimSpace(text) == "" {
							return nil // the image's root snapshot size
						}
						return spec.ValidateNumber(text, spec.ValidateVolumeGiB)
					}},
				{Path: "instance.user_data", Title: "User data", Kind: FieldText, Placeholder: "e.g. ./start.sh (optional)",
					Validate: func(a Answers, dir string) error {
						return spec.ValidateScriptFile(strings.TrimSpace(a.Text("instance.user_data")), dir)
					}},
			}},
			{Fields: []FormField{
				// The key pairs found in the region follow "none".
				{Path: "instance.key_name", Title: "Key pair", Kind: FieldSelect, Lookup: LookupKeyPairs,
					Options:  []FormOption{{Label: "none — use Session Manager", Value: ""}},
					Validate: func(a Answers, _ string) error { return spec.ValidateKeyName(a.Text("instance.key_name")) }},
			}},
		},
	}
}

// offeredTypes are the instance types suggested as you type.
var offeredTypes = []string{"t3.micro", "t3.small", "t3.medium", "t3a.micro", "t3a.small", "t4g.micro", "t4g.small", "t2.micro", "m7i.large", "c7i.large"}
