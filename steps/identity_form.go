package steps

import (
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks the stack's name, the AWS profile and the region. The name
// comes first: it is the one answer with no default, and what a
// first-time user types as soon as the wizard opens.
func (identityStep) Form() Form {
	return Form{
		Waits: []FormLookup{LookupProfiles, LookupCaller},
		Groups: []FormGroup{{Fields: []FormField{
			{Path: "name", Title: "Stack name", Kind: FieldText, Placeholder: "e.g. demo", CharLimit: 20,
				Validate: func(a Answers, _ string) error { return spec.ValidateName(strings.TrimSpace(a.Text("name"))) }},
			{Path: "profile", Title: "Profile", Kind: FieldProfile, Lookup: LookupProfiles, Inline: true},
			{Path: "region", Title: "Region", Kind: FieldText, Placeholder: "us-east-1",
				Lookup: LookupRegions, Suggestions: commonRegions,
				Validate: func(a Answers, _ string) error { return spec.ValidateRegion(strings.TrimSpace(a.Text("region"))) }},
		}}},
		// The role follows a renamed stack unless it was named by hand.
		Then: func(s, was *spec.Spec) {
			if was.IAM.RoleName == "" || was.IAM.RoleName == was.DefaultRoleName() {
				s.IAM.RoleName = s.DefaultRoleName()
			}
		},
	}
}

// commonRegions are offered before the account can be asked for its own.
var commonRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-west-1", "eu-west-2", "eu-west-3",
	"eu-central-1", "eu-north-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ap-south-1", "sa-east-1",
}
