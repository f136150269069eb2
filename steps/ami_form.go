package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks where the image comes from: the base's latest public image, one
// baked with a setup script, or an image id.
func (amiStep) Form() Form {
	source := func(a Answers) string { return a.Text("ami.source") }
	return Form{
		Owns:  []string{"ami"},
		Waits: []FormLookup{LookupImage},
		Groups: []FormGroup{
			{Fields: []FormField{
				{Path: "ami.source", Title: "Image", Kind: FieldSelect, Options: []FormOption{
					{Label: "latest — the base's current public image", Value: spec.AMILatest},
					{Label: "bake — run a setup script on a builder, keep the image", Value: spec.AMIBake},
					{Label: "existing — an image id you have", Value: spec.AMIExisting},
				}, Validate: func(a Answers, _ string) error { return spec.ValidateAMISource(source(a)) }},
			}},
			{Hide: func(a Answers) bool { return source(a) == spec.AMIExisting }, Fields: []FormField{
				{Path: "ami.base", Title: "Base", Kind: FieldSelect, Inline: true, Options: []FormOption{
					{Label: "Amazon Linux 2023", Value: spec.BaseAmazonLinux2023},
					{Label: "Ubuntu 24.04", Value: spec.BaseUbuntu2404},
					{Label: "Ubuntu 22.04", Value: spec.BaseUbuntu2204},
				}, Validate: func(a Answers, _ string) error { return spec.ValidateAMIBase(a.Text("ami.base")) }},
			}},
			{Hide: func(a Answers) bool { return source(a) != spec.AMIExisting }, Fields: []FormField{
				// Suggested: the base's latest image id, when found.
				{Path: "ami.id", Title: "Image id", Kind: FieldText, Placeholder: "ami-0123456789abcdef0",
					Lookup: LookupImage, Hidden: HiddenCleared,
					Validate: func(a Answers, _ string) error {
						if source(a) != spec.AMIExisting {
							return nil
						}
						return spec.ValidateAMIID(strings.TrimSpace(a.Text("ami.id")))
					}},
			}},
			{Hide: func(a Answers) bool { return source(a) != spec.AMIBake }, Fields: []FormField{
				{Path: "ami.setup_script", Title: "Setup script", Kind: FieldText, Placeholder: "e.g. ./setup.sh",
					Hidden: HiddenCleared,
					Validate: func(a Answers, dir string) error {
						if source(a) != spec.AMIBake {
							return nil
						}
						script := strings.TrimSpace(a.Text("ami.setup_script"))
						if script == "" {
							return &spec.FieldError{Problem: "is empty but the image is baked", Fix: "name the script that installs the app on the builder instance"}
						}
						return spec.ValidateScriptFile(script, dir)
					}},
			}},
		},
	}
}
