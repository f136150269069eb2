package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stackwiz/stackwiz/spec"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

const stackSchemaFile = "docs/schemas/stack.schema.json"

// specField is one field of spec.Spec: its path in stack.yaml, the Go
// field it is, and its default.
type specField struct {
	path   string
	goName string
	typ    reflect.Type
	def    reflect.Value
}

// specFields walks spec.Spec by its yaml tags, objects included.
func specFields() []specField {
	var out []specField
	var walk func(prefix string, t reflect.Type, v reflect.Value)
	walk = func(prefix string, t reflect.Type, v reflect.Value) {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || tag == "-" || tag == "" {
				continue
			}
			sf := specField{path: prefix + tag, goName: "steps." + t.Name() + "." + f.Name, typ: f.Type, def: v.Field(i)}
			out = append(out, sf)
			if f.Type.Kind() == reflect.Struct {
				walk(sf.path+".", f.Type, v.Field(i))
			}
		}
	}
	d := spec.Defaults()
	walk("", reflect.TypeOf(d), reflect.ValueOf(d))
	return out
}

// schemaProps walks the schema's properties, objects included.
func schemaProps(node map[string]any, prefix string, out map[string]map[string]any) {
	props, _ := node["properties"].(map[string]any)
	for name, p := range props {
		pm, _ := p.(map[string]any)
		out[prefix+name] = pm
		schemaProps(pm, prefix+name+".", out)
	}
}

func loadStackSchema(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(stackSchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("%s: %v", stackSchemaFile, err)
	}
	return s
}

// jsonType is the JSON Schema type of a Go field's type.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "?" + t.Kind().String()
}

// TestStackSchemaCoversEverySpecField keeps docs/schemas/stack.schema.json
// equal to spec.Spec: every field of the spec is in the schema and every
// property of the schema is a field, with the same type, a description,
// the default Defaults() gives it, and no unknown fields allowed.
func TestStackSchemaCoversEverySpecField(t *testing.T) {
	schema := loadStackSchema(t)
	props := map[string]map[string]any{}
	schemaProps(schema, "", props)
	fields := specFields()
	known := map[string]bool{}
	// Fields whose default is computed from others, so the schema cannot
	// give one: name (required) and iam.role_name (<name>-app).
	noDefault := map[string]bool{"name": true, "iam.role_name": true}
	for _, f := range fields {
		known[f.path] = true
		p, ok := props[f.path]
		parent, leaf := "", f.path
		if i := strings.LastIndex(f.path, "."); i >= 0 {
			parent, leaf = f.path[:i], f.path[i+1:]
		}
		where := "properties"
		if parent != "" {
			where = "the properties of " + parent
		}
		def, _ := json.Marshal(f.def.Interface())
		if !ok {
			t.Errorf("%s lacks %s (%s, Go type %s, default %s): add %q to %s, with \"type\": %q, a description and \"default\": %s",
				stackSchemaFile, f.path, f.goName, f.typ, def, leaf, where, jsonType(f.typ), def)
			continue
		}
		if got, want := p["type"], jsonType(f.typ); got != want {
			t.Errorf("%s: %s has type %v, but %s is a %s: make it %q", stackSchemaFile, f.path, got, f.goName, f.typ, want)
		}
		if d, _ := p["description"].(string); strings.TrimSpace(d) == "" {
			t.Errorf("%s: %s has no description: say what %s does, its values and its default", stackSchemaFile, f.path, f.path)
		}
		switch f.typ.Kind() {
		case reflect.Struct:
			if p["additionalProperties"] != false {
				t.Errorf("%s: %s must say \"additionalProperties\": false: stackwiz refuses unknown fields", stackSchemaFile, f.path)
			}
			continue
		case reflect.Slice:
			if _, ok := p["items"].(map[string]any); !ok {
				t.Errorf("%s: %s is a list without \"items\"", stackSchemaFile, f.path)
			} else if got, want := p["items"].(map[string]any)["type"], jsonType(f.typ.Elem()); got != want {
				t.Errorf("%s: the items of %s have type %v, want %q (%s)", stackSchemaFile, f.path, got, want, f.typ)
			}
		}
		got, has := p["default"]
		switch {
		case noDefault[f.path] && has:
			t.Errorf("%s: %s has a default, but its value depends on other fields: describe it instead", stackSchemaFile, f.path)
		case noDefault[f.path]:
		case !has:
			t.Errorf("%s: %s has no default: add \"default\": %s (spec.Defaults())", stackSchemaFile, f.path, def)
		default:
			gotJSON, _ := json.Marshal(got)
			if !bytes.Equal(gotJSON, def) {
				t.Errorf("%s: %s has default %s, but spec.Defaults() gives %s", stackSchemaFile, f.path, gotJSON, def)
			}
		}
	}
	if schema["additionalProperties"] != false {
		t.Errorf("%s: the top level must say \"additionalProperties\": false: stackwiz refuses unknown fields", stackSchemaFile)
	}
	var extra []string
	for path := range props {
		if !known[path] {
			extra = append(extra, path)
		}
	}
	slices.Sort(extra)
	for _, path := range extra {
		t.Errorf("%s has %s, which spec.Spec has no field for (a yaml tag): remove it, or add the field; editors would offer a field stackwiz refuses", stackSchemaFile, path)
	}
}

// compileStackSchema compiles the stack.yaml schema.
func compileStackSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	return compileSchema(t, "stack")
}

// yamlInstance decodes YAML as a JSON Schema instance.
func yamlInstance(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatalf("parse YAML: %v", err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("YAML as JSON: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatal(err)
	}
	return inst
}

// TestExamplesValidateAgainstTheStackSchema: every examples/*.yaml names
// the schema for editors (yaml-language-server) on its first line, by a
// path that reaches the file, is valid against it, and is a valid spec for
// stackwiz too.
func TestExamplesValidateAgainstTheStackSchema(t *testing.T) {
	sch := compileStackSchema(t)
	examples, err := filepath.Glob(filepath.Join("examples", "*.yaml"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples/*.yaml: %v", err)
	}
	for _, ex := range examples {
		data, err := os.ReadFile(ex)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		ref, ok := strings.CutPrefix(first, "# yaml-language-server: $schema=")
		if !ok {
			t.Errorf("%s: the first line is %q; want \"# yaml-language-server: $schema=../%s\" so that editors check the file", ex, first, stackSchemaFile)
		} else if p := filepath.Join(filepath.Dir(ex), ref); filepath.Clean(p) != filepath.Clean(stackSchemaFile) {
			t.Errorf("%s: $schema=%s reaches %s, not %s", ex, ref, p, stackSchemaFile)
		}
		if err := sch.Validate(yamlInstance(t, data)); err != nil {
			t.Errorf("%s does not match %s:\n%v", ex, stackSchemaFile, err)
		}
		if _, err := spec.Load(ex); err != nil {
			t.Errorf("%s is not a valid spec: %v", ex, err)
		}
	}
}

// TestStackSchemaAgreesWithTheSpecValidation: what the wizard writes (the
// defaults) is valid against the schema, and each enumerated value the
// schema offers is one stackwiz accepts, and a value outside it one stackwiz
// refuses, at that field.
func TestStackSchemaAgreesWithTheSpecValidation(t *testing.T) {
	sch := compileStackSchema(t)
	d := spec.Defaults()
	d.Name = "demo"
	text, err := d.YAML()
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(yamlInstance(t, text)); err != nil {
		t.Errorf("the default spec, as the wizard writes it, does not match %s:\n%v\n%s", stackSchemaFile, err, text)
	}

	props := map[string]map[string]any{}
	schemaProps(loadStackSchema(t), "", props)
	// problemsAt parses a spec with path set to value and returns the
	// errors stackwiz finds at path.
	problemsAt := func(path string, value any) []string {
		doc := map[string]any{"name": "demo"}
		m := doc
		parts := strings.Split(path, ".")
		for _, p := range parts[:len(parts)-1] {
			next := map[string]any{}
			m[p] = next
			m = next
		}
		m[parts[len(parts)-1]] = value
		y, err := yaml.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		_, err = spec.Parse(y)
		var ve *spec.ValidationError
		if err == nil || !errors.As(err, &ve) {
			return nil
		}
		var out []string
		for _, p := range ve.Problems {
			if !p.IsWarning() && (p.Path == path || strings.HasPrefix(p.Path, path+"[")) {
				out = append(out, p.Error())
			}
		}
		return out
	}
	checked := 0
	for _, path := range slices.Sorted(maps.Keys(props)) {
		p := props[path]
		enum, _ := p["enum"].([]any)
		isList := false
		if items, ok := p["items"].(map[string]any); ok && enum == nil {
			enum, _ = items["enum"].([]any)
			isList = true
		}
		if enum == nil {
			continue
		}
		wrap := func(v any) any {
			if isList {
				return []any{v}
			}
			return v
		}
		for _, v := range enum {
			if probs := problemsAt(path, wrap(v)); len(probs) > 0 {
				t.Errorf("%s offers %v for %s, but stackwiz refuses it: %v", stackSchemaFile, v, path, probs)
			}
			checked++
		}
		if probs := problemsAt(path, wrap("no-such-value")); len(probs) == 0 {
			t.Errorf("stackwiz accepts %s: no-such-value, which %s's enum does not offer: the enum is not the whole list", path, stackSchemaFile)
		}
	}
	if checked < 10 {
		t.Errorf("checked %d enumerated values, want the schema's enums (nat, ami.source, ami.base, termination_policies, ...)", checked)
	}
}
