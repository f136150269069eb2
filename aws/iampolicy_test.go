package aws

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updatePolicy = flag.Bool("update-policy", false, "rewrite docs/iam-policy.json from RequiredActions")

// TestIAMPolicyDocumentIsTheOneTheCodeNeeds keeps docs/iam-policy.json
// equal to what RequiredActions makes of it; with the test that keeps
// RequiredActions equal to the adapters' calls, a new AWS call that the
// documented policy does not allow fails here. Regenerate with
// go test ./aws -run IAMPolicy -update-policy.
func TestIAMPolicyDocumentIsTheOneTheCodeNeeds(t *testing.T) {
	want, err := PolicyDocument()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "iam-policy.json")
	if *updatePolicy {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	have, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("docs/iam-policy.json is not the policy RequiredActions makes: run go test ./aws -run IAMPolicy -update-policy and review the diff")
	}
	var doc struct {
		Statement []policyStatement
	}
	if err := json.Unmarshal(have, &doc); err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{}
	for _, s := range doc.Statement {
		for _, a := range s.Action {
			if strings.Contains(a, "*") {
				t.Errorf("statement %s allows %s: least privilege lists actions", s.Sid, a)
			}
			allowed[a] = true
		}
	}
	for _, a := range RequiredActions() {
		if !allowed[a.Name] {
			t.Errorf("%s (%s) is not allowed by docs/iam-policy.json", a.Name, a.Purposes)
		}
	}
	if len(allowed) != len(RequiredActions()) {
		t.Errorf("the policy allows %d actions, RequiredActions lists %d", len(allowed), len(RequiredActions()))
	}
}
