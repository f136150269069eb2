package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/stackwiz/stackwiz/sandbox"
)

// schemaBase is the $id prefix of the schemas in docs/schemas/.
const schemaBase = "https://raw.githubusercontent.com/stackwiz/stackwiz/main/docs/schemas/"

// compileSchema compiles docs/schemas/<name>.schema.json with every other
// schema of the directory loaded under its $id, so that $refs between them
// resolve to the files of this tree and nothing is fetched.
func compileSchema(t testing.TB, name string) *jsonschema.Schema {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("docs", "schemas", "*.schema.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no schemas in docs/schemas: %v", err)
	}
	c := jsonschema.NewCompiler()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s is not JSON: %v", f, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if want := schemaBase + filepath.Base(f); id != want {
			t.Fatalf("%s: $id is %q, want %q", f, id, want)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	s, err := c.Compile(schemaBase + name + ".schema.json")
	if err != nil {
		t.Fatalf("compile docs/schemas/%s.schema.json: %v", name, err)
	}
	return s
}

// validDocument checks that out is exactly one JSON document valid against
// docs/schemas/<name>.schema.json, and returns it decoded.
func validDocument(t *testing.T, name, what string, r result) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("%s: stdout is not a JSON document (exit %d): %v\nstdout:\n%s\nstderr:\n%s", what, r.code, err, r.stdout, r.stderr)
	}
	if dec.More() {
		t.Fatalf("%s: stdout holds more than one JSON document:\n%s", what, r.stdout)
	}
	if err := compileSchema(t, name).Validate(doc); err != nil {
		t.Fatalf("%s: the document does not match docs/schemas/%s.schema.json:\n%v\ndocument:\n%s", what, name, err, r.stdout)
	}
	m, _ := doc.(map[string]any)
	return m
}

// TestJSONDocumentsMatchTheirSchemas runs every command that has --json
// through the built binary against a sandbox, in the states that make its
// document emptiest and fullest, and validates each real document against
// its schema in docs/schemas/.
func TestJSONDocumentsMatchTheirSchemas(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	spec := examplePath(t, "minimal")
	run := func(args ...string) result {
		t.Helper()
		r, _ := w.stackwiz(t, dir, 0, args...)
		return r
	}
	wantCode := func(what string, r result, code int) {
		t.Helper()
		if r.code != code {
			t.Fatalf("%s exited %d, want %d\nstdout:\n%s\nstderr:\n%s", what, r.code, code, r.stdout, r.stderr)
		}
	}

	// Nothing recorded yet: status and destroy have no stack to name.
	r := run("status", "--json")
	wantCode("status --json with no stack", r, exitUsage)
	if doc := validDocument(t, "error", "status --json with no stack", r); doc["exit_code"] != json.Number("2") {
		t.Errorf("status --json with no stack: exit_code %v, want 2", doc["exit_code"])
	}
	r = run("--stack", "demo", "destroy", "--yes", "--json")
	wantCode("destroy --json of a stack that was never built", r, exitOK)
	if doc := validDocument(t, "destroy", "destroy --json of a stack that was never built", r); !strings.Contains(doc["note"].(string), "nothing to destroy") {
		t.Errorf("destroy of nothing: note %q, want it to say there was nothing to destroy", doc["note"])
	}

	// An invalid spec: the error document lists every problem.
	bad := filepath.Join(t.TempDir(), "stack.yaml")
	if err := os.WriteFile(bad, []byte("name: demo\nautoscaling:\n  min: 5\n  max: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r = run("plan", "-f", bad, "--json")
	wantCode("plan --json of an invalid spec", r, exitUsage)
	if doc := validDocument(t, "error", "plan --json of an invalid spec", r); len(doc["problems"].([]any)) == 0 {
		t.Errorf("plan --json of an invalid spec lists no problems:\n%s", r.stdout)
	}

	// A plan of a stack with nothing built: every change a create.
	r = run("plan", "-f", spec, "--json")
	wantCode("plan --json", r, exitOK)
	if doc := validDocument(t, "plan", "plan --json before apply", r); len(doc["changes"].([]any)) == 0 {
		t.Errorf("plan --json before apply has no changes:\n%s", r.stdout)
	}

	// A stack whose every create is refused: recorded, with nothing in it.
	if err := w.sb.SetFaults(sandbox.Faults{Deny: []string{"iam:CreateRole", "ec2:CreateSecurityGroup", "ec2:CreateTags"}}); err != nil {
		t.Fatal(err)
	}
	r = run("apply", "-f", spec, "--yes", "--json")
	wantCode("apply --json with every create denied", r, exitFailure)
	if doc := validDocument(t, "apply", "apply --json that failed", r); doc["ok"] != false || doc["error"] == "" {
		t.Errorf("apply --json that failed: ok %v, error %q", doc["ok"], doc["error"])
	}
	r = run("status", "--json")
	wantCode("status --json of a stack with nothing built", r, exitFailure)
	doc := validDocument(t, "status", "status --json of a stack with nothing built", r)
	if doc["verdict"] != "unhealthy" {
		t.Errorf("status of a stack with nothing built: verdict %v, want unhealthy", doc["verdict"])
	}
	if err := w.sb.SetFaults(sandbox.Faults{}); err != nil {
		t.Fatal(err)
	}

	// The whole stack.
	r = run("apply", "-f", spec, "--yes", "--json")
	wantCode("apply --json", r, exitOK)
	if doc := validDocument(t, "apply", "apply --json", r); doc["ok"] != true || len(doc["outputs"].(map[string]any)) == 0 {
		t.Errorf("apply --json: ok %v, outputs %v", doc["ok"], doc["outputs"])
	}
	r = run("status", "--json")
	wantCode("status --json", r, exitOK)
	if doc := validDocument(t, "status", "status --json", r); doc["verdict"] != "healthy" || len(doc["resources"].([]any)) == 0 {
		t.Errorf("status --json: verdict %v, %d resources", doc["verdict"], len(doc["resources"].([]any)))
	}
	r = run("plan", "--json")
	wantCode("plan --json after apply", r, exitOK)
	validDocument(t, "plan", "plan --json after apply", r)

	r = run("doctor", "--json")
	if r.code != exitOK && r.code != exitFailure {
		t.Fatalf("doctor --json exited %d\n%s", r.code, r.stderr)
	}
	validDocument(t, "doctor", "doctor --json", r)

	r = run("destroy", "--yes", "--json")
	wantCode("destroy --json", r, exitOK)
	if doc := validDocument(t, "destroy", "destroy --json", r); doc["destroyed"] != true {
		t.Errorf("destroy --json: destroyed %v", doc["destroyed"])
	}

	r = runBinary(t, "version", "--json")
	wantCode("version --json", r, exitOK)
	validDocument(t, "version", "version --json", r)
}

// TestDoctorJSONWithoutAnEndpointMatchesItsSchema: doctor's emptiest
// document, every check failed for want of an endpoint.
func TestDoctorJSONWithoutAnEndpointMatchesItsSchema(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	w := &world{url: closed}
	r, _ := w.stackwiz(t, t.TempDir(), 0, "doctor", "--json")
	if r.code != exitFailure {
		t.Fatalf("doctor --json against a closed port exited %d, want 1\n%s", r.code, r.stderr)
	}
	validDocument(t, "doctor", "doctor --json against a closed port", r)
}

// TestEverySchemaIsUsed keeps docs/schemas/ to the documents stackwiz
// prints (and stack.yaml's): a schema no test validates is a promise
// nothing checks.
func TestEverySchemaIsUsed(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("docs", "schemas", "*.schema.json"))
	used := map[string]bool{"plan": true, "apply": true, "status": true, "destroy": true, "doctor": true,
		"version": true, "error": true, "stack": true}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".schema.json")
		if !used[name] {
			t.Errorf("%s is validated by no test: add its document to TestJSONDocumentsMatchTheirSchemas", f)
		}
		compileSchema(t, name)
	}
}

// TestJSONDocumentsOfAGroupWithNoInstances: a group scaled to nothing
// leaves the documents' lists empty, not null, and they still match.
func TestJSONDocumentsOfAGroupWithNoInstances(t *testing.T) {
	w := newWorld(t)
	dir := t.TempDir()
	text, err := os.ReadFile(examplePath(t, "minimal"))
	if err != nil {
		t.Fatal(err)
	}
	specDir := t.TempDir()
	start, err := os.ReadFile(filepath.Join("examples", "start.sh"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(specDir, "start.sh"), start, 0o600); err != nil {
		t.Fatal(err)
	}
	spec := filepath.Join(specDir, "stack.yaml")
	if err := os.WriteFile(spec, append(text, "autoscaling:\n  min: 0\n  desired: 0\n  max: 1\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ := w.stackwiz(t, dir, 0, "plan", "-f", spec, "--json")
	validDocument(t, "plan", "plan --json of a group of none", r)
	r, _ = w.stackwiz(t, dir, 0, "apply", "-f", spec, "--yes", "--json")
	if r.code != exitOK {
		t.Fatalf("apply of a group of none exited %d\n%s", r.code, r.stderr)
	}
	validDocument(t, "apply", "apply --json of a group of none", r)
	r, _ = w.stackwiz(t, dir, 0, "status", "--json")
	doc := validDocument(t, "status", "status --json of a group of none", r)
	if want := map[string]int{"healthy": exitOK, "unhealthy": exitFailure, "unknown": exitCouldNotCheck}[doc["verdict"].(string)]; r.code != want {
		t.Errorf("status of a group of none: verdict %v but exit %d", doc["verdict"], r.code)
	}
}
