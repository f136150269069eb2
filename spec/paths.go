package spec

import (
	"reflect"
	"strings"
)

// Field returns the field of s at a spec path ("load_balancer.
// health_check.path"), addressable; ok is false when the spec has none.
func Field(s *Spec, path string) (reflect.Value, bool) {
	v := reflect.ValueOf(s).Elem()
	for name := range strings.SplitSeq(path, ".") {
		if v.Kind() != reflect.Struct {
			return reflect.Value{}, false
		}
		f, ok := fieldByTag(v, name)
		if !ok {
			return reflect.Value{}, false
		}
		v = f
	}
	return v, true
}

// Paths lists the path of every settable leaf of a spec (a struct's
// fields are listed, not the struct).
func Paths() []string {
	var out []string
	var walk func(t reflect.Type, prefix string)
	walk = func(t reflect.Type, prefix string) {
		for i := range t.NumField() {
			tag := yamlName(t.Field(i))
			if tag == "" || tag == "-" {
				continue
			}
			ft := t.Field(i).Type
			if ft.Kind() == reflect.Struct {
				walk(ft, prefix+tag+".")
				continue
			}
			out = append(out, prefix+tag)
		}
	}
	walk(reflect.TypeOf(Spec{}), "")
	return out
}
