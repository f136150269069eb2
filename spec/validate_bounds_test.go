package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stringPaths lists the path of every string and []string field of Spec.
func stringPaths(t reflect.Type, prefix string) (strs, lists []string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		p := joinPath(prefix, yamlName(f))
		switch {
		case f.Type.Kind() == reflect.String:
			strs = append(strs, p)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			lists = append(lists, p)
		case f.Type.Kind() == reflect.Struct:
			s, l := stringPaths(f.Type, p)
			strs, lists = append(strs, s...), append(lists, l...)
		}
	}
	return strs, lists
}

// setPath sets the field at a dotted path of s.
func setPath(t *testing.T, s *Spec, path string, v any) {
	t.Helper()
	field := reflect.ValueOf(s).Elem()
	for _, key := range strings.Split(path, ".") {
		var ok bool
		if field, ok = fieldByTag(field, key); !ok {
			t.Fatalf("no field %s", path)
		}
	}
	field.Set(reflect.ValueOf(v))
}

// boundProblems returns the problems at path that are about a length.
func boundProblems(ps []FieldError, path string) []FieldError {
	var out []FieldError
	for _, p := range ps {
		if p.Path == path && strings.Contains(p.Problem, "allowed (") {
			out = append(out, p)
		}
	}
	return out
}

// TestEveryStringFieldIsBounded: each string and list of Spec (found by
// reflection, so a new field must get a bound) is refused one character
// past its bound with an error naming its path and the limit, without
// echoing the value; at the bound it passes the length check.
func TestEveryStringFieldIsBounded(t *testing.T) {
	strs, lists := stringPaths(reflect.TypeFor[Spec](), "")
	bounded := map[string]int{}
	for _, b := range stringBounds {
		bounded[b.path] = b.max
	}
	for _, p := range strs {
		if _, ok := bounded[p]; !ok {
			t.Errorf("string field %s has no bound in stringBounds", p)
		}
	}
	listBounded := map[string]listBound{}
	for _, b := range listBounds {
		listBounded[b.path] = b
	}
	for _, p := range lists {
		if _, ok := listBounded[p]; !ok {
			t.Errorf("list field %s has no bound in listBounds", p)
		}
	}
	for _, b := range stringBounds {
		t.Run(b.path, func(t *testing.T) {
			s := Defaults()
			s.Name = "demo"
			at := strings.Repeat("a", b.max)
			if b.path == "name" {
				at = strings.Repeat("a", 20)
			}
			setPath(t, &s, b.path, at)
			if got := boundProblems(s.Validate(ValidateEnv{}), b.path); len(got) != 0 {
				t.Errorf("%d characters refused: %v", b.max, got)
			}
			setPath(t, &s, b.path, at+"a"+strings.Repeat("x", 100_000))
			ps := s.Validate(ValidateEnv{})
			got := boundProblems(ps, b.path)
			if len(got) != 1 || got[0].IsWarning() || !strings.Contains(got[0].Problem, fmt.Sprintf("the %d allowed", b.max)) {
				t.Fatalf("over the bound: got %v, want one error naming %d", got, b.max)
			}
			err := (&ValidationError{Problems: ps}).Error()
			if len(err) > 4000 {
				t.Errorf("the problems echo the value: %d bytes of error", len(err))
			}
			if !strings.Contains(err, b.path+": is ") {
				t.Errorf("error does not name %s: %s", b.path, err)
			}
		})
	}
	for _, b := range listBounds {
		t.Run(b.path, func(t *testing.T) {
			s := Defaults()
			s.Name = "demo"
			items := make([]string, b.maxItems+1)
			for i := range items {
				items[i] = fmt.Sprintf("Policy%d", i)
			}
			setPath(t, &s, b.path, items)
			if got := boundProblems(s.Validate(ValidateEnv{}), b.path); len(got) != 1 || !strings.Contains(got[0].Problem, fmt.Sprintf("the %d allowed", b.maxItems)) {
				t.Errorf("%d entries: got %v, want one error naming %d", len(items), got, b.maxItems)
			}
			setPath(t, &s, b.path, []string{"Default", strings.Repeat("a", b.maxChars+1)})
			if got := boundProblems(s.Validate(ValidateEnv{}), b.path+"[1]"); len(got) != 1 || !strings.Contains(got[0].Problem, fmt.Sprint(b.maxChars)) {
				t.Errorf("an entry of %d characters: got %v", b.maxChars+1, got)
			}
		})
	}
}

// TestSpecBounds: the inputs that were accepted unbounded, refused through
// Parse and Load as a user meets them.
func TestSpecBounds(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name     string
		yaml     string
		path     string // the problem's field; "" for the whole file
		text     string
		severity Severity
	}{
		{"ten megabyte email", "name: demo\nalarms:\n  email: " + strings.Repeat("a", 10<<20) + "@example.com\n",
			"", "1048576 bytes (1 MiB)", SeverityError},
		{"long email", "name: demo\nalarms:\n  email: " + strings.Repeat("a", 250) + "@example.com\n",
			"alarms.email", "more than the 254 allowed", SeverityError},
		{"email at 254", "name: demo\nalarms:\n  email: " + strings.Repeat("a", 254-len("@example.com")) + "@example.com\n",
			"", "", SeverityError},
		{"long zone", "name: demo\ndns:\n  zone: " + strings.Repeat("a.", 200) + "com\n  record: x.com\n",
			"dns.zone", "more than the 254 allowed", SeverityError},
		{"21 managed policies", "name: demo\niam:\n  managed_policies: [" + strings.TrimSuffix(strings.Repeat("AmazonSSMManagedInstanceCore, ", 21), ", ") + "]\n",
			"iam.managed_policies", "21 entries, more than the 20 allowed", SeverityError},
		{"11 managed policies", "name: demo\niam:\n  managed_policies: [" + strings.TrimSuffix(strings.Repeat("AmazonSSMManagedInstanceCore, ", 11), ", ") + "]\n",
			"iam.managed_policies", "default quota is 10", SeverityWarning},
		{"long ami id, ignored source", "name: demo\nami:\n  id: ami-" + strings.Repeat("0", 100) + "\n",
			"ami.id", "more than the 64 allowed", SeverityError},
		{"long nat", "name: demo\nnetwork:\n  nat: " + strings.Repeat("per-az", 100_000) + "\n",
			"network.nat", "more than the 64 allowed", SeverityError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			if err := os.WriteFile(file, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			s, err := Load(file)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Load took %v", d)
			}
			var ps []FieldError
			var ve *ValidationError
			if errors.As(err, &ve) {
				ps = ve.Problems
			} else if err != nil {
				t.Fatalf("Load: %v", err)
			} else {
				ps = s.Validate(ValidateEnv{BaseDir: dir})
			}
			if tc.text == "" {
				for _, p := range ps {
					if strings.Contains(p.Problem, "allowed (") {
						t.Errorf("a value at its bound was refused: %v", p.Error())
					}
				}
				return
			}
			var found *FieldError
			for i := range ps {
				if ps[i].Path == tc.path && strings.Contains(ps[i].Error(), tc.text) {
					found = &ps[i]
				}
			}
			if found == nil || found.Severity != tc.severity {
				t.Fatalf("want a %v at %q containing %q, got %v", tc.severity, tc.path, tc.text, ps)
			}
			if tc.path == "" && !strings.Contains(found.Problem, file) {
				t.Errorf("the problem does not name the file: %s", found.Problem)
			}
			if err != nil && len(err.Error()) > 4000 {
				t.Errorf("the error is %d bytes: it echoes the value", len(err.Error()))
			}
		})
	}
	if _, err := Parse([]byte("name: demo\n# " + strings.Repeat("x", maxFileBytes))); err == nil || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("Parse of a spec over 1 MiB: %v", err)
	}
}

// TestFormValidatorsAreBounded: the validators the wizard's forms call
// refuse an over-long value by its length, as the loader does.
func TestFormValidatorsAreBounded(t *testing.T) {
	checkFieldCases(t, []fieldCase{
		{"email over 254", ValidateEmail(strings.Repeat("a", 250) + "@example.com"), isError, "254"},
		{"email at 254", ValidateEmail(strings.Repeat("a", 242) + "@example.com"), oK, ""},
		{"nat over 64", ValidateNAT(strings.Repeat("single", 1000)), isError, "64"},
		{"ssh_from over 64", ValidateSSHFrom(strings.Repeat("1", 65)), isError, "64"},
		{"policy over 2048", ValidateManagedPolicy("arn:aws:iam::aws:policy/" + strings.Repeat("a", 2048)), isError, "2048"},
		{"zone over 253", ValidateDNSZone(strings.Repeat("a.", 127) + "com"), isError, "253"},
	})
}
