package sandbox

import (
	"fmt"
	"strconv"
	"strings"
)

// simulateResultXML is one member of EvaluationResults.
type simulateResultXML struct {
	EvalActionName   string `xml:"EvalActionName"`
	EvalResourceName string `xml:"EvalResourceName"`
	EvalDecision     string `xml:"EvalDecision"`
}

// simulatePrincipalPolicy evaluates ActionNames for the caller against the
// sandbox's deny list: an action a deny pattern matches is "explicitDeny",
// any other "allowed" (the sandbox's caller is otherwise an administrator).
// Only the caller's own ARN (CallerARN) can be simulated: the sandbox
// keeps no policies for other principals. Resources are not evaluated
// separately; each result names the first ResourceArns entry, or "*".
func simulatePrincipalPolicy(c *call) (any, error) {
	source := c.p.Get("PolicySourceArn")
	if source == "" {
		return nil, errIAMValidation("null", "policySourceArn", "Member must not be null")
	}
	if !strings.EqualFold(source, CallerARN) {
		if _, name, ok := strings.Cut(source, ":user/"); ok {
			return nil, errNotFound("NoSuchEntity", "The user with name %s cannot be found.", name)
		}
		if _, name, ok := strings.Cut(source, ":role/"); ok {
			return nil, errNotFound("NoSuchEntity", "The role with name %s cannot be found.", name)
		}
		return nil, errBadRequest("InvalidInput", "Invalid ARN %s: the sandbox simulates only its caller, %s.", source, CallerARN)
	}
	actions := c.p.List("ActionNames.member")
	if len(actions) == 0 {
		return nil, errIAMValidation("null", "actionNames", "Member must not be null")
	}
	resource := "*"
	if rs := c.p.List("ResourceArns.member"); len(rs) > 0 {
		resource = rs[0]
	}
	deny := c.sb.inj.deny // c runs with the sandbox locked
	// Results keep the order of ActionNames; the page keys are their
	// zero-padded positions, which sort the same way.
	keys := make([]string, len(actions))
	for i := range actions {
		keys[i] = fmt.Sprintf("%06d", i)
	}
	page, marker, truncated, perr := iamPage(c, keys)
	if perr != nil {
		return nil, perr
	}
	out := struct {
		EvaluationResults []simulateResultXML `xml:"EvaluationResults>member"`
		IsTruncated       bool                `xml:"IsTruncated"`
		Marker            string              `xml:"Marker,omitempty"`
	}{EvaluationResults: []simulateResultXML{}, IsTruncated: truncated, Marker: marker}
	for _, k := range page {
		i, _ := strconv.Atoi(k) // a key this handler wrote
		decision := "allowed"
		if deny.denies(actions[i]) {
			decision = "explicitDeny"
		}
		out.EvaluationResults = append(out.EvaluationResults, simulateResultXML{
			EvalActionName: actions[i], EvalResourceName: resource, EvalDecision: decision,
		})
	}
	return out, nil
}
