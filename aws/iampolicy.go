package aws

import (
	"encoding/json"
	"slices"
	"strings"
)

// iamStackPaths are the ARNs of the only IAM role and instance profile
// stackwiz writes: under the path /stackwiz/<stack>/ (steps/iam.go), so a
// policy can confine IAM writes to them.
var iamStackPaths = []string{"arn:aws:iam::*:role/stackwiz/*", "arn:aws:iam::*:instance-profile/stackwiz/*"}

// policyStatement is one statement of an IAM policy document.
type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Action    []string       `json:"Action"`
	Resource  any            `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// isRead reports whether action only reads.
func isRead(action string) bool {
	_, op, _ := strings.Cut(action, ":")
	for _, p := range []string{"Describe", "List", "Get", "Simulate"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// PolicyDocument is the least-privilege IAM policy for running stackwiz
// (docs/iam-policy.json), made from RequiredActions: one statement of
// reads, one of writes per purpose (apply, console, destroy), IAM writes
// confined to the stack's role path, iam:PassRole only to EC2 and only
// for those roles, service-linked roles only for ELB and Auto Scaling.
// An action serving two purposes is listed under both, so each
// statement reads as "what this purpose needs".
func PolicyDocument() ([]byte, error) {
	var reads []string
	writes := map[Purpose][]string{}
	var iamWrites, ssmWrites []string
	for _, a := range RequiredActions() {
		switch {
		case a.Name == "iam:PassRole", a.Name == "iam:CreateServiceLinkedRole":
		case isRead(a.Name):
			reads = append(reads, a.Name)
		case strings.HasPrefix(a.Name, "iam:"):
			iamWrites = append(iamWrites, a.Name)
		case strings.HasPrefix(a.Name, "ssm:"):
			ssmWrites = append(ssmWrites, a.Name)
		default:
			for _, p := range []Purpose{PurposeApply, PurposeConsole, PurposeDestroy, PurposeDoctor} {
				if a.Purposes&p != 0 {
					writes[p] = append(writes[p], a.Name)
				}
			}
		}
	}
	st := []policyStatement{{Sid: "StackwizRead", Effect: "Allow", Action: reads, Resource: "*"}}
	for _, p := range []Purpose{PurposeApply, PurposeConsole, PurposeDestroy} {
		name := p.Names()[0]
		st = append(st, policyStatement{Sid: "Stackwiz" + strings.ToUpper(name[:1]) + name[1:], Effect: "Allow", Action: writes[p], Resource: "*"})
	}
	st = append(st,
		policyStatement{Sid: "StackwizRoleOfTheStack", Effect: "Allow", Action: iamWrites, Resource: iamStackPaths},
		// The lease on a stack (steps/lease.go) is the only parameter
		// stackwiz writes: /stackwiz/<stack>/lease.
		policyStatement{Sid: "StackwizLeaseOnTheStack", Effect: "Allow", Action: ssmWrites, Resource: "arn:aws:ssm:*:*:parameter/stackwiz/*"},
		policyStatement{Sid: "StackwizPassTheStackRoleToEC2", Effect: "Allow", Action: []string{"iam:PassRole"},
			Resource: iamStackPaths[0], Condition: map[string]any{"StringEquals": map[string]string{"iam:PassedToService": "ec2.amazonaws.com"}}},
		policyStatement{Sid: "StackwizServiceLinkedRoles", Effect: "Allow", Action: []string{"iam:CreateServiceLinkedRole"}, Resource: "*",
			Condition: map[string]any{"StringEquals": map[string][]string{
				"iam:AWSServiceName": {"autoscaling.amazonaws.com", "elasticloadbalancing.amazonaws.com"}}}},
	)
	for i := range st {
		slices.Sort(st[i].Action)
		st[i].Action = slices.Compact(st[i].Action)
	}
	doc := struct {
		Version   string
		Statement []policyStatement
	}{"2012-10-17", st}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
