package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/stackwiz/stackwiz/aws"
	"github.com/stackwiz/stackwiz/state"
)

// Remaining is one resource of the stack that destroy could not delete,
// with why and how to delete it by hand.
type Remaining struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Region string `json:"region,omitempty"`
	// Reason is the last error, in one line.
	Reason string `json:"reason"`
	// Command is the AWS CLI command that deletes it, once what blocks it
	// is fixed (or empty when the type has no one-line delete).
	Command string `json:"command,omitempty"`
}

// DestroyError is a destroy that deleted what it could and left the rest:
// every remaining recorded resource, and the types that could not be
// listed (their unrecorded resources may remain too). A second destroy
// finishes what has become possible.
type DestroyError struct {
	Remaining []Remaining `json:"remaining"`
	// Unlisted are the types whose tag search failed, with why.
	Unlisted []Remaining `json:"unlisted,omitempty"`
}

func (e *DestroyError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "destroy left %d resource(s) of the stack", len(e.Remaining))
	if len(e.Unlisted) > 0 {
		fmt.Fprintf(&b, " and could not search %d type(s)", len(e.Unlisted))
	}
	b.WriteString(":")
	for _, r := range e.Remaining {
		fmt.Fprintf(&b, "\n  %s %s: %s", r.Type, r.ID, r.Reason)
		if r.Command != "" {
			fmt.Fprintf(&b, "\n      by hand: %s", r.Command)
		}
	}
	for _, u := range e.Unlisted {
		fmt.Fprintf(&b, "\n  %s (not searched): %s", u.Type, u.Reason)
	}
	return b.String()
}

// destroyError builds the DestroyError after a destroy: every live record
// left, with the last error that names it.
func (e *Engine) destroyError(deleteErr error, unlisted []unlistedType) error {
	var errs []error
	if deleteErr != nil {
		errs = flatten(deleteErr)
	}
	out := &DestroyError{}
	for _, r := range e.store.Snapshot().Resources {
		if !r.Live() {
			continue
		}
		id := firstOf(r.ID, r.ARN, r.Key)
		reason := "not deleted: an earlier failure stopped it"
		// Its own failure ("delete autoscaling:group demo-asg: ...") before
		// another's that mentions it ("... scaling policy demo-cpu of demo-asg").
		own := r.Type + " " + id
		if i := slices.IndexFunc(errs, func(err error) bool { return strings.Contains(err.Error(), own) }); i >= 0 {
			reason = firstLine(reasonOf(errs[i]))
		} else if i := slices.IndexFunc(errs, func(err error) bool { return strings.Contains(err.Error(), id) }); i >= 0 {
			reason = firstLine(reasonOf(errs[i]))
		}
		region := r.Region
		if region == "" && e.aws != nil {
			region = e.aws.Region
		}
		out.Remaining = append(out.Remaining, Remaining{Type: r.Type, ID: id, Region: region, Reason: reason, Command: manualDelete(*r, region)})
	}
	for _, u := range unlisted {
		out.Unlisted = append(out.Unlisted, Remaining{Type: u.Type, Reason: firstLine(reasonOf(u.Err))})
	}
	if len(out.Remaining) == 0 && len(out.Unlisted) == 0 {
		return fmt.Errorf("destroy: %w", deleteErr)
	}
	return out
}

// verifyGone lists the stack's resources by their tags once destroy has
// deleted everything it knew of, and returns a DestroyError naming each
// that is still there: the record is never the only truth, and a destroy
// that says "destroyed" must mean that nothing tagged with the stack is
// left to bill. Nil when the listing is empty.
func (e *Engine) verifyGone(ctx context.Context) error {
	left, failed := e.listTagged(ctx)
	out := &DestroyError{}
	for _, f := range left {
		region := f.Region
		if region == "" {
			region = e.aws.Region
		}
		id := firstOf(f.ID, f.ARN, f.Key)
		out.Remaining = append(out.Remaining, Remaining{Type: f.Type, ID: id, Region: region,
			Reason:  "still there after destroy, found by the stack's tags: run destroy again, or delete it by hand",
			Command: manualDelete(state.Resource{Type: f.Type, ID: f.ID, ARN: f.ARN}, region)})
	}
	for _, u := range failed {
		if !aws.IsUnsupported(u.Err) {
			out.Unlisted = append(out.Unlisted, Remaining{Type: u.Type, Reason: firstLine(reasonOf(u.Err))})
		}
	}
	if len(out.Remaining) == 0 && len(out.Unlisted) == 0 {
		return nil
	}
	return out
}

// reasonOf is what the user can act on in err: the hint for a denied
// permission or a missing operation, else the error's text.
func reasonOf(err error) string {
	switch {
	case aws.IsAccessDenied(err):
		return (&DeniedError{Action: aws.Action(err), Err: err}).Error()
	case aws.IsUnsupported(err):
		return aws.Unsupported(err)
	case aws.Hint(err) != "":
		return err.Error() + " — " + aws.Hint(err)
	}
	return err.Error()
}

// flatten unwraps joined errors into their leaves.
func flatten(err error) []error {
	var j interface{ Unwrap() []error }
	if errors.As(err, &j) {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// manualDelete is the AWS CLI command that deletes r, for the user to run
// once what blocked destroy is fixed.
func manualDelete(r state.Resource, region string) string {
	id := firstOf(r.ID, r.ARN)
	if id == "" {
		// An interrupted create: nothing to name until it is found.
		return ""
	}
	q := shellQuote
	cmd := ""
	switch r.Type {
	case typeAlarm:
		cmd = "aws cloudwatch delete-alarms --alarm-names " + q(id)
	case typeSubscription:
		cmd = "aws sns unsubscribe --subscription-arn " + q(id)
	case typeKey:
		cmd = fmt.Sprintf("aws kms schedule-key-deletion --key-id %s --pending-window-in-days %d", q(id), aws.KeyDeletionDays)
	case typeTopic:
		cmd = "aws sns delete-topic --topic-arn " + q(firstOf(r.ARN, r.ID))
	case typeASGPolicy:
		cmd = "aws autoscaling delete-policy --auto-scaling-group-name " + q(r.Attrs["group"]) + " --policy-name " + q(id)
	case typeASGGroup:
		cmd = "aws autoscaling delete-auto-scaling-group --force-delete --auto-scaling-group-name " + q(id)
	case typeListener:
		cmd = "aws elbv2 delete-listener --listener-arn " + q(firstOf(r.ARN, r.ID))
	case typeLoadBalancer:
		cmd = "aws elbv2 delete-load-balancer --load-balancer-arn " + q(firstOf(r.ARN, r.ID))
	case typeTargetGroup:
		cmd = "aws elbv2 delete-target-group --target-group-arn " + q(firstOf(r.ARN, r.ID))
	case typeCertificate:
		cmd = "aws acm delete-certificate --certificate-arn " + q(firstOf(r.ARN, r.ID))
	case typeHostedZone:
		cmd = "aws route53 delete-hosted-zone --id " + q(id)
	case typeRecord:
		return "" // a change batch, not a one-liner: see `stackwiz export cli`
	case "ec2:launch-template":
		cmd = "aws ec2 delete-launch-template --launch-template-id " + q(id)
	case typeInstance:
		cmd = "aws ec2 terminate-instances --instance-ids " + q(id)
	case "ec2:image":
		cmd = "aws ec2 deregister-image --image-id " + q(id)
	case networkTypeNAT:
		cmd = "aws ec2 delete-nat-gateway --nat-gateway-id " + q(id)
	case networkTypeEIP:
		cmd = "aws ec2 release-address --allocation-id " + q(id)
	case networkTypeIGW:
		// Detach it from its VPC first (aws ec2 detach-internet-gateway).
		cmd = "aws ec2 delete-internet-gateway --internet-gateway-id " + q(id)
	case networkTypeRouteTb:
		cmd = "aws ec2 delete-route-table --route-table-id " + q(id)
	case networkTypeSubnet:
		cmd = "aws ec2 delete-subnet --subnet-id " + q(id)
	case securityTypeGroup:
		cmd = "aws ec2 delete-security-group --group-id " + q(id)
	case networkTypeVPC:
		cmd = "aws ec2 delete-vpc --vpc-id " + q(id)
	case "iam:instance-profile":
		// Global: no region. The role leaves the profile first.
		return "aws iam remove-role-from-instance-profile --instance-profile-name " + q(id) + " --role-name " + q(r.Attrs["role"]) +
			" && aws iam delete-instance-profile --instance-profile-name " + q(id)
	case "iam:role":
		return "aws iam delete-role --role-name " + q(firstOf(r.Attrs["name"], id)) + "  # after detach-role-policy for each attached policy"
	default:
		return ""
	}
	if region != "" {
		cmd += " --region " + region
	}
	return cmd
}
