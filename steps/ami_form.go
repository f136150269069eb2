package steps

import "strings"

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
					{Label: "latest — the base's current public image", Value: SpecAMILatest},
					{Label: "bake — run a setup script on a builder, keep the image", Value: SpecAMIBake},
					{Label: "existing — an image id you have", Value: SpecAMIExisting},
				}, Validate: func(a Answers, _ string) error { return ValidateAMISource(source(a)) }},
			}},
			{Hide: func(a Answers) bool { return source(a) == SpecAMIExisting }, Fields: []FormField{
				{Path: "ami.base", Title: "Base", Kind: FieldSelect, Inline: true, Options: []FormOption{
					{Label: "Amazon Linux 2023", Value: SpecBaseAmazonLinux2023},
					{Label: "Ubuntu 24.04", Value: SpecBaseUbuntu2404},
					{Label: "Ubuntu 22.04", Value: SpecBaseUbuntu2204},
				}, Validate: func(a Answers, _ string) error { return ValidateAMIBase(a.Text("ami.base")) }},
			}},
			{Hide: func(a Answers) bool { return source(a) != SpecAMIExisting }, Fields: []FormField{
				// Suggested: the base's latest image id, when found.
				{Path: "ami.id", Title: "Image id", Kind: FieldText, Placeholder: "ami-0123456789abcdef0",
					Lookup: LookupImage, Hidden: HiddenCleared,
					Validate: func(a Answers, _ string) error {
						if source(a) != SpecAMIExisting {
							return nil
						}
						return ValidateAMIID(strings.TrimSpace(a.Text("ami.id")))
					}},
			}},
			{Hide: func(a Answers) bool { return source(a) != SpecAMIBake }, Fields: []FormField{
				{Path: "ami.setup_script", Title: "Setup script", Kind: FieldText, Placeholder: "e.g. ./setup.sh",
					Hidden: HiddenCleared,
					Validate: func(a Answers, dir string) error {
						if source(a) != SpecAMIBake {
							return nil
						}
						script := strings.TrimSpace(a.Text("ami.setup_script"))
						if script == "" {
							return &FieldError{Problem: "is empty but the image is baked", Fix: "name the script that installs the app on the builder instance"}
						}
						return ValidateScriptFile(script, dir)
					}},
			}},
		},
	}
}
