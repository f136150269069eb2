package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

type simulateAPI interface {
	SimulatePrincipalPolicy(context.Context, *iam.SimulatePrincipalPolicyInput, ...func(*iam.Options)) (*iam.SimulatePrincipalPolicyOutput, error)
}

// serviceName is the service an IAM action belongs to, as people know it.
func serviceName(action string) string {
	prefix, _, _ := strings.Cut(action, ":")
	switch prefix {
	case "ec2", "iam", "acm", "sns", "ssm", "sts", "kms":
		return strings.ToUpper(prefix)
	case "elasticloadbalancing":
		return "Elastic Load Balancing"
	case "autoscaling":
		return "Auto Scaling"
	case "route53":
		return "Route 53"
	case "cloudwatch":
		return "CloudWatch"
	}
	return prefix
}

// policyFixRef is where the least-privilege policy lives.
const policyFixRef = "docs/iam-policy.json"

// simulateBatch keeps each SimulatePrincipalPolicy request small.
const simulateBatch = 50

// permissions checks every action stackwiz needs with
// iam:SimulatePrincipalPolicy, when the caller may call it. A denied
// action stackwiz needs is a fail, one check per service naming each
// action; a denied doctor-only action a warn; no simulation, a warn
// ("unknown"), never a fail: the permissions may well be there.
func (d *doctor) permissions(ctx context.Context, caller Caller) []Check {
	unknown := func(detail, fix string) []Check {
		return []Check{{Name: "permissions", Status: StatusWarn, Detail: "unknown: " + detail, Fix: fix}}
	}
	simFix := "allow iam:SimulatePrincipalPolicy on your own user or role so doctor can check, or compare your policy with " + policyFixRef
	if caller.ARN == "" {
		return unknown("the caller's identity is not known", "fix the identity check first")
	}
	if caller.IsRoot() {
		return []Check{{Name: "permissions", Status: StatusOK, Detail: "the root user: IAM policies do not limit it (an organization's SCPs still may)", Fix: ""}}
	}
	source := policySourceARN(caller.ARN)
	if source == "" {
		return unknown("iam:SimulatePrincipalPolicy cannot simulate "+caller.ARN, "compare your policy with "+policyFixRef)
	}
	decisions, err := simulate(ctx, d, iam.NewFromConfig(d.cfg), source)
	switch {
	case IsAccessDenied(err):
		return unknown("the caller may not call iam:SimulatePrincipalPolicy", simFix)
	case IsNotFound(err):
		return unknown(fmt.Sprintf("IAM does not find %s to simulate (a role with a path?): %s", source, Message(err)), simFix)
	case err != nil:
		return unknown(d.where()+" could not simulate: "+shortReason(err), "compare your policy with "+policyFixRef)
	}
	return permissionChecks(decisions)
}

// simulate returns the decision for every required action.
func simulate(ctx context.Context, d *doctor, api simulateAPI, source string) (map[string]iamtypes.PolicyEvaluationDecisionType, error) {
	actions := make([]string, 0, len(RequiredActions()))
	for _, a := range RequiredActions() {
		actions = append(actions, a.Name)
	}
	out := make(map[string]iamtypes.PolicyEvaluationDecisionType, len(actions))
	for batch := range slices.Chunk(actions, simulateBatch) {
		p := iam.NewSimulatePrincipalPolicyPaginator(api, &iam.SimulatePrincipalPolicyInput{
			PolicySourceArn: sdk.String(source), ActionNames: batch,
		})
		for p.HasMorePages() {
			cctx, cancel := d.call(ctx)
			page, err := p.NextPage(cctx)
			cancel()
			if err != nil {
				return nil, fmt.Errorf("simulate principal policy: %w", err)
			}
			for _, r := range page.EvaluationResults {
				name := sdk.ToString(r.EvalActionName)
				// Several results for one action (one per resource): the
				// strictest counts.
				if prev, seen := out[name]; !seen || prev == iamtypes.PolicyEvaluationDecisionTypeAllowed {
					out[name] = r.EvalDecision
				}
			}
		}
	}
	for _, a := range actions {
		if _, ok := out[a]; !ok {
			return nil, fmt.Errorf("simulate principal policy: no result for %s", a)
		}
	}
	return out, nil
}

// permissionChecks turns decisions into checks: one ok when everything
// needed is allowed, else one per service with denied actions.
func permissionChecks(decisions map[string]iamtypes.PolicyEvaluationDecisionType) []Check {
	type denial struct {
		action   string
		decision iamtypes.PolicyEvaluationDecisionType
		purposes Purpose
	}
	byService := map[string][]denial{}
	var services []string
	for _, a := range RequiredActions() {
		dec := decisions[a.Name]
		if dec == iamtypes.PolicyEvaluationDecisionTypeAllowed {
			continue
		}
		svc := serviceName(a.Name)
		if byService[svc] == nil {
			services = append(services, svc)
		}
		byService[svc] = append(byService[svc], denial{a.Name, dec, a.Purposes})
	}
	if len(services) == 0 {
		return []Check{{Name: "permissions", Status: StatusOK,
			Detail: fmt.Sprintf("all %d IAM actions stackwiz uses are allowed (iam:SimulatePrincipalPolicy)", len(decisions))}}
	}
	slices.Sort(services)
	var checks []Check
	for _, svc := range services {
		ds := byService[svc]
		status := StatusWarn
		var parts, names []string
		explicit := false
		for _, x := range ds {
			if x.purposes&^PurposeDoctor != 0 {
				status = StatusFail
			}
			if x.decision == iamtypes.PolicyEvaluationDecisionTypeExplicitDeny {
				explicit = true
			}
			parts = append(parts, fmt.Sprintf("%s denied (%s; needed for %s)", x.action, x.decision, x.purposes))
			names = append(names, x.action)
		}
		fix := fmt.Sprintf("allow %s in your IAM policy (%s)", joinActions(names), policyFixRef)
		if len(names) == 1 {
			fix = fmt.Sprintf("%s denied — allow it in your IAM policy (%s)", names[0], policyFixRef)
		}
		if explicit {
			fix += "; an explicit deny comes from a Deny statement, a permission boundary or an SCP: lift it there"
		}
		checks = append(checks, Check{Name: "permissions " + svc, Status: status, Detail: strings.Join(parts, ", "), Fix: fix})
	}
	return checks
}

// joinActions lists actions, shortened past a handful.
func joinActions(names []string) string {
	const show = 6
	if len(names) <= show {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:show], ", "), len(names)-show)
}

// policySourceARN is the IAM principal to simulate for a caller ARN: a
// user as is, an assumed role's session as its role (without a path: STS
// ARNs do not carry it), and "" for what IAM cannot simulate (federated
// users, root).
func policySourceARN(callerARN string) string {
	parts := strings.SplitN(callerARN, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return ""
	}
	partition, service, account, resource := parts[1], parts[2], parts[4], parts[5]
	switch {
	case service == "iam" && strings.HasPrefix(resource, "user/"):
		return callerARN
	case service == "iam" && strings.HasPrefix(resource, "role/"):
		return callerARN
	case service == "sts" && strings.HasPrefix(resource, "user/"):
		// Not an ARN AWS issues, but what moto answers for its user.
		return fmt.Sprintf("arn:%s:iam::%s:%s", partition, account, resource)
	case service == "sts" && strings.HasPrefix(resource, "assumed-role/"):
		role, _, _ := strings.Cut(strings.TrimPrefix(resource, "assumed-role/"), "/")
		return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, role)
	}
	return ""
}
