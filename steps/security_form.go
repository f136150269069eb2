package steps

import "github.com/stackwiz/stackwiz/spec"

// Form asks the app's port and the instances' egress, and says what the
// security groups admit.
func (securityStep) Form() Form {
	return Form{
		Owns: []string{"instance.egress_ports"},
		Groups: []FormGroup{{Fields: []FormField{
			{Path: "instance.port", Title: "App port", Kind: FieldNumber,
				Validate: func(a Answers, _ string) error {
					return spec.ValidateNumber(a.Text("instance.port"), spec.ValidatePort)
				}},
			{Path: "instance.egress", Title: "Egress", Kind: FieldSelect, Options: []FormOption{
				{Label: "restricted — only what the stack needs (HTTPS out; HTTP too for Ubuntu's mirrors)", Value: spec.EgressRestricted},
				{Label: "all — every port to anywhere (AWS's default)", Value: spec.EgressAll},
			}},
			{Title: "Security groups", Kind: FieldNote, Describe: func(a Answers) string {
				ports := "80"
				if a.On("load_balancer.https") {
					ports = "80 and 443"
				}
				return "The load balancer admits " + ports + " from anywhere, and reaches only the app port of the instances.\n" +
					"The instances admit the app port only from the load balancer's group — not from the internet.\n" +
					"SSH goes through the bastion, if there is one.\n" +
					"The app needs more ports out (a database, SMTP)? List them in stack.yaml, under instance: egress ports."
			}},
		}}},
	}
}
