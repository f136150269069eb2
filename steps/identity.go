package steps

import (
	"context"
	"fmt"

	"github.com/stackwiz/stackwiz/spec"
)

// identityStep asks AWS who the credentials belong to, pins the stack to
// that account and region, and warns when the caller is the root user.
type identityStep struct{}

func (identityStep) ID() StepID    { return StepIdentity }
func (identityStep) Title() string { return "Identity" }
func (identityStep) Why() string {
	return "Know which account and region you are about to build in, before anything is created."
}
func (identityStep) Enabled(*spec.Spec) bool      { return true }
func (identityStep) Needs(*spec.Spec) []StepID    { return nil }
func (identityStep) Desired(*spec.Spec) []Desired { return nil }
func (identityStep) Apply(ctx context.Context, r *Run) error {
	c, err := r.AWS.Identity.Caller(ctx)
	if err != nil {
		return err
	}
	// SetIdentity refuses an account other than the recorded one: a stack
	// applied with the wrong profile must not build a second copy.
	if err := r.e.store.SetIdentity(c.Region, c.Account); err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	if c.IsRoot() {
		r.Warn("you are signed in as the account's root user: create an IAM user or SSO role for daily work and keep root for account settings")
	}
	r.Info("account %s, region %s, as %s", c.Account, c.Region, c.ARN)
	return r.SetOutputs(map[string]string{"account": c.Account, "region": c.Region, "caller_arn": c.ARN})
}

func identityKinds() []Kind { return nil }
