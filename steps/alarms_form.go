package steps

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stackwiz/stackwiz/spec"
)

// Form asks where the alarms are sent, the billing alarm's threshold and
// whether the alarm topics are encrypted.
func (alarmsStep) Form() Form {
	return Form{
		Owns: []string{"alarms"},
		Groups: []FormGroup{{Fields: []FormField{
			{Path: "alarms.email", Title: "Email", Kind: FieldText, Placeholder: "optional, e.g. you@example.com",
				Validate: func(a Answers, _ string) error { return spec.ValidateEmail(strings.TrimSpace(a.Text("alarms.email"))) }},
			{Path: "alarms.billing_threshold_usd", Title: "Billing alarm $", Kind: FieldNumber,
				Validate: func(a Answers, _ string) error {
					text := strings.TrimSpace(a.Text("alarms.billing_threshold_usd"))
					f, err := strconv.ParseFloat(text, 64)
					if err != nil {
						return &spec.FieldError{Value: text, Problem: fmt.Sprintf("%q is not an amount", text), Fix: "type a monthly amount in USD, like 20, or 0 for no billing alarm"}
					}
					return spec.ValidateBillingThreshold(f)
				}},
			{Path: "alarms.encrypt_topic", Title: "Encrypt the alarm topics (a KMS key each, $1/month)", Kind: FieldConfirm, Inline: true},
		}}},
	}
}
