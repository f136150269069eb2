package sandbox

import (
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

func TestSimulatePrincipalPolicyFollowsTheDenyList(t *testing.T) {
	sb := newTestSandbox(t)
	if err := sb.SetFaults(Faults{Deny: []string{"ec2:RunInstances", "monitoring:*"}}); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	client := iam.NewFromConfig(sb.Cfg)
	actions := []string{"ec2:RunInstances", "ec2:DescribeVpcs", "cloudwatch:PutMetricAlarm", "iam:CreateRole", "EC2:runinstances"}
	want := map[string]iamtypes.PolicyEvaluationDecisionType{
		"ec2:RunInstances":          iamtypes.PolicyEvaluationDecisionTypeExplicitDeny,
		"ec2:DescribeVpcs":          iamtypes.PolicyEvaluationDecisionTypeAllowed,
		"cloudwatch:PutMetricAlarm": iamtypes.PolicyEvaluationDecisionTypeExplicitDeny,
		"iam:CreateRole":            iamtypes.PolicyEvaluationDecisionTypeAllowed,
		"EC2:runinstances":          iamtypes.PolicyEvaluationDecisionTypeExplicitDeny,
	}
	// MaxItems 2 makes the paginator follow Marker across three pages.
	pages := iam.NewSimulatePrincipalPolicyPaginator(client, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: sdk.String(CallerARN), ActionNames: actions, MaxItems: sdk.Int32(2),
	})
	var got []iamtypes.EvaluationResult
	n := 0
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("SimulatePrincipalPolicy: %v", err)
		}
		n++
		got = append(got, out.EvaluationResults...)
	}
	if n != 3 || len(got) != len(actions) {
		t.Fatalf("want %d results in 3 pages, got %d in %d", len(actions), len(got), n)
	}
	for i, r := range got {
		name := sdk.ToString(r.EvalActionName)
		if name != actions[i] {
			t.Errorf("result %d is %s, want %s (results keep the order asked)", i, name, actions[i])
		}
		if r.EvalDecision != want[name] {
			t.Errorf("%s: EvalDecision %q, want %q", name, r.EvalDecision, want[name])
		}
		if sdk.ToString(r.EvalResourceName) != "*" {
			t.Errorf("%s: EvalResourceName %q, want *", name, sdk.ToString(r.EvalResourceName))
		}
	}
}

func TestSimulatePrincipalPolicyRefusals(t *testing.T) {
	sb := newTestSandbox(t)
	ctx := testCtx(t)
	client := iam.NewFromConfig(sb.Cfg)
	_, err := client.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: sdk.String("arn:aws:iam::" + AccountID + ":user/someone"), ActionNames: []string{"ec2:RunInstances"},
	})
	if !isCode(err, "NoSuchEntity") {
		t.Errorf("unknown user: want NoSuchEntity, got %v", err)
	}
	if err := sb.SetFaults(Faults{Deny: []string{"iam:SimulatePrincipalPolicy"}}); err != nil {
		t.Fatal(err)
	}
	_, err = client.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: sdk.String(CallerARN), ActionNames: []string{"ec2:RunInstances"},
	})
	if !isCode(err, "AccessDenied") {
		t.Errorf("denied simulation: want AccessDenied, got %v", err)
	}
}
